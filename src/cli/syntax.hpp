// The front ends declare each option once, on CLI11; the getopt compatibility of util/argv.hpp needs to know which
// of them take a value, and learns it from those declarations instead of from a second hand-written list.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/completion.hpp"
#include "util/argv.hpp"

namespace vzcli {

// Which options of `app` and of its subcommands take a value, and which short letters exist.
vz::OptionSyntax syntax_of(CLI::App& app);

// Parses `args` (without the program name) as the original getopt_long did; throws CLI::ParseError. A word it can't
// place is named alone, the first of them: "Unrecognized option: --x" or "Unexpected argument: x".
void parse(CLI::App& app, const std::vector<std::string>& args);

// `s` as one word of a POSIX shell, single-quoted (the command vzubc hands to watch(1), the completion data).
std::string shell_quote(const std::string& s);

// main() of a tool with one failure status (vzlist, vzubc, vzpid): `run` with the arguments after the program name;
// an exception it lets through is "Error: ..." and Exit::Failure (1), whatever vzctl code libvz attached to it.
int run_tool(int argc, char** argv, int (*run)(const std::vector<std::string>& args));

// vzlist's and vzubc's answer to a command line they can't parse: the reason, the usage text, exit status 1.
int refuse(const CLI::ParseError& e, const char* usage);

// The start of a tool's run() (vzlist, vzpid, vzsplit): its completion data when asked for (print_completion of
// `app` with `hints`), else `args` parsed into `app` (refused as by refuse()) and, when `help` (the flag the tool
// bound to -h) is set, `usage` on standard output. nullopt: go on with the options parsed; else the exit status.
std::optional<int> parse_or_answer(CLI::App& app, const std::vector<std::string>& args, const char* usage,
                                   const bool& help, const Hints& hints);

}  // namespace vzcli
