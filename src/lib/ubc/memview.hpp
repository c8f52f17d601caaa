// What a container is told about its memory: sysinfo(2) (answered by its monitor) and /proc/meminfo and
// /proc/swaps (served by vzubcfs) agree because both compute it here. OpenVZ's VSwap semantics: RAM is the memory
// limit (no more than the host's RAM); swap is the swap limit, also when the host has less swap or none (OpenVZ's
// swap was virtual: pages over the RAM limit were slowed down, not written to a device), and the host's swap when
// the container's is unlimited. Header-only and allocation-free: the static monitor includes it.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace vz {

inline constexpr uint64_t kMemUnlimited = UINT64_MAX;

// Raw figures, bytes, as the cgroup files give them ("max" = kMemUnlimited). On cgroup v1, `swap_limit` and
// `swap_usage` are memory.memsw.* (memory plus swap); on v2 memory.swap.*. `has_swap` is false when the kernel
// does not account swap (no such files).
struct MemCgroup {
    bool v2 = false;
    uint64_t limit = kMemUnlimited, usage = 0;
    bool has_swap = false;
    uint64_t swap_limit = kMemUnlimited, swap_usage = 0;
};

struct MemHost {
    uint64_t ram = 0, swap = 0, swap_used = 0;  // bytes
};

struct MemView {
    uint64_t ram = 0, ram_used = 0, swap = 0, swap_used = 0;  // bytes
    uint64_t ram_free() const { return ram - ram_used; }
    uint64_t swap_free() const { return swap - swap_used; }
};

inline MemView mem_view(const MemCgroup& cg, const MemHost& host) {
    auto min = [](uint64_t a, uint64_t b) { return a < b ? a : b; };
    auto minus = [](uint64_t a, uint64_t b) { return a > b ? a - b : 0; };
    MemView v;
    v.ram = min(cg.limit, host.ram);
    v.ram_used = min(cg.usage, v.ram);
    v.swap = host.swap;
    v.swap_used = host.swap_used;
    if (cg.has_swap) {
        if (cg.v2) {
            if (cg.swap_limit != kMemUnlimited) v.swap = cg.swap_limit;
            v.swap_used = cg.swap_usage;
        } else {
            if (cg.swap_limit != kMemUnlimited && cg.limit != kMemUnlimited) v.swap = minus(cg.swap_limit, cg.limit);
            v.swap_used = minus(cg.swap_usage, cg.usage);
        }
    }
    v.swap_used = min(v.swap_used, v.swap);
    return v;
}

// The cgroup files mem_view reads, relative to the container's cgroup that holds its limits.
struct MemFiles {
    const char *limit, *usage, *swap_limit, *swap_usage;
};
inline MemFiles mem_files(bool v2) {
    return v2 ? MemFiles{"memory.max", "memory.current", "memory.swap.max", "memory.swap.current"}
              : MemFiles{"memory.limit_in_bytes", "memory.usage_in_bytes", "memory.memsw.limit_in_bytes",
                         "memory.memsw.usage_in_bytes"};
}

// A cgroup file's text as a number: "max" is kMemUnlimited; false when it is neither.
inline bool mem_number(const char* text, uint64_t& out) {
    if (std::strncmp(text, "max", 3) == 0) {
        out = kMemUnlimited;
        return true;
    }
    char* end;
    out = std::strtoull(text, &end, 10);
    return end != text;
}

}  // namespace vz
