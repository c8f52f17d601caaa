// THE capability table: the names `--capability` accepts (OpenVZ's), the kernel capabilities each stands for,
// and whether a container keeps it by default. Capabilities without a row are always dropped.
#pragma once

#include <string_view>
#include <vector>

namespace vz {

struct CapabilityDef {
    std::string_view name;       // lower case, as --capability takes it
    std::vector<int> caps;       // kernel capability numbers
    bool default_on;
};

const CapabilityDef* find_capability(std::string_view lower_name);
// Every name --capability takes, in the table's order.
std::vector<std::string_view> capability_names();

// The bounding set of a container: defaults, then CAPABILITY="NAME:on NAME:off ..." entries in order.
// Returns a bit per kernel capability number (0..63).
unsigned long long capability_mask(std::string_view config_value);

}  // namespace vz
