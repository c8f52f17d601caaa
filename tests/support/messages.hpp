// Checks on what the tools say.
#pragma once

#include <cctype>
#include <string>

namespace vztest {

// Whether `message` names "--option" as a whole word ("--mac" is not named by "--mac_filter").
inline bool mentions_option(const std::string& message, const std::string& option) {
    auto word = "--" + option;
    for (auto pos = message.find(word); pos != std::string::npos; pos = message.find(word, pos + 1)) {
        auto end = pos + word.size();
        if (end == message.size()) return true;
        auto c = static_cast<unsigned char>(message[end]);
        if (!std::isalnum(c) && c != '_' && c != '-') return true;
    }
    return false;
}

}  // namespace vztest
