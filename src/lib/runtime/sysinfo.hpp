// sysinfo(2) and sched_getaffinity(2) inside a container. The kernel answers them with the host's memory, swap,
// uptime, process count and CPUs, and LXCFS cannot change a system call, so busybox `free`, htop and nproc would
// show the host. Every process of a container therefore runs under a seccomp filter that hands these calls to the
// container's monitor (seccomp user notification), which answers them from the container's cgroup
// (src/monitor/vzmonitor.cpp). The filter is runtime/seccomp.hpp's, with the deny list. init gets the filter
// before its exec; a process that joins later (exec, enter) installs the same filter and hands the filter's
// listener to the monitor over the monitor's unix socket.
#pragma once

#include <sys/types.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "cgroup/layout.hpp"
#include "util/fd.hpp"

namespace vz {

// Why sysinfo(2) can not be answered for containers here (kernel or libseccomp too old); nullopt when it can.
std::optional<std::string> sysinfo_unsupported();

// The abstract unix socket on which the monitor of `ctid` takes listeners (no leading NUL); empty when the name
// would not fit a socket address.
std::string monitor_socket_name(const CgroupLayout& layout, unsigned ctid);

// The monitor's whole argv (runtime/monitor_protocol.hpp) for the container's `init`; with the sysinfo service
// when `channel` (the fd on which init's filter listener arrives) is not -1, and then the masters of the container's
// terminals, tty 1 first (none: no console); `helper` (when > 0, with a channel): another child of the monitor's
// process that it reaps (the `criu restore` of a resume).
std::vector<std::string> monitor_argv(const CgroupLayout& layout, unsigned ctid, pid_t init, const std::string& vzctl,
                                      int channel, const std::vector<int>& terminals = {}, pid_t helper = 0);

// A connection to the monitor's socket; an invalid Fd when no monitor listens there.
Fd connect_monitor(const std::string& name);

// A connection on which the one-byte `request` (monitor_protocol.hpp) was sent, whose reads give up after a second
// (the monitor answers between two of its other jobs; a stuck one must not stall the caller); an invalid Fd when no
// monitor listens there.
Fd ask_monitor(const std::string& name, char request);

// vzctl stop's claim on the clean-up after init (monitor_protocol.hpp kStopRequest): the connection on which the
// monitor named `name` acknowledged it, or an invalid Fd (no monitor answers, or one that predates the claim).
// Closing it without cleanup_done (a failure, a kill) leaves the clean-up to the monitor.
Fd claim_cleanup(const std::string& name);
// Tells the monitor, on the claim's connection, that the clean-up is done (kStopDone), and closes it.
void cleanup_done(Fd claim);

// The container's 1, 5 and 15 minute load averages, kept by its monitor; nullopt when no monitor answers.
std::optional<std::array<double, 3>> monitor_loadavg(const std::string& name);

}  // namespace vz
