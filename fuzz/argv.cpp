// Command lines (util/argv and the CLI parse of src/cli and the three tools): the first byte picks vzctl, vzlist,
// vzubc or normalize_argv alone with an option table from the input; the rest is the words, separated by NULs.
// A command line is parsed or refused (CLI11's ParseError, vz::Error), never a crash; the words the tools take
// as parameter values are checked by their rules as `vzctl set` does. normalize_argv only joins a word to the next.
#include <algorithm>
#include <set>

#include "argv_tools.hpp"
#include "fuzz.hpp"
#include "util/argv.hpp"

namespace {

using vzfuzz::require;

// An option table of the input's own: the short letters of `shorts` (upper case: takes a value), the long names of
// `longs` (ending in '='; takes a value).
void normalize_alone(const std::vector<std::string>& words) {
    if (words.size() < 2) return;
    const std::string& table = words[0];
    std::vector<std::string> args(words.begin() + 1, words.end());
    vz::OptionSyntax s;
    s.long_takes_value = [&](const std::string& n) { return table.find(n + "=") != std::string::npos; };
    s.short_takes_value = [&](char c) {
        return std::isupper(static_cast<unsigned char>(c)) && table.find(c) != std::string::npos;
    };
    s.short_known = [&](char c) { return table.find(c) != std::string::npos; };
    auto out = vz::normalize_argv(args, s);
    // Each output word is an input word, or one joined with the next ("--opt=value", "-xVALUE").
    require(out.size() <= args.size(), "normalize_argv made more words");
    size_t i = 0;
    for (auto& w : out) {
        require(i < args.size(), "normalize_argv invented a word");
        if (w == args[i]) {
            ++i;
            continue;
        }
        require(i + 1 < args.size() && (w == args[i] + "=" + args[i + 1] || w == args[i] + args[i + 1]),
                "normalize_argv changed a word", w);
        i += 2;
    }
    require(i == args.size(), "normalize_argv dropped a word");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    auto words = vzfuzz::nul_words(vzfuzz::as_text(data + 1, size - 1));
    switch (data[0] % 4) {
        case 0: vzfuzz::vzctl_command_line(words); break;
        case 1: vzfuzz::vzlist_command_line(words); break;
        case 2: vzfuzz::vzubc_command_line(words); break;
        default: normalize_alone(words); break;
    }
    return 0;
}
