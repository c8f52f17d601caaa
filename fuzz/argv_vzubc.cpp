// vzubc's command line, parsed by main.cpp's own code (compiled here with main renamed): the single-dash long
// options, the checks of the option values, the thresholds.
#define main vzubc_main
#include "../src/vzubc/main.cpp"
#undef main

#include "argv_tools.hpp"

namespace vzfuzz {

void vzubc_command_line(const std::vector<std::string>& args) {
    try {
        auto o = parse(args);
        check(o);
        vz::ubc_thresholds(o.held_threshold.empty() ? 0.5 : number("-qh", o.held_threshold),
                           o.maxheld_threshold.empty() ? 0.8 : number("-qm", o.maxheld_threshold));
    } catch (const CLI::ParseError&) {
    } catch (const vz::Error&) {
    }
}

}  // namespace vzfuzz
