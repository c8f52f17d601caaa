// vzctl's command line, parsed by main.cpp's own code (compiled here with main renamed) up to the dispatch; the
// values of the parameter options then go through the checks and edits of `vzctl set` on an empty config.
#define main vzctl_main
#include "../src/vzctl/main.cpp"
#undef main

#include "argv_tools.hpp"
#include "config/edit.hpp"
#include "config/params.hpp"

namespace vzfuzz {

void vzctl_command_line(std::vector<std::string> args) {
    if (args.empty()) return;
    std::string cmd_word = command_word(args);
    CLI::App app{"vzctl: manage containers", "vzctl"};
    Globals g;
    add_globals(app, g);
    std::string ctid_arg;
    auto registered = add_commands(app, cmd_word, ctid_arg);
    cut_tail(args, cmd_word);
    try {
        vzcli::parse(app, args);
    } catch (const CLI::ParseError&) {
        return;
    }
    if (app.get_subcommands().empty()) return;
    auto* sub = app.get_subcommands().front();
    auto& word = sub->get_option("ctid")->results();
    if (!word.empty()) vz::parse_ctid(word.front());

    // ParamOptions::changes, from the option names: the parameter table's long name is each option's first.
    std::vector<vz::Change> changes;
    std::map<const CLI::Option*, size_t> next;
    for (const CLI::Option* opt : sub->parse_order()) {
        auto* p = opt->get_lnames().empty() ? nullptr : vz::find_param(opt->get_lnames().front());
        if (!p || opt->get_group() != "Parameters") continue;
        size_t& i = next[opt];
        if (i < opt->results().size()) changes.push_back(vz::Change{p, opt->results()[i++]});
    }
    vz::ConfFile conf;
    vz::EditContext ctx;
    ctx.ctid = 101;
    try {
        vz::apply_changes(conf, changes, ctx);
    } catch (const vz::Error&) {
    }
}

}  // namespace vzfuzz
