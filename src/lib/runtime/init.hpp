// Starting a container's init: a child in new pid, mount, uts, ipc, net and cgroup namespaces that joins the
// container's cgroup, builds /proc, /sys, /dev (with the terminals), /dev/pts, /dev/shm and /run under the root,
// pivots into it, sets the host name and the capability bounding set, and execs /sbin/init.
#pragma once

#include <sys/types.h>

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cgroup/driver.hpp"
#include "fs/idmap.hpp"
#include "util/fd.hpp"

namespace vz {

struct InitSpec {
    unsigned ctid = 0;
    std::string root;                    // VE_ROOT, a mount point on the host
    std::string hostname;                // empty: keep the template's
    std::optional<uint64_t> numpty;      // devpts max=
    // The container's RAM (its physpages limit): its /dev/shm holds at most half of it and its /run a tenth, the
    // shares of RAM tmpfs and our /run default to on a host. None (unlimited): the shares of the host's RAM.
    std::optional<uint64_t> ram;
    std::vector<std::string> devnodes;   // names under /dev copied from the host
    // /dev/<name> of the root's own block device (a ploop image's loop device), which quota(1) and setquota(8) look
    // for (second-level quota: the monitor answers quotactl(2) on it; the node itself can't be opened)
    bool root_device = false;
    unsigned long long caps = 0;         // bounding set
    std::optional<IdMap> userns;         // a user namespace with this map (root is mounted through it); none: privileged
    bool sysfs = true;
    std::string lxcfs;                   // LXCFS mount point whose proc files replace the container's; empty: none
    std::string ubc;                     // the container's directory in vzubcfs's tree (host path); empty: none
    bool netfilter = true;               // false (NETFILTER=disabled): the seccomp filter refuses netfilter changes
    // The host paths of the other ends of the container's terminals (runtime/pty.hpp open_terminals): the first
    // bound on /dev/console and /dev/tty1 (init's stdin, stdout and stderr), the Nth on /dev/ttyN. None:
    // /dev/console is the container's /dev/null.
    std::vector<std::string> terminals;
    // Instead of init: run this (runscript on a stopped container) with stdin from `stdin_fd`, the caller's
    // stdout and stderr kept.
    std::vector<std::string> command;
    int stdin_fd = -1;
};

// The files of LXCFS's tree (paths below its mount point) that init binds on the same paths in the container: these
// /proc files (but those vzubcfs serves, InitSpec::ubc), and kLxcfsCpuOnline where it mounts sysfs.
inline constexpr std::array<std::string_view, 7> kLxcfsProcFiles{"/proc/cpuinfo", "/proc/diskstats", "/proc/loadavg",
                                                                 "/proc/meminfo", "/proc/stat",      "/proc/swaps",
                                                                 "/proc/uptime"};
inline constexpr std::string_view kLxcfsCpuOnline = "/sys/devices/system/cpu/online";

// Mount options of the container's devpts; `numpty` caps the number of ptys.
std::string devpts_options(const std::optional<uint64_t>& numpty);

// Clones the init child; returns its host pid. Failures of the child before exec are written to `status_fd`
// as "<exit code> <message>" (the fd is close-on-exec, so a successful exec closes it with nothing written).
// With `sysinfo_channel`, init runs under the sysinfo(2) filter (runtime/sysinfo.hpp): the channel is a socket
// on which the filter's listener arrives just before init's exec (end of file when the kernel refused the filter).
// With `prepare`, init execs only after prepare(its pid) returned (the host's set-up of its namespaces, which runs
// while the child builds its root); when prepare throws, the child is killed and reaped and the error goes on.
pid_t spawn_init(const InitSpec& spec, CgroupDriver& cg, int status_fd, Fd* sysinfo_channel = nullptr,
                 const std::function<void(pid_t)>& prepare = nullptr);

// Reads what spawn_init's child wrote: nothing (init runs) or throws the child's error.
void wait_init_started(int status_read_fd);

}  // namespace vz
