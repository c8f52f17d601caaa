#include "util/log.hpp"

#include <cstdio>
#include <ctime>
#include <string>

namespace vz::log {
namespace {
int g_level = 0;
std::FILE* g_file = nullptr;
int g_file_level = 0;
std::string g_prefix;

void to_file(const std::string& line) {
    if (!g_file) return;
    char stamp[32];
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::localtime_r(&now, &tm);
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S%z", &tm);
    std::fprintf(g_file, "%s %s : %s\n", stamp, g_prefix.c_str(), line.c_str());
    std::fflush(g_file);
}

void put(std::FILE* f, const std::string& line) {
    std::fwrite(line.data(), 1, line.size(), f);
    std::fputc('\n', f);
    std::fflush(f);
}
}  // namespace

void open_file(const std::string& path, const std::string& prefix, int level) {
    g_file = std::fopen(path.c_str(), "ae");
    g_prefix = prefix;
    g_file_level = level;
    if (!g_file) std::fprintf(stderr, "WARNING: can't open log file %s\n", path.c_str());
}

void emit(int lvl, bool to_stderr, const std::string& line) {
    if (g_level >= lvl) put(to_stderr ? stderr : stdout, line);
    if (g_file_level >= lvl) to_file(line);
}

void set_level(int lvl) { g_level = lvl; }
int level() { return g_level; }
void write_err(const std::string& line) { put(stderr, line); }

}  // namespace vz::log
