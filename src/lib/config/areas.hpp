// The host paths a container's config names (VE_PRIVATE, VE_ROOT), checked before anything is mounted on them or
// removed under them: a hand-edited config must not make the host's / a container's root or let destroy delete
// /usr, another container's area or the parent of all of them.
#pragma once

#include <optional>
#include <string>

#include "config/ctconfig.hpp"

namespace vz {

// VE_PRIVATE and VE_ROOT of `cfg` (with $VEID expanded) are refused with one line naming the key and the path,
// exit 23 (VE_PRIVATE) or 22 (VE_ROOT), when one is not absolute or has a "." or ".." component; is /, a system
// directory or an ancestor of one; is an ancestor of the config directory; is the directory vz.conf keeps all
// containers' areas in (or an ancestor of it); equals, contains or lies in another container's area (every
// <CTID>.conf of the config directory) or the container's other area. A path that exists is checked again after
// resolving its symlinks.
void check_areas(const Paths& p, const CtConfig& cfg);

// The directory a $VEID-templated vz.conf value keeps all containers' areas in ("/vz/private/$VEID" -> /vz/private);
// nullopt when the value has no $VEID after a slash.
std::optional<std::string> areas_parent(const std::string& value);

}  // namespace vz
