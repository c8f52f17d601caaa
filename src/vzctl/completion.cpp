// What vzctl's completion offers beyond its CLI11 declarations: the values of the parameter table's options, and
// the containers, samples and templates the script finds at completion time.
#include "cli/completion.hpp"
#include "command.hpp"
#include "config/kinds.hpp"
#include "config/params.hpp"
#include "ct/ops.hpp"

namespace vzctl {

namespace {

std::optional<vzcli::Values> param_values(const vz::ParamDef& p) {
    if (p.option == "ostemplate") return vzcli::Values{.globs = vz::template_globs("${TEMPLATE}")};
    auto w = vz::value_words(p);
    if (w.words.empty()) return std::nullopt;
    return vzcli::Values{.words = w.words, .separator = w.separator};
}

std::optional<vzcli::Values> hint(const CLI::App& cmd, const CLI::Option& opt) {
    if (!opt.nonpositional()) {
        // create names a container that does not exist yet.
        if (opt.get_name() == "ctid")
            return cmd.get_name() == "create" ? std::nullopt : std::optional(vzcli::containers());
        if (opt.get_name() == "script") return vzcli::Values{.files = true};
        return std::nullopt;
    }
    auto& name = opt.get_lnames().front();
    if (name == "config" || name == "applyconfig") return vzcli::Values{.globs = {vzcli::kConfdir.sample("*")}};
    auto* p = vz::find_param(name);
    if (!p) return std::nullopt;
    auto v = param_values(*p);
    // convert takes --layout too, and only an image as the target.
    if (v && opt.get_group() != "Parameters")
        std::erase_if(v->words, [](const std::string& w) { return !w.starts_with("ploop"); });
    return v;
}

}  // namespace

int print_completion(CLI::App& app) { return vzcli::print_completion(app, "vzctl", hint); }

}  // namespace vzctl
