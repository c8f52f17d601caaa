// Shell completion from the front ends' own declarations: each tool hands its CLI11 app (every command, option and
// positional it really accepts) and its word on the values those take to print_completion, which writes them as
// the data of the bash completion script; the build runs each tool once with kCompletionWord for it
// (cmake/completion.cmake) and puts the data after the completion engine (src/cli/completion.bash). Nothing is
// listed twice.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/ctconfig.hpp"

namespace vzcli {

// What the shell offers for the value of an option or for a positional.
// Every member has an initializer so that a hint names only what it sets.
struct Values {
    std::vector<std::string> words{};  // fixed words
    // Shell globs the script expands at completion time, `*` standing for the word; a leading ${VZ_CONFDIR} is the
    // global config directory, another leading ${KEY} the value of KEY in vz.conf.
    std::vector<std::string> globs{};
    bool files = false;     // file names
    bool dirs = false;      // directory names
    char separator = 0;     // the value is a list of such words joined by this (vzlist -o ctid,name)
    std::string prefix{};   // an optional prefix of the value (vzlist -s -field)
};

// The global config directory as the script sees it, for the globs of Values.
inline const vz::Paths kConfdir{"${VZ_CONFDIR}"};
// A container: its CTID (from <CTID>.conf) or its name (the names directory's links, what the tools resolve).
Values containers();

// The tool's word on an option or positional of `cmd` (the app or one of its subcommands); nullopt: nothing to
// offer beyond the words of the option's CLI::IsMember check, if any.
using Hints = std::function<std::optional<Values>(const CLI::App& cmd, const CLI::Option& opt)>;

// The command line that asks a tool for its completion data: this one word, never shown to users.
inline constexpr const char* kCompletionWord = "--vz-completion-data";
bool completion_requested(const std::vector<std::string>& args);

// Writes the completion data of `app` (named `tool`) to stdout: its subcommands (hidden ones left out), the options
// of each (long options in `one_dash` spelt with one dash, as vzubc's -wd), which take a value and what, and the
// positionals; then the `complete` line. Returns the exit status.
int print_completion(CLI::App& app, const std::string& tool, const Hints& hints,
                     const std::set<std::string>& one_dash = {});

}  // namespace vzcli
