#include "options.hpp"

#include <fmt/format.h>

namespace vzctl {

void ParamOptions::add_to(CLI::App& app, unsigned cmd) {
    for (auto& p : vz::params()) {
        if (!(p.cmds & cmd)) continue;
        std::string names;
        if (p.short_opt && cmd == vz::kSet) names += fmt::format("-{},", p.short_opt);
        names += "--" + p.option;
        for (auto& a : vz::split(p.aliases, " ")) names += ",--" + a;
        auto* opt = app.add_option(names, p.help);
        opt->type_name(p.metavar)->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
        opt->allow_extra_args(false);
        opt->group("Parameters");
        rows_[opt] = &p;
    }
}

std::vector<vz::Change> ParamOptions::changes(const CLI::App& app) const {
    std::vector<vz::Change> out;
    std::map<const CLI::Option*, size_t> next;
    for (const CLI::Option* opt : app.parse_order()) {
        auto row = rows_.find(opt);
        if (row == rows_.end()) continue;
        auto& results = opt->results();
        size_t& i = next[opt];
        if (i < results.size()) out.push_back(vz::Change{row->second, results[i++]});
    }
    return out;
}

}  // namespace vzctl
