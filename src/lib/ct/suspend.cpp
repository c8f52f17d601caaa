// suspend (chkpnt) and resume (restore): the whole container dumped by CRIU into DUMPDIR/Dump.CTID and stopped, then
// brought back from it under a fresh monitor (DESIGN.md "CRIU", vzctl(8) CHECKPOINTING).
//
// The seccomp listener across a restore: CRIU restores each process's filters, but a restored filter has no
// listener, so the calls the monitor answers would fail with ENOSYS. So the dump's filters get their notification
// rules disarmed (cpt::disarm_user_notif; their deny list stays), and `criu restore` itself runs under the
// notification rules alone (install_notify_filter), which every process it restores inherits. Until CRIU wrote its
// pidfile (every process restored, none running its own code yet) this process lets CRIU's own calls (its mounts)
// go on; then it execs the monitor, which takes the listener and answers as for a started container.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <thread>

#include "config/areas.hpp"
#include "cpt/criu.hpp"
#include "ct/disk.hpp"
#include "ct/host.hpp"
#include "ct/lazy_pages.hpp"
#include "ct/probe.hpp"
#include "ct/scripts.hpp"
#include "ct/state.hpp"
#include "net/netlink.hpp"
#include "net/venet.hpp"
#include "net/veth.hpp"
#include "runtime/join.hpp"
#include "runtime/monitor_protocol.hpp"
#include "runtime/pty.hpp"
#include "runtime/seccomp.hpp"
#include "util/error.hpp"
#include "util/fdpass.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/process.hpp"
#include "util/scope.hpp"
#include "util/strings.hpp"

namespace vz {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The external mounts' keys, one a line, beside the images: resume maps each to its host path again.
constexpr const char* kExternalsFile = "vz-external";
// Present when the dumped namespace has venet0: resume makes the pair on the host first (net::venet_prepare_restore)
// and CRIU moves the container's end in (CRIU can't create a veth whose peer is on the host from inside a user
// namespace).
constexpr const char* kVenetFile = "vz-venet";
// The NETIF devices the dumped namespace has, one a line: resume makes each pair on the host first, its host end on
// the bridge (net::veth_prepare_restore), and CRIU moves the container's end in.
constexpr const char* kVethFile = "vz-veth";
// CRIU's ids of the other ends of the container's terminals (tty[rdev:dev]), a line each, the console's first (an
// empty line: no such terminal): dumped as external (their masters are the monitor's), given at restore as the new
// terminals' other ends (--inherit-fd).
constexpr const char* kConsoleFile = "vz-console";
constexpr const char* kDumpLog = "dump.log";
constexpr const char* kRestoreLog = "restore.log";
constexpr const char* kPidFile = "restore.pid";
constexpr const char* kSeccompImage = "seccomp.img";
// The CGROUP_BASE of the node that dumped it: restored under another one (a live migration between nodes that
// differ in it), CRIU is told the container's cgroups there (--cgroup-root).
constexpr const char* kCgroupBaseFile = "vz-cgroup-base";
// CRIU's pid while it finishes after the restored processes run (it still writes into the dump directory): resume
// removes the directory once it ended.
constexpr const char* kCriuPidFile = "vz-criu.pid";
// On cgroup v2: which controllers the cgroups below the container's own enabled for their children
// (subtree_controls' records). systemd enables memory and pids below its root, and watches files of those
// controllers (init.scope/memory.events). CRIU makes the cgroups again but puts their cgroup.subtree_control back
// only after it restored the watches, and never the container's own (it exists already); the controllers' files are
// missing then, and the restore fails. They can't be enabled before CRIU runs either: CRIU first moves init into the
// container's own cgroup, which can't take a process once it has controllers enabled below it. So vzctl itself is
// CRIU's action script (criu_action_hook): at "post-setup-namespaces", init is in its own cgroup, its children not
// yet made, no file restored, and the hook enables the controllers in the container's cgroup named by kHookCgroupEnv.
// CRIU would then fail to put them back itself (cpt::drop_subtree_controls says why), so they are taken out of its
// cgroup image first.
constexpr const char* kSubtreeFile = "vz-subtree-control";
constexpr const char* kHookCgroupEnv = "VZ_CPT_CGROUP";
constexpr std::string_view kHookAction = "post-setup-namespaces";
// A file the container holds open under a name it no longer has (its inode linked elsewhere) is opened again at
// restore through a hard link CRIU's dump makes in the container's tree (--link-remap: cpt::linked_remaps); CRIU
// removes those links after a dump that leaves the container running, before vzmigrate copies the tree. So when the
// container holds such a file, the dump runs vzctl as its action script too: at "post-dump" it copies each link's
// file into the dump (kLinkRemapPrefix N, with its owner and mode in kLinkRemapList: "N uid gid mode path" lines),
// and the restore puts back those that are missing before CRIU runs (kLinkRemapRoot: the tree they are in, as on
// disk: ct_tree, not VE_ROOT, which may be mounted through an idmap that host root can't create files through).
constexpr std::string_view kPostDumpAction = "post-dump";
constexpr const char* kLinkRemapRoot = "vz-link-remap-root";
constexpr const char* kLinkRemapList = "vz-link-remaps";
constexpr const char* kLinkRemapPrefix = "vz-link-remap.";

std::string dump_dir(const CtConfig& cfg, const std::string& dumpfile) {
    return dumpfile.empty() ? dump_file(cfg) : dumpfile;
}

// The container's own cgroup (the root of its cgroup namespace) on a cgroup v2 host; empty on v1.
std::string inner_cgroup2(const CtConfig& cfg) {
    auto layout = ct_cgroup_layout(cfg);
    if (layout.mode != CgroupMode::V2) return {};
    return layout.ct_dir("", cfg.ctid()) + "/" + CgroupDriver::kInner;
}

// What CRIU needs in both directions for a whole container (DESIGN.md "CRIU"). hugetlbfs: systemd mounts it on
// /dev/hugepages in a privileged CT, and CRIU (3.17) dumps no mount of it unless told it may mount it again empty.
// CRIU's limit on collecting the container's processes (freezing and seizing them) in a dump or pre-dump, seconds.
// Its default, 10, was reached twice in a row by a pre-dump in the emulated VM with a second test running beside it;
// a host that slow still gets its dump, and a freeze that hangs still ends (the retry below, then an error).
constexpr const char* kCollectTimeout = "30";

std::vector<std::string> common_args(const std::string& dir) {
    return {"-D",          dir,        "--tcp-established", "--file-locks", "--link-remap", "--manage-cgroups=soft",
            "--network-lock", "nftables", "--enable-fs",       "hugetlbfs",    "-v2"};
}

// Whether a process of `pids` holds a regular file open or mapped (its program too) under a name it no longer has
// while the file still has a name: the files CRIU's dump link-remaps (those with no name left it copies into the
// images: ghost files; anonymous shared memory and memfds have none either).
bool holds_relinked_files(const std::vector<pid_t>& pids) {
    // Without throwing: a process of a running container may end (or close the fd, unmap the file) meanwhile.
    auto any_in = [](const std::string& dir) {
        std::error_code ec;
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            std::error_code link_ec;
            auto target = fs::read_symlink(it->path(), link_ec);
            if (link_ec || !target.string().ends_with(" (deleted)")) continue;
            struct stat st;
            if (::stat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink > 0) return true;
        }
        return false;
    };
    for (pid_t pid : pids)
        if (auto proc = "/proc/" + std::to_string(pid); any_in(proc + "/fd") || any_in(proc + "/map_files"))
            return true;
    return false;
}

// What is left to read of `from` written to `to`; false (errno set) when either fails.
bool copy_fd(int from, int to) {
    std::vector<char> buf(1 << 16);
    for (;;) {
        auto n = ::read(from, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return n == 0;
        if (!write_all(to, std::string_view(buf.data(), static_cast<size_t>(n)))) return false;
    }
}

// The post-dump action (kPostDumpAction): the files of the dump's link remaps copied into it, from the container's
// tree `root`, before CRIU removes the links.
void save_link_remaps(const std::string& images, const std::string& root) {
    std::string list;
    size_t n = 0;
    for (auto& path : cpt::linked_remaps(images)) {
        if (path.find('\n') != std::string::npos) fail(Exit::Checkpoint, "Link remap with a newline in its name");
        Fd from = open_in_root(root, path, O_RDONLY | O_NOFOLLOW);
        struct stat st;
        if (!from || ::fstat(from.get(), &st) != 0 || !S_ISREG(st.st_mode))
            fail(Exit::Checkpoint, "Can't open the link remap {} of the container: {}", path, errno_text(errno));
        auto name = kLinkRemapPrefix + std::to_string(n);
        Fd to(::open((images + "/" + name).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        if (!to || !copy_fd(from.get(), to.get()))
            fail(Exit::Checkpoint, "Can't copy the link remap {} into the dump: {}", path, errno_text(errno));
        list += fmt::format("{} {} {} {:o} {}\n", n++, st.st_uid, st.st_gid, st.st_mode & 07777, path);
    }
    if (n) write_file_atomic(images + "/" + kLinkRemapList, list, 0600);
}

// The file `path` of the container's tree `root` removed (its directory resolved inside the tree).
void remove_in_root(const std::string& root, const std::string& path) {
    if (Fd dir = open_in_root(root, dir_name(path), O_PATH | O_DIRECTORY))
        ::unlinkat(dir.get(), base_name(path).c_str(), 0);
}

// The link remaps put_link_remaps made; removed again unless the restore that needs them succeeded (CRIU removes
// them itself once it has opened them).
class PutLinkRemaps {
public:
    explicit PutLinkRemaps(std::string root) : root_(std::move(root)) {}
    PutLinkRemaps(const PutLinkRemaps&) = delete;
    PutLinkRemaps& operator=(const PutLinkRemaps&) = delete;
    ~PutLinkRemaps() {
        for (auto& path : made_) remove_in_root(root_, path);
    }
    void made(std::string path) { made_.push_back(std::move(path)); }
    void keep() noexcept { made_.clear(); }
    const std::string& root() const { return root_; }

private:
    std::string root_;
    std::vector<std::string> made_;
};

// Before CRIU's restore: the link remaps saved in the dump `dir` (save_link_remaps) made again in the container's
// tree where they are missing (the tree was copied after CRIU removed them), each recorded in `put`.
void put_link_remaps(const std::string& dir, PutLinkRemaps& put) {
    for (auto& line : split(read_file(dir + "/" + kLinkRemapList).value_or(""), "\n")) {
        if (line.empty()) continue;
        auto f = split(line, " ");
        auto bad = [&] { fail(Exit::Restore, "Bad line in {} of the dump: {}", kLinkRemapList, line); };
        if (f.size() < 5) bad();
        char* end = nullptr;
        unsigned long mode = std::strtoul(f[3].c_str(), &end, 8);
        auto uid = parse_uint(f[1], 0, UINT32_MAX), gid = parse_uint(f[2], 0, UINT32_MAX);
        if (!parse_uint(f[0]) || !uid || !gid || f[3].empty() || *end || mode > 07777) bad();
        auto path = line.substr(f[0].size() + f[1].size() + f[2].size() + f[3].size() + 4);
        Fd from(::open((dir + "/" + kLinkRemapPrefix + f[0]).c_str(), O_RDONLY | O_CLOEXEC));
        if (!from) fail(Exit::Restore, "Can't open {}{} of the dump: {}", kLinkRemapPrefix, f[0], errno_text(errno));
        Fd to = open_in_root(put.root(), path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
        if (!to && errno == EEXIST) continue;  // still there: a dump that killed the container keeps them
        if (to) put.made(path);  // also when what follows fails: no half-made copy stays
        if (!to || !copy_fd(from.get(), to.get()) ||
            ::fchown(to.get(), static_cast<uid_t>(*uid), static_cast<gid_t>(*gid)) != 0 ||
            ::fchmod(to.get(), static_cast<mode_t>(mode)) != 0)
            fail(Exit::Restore, "Can't make the link remap {} in the container again: {}", path, errno_text(errno));
    }
}

// The host's own devices of NETDEV are not handled yet (a restore would have to take them from the host again).
void check_suspendable(const CtConfig& cfg) {
    if (!cfg.get_or("NETDEV", "").empty())
        fail(Exit::Checkpoint, "Checkpointing a container with NETDEV is not supported yet");
}


// CRIU's ids of the ptys that are `init`'s terminals, the console's first (/dev/console, then /dev/tty2 and up), an
// empty one where that is no pty (a container started before consoles or ttys, a runscript, a TTYS below 12); none
// at all when the console is none. Not followed: a symbolic link the container made there is no terminal of ours.
std::vector<std::string> terminal_tty_ids(pid_t init) {
    std::vector<std::string> ids;
    for (int n = 1; n <= monitor::kTerminals; ++n) {
        struct stat st;
        auto path = "/proc/" + std::to_string(init) + "/root/dev/" + (n == 1 ? "console" : "tty" + std::to_string(n));
        constexpr unsigned kPtySlaveMajors[] = {136, 143};  // UNIX98_PTY_SLAVE_MAJOR .. + UNIX98_PTY_MAJOR_COUNT - 1
        bool pty = ::lstat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) >= kPtySlaveMajors[0] &&
                   major(st.st_rdev) <= kPtySlaveMajors[1];
        if (!pty && n == 1) return {};
        ids.push_back(pty ? fmt::format("tty[{:x}:{:x}]", st.st_rdev, st.st_dev) : "");
    }
    while (!ids.empty() && ids.back().empty()) ids.pop_back();
    return ids;
}

// A failed dump leaves the container running: thawed (CRIU thaws it, unless it was killed midway).
void thaw(const CtConfig& cfg) { set_frozen(freezer_of(cfg), false); }

// The host directory under which an external mount's key names its file, at restore, from the config the container
// is restored with: LXCFS's mount point, vzubcfs's, /dev.
std::string external_base(const InitSpec& spec, const std::string& tag) {
    if (tag == "dev") return "/dev";
    if (tag == "lxcfs") {
        if (spec.lxcfs.empty()) fail(Exit::Restore, "The dump uses LXCFS's files, but LXCFS is not running");
        return spec.lxcfs;
    }
    if (spec.ubc.empty()) fail(Exit::Restore, "The dump uses vzubcfs's files, but vzubcfs is not running");
    return dir_name(spec.ubc);
}

// Where the host's mount on `path` in the container (cpt::kHostMountTag) is at restore: on the same path under the
// root, where the container's mount scripts, having run again, mounted it.
std::string host_mount(const Paths& p, const CtConfig& cfg, const MountTable& mounts, const std::string& path) {
    auto on = cfg.ve_root() + path;
    if (!mounts.is_mount_point(on))
        fail(Exit::Restore, "The dump has a mount of the host on {} in the container, but nothing is mounted on {} "
             "(the container's mount script, {}, makes it)", path, on, script_path(p, cfg.ctid(), "mount", false));
    return on;
}

// CRIU opens the sources of the external mounts again from inside the container's user namespace (mount-v2's
// open_tree): a source below a directory others can't search (a LOCKDIR of mode 0700 holds vzubcfs's mount) would
// fail the restore. So each host directory they are in is bound first on a directory of /run/vz-cpt/CGROUP_BASE/CTID
// (searchable by all) and CRIU is given the paths there; the container's mounts are copies, so the staging mounts
// go again once the restore ended. (vzubcfs shows a container's files only while its cgroup holds a process, so
// the directory is bound, not the files.)
class StagedSources {
public:
    // Per CGROUP_BASE and CTID: another configuration's container of the same CTID may resume meanwhile.
    explicit StagedSources(const CtConfig& cfg)
        : dir_(fmt::format("{}/{}/{}", kStagingDir, ct_cgroup_layout(cfg).base, cfg.ctid())) {
        clear();  // what a killed resume left
        make_dirs(dir_, 0755);
    }
    ~StagedSources() { clear(); }
    StagedSources(const StagedSources&) = delete;
    StagedSources& operator=(const StagedSources&) = delete;

    // Where the host directory (or file: a mount script may bind one) `base` is seen from now on.
    const std::string& stage(const std::string& tag, const std::string& base) {
        auto [it, added] = staged_.try_emplace(tag, dir_ + "/" + tag);
        if (!added) return it->second;
        int made = is_dir(base) ? ::mkdir(it->second.c_str(), 0755)
                                : Fd(::open(it->second.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) ? 0 : -1;
        if (made != 0) fail(Exit::Restore, "Can't create {}: {}", it->second, errno_text(errno));
        if (::mount(base.c_str(), it->second.c_str(), nullptr, MS_BIND, nullptr) != 0)
            fail(Exit::Restore, "Can't bind {} on {}: {}", base, it->second, errno_text(errno));
        return it->second;
    }

private:
    static constexpr const char* kStagingDir = "/run/vz-cpt";  // not in /run/vz: that is root's only (0700)
    void clear() {
        // Each is an empty directory or file once unmounted: remove(3), never a removal of what is below one still
        // mounted (the container's root may be).
        std::error_code ec;
        for (auto& e : fs::directory_iterator(dir_, ec)) {
            ::umount2(e.path().c_str(), MNT_DETACH);
            ::remove(e.path().c_str());
        }
        ::rmdir(dir_.c_str());
        ::rmdir(dir_name(dir_).c_str());  // the CGROUP_BASE level, when no other resume is under way there
    }
    std::string dir_;
    std::map<std::string, std::string> staged_;
};

// In the process that becomes the monitor: runs `criu restore` under the notification filter, lets CRIU's own calls
// go on until its pidfile names the restored init, then execs the monitor. Errors go to `status_fd`.
[[noreturn]] void restore_and_monitor(const CtConfig& cfg, const cpt::Criu& criu, const std::vector<std::string>& args,
                                      const std::string& dir, int status_fd, const Tools& t,
                                      std::vector<ConsolePty>& terminals) {
    auto report = [&](const std::string& what) {
        write_all(status_fd, std::to_string(static_cast<int>(Exit::Restore)) + " " + what);
        ::_exit(1);
    };
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) report("socketpair: " + errno_text(errno));
    Fd mine(sv[0]), theirs(sv[1]);
    Fd watch(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!watch || ::inotify_add_watch(watch.get(), dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO) < 0)
        report("inotify on " + dir + ": " + errno_text(errno));
    pid_t criu_pid = ::fork();
    if (criu_pid < 0) report("fork: " + errno_text(errno));
    if (criu_pid == 0) {
        auto listener = install_notify_filter();
        if (!listener || !*listener || !send_fd(theirs.get(), listener->get())) ::_exit(126);
        listener->reset();
        for (auto& term : terminals) ::fcntl(term.other.get(), F_SETFD, 0);  // their --inherit-fd
        std::vector<std::string> argv{criu.path};
        argv.insert(argv.end(), args.begin(), args.end());
        auto env = exec_environment();
        env.push_back(std::string(kHookCgroupEnv) + "=" + inner_cgroup2(cfg));
        exec_argv(argv, env, false);
        ::_exit(127);
    }
    theirs.reset();
    auto m = recv_message(mine.get());
    if (!m.fd) {
        ::waitpid(criu_pid, nullptr, 0);
        report("the notification filter for CRIU could not be installed");
    }
    Fd listener = std::move(m.fd);
    Fd criu_fd = open_pidfd(criu_pid);
    auto pidfile = dir + "/" + kPidFile;
    bool reaped = false;
    // CRIU writes the pid (no newline) and closes the file before the restored processes run their own code: from
    // that close on, their calls wait for the monitor. (Reading the file can't tell a complete pid from a partial
    // one; and after CRIU's exit they would have run answered by this loop: a privileged container's fresh procfs.)
    bool written = false;
    while (!written) {
        pollfd p[3] = {{listener.get(), POLLIN, 0}, {watch.get(), POLLIN, 0}, {criu_fd.get(), POLLIN, 0}};
        if (::poll(p, 3, 1000) < 0 && errno != EINTR) report("poll: " + errno_text(errno));
        if (p[1].revents & POLLIN) {
            alignas(inotify_event) char buf[4096];
            for (ssize_t n; (n = ::read(watch.get(), buf, sizeof buf)) > 0;)
                for (ssize_t at = 0; at < n;) {
                    const auto* e = reinterpret_cast<const inotify_event*>(buf + at);
                    if (e->len && std::string_view(e->name) == kPidFile) written = true;
                    at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
                }
            if (written) break;
        }
        if (p[0].revents & POLLIN) continue_notification(listener.get());
        if (p[2].revents & POLLIN) {
            int st = 0;
            ::waitpid(criu_pid, &st, 0);
            reaped = true;
            if (auto text = read_file(pidfile); text && !text->empty()) break;  // restored, and CRIU ended already
            auto why = cpt::criu_log_error(dir + "/" + kRestoreLog);
            report(fmt::format("CRIU restore failed (exit {}): {}", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
                               why.empty() ? "see " + dir + "/" + kRestoreLog : why));
        }
    }
    auto text = read_file(pidfile).value_or("");
    auto init = parse_uint(std::string_view(text).substr(0, text.find('\n')));
    if (!init || parent_of(static_cast<pid_t>(*init)) != ::getpid()) report("CRIU restored no init of ours");
    if (!reaped) write_file_atomic(dir + "/" + kCriuPidFile, std::to_string(criu_pid));
    // The listener goes to the monitor as init's does on a start: over the channel.
    int ch[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ch) != 0 || !send_fd(ch[0], listener.get()))
        report("can't hand the listener over");
    ::close(ch[0]);
    listener.reset();
    watch.reset();
    criu_fd.reset();
    exec_monitor(t, cfg, static_cast<pid_t>(*init), Fd(ch[1]), terminals, reaped ? 0 : criu_pid);
    report(fmt::format("can't run the monitor {}: {}", t.monitor, errno_text(errno)));
    ::_exit(1);
}

// CRIU's --cgroup-root options naming, in each hierarchy the container has cgroups of its own in (every one on v2),
// this node's path of its inner cgroup, the root of its cgroup namespace. At dump they make CRIU take the whole tree
// below it: by default it takes only what is below the cgroups of its tasks, and systemd moves itself into
// init.scope, leaving out empty siblings (system.slice/system-getty.slice) whose cgroup.events it watches, so the
// restore failed opening them. At restore, for a dump made under another CGROUP_BASE, they move the tree here.
std::vector<std::string> cgroup_root_args(const CtConfig& cfg) {
    auto layout = ct_cgroup_layout(cfg);
    auto root = fmt::format("/{}/{}/{}", layout.base, cfg.ctid(), CgroupDriver::kInner);
    // CRIU's names of the hierarchies: the cgroup2 one (v2's, a hybrid host's "unified") is the empty name, a named
    // v1 hierarchy "name=NAME".
    auto criu_name = [](std::string_view h) -> std::string {
        if (h == "unified") return "";
        return std::find(kV1Controllers.begin(), kV1Controllers.end(), h) != kV1Controllers.end()
                   ? std::string(h)
                   : "name=" + std::string(h);
    };
    std::vector<std::string> args;
    auto add = [&](std::string_view h) { args.insert(args.end(), {"--cgroup-root", criu_name(h) + ":" + root}); };
    if (layout.mode == CgroupMode::V2) {
        add("unified");
        return args;
    }
    for (auto* h : kV1Controllers) add(h);
    for (auto* h : kV1PlainHierarchies) add(h);
    return args;
}

// At restore: the --cgroup-root options when the dump in `dir` was made under another CGROUP_BASE.
std::vector<std::string> cgroup_remap_args(const CtConfig& cfg, const std::string& dir) {
    auto dumped = read_file(dir + "/" + kCgroupBaseFile);
    if (!dumped || *dumped == ct_cgroup_layout(cfg).base + "\n") return {};
    return cgroup_root_args(cfg);
}

// Waits (at most a minute) until the CRIU that restored from `dir` ended (the monitor reaps it).
void wait_criu_end(const std::string& dir) {
    auto pid = parse_uint(read_file(dir + "/" + kCriuPidFile).value_or(""), 1, INT32_MAX);
    if (!pid) return;
    Fd criu = open_pidfd(static_cast<pid_t>(*pid));
    if (criu && !exits_within(criu, std::chrono::minutes(1)))
        log::warn("CRIU (pid {}) is still running after the restore", *pid);
}

// The names of the devices in the network namespace of `init`.
std::vector<std::string> ct_devices(pid_t init) {
    Fd ns = open_ct_netns(init);
    if (!ns) fail(Exit::Checkpoint, "can't open the network namespace of the container: {}", errno_text(errno));
    net::Netlink ct(ns.get());
    std::vector<std::string> names;
    for (auto& l : ct.links()) names.push_back(l.name);
    return names;
}

// What resume has to make on the host first, of what the dump's namespace has: venet0 (kVenetFile) and the veth
// devices of NETIF (kVethFile, one a line).
void record_devices(const CtConfig& cfg, pid_t init, const std::string& work) {
    auto names = ct_devices(init);
    auto has = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); };
    if (has(net::kVenetDev)) write_file_atomic(work + "/" + kVenetFile, std::string(net::kVenetDev) + "\n");
    std::string veth;
    for (auto& d : net::veth_config(cfg).devs)
        if (has(d.ifname)) veth += d.ifname + "\n";
    if (!veth.empty()) write_file_atomic(work + "/" + kVethFile, veth);
}

// `run` (CRIU, freezing the container, writing into `work`), and when its freeze did not complete in kCollectTimeout
// (CRIU's default 10 s was reached once in about 50 dumps of a container that forks all the time on a loaded host,
// and in pre-dumps in the emulated VM): the container thawed (it runs on), `work` emptied, `again` (what it needs
// besides CRIU's images), and one more try.
ProgramResult run_with_freeze_retry(const CtConfig& cfg, const std::string& work,
                                    const std::function<ProgramResult()>& run, const std::function<void()>& again) {
    auto r = run();
    if (r.status == 0 || read_file(work + "/" + kDumpLog).value_or("").find("Timeout reached") == std::string::npos)
        return r;
    thaw(cfg);
    log::warn("Freezing the container timed out; trying once more");
    std::error_code ec;
    fs::remove_all(work, ec);
    fs::create_directories(work, ec);
    again();
    return run();
}

// Dumps the running container whose init is `init` into `dir` (through dir.partial, renamed when complete); with
// `leave_running` its processes stay (frozen when they were), else CRIU kills them. A failed dump thaws it.
// `memory` are CRIU's options for where the memory pages go (memory_args); with lazy pages, `dir` is complete once
// CRIU serves them, and this returns when the last page has been taken. After pre-dumps of `dir`, only what changed
// since the last. `hook`, when not empty, is vzctl, CRIU's action script (kPostDumpAction). `lookup` is checked only
// once the dump's options are ready.
void dump_ct(const CtConfig& cfg, cpt::CriuLookup& lookup, pid_t init, const std::string& dir, bool leave_running,
             const std::vector<std::string>& memory, const std::string& hook) {
    if (path_exists(dir)) fail(Exit::Checkpoint, "Dump {} exists already: resume the container or remove it", dir);
    auto work = dir + ".partial";
    std::error_code ec;
    fs::remove_all(work, ec);
    fs::create_directories(work, ec);
    if (ec) fail(Exit::Checkpoint, "Can't create {}: {}", work, ec.message());
    ScopeGuard unwork([&] { fs::remove_all(work, ec); });

    auto mountinfo = read_file("/proc/" + std::to_string(init) + "/mountinfo");
    if (!mountinfo) fail(Exit::NotRunning, "Container is not running");
    auto args = common_args(work);
    std::string keys;
    for (auto& m : cpt::external_mounts(*mountinfo, read_file("/proc/self/mountinfo").value_or(""), cfg.ve_root())) {
        args.push_back("--external");
        args.push_back("mnt[" + m.path + "]:" + m.key);
        keys += m.key + "\n";
    }
    auto ttys = terminal_tty_ids(init);
    for (auto& id : ttys)
        if (!id.empty()) args.insert(args.end(), {"--external", id});
    // What resume needs besides CRIU's images.
    auto record = [&] {
        write_file_atomic(work + "/" + kExternalsFile, keys);
        if (!ttys.empty()) write_file_atomic(work + "/" + kConsoleFile, join(ttys, "\n") + "\n");
        record_devices(cfg, init, work);
        write_file_atomic(work + "/" + kCgroupBaseFile, ct_cgroup_layout(cfg).base + "\n");
        if (auto inner = inner_cgroup2(cfg); !inner.empty())
            write_file_atomic(work + "/" + kSubtreeFile, cgroup_io::subtree_controls(inner));
        if (!hook.empty()) write_file_atomic(work + "/" + kLinkRemapRoot, ct_tree(cfg));
    };
    record();
    auto roots = cgroup_root_args(cfg);
    args.insert(args.end(), roots.begin(), roots.end());
    args.insert(args.end(), {"dump", "-t", std::to_string(init), "-o", kDumpLog, "--root", cfg.ve_root(),
                             "--freeze-cgroup", freezer_of(cfg).dir, "--timeout", kCollectTimeout});
    if (leave_running) args.push_back("--leave-running");
    if (!hook.empty()) args.insert(args.end(), {"--action-script", hook});
    // After pre-dumps: only the memory that changed since the last one (the pages CRIU finds in it stay there).
    if (auto parent = pre_dump_parent(dir, false); !parent.empty())
        args.insert(args.end(), {"--track-mem", "--prev-images-dir", parent});
    args.insert(args.end(), memory.begin(), memory.end());
    bool lazy = std::find(memory.begin(), memory.end(), "--lazy-pages") != memory.end();
    // The images complete: made the dump.
    auto finish = [&] {
        // The monitor's listener does not survive in the images; the restored processes get the notification rules
        // from the filter criu restore runs under.
        auto seccomp_image = work + "/" + kSeccompImage;
        if (auto image = read_file(seccomp_image)) {
            cpt::disarm_user_notif(*image);
            write_file_atomic(seccomp_image, *image);
        }
        // Frozen by --suspend for the dump (v1): the restored container must run.
        auto cgroup_image = work + "/cgroup.img";
        if (auto image = read_file(cgroup_image); image && cpt::thaw_freezer_state(*image) > 0)
            write_file_atomic(cgroup_image, *image, 0600);
        fs::rename(work, dir, ec);
        if (ec) fail(Exit::Checkpoint, "Can't rename {} to {}: {}", work, dir, ec.message());
        unwork.release();
    };
    const auto& criu = lookup.get();
    std::optional<cpt::StartedCriu> serving;  // lazy: CRIU serving the pages, once the images are complete
    auto run = [&]() -> ProgramResult {
        if (!lazy) return cpt::run_criu(criu, args);
        auto started = cpt::start_criu(criu, args);
        if (!started.ready) return {started.child.wait(), {}};
        serving.emplace(std::move(started));
        return {};
    };
    auto r = run_with_freeze_retry(cfg, work, run, record);
    auto failed = [&](const std::string& from, const std::string& what, bool thaw_it) {
        if (thaw_it) thaw(cfg);
        auto why = cpt::criu_log_error(from + "/" + kDumpLog);
        auto kept = dir + ".fail";
        fs::remove_all(kept, ec);
        fs::rename(from, kept, ec);
        fail(Exit::Checkpoint, "{} (CRIU exit {}): {}{}", what, r.status, why.empty() ? r.output : why,
             ec ? "" : "; the log is in " + kept + "/" + kDumpLog);
    };
    if (r.status != 0) failed(work, "Failed to checkpoint the container", true);
    finish();
    if (!serving) return;
    // CRIU serves the pages until the destination's lazy-pages daemon has taken the last one; the processes stay
    // as they were (frozen after --suspend) either way: after a transfer that failed, the copy there may still run
    // until the caller stops it, so the thaw here (--resume) is the caller's, after that. The dump is useless then.
    log::info("Serving the memory pages...");
    r.status = serving->child.wait();
    if (r.status != 0) failed(dir, "Failed to send the memory pages", false);
}


// The value of `option`, ADDR:PORT, as its address and port; 21 when it is not that.
std::pair<std::string, uint16_t> address_and_port(const std::string& value, const char* option) {
    auto colon = value.rfind(':');
    auto port = colon == std::string::npos || colon == 0 ? std::nullopt : parse_uint(value.substr(colon + 1), 1, 65535);
    if (!port) fail(Exit::InvalidValue, "Invalid value for {}: {} (ADDR:PORT expected)", option, value);
    return {value.substr(0, colon), static_cast<uint16_t>(*port)};
}

// CRIU's options for --page-server ADDR:PORT (the page server the dump sends to) and --lazy-pages ADDR:PORT (where
// the dump serves them after it; at most one of the two): none for empty values; 21 for a value that is not ADDR:PORT.
std::vector<std::string> memory_args(const CheckpointOptions& o) {
    if (!o.page_server.empty() && !o.lazy_pages.empty())
        fail(Exit::InvalidValue, "--page-server and --lazy-pages exclude each other");
    const char* option = o.lazy_pages.empty() ? "--page-server" : "--lazy-pages";
    const auto& value = o.lazy_pages.empty() ? o.page_server : o.lazy_pages;
    if (value.empty()) return {};
    auto [address, port] = address_and_port(value, option);
    return {option, "--address", address, "--port", std::to_string(port)};
}

// --pre-dump: the memory of the running container into the next pre-dump (or to the page server of `memory`), CRIU
// tracking what changes from then on (soft-dirty bits); the first of them goes before --suspend and the dump.
void pre_dump_ct(const CtConfig& cfg, const cpt::Criu& criu, pid_t init, const std::string& dir,
                 const std::vector<std::string>& memory) {
    if (path_exists(dir)) fail(Exit::Checkpoint, "Dump {} exists already: resume the container or remove it", dir);
    auto f = freezer_of(cfg);
    if (is_frozen(f)) fail(Exit::Checkpoint, "Container is frozen: --pre-dump goes before --suspend");
    auto n = pre_dump_count(dir) + 1;
    auto parent = pre_dump_parent(dir, true);
    auto work = pre_dump_dir(dir, n);
    std::error_code ec;
    fs::remove_all(work, ec);
    fs::create_directories(work, ec);
    if (ec) fail(Exit::Checkpoint, "Can't create {}: {}", work, ec.message());
    ScopeGuard unwork([&] {
        fs::remove_all(work, ec);
        if (n == 1) fs::remove(pre_dumps_dir(dir), ec);
    });
    std::vector<std::string> args{"-D", work, "-v2", "-o", kDumpLog, "pre-dump", "-t", std::to_string(init),
                                  "--track-mem", "--freeze-cgroup", f.dir, "--timeout", kCollectTimeout};
    if (!parent.empty()) args.insert(args.end(), {"--prev-images-dir", parent});
    args.insert(args.end(), memory.begin(), memory.end());
    auto r = run_with_freeze_retry(cfg, work, [&] { return cpt::run_criu(criu, args); }, [] {});
    if (r.status != 0) {
        thaw(cfg);  // CRIU thaws it unless it was killed midway
        auto why = cpt::criu_log_error(work + "/" + kDumpLog);
        fail(Exit::Checkpoint, "Failed to pre-dump the container (CRIU exit {}): {}", r.status,
             why.empty() ? r.output : why);
    }
    unwork.release();
    log::info("Pre-dump {} of the container's memory is done", n);
}

// After the dump (or on its own, --kill): the container's processes killed, the host's part released as by stop,
// the root unmounted (with its umount scripts: resume mounts it with the mount scripts).
void kill_and_release(const Paths& p, const CtConfig& cfg, CgroupDriver& cg) {
    log::info("kill...");
    cg.kill_all(cfg.ctid());
    if (!wait_ct_empty(cg, cfg.ctid(), std::chrono::seconds(10)))
        fail(Exit::Checkpoint, "Unable to stop the container after the dump: processes are left in its cgroup");
    release_host(cfg, cg);
    umount_root(p, cfg);
}

// The sub-modes' network lock (--suspend sets it, --resume lifts it, --kill goes with the devices): nothing reaches
// the frozen container's TCP stack or leaves it, so a dump that follows holds the state its peers last saw, and
// its connections carry on from there after a restore elsewhere (vzmigrate --online) or after a thaw here.
void lock_network(const CtConfig& cfg, bool lock) {
    auto venet = net::venet_config(cfg);
    auto veth = net::veth_config(cfg);
    net::venet_lock(venet, lock);
    if (!lock) {
        net::veth_lock(veth, false);
        return;
    }
    ScopeGuard unlock([&] { net::venet_lock(venet, false); });
    net::veth_lock(veth, true);
    unlock.release();
}

// --suspend of a container on an image (ploop layout): what it wrote, still in this host's page cache (ext4 commits
// every few seconds and allocates data later still), written into the image, as a copy of the image file made while
// it is frozen (vzmigrate --online's second pass) holds only what reached the file.
void sync_image(const CtConfig& cfg) {
    if (ct_layout(cfg) != Layout::Ploop) return;
    auto tree = ct_tree(cfg);
    Fd fd(::open(tree.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd || ::syncfs(fd.get()) != 0)
        fail(Exit::Checkpoint, "Can't sync the file system of the container ({}): {}", tree, errno_text(errno));
}

// --suspend: the container's processes frozen (the freezer cgroup), for a dump to follow. A v1 freezer can stay
// FREEZING for good: seen right after a start, busybox init waiting in vfork() for its child, which the freezer had
// caught before the child's exec. The kernel's v1 documentation said to retry or thaw then, and CRIU does both:
// here the freeze is asked again every 100 ms, and every second the container is thawed for 10 ms first (the child
// gets to its exec, the parent out of vfork). v2 freezes such a pair.
void freeze(const CtConfig& cfg) {
    auto f = freezer_of(cfg);
    if (!set_frozen(f, true)) fail(Exit::Checkpoint, "Can't freeze the container: {}", errno_text(errno));
    auto end = Clock::now() + std::chrono::seconds(10);
    for (unsigned polls = 1;; ++polls) {
        if (is_frozen(f)) return;
        if (Clock::now() >= end) {
            set_frozen(f, false);
            fail(Exit::Checkpoint, "The container did not freeze within 10 s");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        if (f.v2 || polls % 20 != 0) continue;
        if (polls % 200 == 0) {
            set_frozen(f, false);
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        set_frozen(f, true);
    }
}

}  // namespace

void suspend_ct(const Paths& p, unsigned ctid, const CheckpointOptions& o, const Tools& t) {
    auto memory = memory_args(o);
    if (!o.lazy_pages.empty() && o.step != CheckpointStep::Dump)
        fail(Exit::InvalidValue, "--lazy-pages goes with --dump (vzmigrate's post-copy)");
    auto [lock, cfg] = lock_and_load(p, ctid, t.command);
    check_suspendable(cfg);
    auto cg = driver_of(cfg);
    auto init = find_init(*cg, ctid);
    if (!init) fail(Exit::NotRunning, "Container is not running");
    switch (o.step) {
        case CheckpointStep::Suspend: {
            log::info("suspend...");
            freeze(cfg);
            const auto& config = cfg;  // clang before 16 cannot capture a structured binding (the fuzz build)
            ScopeGuard thawed([&config] { thaw(config); });
            sync_image(cfg);
            lock_network(cfg, true);
            thawed.release();
            return;
        }
        case CheckpointStep::Resume:
            log::info("resume...");
            lock_network(cfg, false);
            thaw(cfg);
            return;
        case CheckpointStep::Kill:
            kill_and_release(p, cfg, *cg);
            return;
        case CheckpointStep::PreDump:
            pre_dump_ct(cfg, cpt::find_criu(cfg.global()), *init, dump_dir(cfg, o.dumpfile), memory);
            return;
        case CheckpointStep::Dump:
        case CheckpointStep::All:
            break;
    }
    cpt::CriuLookup criu(cfg.global());  // its `--version` runs beside what the dump prepares
    log::info("Setting up checkpoint...");
    if (o.step == CheckpointStep::All) log::info("suspend...");
    log::info("dump...");
    auto hook = holds_relinked_files(cg->procs(ctid)) ? t.vzctl : std::string();
    dump_ct(cfg, criu, *init, dump_dir(cfg, o.dumpfile), o.step == CheckpointStep::Dump, memory, hook);
    if (o.step == CheckpointStep::All) kill_and_release(p, cfg, *cg);
    log::info("Checkpointing completed successfully");
}

void hand_over_addresses(const Paths& p, unsigned ctid, bool give, const Tools& t) {
    auto [lock, cfg] = lock_and_load(p, ctid, t.command);
    if (give) {
        auto cg = driver_of(cfg);
        if (!find_init(*cg, ctid)) fail(Exit::NotRunning, "Container is not running");
    }
    net::venet_handover(net::venet_config(cfg), give);
}

void resume_ct(const Paths& p, unsigned ctid, const CheckpointOptions& o, const Tools& t) {
    std::optional<std::pair<std::string, uint16_t>> lazy_from;  // --lazy-pages: the dump's page server
    if (!o.lazy_pages.empty()) lazy_from = address_and_port(o.lazy_pages, "--lazy-pages");
    auto [lock, cfg] = lock_and_load(p, ctid, t.command);
    check_areas(p, cfg);
    auto cg = driver_of(cfg);
    if (!cg->procs(ctid).empty()) fail(Exit::Running, "Container is already running");
    auto dir = dump_dir(cfg, o.dumpfile);
    if (!is_dir(dir)) fail(Exit::Restore, "No dump of the container at {}", dir);
    cpt::CriuLookup lookup(cfg.global());  // its `--version` runs beside the host's set-up
    log::info("Restoring container ...");
    // Post-copy: the daemon gets ready while the host is set up below.
    std::optional<LazyPagesDaemon> lazy;
    if (lazy_from) lazy.emplace(lookup.get(), dir, lazy_from->first, lazy_from->second);
    HostSetup host(cfg, *cg, t.ubcfs, false, true, &p);
    auto spec = host.init_spec(cfg);
    auto args = common_args(dir);
    StagedSources staged(cfg);
    // New terminals, as many as the dump has: the dumped processes get their other ends where they had the old ones'.
    auto ttys = split(read_file(dir + "/" + kConsoleFile).value_or(""), "\n");
    auto keys = split(read_file(dir + "/" + kExternalsFile).value_or(""), "\n");
    size_t count = 0;
    for (size_t n = 0; n < ttys.size(); ++n)
        if (!ttys[n].empty()) count = std::max(count, n + 1);
    for (auto& key : keys)
        if (auto n = cpt::terminal_of_key(key)) count = std::max(count, *n + 1);
    auto terminals = open_terminals(spec.userns, std::min<size_t>(count, monitor::kTerminals));
    for (size_t n = 0; n < ttys.size() && n < terminals.size(); ++n)
        if (!ttys[n].empty())
            args.insert(args.end(), {"--inherit-fd", fmt::format("fd[{}]:{}", terminals[n].other.get(), ttys[n])});
    auto mounts = MountTable::read();
    size_t host_mounts = 0;
    // The root CRIU binds for the container. With mounts of the host below VE_ROOT, not VE_ROOT itself: those come
    // back as external mounts, and CRIU's recursive bind of an ID-mapped root with them below fails (EINVAL).
    auto root = cfg.ve_root();
    if (std::any_of(keys.begin(), keys.end(), [](const std::string& key) {
            auto parts = cpt::split_external_key(key);
            return parts && parts->first == cpt::kHostMountTag;
        }))
        root = staged.stage("root", root);
    for (auto& key : keys) {
        if (key.empty()) continue;
        args.push_back("--external");
        if (auto n = cpt::terminal_of_key(key); n && *n < terminals.size()) {
            args.push_back(fmt::format("mnt[{}]:{}", key, terminals[*n].path));
            continue;
        }
        auto parts = cpt::split_external_key(key);
        if (!parts) fail(Exit::Restore, "Unknown external mount {} in the dump", key);
        if (parts->first == cpt::kHostMountTag) {
            args.push_back("mnt[" + key + "]:" + staged.stage("host" + std::to_string(++host_mounts),
                                                              host_mount(p, cfg, mounts, parts->second)));
            continue;
        }
        args.push_back("mnt[" + key + "]:" + staged.stage(parts->first, external_base(spec, parts->first)) +
                       parts->second);
    }
    if (path_exists(dir + "/" + kVenetFile)) {
        auto peer = net::venet_restore_peer(cfg.ctid());
        net::venet_prepare_restore(net::venet_config(cfg), peer);  // HostSetup undoes it on failure
        args.insert(args.end(), {"--external", fmt::format("netdev[{}]:{}", net::kVenetDev, peer)});
    }
    std::vector<std::string> veth;
    for (auto& name : split(read_file(dir + "/" + kVethFile).value_or(""), "\n"))
        if (!name.empty()) veth.push_back(name);
    for (auto& [name, peer] : net::veth_prepare_restore(net::veth_config(cfg), veth))  // undone as venet's
        args.insert(args.end(), {"--external", fmt::format("netdev[{}]:{}", name, peer)});
    // Locked until CRIU has put the sockets back: a client's retransmission reaching the container's kernel before
    // its TCP socket exists again would get a reset, and the connection would be lost.
    lock_network(cfg, true);
    PutLinkRemaps remaps(ct_tree(cfg));
    put_link_remaps(dir, remaps);
    auto remap = cgroup_remap_args(cfg, dir);
    args.insert(args.end(), remap.begin(), remap.end());
    std::error_code ec;
    fs::remove(dir + "/" + kPidFile, ec);  // CRIU checks it only after restoring, and then kills what it restored
    if (!read_file(dir + "/" + kSubtreeFile).value_or("").empty() && !inner_cgroup2(cfg).empty()) {
        auto image = dir + "/cgroup.img";
        auto bytes = read_file(image);
        if (!bytes) fail(Exit::Restore, "Can't read {}", image);
        if (cpt::drop_subtree_controls(*bytes) > 0) write_file_atomic(image, *bytes, 0600);
        args.insert(args.end(), {"--action-script", t.vzctl});
    }
    const auto& criu = lookup.get();
    if (lazy) {
        lazy->wait_ready();
        args.push_back("--lazy-pages");
    }
    args.insert(args.end(), {"restore", "-o", kRestoreLog, "--root", root, "--restore-detached",
                             "--restore-sibling", "--pidfile", dir + "/" + kPidFile});
    log::info("undump...");
    const auto& config = cfg;  // clang before 16 cannot capture a structured binding (the fuzz build uses clang 14)
    fork_monitor([&](int status_fd) {
        restore_and_monitor(config, criu, args, dir, status_fd, t, terminals);
    });
    host.keep();
    remaps.keep();
    if (lazy) lazy->keep();
    log::info("resume...");
    wait_criu_end(dir);
    try {
        lock_network(cfg, false);
    } catch (const Error& e) {
        log::warn("{}", e.what());
    }
    // Where the container came from another host, the bridges and switches there still send its frames there.
    if (auto init = veth.empty() ? std::nullopt : find_init(*cg, ctid))
        if (Fd ns = open_ct_netns(*init)) net::veth_announce(veth, ns.get());
    remove_dump(dir);
    log::info("Restoring completed successfully");
}

std::optional<int> criu_action_hook() {
    const char* action = std::getenv("CRTOOLS_SCRIPT_ACTION");
    if (!action) return std::nullopt;
    const char* images = std::getenv("CRTOOLS_IMAGE_DIR");
    if (action == kPostDumpAction) {
        if (!images) fail(Exit::Checkpoint, "CRIU's action script: no CRTOOLS_IMAGE_DIR");
        if (auto root = read_file(std::string(images) + "/" + kLinkRemapRoot)) save_link_remaps(images, *root);
        return 0;
    }
    if (action != kHookAction) return 0;
    const char* cgroup = std::getenv(kHookCgroupEnv);
    if (!images || !cgroup || !*cgroup)
        fail(Exit::Restore, "CRIU's action script: no CRTOOLS_IMAGE_DIR or {}", kHookCgroupEnv);
    auto records = read_file(std::string(images) + "/" + kSubtreeFile);
    if (!records) fail(Exit::Restore, "CRIU's action script: can't read {} of the dump", kSubtreeFile);
    cgroup_io::enable_subtree_controls(cgroup, *records);
    return 0;
}

}  // namespace vz
