#include "cli/completion.hpp"

#include <cstdio>

#include "cli/syntax.hpp"

namespace vzcli {

namespace {

// The words of CLI::IsMember's check ("{restart,ignore}"), the one validator whose accepted words a description
// lists; nothing for another.
std::vector<std::string> member_words(CLI::Option& opt) {
    std::vector<std::string> out;
    for (int i = 0;; ++i) {
        CLI::Validator* v = nullptr;
        try {
            v = opt.get_validator(i);
        } catch (const CLI::OptionNotFound&) {
            return out;
        }
        auto d = v->get_description();
        if (d.size() < 2 || d.front() != '{' || d.back() != '}') continue;
        for (auto& w : CLI::detail::split(d.substr(1, d.size() - 2), ',')) out.push_back(w);
    }
}

// `_vz_values FLAGS SEP PREFIX w:WORD... g:GLOB...`, the engine's form of Values.
std::string values_call(const Values& v) {
    std::string flags = std::string(v.files ? "f" : "") + (v.dirs ? "d" : "");
    std::string sep = v.separator ? std::string(1, v.separator) : "";
    std::string out = "_vz_values " + shell_quote(flags) + " " + shell_quote(sep) + " " + shell_quote(v.prefix);
    for (auto& w : v.words) out += " " + shell_quote("w:" + w);
    for (auto& g : v.globs) out += " " + shell_quote("g:" + g);
    return out;
}

struct Scope {
    std::string name;                  // "" for the app itself
    std::vector<std::string> aliases;  // other names of the subcommand
    CLI::App* app;
};

class Printer {
public:
    Printer(const std::string& tool, const Hints& hints, const std::set<std::string>& one_dash) :
        fn_("_vz_" + tool), hints_(hints), one_dash_(one_dash) {}

    void add(const Scope& s) {
        std::string opts;
        unsigned position = 0;
        for (auto* o : s.app->get_options()) {
            if (o->get_group().empty()) continue;
            if (!o->nonpositional()) {
                positional(s, *o, position++);
                continue;
            }
            std::vector<std::string> spellings;
            for (auto& n : o->get_snames()) spellings.push_back("-" + n);
            for (auto& n : o->get_lnames()) spellings.push_back(one_dash_.count("-" + n) ? "-" + n : "--" + n);
            for (auto& sp : spellings) opts += " " + shell_quote(sp);
            if (o->get_expected_min() > 0) value(s, *o, spellings);
        }
        options_ += "    " + pattern(s, "") + ") _vz_opts" + opts + " ;;\n";
    }

    void print(const std::string& tool, const std::vector<std::string>& commands) const {
        std::string out = "# The data of " + tool + "'s completion, from its own tables (" + tool + " " +
                          kCompletionWord + " at build time).\n";
        out += fn_ + "_commands=(";
        for (size_t i = 0; i < commands.size(); ++i) out += (i ? " " : "") + shell_quote(commands[i]);
        out += ")\n";
        out += fn_ + "_scope() {\n    case $1 in\n" + scopes_ + "    *) _vz_s=$1 ;;\n    esac\n}\n";
        out += fn_ + "_options() {\n    _vz_o=()\n    case $1 in\n" + options_ + "    esac\n}\n";
        out += "# Status 1: the option takes no value.\n";
        out += fn_ + "_value() {\n    case $1 in\n" + values_ + "    *) return 1 ;;\n    esac\n}\n";
        out += "# Status 1: no positional there.\n";
        out += fn_ + "_positional() {\n    case $1 in\n" + positionals_ + "    *) return 1 ;;\n    esac\n}\n";
        out += "_" + tool + "() { _vz_complete " + tool + "; }\n";
        out += "complete -F _" + tool + " " + tool + "\n";
        std::fwrite(out.data(), 1, out.size(), stdout);
    }

    void scope_names(const Scope& s) {
        if (s.aliases.empty()) return;
        std::string alts;
        for (auto& a : s.aliases) alts += (alts.empty() ? "" : "|") + shell_quote(a);
        scopes_ += "    " + alts + ") _vz_s=" + shell_quote(s.name) + " ;;\n";
    }

private:
    std::string fn_;
    const Hints& hints_;
    const std::set<std::string>& one_dash_;
    std::string scopes_, options_, values_, positionals_;

    std::optional<Values> values_of(const Scope& s, CLI::Option& o) const {
        auto v = hints_ ? hints_(*s.app, o) : std::nullopt;
        if (!v) {
            auto words = member_words(o);
            if (!words.empty()) v = Values{.words = words};
        }
        return v;
    }

    // The case pattern of `key` in scope `s` ("set --onboot"; "" for the scope itself).
    static std::string pattern(const Scope& s, const std::string& key) {
        return shell_quote(key.empty() ? s.name : s.name + " " + key);
    }

    void value(const Scope& s, CLI::Option& o, const std::vector<std::string>& spellings) {
        auto v = values_of(s, o);
        std::string alts;
        for (auto& sp : spellings) alts += (alts.empty() ? "" : "|") + pattern(s, sp);
        values_ += "    " + alts + ") " + (v ? values_call(*v) : std::string("_vz_values '' '' ''")) + " ;;\n";
    }

    // A positional that takes any number of words (vzlist's CTIDs) matches every place from its own on.
    void positional(const Scope& s, CLI::Option& o, unsigned position) {
        auto v = values_of(s, o);
        bool repeats = o.get_items_expected_max() > 1;
        std::string pat = repeats ? shell_quote(s.name + " ") + "*" : pattern(s, std::to_string(position));
        positionals_ += "    " + pat + ") " + (v ? values_call(*v) : std::string("_vz_values '' '' ''")) + " ;;\n";
    }
};

}  // namespace

Values containers() { return {.globs = {kConfdir.conf_dir() + "/*.conf", kConfdir.name_link("*")}}; }

bool completion_requested(const std::vector<std::string>& args) {
    return args.size() == 1 && args.front() == kCompletionWord;
}

int print_completion(CLI::App& app, const std::string& tool, const Hints& hints,
                     const std::set<std::string>& one_dash) {
    Printer p(tool, hints, one_dash);
    p.add(Scope{"", {}, &app});
    std::vector<std::string> commands;
    for (auto* sub : app.get_subcommands([](CLI::App* a) { return !a->get_group().empty(); })) {
        Scope s{sub->get_name(), sub->get_aliases(), sub};
        commands.push_back(s.name);
        commands.insert(commands.end(), s.aliases.begin(), s.aliases.end());
        p.scope_names(s);
        p.add(s);
    }
    p.print(tool, commands);
    return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace vzcli
