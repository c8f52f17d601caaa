#include "util/log.hpp"

#include <cstdio>

namespace vz::log {
namespace {
int g_level = 0;

void put(std::FILE* f, const std::string& line) {
    std::fwrite(line.data(), 1, line.size(), f);
    std::fputc('\n', f);
    std::fflush(f);
}
}  // namespace

void set_level(int lvl) { g_level = lvl; }
int level() { return g_level; }
void write_out(const std::string& line) { put(stdout, line); }
void write_err(const std::string& line) { put(stderr, line); }

}  // namespace vz::log
