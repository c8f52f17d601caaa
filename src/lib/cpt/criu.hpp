// CRIU, the program that checkpoints and restores containers: which binary (vz.conf CRIU=), whether it is new enough
// for this kernel, and running it. The rest of cpt/ (dump, restore, pre-dump) goes through here.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/process.hpp"

namespace vz {
class ConfFile;
}

namespace vz::cpt {

struct CriuVersion {
    unsigned major = 0, minor = 0, sublevel = 0;
    auto operator<=>(const CriuVersion&) const = default;
    // "4.2.1"; "4.2" when the sublevel is 0.
    std::string str() const;
};

// The oldest CRIU that works on the kernels we run on (DESIGN.md, "CRIU"): 3.17 fails `criu check` on 6.18 ("Unexpected
// rt vDSO area bounds"), 4.1 passes it but hangs in dump.
inline constexpr CriuVersion kCriuMinimum{4, 2, 0};
// The wrapper scripts/setup installs (Debian's CRIU 4.2 in a root of its own): CRIU's default when it is there.
inline constexpr std::string_view kCriuWrapper = "/usr/local/sbin/vz-criu";

// The version `criu --version` prints ("Version: 4.2.1", "Version: 4.0", followed by a GitID line in builds from
// git); nullopt when the output has none.
std::optional<CriuVersion> parse_criu_version(std::string_view output);

// A CRIU binary found and checked: it runs and is kCriuMinimum or newer.
struct Criu {
    std::string path;
    CriuVersion version;
};

// The CRIU `setting` names (vz.conf CRIU=): a path, or a program name searched in PATH; empty: kCriuWrapper when it
// exists, else `criu` in PATH. Missing, not runnable, no version or older than kCriuMinimum: vz::Error(Checkpoint),
// one line naming the binary, and the version found and needed.
Criu find_criu(std::string_view setting);
// The CRIU of vz.conf's CRIU=.
Criu find_criu(const ConfFile& global);

// find_criu in two halves, so that CRIU's start-up for `--version` (10-35 ms here) runs beside the caller's own
// work: the binary is located (failing as find_criu does) and `criu --version` started; get() checks its answer as
// find_criu does (once).
class CriuLookup {
public:
    explicit CriuLookup(std::string_view setting);
    explicit CriuLookup(const ConfFile& global);
    const Criu& get();

private:
    Criu criu_;
    StartedProgram version_;
    bool checked_ = false;
};

// `criu <args...>` run to its end (run_program: stdin /dev/null, output captured).
ProgramResult run_criu(const Criu& criu, const std::vector<std::string>& args);

// `criu <args...> --status-fd 3` started in the background (stdin, stdout and stderr /dev/null: it logs with -o), for
// the commands that go on serving once they are ready: a dump with --lazy-pages (its images written, its page
// server listening) and `criu lazy-pages` (its socket made). Returns once CRIU said it is ready (`ready`) or ended
// before it did; `child` owns the process either way.
struct StartedCriu {
    ChildProcess child;
    bool ready = false;
};
StartedCriu start_criu(const Criu& criu, const std::vector<std::string>& args);

// `criu check`: whether this kernel has what CRIU needs to checkpoint and restore; when not, vz::Error(Checkpoint)
// naming what CRIU reported.
void criu_check(const Criu& criu);

// What a CRIU log (-o FILE) says went wrong, in one line: its first "Error (criu/...)" line but the harmless ones
// (RLIMIT_NOFILE, probes for iptables tools), else its last line; empty when the file can't be read.
std::string criu_log_error(const std::string& log_path);

// A mount of the container whose file system is the host's, not the container's own: an LXCFS or vzubcfs file, a
// host device node bound in. CRIU can't dump it; it is named to CRIU as external (`--external mnt[PATH]:KEY`) and
// given its host path again at restore (`--external mnt[KEY]:HOST`).
struct ExternalMount {
    std::string path;  // where it is mounted, in the container
    std::string key;   // "<tag><root>": the tag says which host file system (kExternalTags), root is the file in it
};
// The tags of external mounts, by file system type (mountinfo's): LXCFS, vzubcfs, the host's /dev.
struct ExternalTag {
    std::string_view fstype, tag;
};
inline constexpr ExternalTag kExternalTags[] = {{"fuse.lxcfs", "lxcfs"}, {"fuse.vzubcfs", "vzubcfs"}, {"devtmpfs", "dev"}};
// The key of the container's /dev/console when it is a bind of its console's other end (runtime/pty.hpp
// ConsolePty, on the host's devpts), and of its /dev/ttyN ("ttyN"), binds of its terminals': restore binds the new
// terminals' other ends there.
inline constexpr std::string_view kConsoleKey = "console";
// Which of the container's terminals (runtime/pty.hpp open_terminals) the key names: "console" and "tty1" 0, "ttyN"
// N - 1 (N from 1 to 99); nullopt for another key.
std::optional<size_t> terminal_of_key(std::string_view key);
// The tag of a mount the host made below the container's root (an action script's bind mount of a host directory
// on VE_ROOT/PATH): its key is the tag and PATH, and restore binds what is mounted on VE_ROOT/PATH then, the mount
// scripts having run again (there, or on a migration's destination).
inline constexpr std::string_view kHostMountTag = "host";
// The external mounts in a /proc/PID/mountinfo text (paths as that process sees them). With the host's mountinfo
// (/proc/self/mountinfo) and the container's `root` in it, also the container's mounts that are the host's on
// root + their path (same device and root; an action script's), each once.
std::vector<ExternalMount> external_mounts(std::string_view mountinfo, std::string_view host_mountinfo = {},
                                           std::string_view root = {});
// The key's tag and its file ("lxcfs/proc/cpuinfo" -> {"lxcfs", "/proc/cpuinfo"}, "host/mnt/data" -> {"host",
// "/mnt/data"}); nullopt for a key of no known tag.
std::optional<std::pair<std::string, std::string>> split_external_key(std::string_view key);

// Seccomp filters as CRIU dumped them (seccomp.img: classic BPF programs, 8 bytes an instruction) with every
// "return USER_NOTIF" made "return ALLOW". A user notification needs a listener, and a restored filter has none:
// without this, the calls the container's monitor answers (runtime/seccomp.hpp) would fail with ENOSYS after a
// restore. The restored processes get them from the notification filter `criu restore` runs under instead, whose
// listener the new monitor holds; the deny list stays in their own filters. Returns how many were changed.
size_t disarm_user_notif(std::string& image);

// CRIU's cgroup image (cgroup.img) without the non-empty "cgroup.subtree_control" properties of the cgroup2
// hierarchy, for resume to enable those controllers itself, earlier than CRIU would (ct/suspend.cpp). CRIU puts the
// property back by writing "-<each enabled one> +<each dumped one>" and leaves the newline it read in the last
// name, which the kernel refuses (EINVAL) unless nothing was enabled yet. Returns how many were taken out;
// vz::Error(Restore) naming the image when it is not a cgroup image CRIU wrote.
size_t drop_subtree_controls(std::string& image);
// The same image with the freezer state CRIU recorded (the v1 "freezer.state" of the cgroup --freeze-cgroup
// names, as CRIU found it) made THAWED: a container that vzctl chkpnt --suspend froze for the dump would otherwise
// be restored frozen. Returns how many were changed; vz::Error(Checkpoint) when it is not a cgroup image.
size_t thaw_freezer_state(std::string& image);

// The link remaps of the dump in `dir`: the hard links CRIU's dump (--link-remap) made in the container's tree for
// files the container holds open under a name it no longer has (their inode linked elsewhere), for the restore to
// open them; each as the path inside the container. CRIU removes them again after a dump that leaves the container
// running. Empty when there are none; vz::Error(Checkpoint) when the images can't be read.
std::vector<std::string> linked_remaps(const std::string& dir);

}  // namespace vz::cpt
