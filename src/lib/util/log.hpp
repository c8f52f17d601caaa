// Console messages: the original's texts, verbosity from --quiet/--verbose.
#pragma once

#include <fmt/format.h>

namespace vz::log {

// -1 = quiet (errors only), 0 = normal, >0 = verbose levels.
void set_level(int level);
int level();

// Also append the messages up to `level` (-1: errors only) to `path` ("<time> vzctl : CT <id> : <message>"), as
// LOGGING, LOGFILE and LOG_LEVEL ask. A log file that can't be opened is reported once on stderr and otherwise
// ignored.
void open_file(const std::string& path, const std::string& prefix, int level);

void write_err(const std::string& line);

// Prints `line` on the console when the verbosity reaches `lvl`, and appends it to the log file when its level does.
void emit(int lvl, bool to_stderr, const std::string& line);

template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
    emit(0, false, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void verbose(int lvl, fmt::format_string<Args...> f, Args&&... args) {
    emit(lvl, false, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
    emit(0, true, "WARNING: " + fmt::format(f, std::forward<Args>(args)...));
}
inline void error(const std::string& msg) { emit(-1, true, "Error: " + msg); }

}  // namespace vz::log
