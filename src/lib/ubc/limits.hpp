// The barrier:limit of a container's beancounters: one answer for every place that shows them (vzubc and its raw
// file, vzlist's .b/.l columns and JSON). In order of precedence:
//   1. for a running container, the limit the kernel enforces now, read back from its cgroups (collect_ubc with
//      kUbcLimit): a `vzctl set` without --save shows;
//   2. the value of the config (CT config over vz.conf; the old key spellings too);
//   3. for a VSwap config (PHYSPAGES limit not unlimited), the values vzctl 4 derived for the beancounters left
//      unset (reference 2.6, as its code does it, not as its manual says):
//        lockedpages  = ram:ram              oomguarpages = ram:unlimited
//        vmguarpages  = (ram+swap):unlimited privvmpages  = (ram+swap) x VM_OVERCOMMIT for both, or unlimited
//                                                           when VM_OVERCOMMIT is unset or 0
//      where ram and swap are the physpages and swappages limits (swap unset: 0);
//   4. otherwise unset.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "config/ctconfig.hpp"
#include "ubc/collect.hpp"

namespace vz {

// LONG_MAX, or INT_MAX of 32-bit kernels.
bool ubc_is_unlimited(uint64_t v);
// Sum and product of beancounter figures in which unlimited stays unlimited and a result past kUnlimited is it.
uint64_t ubc_add(uint64_t a, uint64_t b);
uint64_t ubc_mul(uint64_t a, uint64_t k);

// The barrier:limit of resource `index` (into ubc_resources()); nullopt when nothing sets or derives it. `live`
// holds what collect_ubc read from the running container (null for a stopped one).
std::optional<UbcPair> ubc_limit(const CtConfig& cfg, size_t index, const UbcStats* live = nullptr);
// The same for every resource, indexed like ubc_resources().
std::vector<std::optional<UbcPair>> ubc_limits(const CtConfig& cfg, const UbcStats* live = nullptr);

// Adds to collect_ubc's `wanted` (sized like ubc_resources()) what ubc_limit(.., index, ..) reads from the kernel:
// the resource's own enforced limit and those of the resources VSwap derives it from.
void want_ubc_limit(std::vector<unsigned>& wanted, size_t index);

}  // namespace vz
