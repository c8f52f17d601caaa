// User namespaces and idmapped mounts: what makes root in a container an unprivileged user on the host
// (LOCAL_UID / LOCAL_GID). The private area stays owned by 0 on disk; the container's root is mounted through an
// idmap that shows on-disk id N as host id base+N, so switching a container between privileged and unprivileged
// needs no chown of its tree.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "util/fd.hpp"

namespace vz {

// What create and start say of a container with LOCAL_UID=0.
inline constexpr const char* kPrivilegedWarning =
    "Container is privileged (LOCAL_UID=0): root in it is root on the host; see vzctl(8), SECURITY";

struct IdMap {
    uint32_t uid = 0;  // host uid of the container's uid 0
    uint32_t gid = 0;
    // How many ids are mapped: the container's 0..65535 (nobody and nogroup are 65534).
    static constexpr uint32_t kCount = 65536;
};

// Writes the map of `pid`'s (fresh) user namespace: "0 <base> 65536" for uid and gid.
void write_id_maps(pid_t pid, const IdMap& map);

// A user namespace with `map` that nobody lives in (the mount it is given to keeps it), as an fd.
Fd make_userns(const IdMap& map);

// Mounts `from` on `to` through `map`; throws Error(CantMount) naming the file system when it can't.
void mount_idmapped(const std::string& from, const std::string& to, const IdMap& map);

// Why `path`'s file system can't be mounted through an idmap here; nullopt when it can.
std::optional<std::string> idmap_unsupported(const std::string& path);

}  // namespace vz
