// Where the cgroups of containers live: <mount>/<CGROUP_BASE>/<CTID> on cgroup v2, or under each v1 controller.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace vz {

enum class CgroupMode { V1, V2 };

struct CgroupLayout {
    CgroupMode mode = CgroupMode::V1;
    std::string root = "/sys/fs/cgroup";
    std::string base = "vz";  // CGROUP_BASE

    static CgroupLayout detect(const std::string& base);
    // The directory whose cgroup.procs tells whether a container has any process: the v2 cgroup, or the v1
    // pids hierarchy (every container joins it).
    std::string probe_dir() const;
    std::string ct_probe_dir(unsigned ctid) const { return probe_dir() + "/" + std::to_string(ctid); }
};

// Whether a cgroup directory holds at least one process.
bool cgroup_populated(const std::string& dir);

// The CTIDs with a populated cgroup, ascending.
std::vector<unsigned> running_ct_ids(const CgroupLayout& layout);

}  // namespace vz
