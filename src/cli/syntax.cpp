#include "cli/syntax.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "util/error.hpp"
#include "util/log.hpp"

namespace vzcli {

namespace {

bool named(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

vz::OptionSyntax syntax_of(CLI::App& app) {
    // Shared by the three predicates, which outlive this call.
    auto all = std::make_shared<std::vector<const CLI::Option*>>();
    std::vector<CLI::App*> apps{&app};
    for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) apps.push_back(sub);
    for (auto* a : apps)
        for (auto* o : a->get_options()) all->push_back(o);
    auto takes = [all](auto match) {
        for (auto* o : *all)
            if (match(o)) return o->get_expected_min() > 0;
        return false;
    };
    vz::OptionSyntax s;
    s.long_takes_value = [takes](const std::string& n) {
        return takes([&](const CLI::Option* o) { return named(o->get_lnames(), n); });
    };
    s.short_takes_value = [takes](char c) {
        return takes([&](const CLI::Option* o) { return named(o->get_snames(), std::string(1, c)); });
    };
    s.short_known = [all](char c) {
        return std::any_of(all->begin(), all->end(),
                           [&](const CLI::Option* o) { return named(o->get_snames(), std::string(1, c)); });
    };
    return s;
}

void parse(CLI::App& app, const std::vector<std::string>& args) {
    std::vector<std::string> words = vz::normalize_argv(args, syntax_of(app));
    // CLI11 takes the words of a vector from its back.
    std::reverse(words.begin(), words.end());
    try {
        app.parse(words);
    } catch (const CLI::ExtrasError&) {
        // CLI11 lists every extra word, backwards for a vector; the original's getopt named the first one.
        auto extra = app.remaining(true);
        if (extra.empty()) throw;
        const auto& w = extra.front();
        bool option = w.size() > 1 && w[0] == '-';
        throw CLI::ExtrasError((option ? "Unrecognized option: " : "Unexpected argument: ") + w,
                               CLI::ExitCodes::ExtrasError);
    }
}

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

int run_tool(int argc, char** argv, int (*run)(const std::vector<std::string>& args)) {
    try {
        return run(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const std::exception& e) {
        vz::log::error(e.what());
        return static_cast<int>(vz::Exit::Failure);
    }
}

int refuse(const CLI::ParseError& e, const char* usage) {
    vz::log::error(e.what());
    std::fputs(usage, stderr);
    return static_cast<int>(vz::Exit::Failure);
}

std::optional<int> parse_or_answer(CLI::App& app, const std::vector<std::string>& args, const char* usage,
                                   const bool& help, const Hints& hints) {
    if (completion_requested(args)) return print_completion(app, app.get_name(), hints);
    try {
        parse(app, args);
    } catch (const CLI::ParseError& e) {
        return refuse(e, usage);
    }
    if (!help) return std::nullopt;
    std::fputs(usage, stdout);
    return 0;
}

}  // namespace vzcli
