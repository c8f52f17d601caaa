// THE beancounter table: one row per resource, in the kernel's order (reference 6.1). Parameters, config keys,
// vzlist fields and (later) the collectors are all generated from it.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "config/units.hpp"

namespace vz {

struct UbcResource {
    std::string_view name;        // option and vzlist field name: "kmemsize"
    std::string_view header;      // vzlist header: "KMEMSIZE"
    Unit unit;                    // unit of the config value and of the beancounter numbers
    std::string_view conf_key;    // "KMEMSIZE"
    std::string_view conf_alias;  // read-only older spelling ("DCACHE"), may be empty
    char short_opt;               // `vzctl set` short letter, 0 if none
    int kernel_id;                // row id of /proc/user_beancounters, -1 when the kernel had none
    std::string_view help;
};

std::span<const UbcResource> ubc_resources();
// Resources that have a vzlist field and a beancounter row (all but avnumproc).
bool ubc_listed(const UbcResource& r);
const UbcResource* find_ubc(std::string_view name);
// Its index in ubc_resources(); nullopt for an unknown name.
std::optional<size_t> ubc_index(std::string_view name);
const UbcResource* find_ubc_by_key(std::string_view conf_key);

}  // namespace vz
