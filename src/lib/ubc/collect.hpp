// Beancounters of a running container, measured from its cgroups (and, for a few resources, from its init's
// view of /proc): held/maxheld/failcnt, and the limits the kernel enforces. In the resource's unit; nullopt where
// this kernel gives no figure or it was not asked for.
#pragma once

#include <sys/types.h>

#include <optional>
#include <span>
#include <vector>

#include "cgroup/layout.hpp"
#include "config/beancounters.hpp"

namespace vz {

struct UbcCounters {
    std::optional<uint64_t> held, maxheld, failcnt;
    // The limit in force (kUnlimited: none), for the resources the kernel enforces; ubc_limit() shows it in place
    // of the configured one. (The initializer keeps {held, maxheld, failcnt} free of missing-initializer warnings.)
    std::optional<uint64_t> limit = std::nullopt;
};

// Indexed like ubc_resources().
using UbcStats = std::vector<UbcCounters>;

// What to read of a resource.
enum UbcPart : unsigned {
    kUbcCounters = 1,  // held, maxheld, failcnt
    kUbcLimit = 2,     // the enforced limit
    kUbcAll = 3,
};

// `wanted[i]`: the UbcPart bits to read of resource i (a listing reads only what it shows); empty = everything.
// `init` is needed only where ubc_needs_init() says so.
UbcStats collect_ubc(const CgroupLayout& layout, unsigned ctid, std::optional<pid_t> init,
                     const std::vector<unsigned>& wanted = {});
// Whether reading `wanted` (as for collect_ubc) needs the container's init: its network namespace's sockets,
// its /dev/pts.
bool ubc_needs_init(const std::vector<unsigned>& wanted);

// How a resource is measured and enforced here, for vzubc and the manual: "enforced", "accounted", "unavailable".
const char* ubc_support(const UbcResource& r, CgroupMode mode);

}  // namespace vz
