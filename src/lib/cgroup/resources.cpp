#include "cgroup/resources.hpp"

#include <algorithm>

namespace vz {

uint64_t cpuunits_to_shares(uint64_t units) { return std::max<uint64_t>(2, units * 1024 / 1000); }

uint64_t cpuunits_to_weight(uint64_t units) { return std::clamp<uint64_t>(units / 10, 1, 10000); }

const std::vector<DeviceRule>& base_devices() {
    static const std::vector<DeviceRule> base = {
        {'c', 1, 3, "rwm"},  {'c', 1, 5, "rwm"}, {'c', 1, 7, "rwm"}, {'c', 1, 8, "rwm"}, {'c', 1, 9, "rwm"},
        {'c', 5, 0, "rwm"},  {'c', 5, 2, "rwm"}, {'c', 136, -1, "rwm"},
    };
    return base;
}

}  // namespace vz
