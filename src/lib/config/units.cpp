#include "config/units.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace vz {

uint64_t page_size() {
    static const uint64_t ps = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    return ps;
}

namespace {

std::optional<uint64_t> suffix_bytes(char c) {
    switch (c) {
        case 'T': case 't': return 1ULL << 40;
        case 'G': case 'g': return 1ULL << 30;
        case 'M': case 'm': return 1ULL << 20;
        case 'K': case 'k': return 1ULL << 10;
        case 'B': case 'b': return 1;
        case 'P': case 'p': return page_size();
        default: return std::nullopt;
    }
}

// Splits "12.5M" into number and suffix char (0 when none); rejects anything else.
bool split_number(std::string_view s, double& num, char& suffix, bool& fraction) {
    suffix = 0;
    if (s.empty()) return false;
    if (suffix_bytes(s.back())) {
        suffix = s.back();
        s.remove_suffix(1);
    }
    if (s.empty()) return false;
    size_t dots = 0;
    for (char c : s) {
        if (c == '.') ++dots;
        else if (c < '0' || c > '9') return false;
    }
    if (dots > 1 || s.front() == '.' || s.back() == '.') return false;
    fraction = dots == 1;
    num = std::strtod(std::string(s).c_str(), nullptr);
    return true;
}

// A whole number with an optional suffix, in bytes, computed exactly: a double's 53 bits can't hold values near
// LONG_MAX ("9223372036854775807" would read as 2^63 and be reported as clamped). nullopt past 64 bits.
std::optional<uint64_t> exact_bytes(std::string_view s, char suffix) {
    if (suffix) s.remove_suffix(1);
    uint64_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    uint64_t bytes = 0;
    if (__builtin_mul_overflow(n, suffix ? *suffix_bytes(suffix) : 1, &bytes)) return std::nullopt;
    return bytes;
}

uint64_t clamp_to_unlimited(long double v, bool* clamped) {
    if (v >= static_cast<long double>(kUnlimited)) {
        if (clamped && v > static_cast<long double>(kUnlimited)) *clamped = true;
        return kUnlimited;
    }
    return static_cast<uint64_t>(v);
}

}  // namespace

std::optional<uint64_t> parse_size(std::string_view s, uint64_t plain_unit, bool allow_fraction) {
    double num = 0;
    char suffix = 0;
    bool fraction = false;
    if (!split_number(s, num, suffix, fraction)) return std::nullopt;
    if (fraction && !allow_fraction) return std::nullopt;
    long double bytes = static_cast<long double>(num) *
                        static_cast<long double>(suffix ? *suffix_bytes(suffix) : plain_unit);
    if (bytes > static_cast<long double>(UINT64_MAX)) return std::nullopt;
    return static_cast<uint64_t>(std::ceil(bytes));
}

std::optional<uint64_t> parse_ubc_value(std::string_view s, Unit unit, bool* clamped) {
    if (s == "unlimited") return kUnlimited;
    double num = 0;
    char suffix = 0;
    bool fraction = false;
    if (!split_number(s, num, suffix, fraction)) return std::nullopt;
    if (unit == Unit::Items && (suffix || fraction)) return std::nullopt;
    if (auto exact = fraction ? std::nullopt : exact_bytes(s, suffix)) {
        uint64_t v = *exact;
        uint64_t per = !suffix ? 1 : unit == Unit::Pages ? page_size() : unit == Unit::KiB ? 1024 : 1;
        v = v / per + (v % per != 0);
        if (v > kUnlimited && clamped) *clamped = true;
        return std::min(v, kUnlimited);
    }
    long double v = num;
    switch (unit) {
        case Unit::Items:
            break;
        case Unit::Pages:
            if (suffix) v = std::ceil(v * static_cast<long double>(*suffix_bytes(suffix)) /
                                      static_cast<long double>(page_size()));
            break;
        case Unit::Bytes:
            if (suffix) v *= static_cast<long double>(*suffix_bytes(suffix));
            break;
        case Unit::KiB:
            if (suffix) v = std::ceil(v * static_cast<long double>(*suffix_bytes(suffix)) / 1024.0L);
            break;
    }
    return clamp_to_unlimited(std::floor(v), clamped);
}

std::optional<UbcPair> parse_ubc_pair(std::string_view s, Unit unit, bool* clamped) {
    auto colon = s.find(':');
    auto b = parse_ubc_value(s.substr(0, colon), unit, clamped);
    if (!b) return std::nullopt;
    if (colon == std::string_view::npos) return UbcPair{*b, *b};
    auto l = parse_ubc_value(s.substr(colon + 1), unit, clamped);
    if (!l) return std::nullopt;
    return UbcPair{*b, *l};
}

std::string format_ubc_value(uint64_t v) { return v >= kUnlimited ? "unlimited" : std::to_string(v); }

std::string format_ubc_pair(const UbcPair& p) {
    if (p.barrier == p.limit) return format_ubc_value(p.barrier);
    return format_ubc_value(p.barrier) + ":" + format_ubc_value(p.limit);
}



std::optional<bool> parse_yes_no(std::string_view s) {
    if (s == "yes") return true;
    if (s == "no") return false;
    return std::nullopt;
}

std::optional<std::vector<bool>> parse_bitmap(std::string_view s, unsigned bits) {
    std::vector<bool> map(bits, false);
    if (s == "all") {
        map.assign(bits, true);
        return map;
    }
    if (s.empty()) return std::nullopt;
    for (auto& part : split(s, ",")) {
        auto dash = part.find('-');
        auto lo = parse_uint(std::string_view(part).substr(0, dash), 0, bits - 1);
        auto hi = dash == std::string::npos ? lo : parse_uint(std::string_view(part).substr(dash + 1), 0, bits - 1);
        if (!lo || !hi || *hi < *lo) return std::nullopt;
        for (auto i = *lo; i <= *hi; ++i) map[i] = true;
    }
    return map;
}

std::string format_bitmap(const std::vector<bool>& map) {
    std::string out;
    for (size_t i = 0; i < map.size();) {
        if (!map[i]) {
            ++i;
            continue;
        }
        size_t j = i;
        while (j + 1 < map.size() && map[j + 1]) ++j;
        if (!out.empty()) out += ',';
        out += std::to_string(i);
        // Two appends, not "-" + to_string(j): g++ 12 -O3 warns about that one (-Wrestrict, GCC bug 105651).
        if (j > i) {
            out += '-';
            out += std::to_string(j);
        }
        i = j + 1;
    }
    return out;
}





}  // namespace vz
