// A container's /proc/meminfo and /proc/swaps, as vzubcfs serves them (ubc/ubcfs.hpp) and its init binds them over
// the container's own. Memory and swap totals and use come from mem_view() (ubc/memview.hpp), so they agree
// with what the monitor answers to sysinfo(2): OpenVZ's VSwap view, in which a container has the swap its limit
// gives it also when the host has less or none. The other figures of meminfo come from the container's
// memory.stat; the host's lines that say nothing about the container's memory (huge page pool, vmalloc, direct
// map, commit limit...) stay as they are.
//
// Both texts keep the kernel's layout ("Key:" padded to 16 columns, the value right-aligned in 8, " kB"; /proc/swaps'
// tab-separated columns), and their lengths depend only on the container's limits, not on its use: vzubcfs
// reports a file's size before the reading it serves is made (see src/ubcfs/vzubcfs.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ubc/memview.hpp"

namespace vz {

// The host's RAM and swap from its /proc/meminfo text (MemTotal, SwapTotal, SwapFree).
MemHost host_mem(std::string_view meminfo);
// The same from this host's /proc/meminfo; an Error (exit 1) naming it when it can't be read.
MemHost live_host_mem();

// The container's /proc/meminfo: `host_meminfo` (the host's text) with the container's figures in place of the
// host's, from its memory cgroup `cg` and that cgroup's memory.stat text (v1's hierarchical total_* keys or v2's).
std::string ct_meminfo(std::string_view host_meminfo, const MemCgroup& cg, std::string_view memory_stat);

// The container's /proc/swaps: the kernel's header, and one line for its (virtual) swap when it has any.
std::string ct_swaps(std::string_view host_meminfo, const MemCgroup& cg);

// The files of the memory cgroup `dir` that mem_view() reads (mem_files()); nullopt when the cgroup can't be read.
std::optional<MemCgroup> read_mem_cgroup(const std::string& dir, bool v2);

// Both files of the container whose memory cgroup is `dir`, from the live system; nullopt when the cgroup can't be
// read (the container does not run).
std::optional<std::string> live_ct_meminfo(const std::string& dir, bool v2);
std::optional<std::string> live_ct_swaps(const std::string& dir, bool v2);

}  // namespace vz
