#include "util/argv.hpp"

namespace vz {

std::vector<std::string> normalize_argv(const std::vector<std::string>& args, const OptionSyntax& syntax) {
    std::vector<std::string> out;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") {
            out.insert(out.end(), args.begin() + static_cast<long>(i), args.end());
            break;
        }
        // An empty value stays a word of its own, which the parser takes as the value: joined, "-o" + "" would lose
        // it (and take the word after as the value), and CLI11 reads "--output=" as a missing value.
        bool has_next = i + 1 < args.size() && !args[i + 1].empty();
        if (a.size() > 2 && a.starts_with("--")) {
            if (a.find('=') == std::string::npos && has_next && syntax.long_takes_value(a.substr(2))) {
                out.push_back(a + "=" + args[++i]);
                continue;
            }
        } else if (a.size() > 1 && a[0] == '-' && a[1] != '-') {
            // Walk the cluster: flags, then at most one option that takes the rest (or the next word).
            size_t j = 1;
            while (j < a.size() && syntax.short_known(a[j]) && !syntax.short_takes_value(a[j])) ++j;
            if (j == a.size() - 1 && syntax.short_takes_value(a[j]) && has_next) {
                out.push_back(a + args[++i]);
                continue;
            }
        }
        out.push_back(a);
    }
    return out;
}

}  // namespace vz
