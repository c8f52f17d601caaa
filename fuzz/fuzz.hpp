// What the fuzz targets share: a property check that libFuzzer reports as a crash, and input helpers.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace vzfuzz {

// A broken property: printed, then abort(), which libFuzzer reports like a sanitizer finding and saves the input.
[[noreturn]] inline void broken(const char* what, std::string_view detail = {}) {
    std::fprintf(stderr, "property broken: %s\n", what);
    if (!detail.empty()) std::fprintf(stderr, "  detail: %.*s\n", static_cast<int>(detail.size()), detail.data());
    std::abort();
}

inline void require(bool ok, const char* what, std::string_view detail = {}) {
    if (!ok) broken(what, detail);
}

inline std::string_view as_text(const uint8_t* data, size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Words separated by NUL bytes (a command line as the kernel hands it over), at most `max` of them.
inline std::vector<std::string> nul_words(std::string_view s, size_t max = 24) {
    std::vector<std::string> out;
    while (!s.empty() && out.size() < max) {
        auto z = s.find('\0');
        out.emplace_back(s.substr(0, z));
        s = z == std::string_view::npos ? std::string_view{} : s.substr(z + 1);
    }
    return out;
}

}  // namespace vzfuzz
