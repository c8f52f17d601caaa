// Where the cgroups of containers live: <mount>/<CGROUP_BASE>/<CTID> on cgroup v2, or under each v1 controller.
#pragma once

#include <cstdint>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vz {

enum class CgroupMode { V1, V2 };

// The v1 hierarchies a container has a cgroup of its own in (<base>/<ctid>, its processes in kInner): those that
// hold its limits, and those without limits that a container must still have its own cgroup in (with a cgroup
// namespace the root a container sees in each hierarchy is the cgroup its init was in, so a hierarchy left out is
// the host's root to it: systemd inside would make init.scope and system.slice there). "systemd" is the named
// hierarchy (name=systemd), "unified" the cgroup2 tree of a hybrid host.
inline constexpr std::array kV1Controllers = {"pids", "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio"};
inline constexpr std::array kV1PlainHierarchies = {"systemd", "unified"};

struct CgroupLayout {
    CgroupMode mode = CgroupMode::V1;
    std::string root = "/sys/fs/cgroup";
    std::string base = "vz";  // CGROUP_BASE

    static CgroupLayout detect(const std::string& base);
    // The directory whose cgroup.procs tells whether a container has any process: the v2 cgroup, or the v1
    // pids hierarchy (every container joins it).
    std::string probe_dir() const;
    std::string ct_probe_dir(unsigned ctid) const { return probe_dir() + "/" + std::to_string(ctid); }
    // The container's cgroup that holds `controller`'s limits and counters: <root>/<base>/<ctid> on v2 (whatever
    // the controller), <root>/<controller>/<base>/<ctid> on v1.
    std::string ct_dir(std::string_view controller, unsigned ctid) const;
};

// The container whose cgroup holds a process, from that process's /proc/<pid>/cgroup text ("id:controllers:/path"
// per hierarchy): the CTID after /<base>/ in the probe hierarchy's line (v2's "0::", v1's pids), whatever cgroup
// below it the process is in (a container's systemd makes its own). nullopt: not in one of `layout`'s containers.
std::optional<unsigned> ct_of_cgroup_text(const CgroupLayout& layout, std::string_view proc_cgroup);

// The value of the line "`key` N" of a flat-keyed cgroup file (memory.stat, memory.events, pids.events...).
std::optional<uint64_t> cgroup_keyed(std::string_view text, std::string_view key);

// Whether a cgroup directory holds at least one process.
bool cgroup_populated(const std::string& dir);

// The CTIDs that have a cgroup (in the probe hierarchy), populated or not, ascending.
std::vector<unsigned> ct_cgroup_ids(const CgroupLayout& layout);
// The CTIDs with a populated cgroup, ascending.
std::vector<unsigned> running_ct_ids(const CgroupLayout& layout);

}  // namespace vz
