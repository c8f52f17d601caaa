// Capabilities of the test process, for the few behaviours a host's root may lack a capability for (the root of
// this project's CI machines has no CAP_SYS_RESOURCE, which ext4's online resize needs).
#pragma once

#include <linux/capability.h>

#include <string>

#include "temp_dir.hpp"

namespace vztest {

inline bool has_effective_cap(int cap) {
    auto status = read_text("/proc/self/status");
    auto pos = status.find("CapEff:");
    return pos != std::string::npos && (std::stoull(status.substr(pos + 7), nullptr, 16) >> cap & 1) != 0;
}

inline bool has_cap_sys_resource() { return has_effective_cap(CAP_SYS_RESOURCE); }

}  // namespace vztest
