// vzlist's command line, parsed by main.cpp's own code (compiled here with main renamed): options, columns, sort
// key and filters, up to where the containers would be read.
#define main vzlist_main
#include "../src/vzlist/main.cpp"
#undef main

#include "argv_tools.hpp"

namespace vzfuzz {

void vzlist_command_line(const std::vector<std::string>& args) {
    CLI::App app{"vzlist", "vzlist"};
    Args a;
    define(app, a);
    try {
        vzcli::parse(app, args);
        if (a.help || a.list) return;
        query_of(app, a);
    } catch (const CLI::ParseError&) {
    } catch (const vz::Error&) {
    }
    for (auto& w : a.ids) vz::parse_ctid(w);
}

}  // namespace vzfuzz
