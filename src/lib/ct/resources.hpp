// A container's limits as the cgroup drivers take them (cgroup/resources.hpp), read from its configuration.
#pragma once

#include <string>

#include "cgroup/resources.hpp"
#include "config/ctconfig.hpp"

namespace vz {

// Reads every limit from the configuration. Bad values were refused when the config was loaded.
Resources resources_from_config(const CtConfig& cfg);

}  // namespace vz
