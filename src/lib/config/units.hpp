// Value grammar of vzctl parameters (reference 2.0): sizes with binary suffixes, `unlimited`, barrier:limit
// pairs, bitmaps. Parsers return nullopt on bad input; callers name the option and the accepted form.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/strings.hpp"

namespace vz {

// The original's LONG_MAX: "unlimited" in beancounter values.
inline constexpr uint64_t kUnlimited = 9223372036854775807ULL;

enum class Unit { Items, Pages, Bytes, KiB };

uint64_t page_size();

struct UbcPair {
    uint64_t barrier = 0;
    uint64_t limit = 0;
    bool operator==(const UbcPair&) const = default;
};

// One side of a beancounter value in `unit`: number (fraction allowed unless Items), optional suffix
// T/G/M/K (binary), P (pages), B (bytes), or "unlimited". Items refuse suffixes. Values past kUnlimited clamp.
std::optional<uint64_t> parse_ubc_value(std::string_view s, Unit unit, bool* clamped = nullptr);
// "V" (barrier = limit) or "B:L".
std::optional<UbcPair> parse_ubc_pair(std::string_view s, Unit unit, bool* clamped = nullptr);
// Saved form: "V" when equal, else "B:L"; kUnlimited as "unlimited".
std::string format_ubc_pair(const UbcPair& p);
std::string format_ubc_value(uint64_t v);

// A size in bytes with optional suffix (plain number = `plain_unit` bytes each, e.g. 1 for bytes, 1024 for KiB).
std::optional<uint64_t> parse_size(std::string_view s, uint64_t plain_unit, bool allow_fraction = true);

std::optional<bool> parse_yes_no(std::string_view s);

// "all" or a comma list of numbers and ranges ("0-2,7"), each below `bits`. Returns the set bits; "all" gives
// every bit. The canonical text is format_bitmap.
std::optional<std::vector<bool>> parse_bitmap(std::string_view s, unsigned bits);
std::string format_bitmap(const std::vector<bool>& map);


}  // namespace vz
