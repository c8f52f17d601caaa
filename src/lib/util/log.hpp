// Console messages: the original's texts, verbosity from --quiet/--verbose.
#pragma once

#include <fmt/format.h>

namespace vz::log {

// -1 = quiet (errors only), 0 = normal, >0 = verbose levels.
void set_level(int level);
int level();

void write_out(const std::string& line);
void write_err(const std::string& line);

template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
    if (level() >= 0) write_out(fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void verbose(int lvl, fmt::format_string<Args...> f, Args&&... args) {
    if (level() >= lvl) write_out(fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
    if (level() >= 0) write_err("WARNING: " + fmt::format(f, std::forward<Args>(args)...));
}
inline void error(const std::string& msg) { write_err("Error: " + msg); }

}  // namespace vz::log
