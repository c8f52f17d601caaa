// Resources into cgroup files, for either version. apply_limits() owns what is computed, checked and written in
// which order; a version's LimitFiles says only which file gets which value, in which spelling.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cgroup/layout.hpp"
#include "cgroup/resources.hpp"

namespace vz {

using FileWrites = std::vector<std::pair<std::string, std::string>>;

struct LimitFiles {
    // v1 keeps a child cgroup's CPUs and quota within its parent's, so the container's two levels are written in
    // the order that keeps it; v2 caps a child by its parent itself.
    bool nested_levels;
    const char* cpu_period;  // the file the quota's period is read from; nullptr: kCpuPeriod
    const char* cpu_quota;
    std::string (*quota_text)(std::optional<uint64_t> quota_us, uint64_t period);
    const char* cpu_weight;
    uint64_t (*weight)(uint64_t cpuunits);
    // v1: an empty cpuset has no CPUs, so "all" is the parent's list; v2: empty is the parent's.
    bool cpuset_from_parent;
    const char* unlimited;  // memory files' spelling of "no limit"
    const char* ram;
    const char* swap;
    bool swap_counts_ram;  // v1 memsw limits RAM and swap together
    const char* no_swap;   // why swap can't be limited when `swap` is missing
    const char* kmem;      // nullptr: no kmem limit at all
    const char* kmem_scope;
    std::array<const char*, 2> io_weight;  // tried in turn
    const char* no_io_weight;
    FileWrites (*throttle)(const std::string& dev, uint64_t bps, uint64_t iops);
    // Allows exactly `rules` (the base set and the container's own, each with some access) in `dir`.
    void (*allow_devices)(const std::string& dir, const std::vector<DeviceRule>& rules);
};

constexpr uint64_t kCpuPeriod = 100000;

// Percent of one CPU as the quota per `period` microseconds; none = no cap.
std::optional<uint64_t> cpu_quota_us(std::optional<uint64_t> pct, uint64_t period);
// ioprio 0..7 onto the proportional I/O weight 100..1000.
uint64_t ioprio_weight(unsigned ioprio);

const LimitFiles& v1_limit_files();
const LimitFiles& v2_limit_files();

// CgroupDriver::apply() for the version `files` describes.
std::vector<std::string> apply_limits(const LimitFiles& files, const CgroupLayout& layout, unsigned ctid,
                                      const Resources& res, unsigned groups, const std::string& private_dir);

}  // namespace vz
