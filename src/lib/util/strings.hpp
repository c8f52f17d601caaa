// Plain string helpers every layer uses: decimal numbers, splitting and joining, case.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vz {

// Unsigned decimal in [lo, hi].
std::optional<uint64_t> parse_uint(std::string_view s, uint64_t lo = 0, uint64_t hi = UINT64_MAX);
std::optional<double> parse_double(std::string_view s);

// Split on any of `seps`, dropping empty pieces.
std::vector<std::string> split(std::string_view s, std::string_view seps);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
// The 64-bit FNV-1a hash: stable names and MACs derived from text.
uint64_t fnv1a(std::string_view s);

}  // namespace vz
