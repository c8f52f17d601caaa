// TCP ports on the loopback.
#pragma once

#include <cstdint>
#include <optional>

namespace vz {

// A TCP port of 127.0.0.1 that no socket holds now (the kernel's choice for a bind to port 0); nullopt when none
// can be had. Another process may take it before the caller binds it: callers that can, fail cleanly then.
std::optional<uint16_t> free_loopback_port();

}  // namespace vz
