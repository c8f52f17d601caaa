// vzsplit's arithmetic: the host's RAM and swap, and the free space of the file system that holds the containers'
// private areas, divided into equal shares for N containers, written as a VSwap sample configuration
// (ve-NAME.conf-sample) that `vzctl create --config NAME` and `--applyconfig NAME` take.
#pragma once

#include <cstdint>
#include <string>

namespace vz {

// What is divided, in bytes (inodes in items; 0 where the file system does not count them, as btrfs).
struct SplitHost {
    uint64_t ram = 0, swap = 0;
    std::string area;  // the directory the private areas are made in (for the sample's comment)
    uint64_t disk_free = 0, inodes_free = 0;
};

// One container's share: RAM, swap and disk rounded down to whole MiB; what the host keeps of its RAM.
struct SplitShare {
    uint64_t host_keeps = 0, ram = 0, swap = 0, disk = 0, inodes = 0;
};

// The least RAM and disk space a share may have: below either the host is not split (one line naming it).
inline constexpr uint64_t kSplitLeastRam = 64ULL << 20;
inline constexpr uint64_t kSplitLeastDisk = 256ULL << 20;

// The host keeps 1/16 of its RAM, at least 256 MiB and at most 2 GiB (its kernel, page cache, the tools); the rest
// and all its swap and free disk space are split `n` ways. Throws Error (exit 1) when a share is below the least.
SplitShare split_host(const SplitHost& h, unsigned n);

// The sample's text: a comment saying how it was made, then PHYSPAGES, SWAPPAGES, DISKSPACE (hard limit a tenth
// above the soft one, as the shipped samples), DISKINODES (likewise; left out when `h` counts no inodes), QUOTATIME,
// CPUUNITS (the standard 1000: equal weights share the CPU equally) and NETFILTER as the shipped vswap samples.
std::string split_sample(const SplitHost& h, const SplitShare& s, unsigned n, const std::string& name);

}  // namespace vz
