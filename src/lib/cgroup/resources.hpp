// The limits of a container as the kernel needs them, derived from its configuration. One struct for both
// cgroup versions; apply_limits() (cgroup/apply.hpp) translates it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/res_groups.hpp"

namespace vz {

struct DeviceRule {
    char type = 'c';       // 'b', 'c' or 'a'
    int64_t major = -1;    // -1 = any
    int64_t minor = -1;
    std::string access;    // subset of "rwm"
};

struct Resources {
    std::optional<uint64_t> cpu_quota_pct;   // percent of one CPU: min(cpulimit, cpus x 100); none = no cap
    uint64_t cpuunits = 1000;                 // OpenVZ weight, default 1000
    std::optional<std::string> cpuset_cpus;   // "0-1,3"; none = all
    std::optional<std::string> cpuset_mems;
    std::optional<uint64_t> ram_bytes;        // physpages limit; none = unlimited
    std::optional<uint64_t> swap_bytes;       // swappages limit (swap on top of RAM); none = unlimited
    std::optional<uint64_t> kmem_bytes;       // kmemsize limit
    std::optional<uint64_t> numproc;          // pids.max
    std::optional<uint64_t> numpty;           // devpts max=
    unsigned ioprio = 4;                      // 0..7
    uint64_t iolimit_bps = 0;                 // 0 = none
    uint64_t iopslimit = 0;
    std::vector<DeviceRule> devices;          // allowed beyond the base set
    std::vector<std::string> devnodes;        // names under /dev to create in the container
};

// cpu.shares from OpenVZ cpuunits (1000 -> 1024, libvzctl's formula) and cpu.weight from cpuunits
// (units / 10, 1..10000: the OpenVZ default 1000 is v2's default weight 100, as 1024 shares are v1's default).
uint64_t cpuunits_to_shares(uint64_t units);
uint64_t cpuunits_to_weight(uint64_t units);

// The base device whitelist every container gets (null, zero, full, random, urandom, tty, ptmx, pts/*).
const std::vector<DeviceRule>& base_devices();

}  // namespace vz
