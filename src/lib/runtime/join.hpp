// Running a process inside a running container: join its cgroup and the namespaces of its init (setns), keep only
// the container's capabilities, and fork so the pid namespace applies.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cgroup/driver.hpp"
#include "util/process.hpp"

namespace vz {

struct JoinSpec {
    unsigned ctid = 0;
    pid_t init = 0;
    unsigned long long caps = ~0ULL;
    // The monitor's socket (runtime/sysinfo.hpp): the process then runs under the sysinfo(2) filter, answered by
    // the monitor, as every process of the container does. Empty: no filter (vzctl's own short helpers).
    std::string monitor;
    // A pipe's write end, or -1: one byte is written to it once the process is inside, right before `body` runs
    // (so a caller tells a command that failed from one that never got in).
    int entered = -1;
    // false (NETFILTER=disabled): the filter refuses netfilter changes, as init's does (runtime/seccomp.hpp).
    bool netfilter = true;
};

// Forks a process that joins the container and runs `body` there (it must exec or _exit). Returns its host pid.
pid_t fork_in_ct(const JoinSpec& js, CgroupDriver& cg, const std::function<void()>& body);

// Environment for commands run by exec: HOME=/ TERM=linux PATH=...
std::vector<std::string> exec_environment();

}  // namespace vz
