// getopt_long compatibility in one place: the original tools took an option's value from the next word even when
// it starts with '-' ("-s -numproc", "--description -x-"), and a short option's value from the next word at the
// end of a cluster ("-Hto ctid"). CLI11 would read such words as options; this rewrites them into the attached
// forms CLI11 understands ("-s-numproc", "--description=-x-", "-Htoctid").
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace vz {

struct OptionSyntax {
    std::function<bool(const std::string& long_name)> long_takes_value;
    std::function<bool(char short_name)> short_takes_value;
    std::function<bool(char short_name)> short_known;
};

std::vector<std::string> normalize_argv(const std::vector<std::string>& args, const OptionSyntax& syntax);

}  // namespace vz
