// Splitting test output: lines of a text, NUL-separated /proc strings.
#pragma once

#include <string>
#include <vector>

namespace vztest {

// The pieces of `text` between `sep`s; a trailing separator gives no empty last piece, inner empty pieces stay.
inline std::vector<std::string> pieces(const std::string& text, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start < text.size()) {
        auto end = text.find(sep, start);
        if (end == std::string::npos) end = text.size();
        out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

// Lines of a text, without the newlines.
inline std::vector<std::string> lines(const std::string& text) { return pieces(text, '\n'); }

}  // namespace vztest
