// The command-line parse of each tool, up to where it would act (fuzz/argv_*.cpp).
#pragma once

#include <string>
#include <vector>

namespace vzfuzz {

void vzctl_command_line(std::vector<std::string> args);
void vzlist_command_line(const std::vector<std::string>& args);
void vzubc_command_line(const std::vector<std::string>& args);

}  // namespace vzfuzz
