// Beancounters of a running container, measured from its cgroups (and, for a few resources, from its init's
// view of /proc). held/maxheld/failcnt in the resource's unit; nullopt where this kernel gives no figure.
#pragma once

#include <sys/types.h>

#include <optional>
#include <span>
#include <vector>

#include "cgroup/layout.hpp"
#include "ubc/resources.hpp"

namespace vz {

struct UbcCounters {
    std::optional<uint64_t> held, maxheld, failcnt;
};

// Indexed like ubc_resources().
using UbcStats = std::vector<UbcCounters>;

// `wanted[i]` selects resource i (only what a listing shows is read); empty = all.
UbcStats collect_ubc(const CgroupLayout& layout, unsigned ctid, std::optional<pid_t> init,
                     const std::vector<bool>& wanted = {});

// How a resource is measured and enforced here, for vzubc and the manual: "enforced", "accounted", "unavailable".
const char* ubc_support(const UbcResource& r, CgroupMode mode);

}  // namespace vz
