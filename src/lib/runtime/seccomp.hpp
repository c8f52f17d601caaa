// The seccomp filter every process of a container runs under: init gets it before its exec, a process that joins
// later (exec, enter, runscript) installs the same one. One filter, loaded once, with two kinds of rule:
//  - the deny list (kDenied in seccomp.cpp, listed in vzctl(8) SECURITY): system calls that act on the host's
//    kernel rather than on the container (modules, kexec, host clock, kernel log, file handles, perf, bpf, keys,
//    TIOCSTI), and with NETFILTER=disabled the calls that change the container's netfilter tables. They fail
//    with EPERM (or ENOSYS, where a caller falls back to an older call), never kill, so that a distribution's boot
//    scripts carry on;
//  - calls handed to the container's monitor (seccomp user notification, src/monitor/vzmonitor.cpp): sysinfo(2)
//    and sched_getaffinity(2), answered from the container's cgroup (runtime/sysinfo.hpp), and mount(2) and
//    umount2(2), whose strings the monitor reads: a fresh procfs, sysfs or other host-global file system
//    (monitor_protocol.hpp kRefusedFsTypes), and what would uncover the read-only /proc/sys and /sys that vzctl
//    mounted, fail with EPERM; quotactl(2) and quotactl_fd(2) on the container's own root file system (a ploop
//    image), which the monitor checks as the kernel would and makes on the container's behalf (second-level quota).
#pragma once

#include <optional>
#include <vector>

#include "util/fd.hpp"

namespace vz {

// Installs the filter in the calling process (which must hold CAP_SYS_ADMIN; no_new_privs stays off, so setuid
// programs keep working in the container). With `notify` (a monitor will take the listener) the notification
// rules too, and the result holds the listener. Without `netfilter` (NETFILTER=disabled) the deny list also refuses
// what changes netfilter tables: socket(AF_NETLINK, *, NETLINK_NETFILTER) and the legacy table replacements
// (setsockopt IPT_SO_SET_REPLACE and the like). nullopt when the kernel refused the filter: the caller must not go
// on into the container without its deny list.
std::optional<Fd> install_ct_filter(bool notify, bool netfilter);

// Only the notification rules, with their listener: what `criu restore` runs under (ct/suspend.cpp), so that every
// process it restores inherits them and the container's new monitor answers them. The deny list comes back with
// the restored processes' own filters, whose notification rules were disarmed in the dump (cpt/criu.hpp).
// nullopt when the kernel or libseccomp refused.
std::optional<Fd> install_notify_filter();

// Receives one notification from `listener` and lets the call go on as the kernel would (what criu's own calls
// get while it restores a container); false when the listener is finished with (every process under it ended).
bool continue_notification(int listener);

// The names of the denied system calls, in the table's order (for the documentation check and the tests).
std::vector<const char*> denied_syscalls();

}  // namespace vz
