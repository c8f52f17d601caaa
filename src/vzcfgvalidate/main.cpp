// vzcfgvalidate: the consistency check of a configuration's beancounters (ubc/validate.hpp), with the original's
// options, messages and exit status; -r and -i repair the file in place.

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/completion.hpp"
#include "cli/syntax.hpp"
#include "config/ctconfig.hpp"
#include "config/edit.hpp"
#include "config/units.hpp"
#include "ct/lock.hpp"
#include "ubc/meminfo.hpp"
#include "ubc/validate.hpp"
#include "util/error.hpp"

namespace {

constexpr int kInvalid = 2;

constexpr const char* kUsage =
    "Usage: vzcfgvalidate [-r|-i] [-v yes|no] CONFIGFILE\n"
    "\n"
    "Checks that the beancounters of a container configuration (CTID.conf or ve-NAME.conf-sample) are consistent:\n"
    "each barrier against its limit, and the bounds one parameter sets another. A VSwap configuration is checked for\n"
    "its RAM and swap limits against this host's.\n"
    "\n"
    "  -r          repair: make every fix shown and save the file (a CTID.conf under the container's lock)\n"
    "  -i          interactive repair: ask before each fix, save those accepted\n"
    "  -v yes|no   check as a VSwap configuration (yes) or a beancounter one (no); default: VSwap when PHYSPAGES has\n"
    "              a limit\n"
    "  -h, --help  this text\n"
    "\n"
    "Exit status: 0 valid (or made valid), 1 bad usage, an unreadable file or a locked container, 2 not valid.\n";

struct Options {
    bool help = false, repair = false, ask = false;
    std::string vswap, file;
};

void define(CLI::App& app, Options& o) {
    app.set_help_flag();
    app.add_flag("-h,--help", o.help);
    app.add_flag("-r", o.repair);
    app.add_flag("-i", o.ask);
    app.add_option("-v", o.vswap);
    app.add_option("configfile", o.file);
}

std::optional<vzcli::Values> completion_hint(const CLI::App&, const CLI::Option& opt) {
    if (opt.check_sname("v")) return vzcli::Values{.words = {"yes", "no"}};
    return vzcli::Values{.files = true};  // the configuration file
}

const char* severity_word(vz::CfgSeverity s) {
    switch (s) {
        case vz::CfgSeverity::Error: return "Error";
        case vz::CfgSeverity::Warning: return "Warning";
        case vz::CfgSeverity::Recommendation: return "Recommendation";
    }
    return "";
}

// The answer to " (y/n) [y] " on standard input: y or an empty line yes, n no, else asked again; none (EOF) no.
bool read_yes_no() {
    std::string line;
    for (;;) {
        std::fputs(" (y/n) [y] ", stderr);
        if (!std::getline(std::cin, line)) return false;
        if (line.empty() || line[0] == 'y') return true;
        if (line[0] == 'n') return false;
    }
}

vz::CfgHost host_figures() {
    auto mem = vz::live_host_mem();
    return {mem.ram / vz::page_size(), mem.swap / vz::page_size()};
}

// The figures that changed written to `file`, each under the key the file has for it (an older spelling too), the file
// saved in place of the one it was read from: through a symbolic link, the file it names.
void save(vz::ConfFile& file, const std::string& path, const vz::CfgFigures& before, const vz::CfgFigures& after) {
    for (auto& [name, value] : after) {
        auto old = before.find(name);
        if (old != before.end() && old->second == value) continue;
        auto* figure = vz::find_cfg_figure(name);
        bool alias = !figure->conf_alias.empty() && !file.has(figure->conf_key) && file.has(figure->conf_alias);
        file.set(alias ? figure->conf_alias : figure->conf_key, vz::format_ubc_pair(value));
    }
    std::error_code ec;
    auto target = std::filesystem::canonical(path, ec);
    if (ec) vz::fail(vz::Exit::Failure, "Can't resolve {}: {}", path, ec.message());
    file.save(target.string());
}

// The container whose config `path` is (<conf dir>/<CTID>.conf, also through a symbolic link); nullopt for a sample
// or any other file.
std::optional<unsigned> ct_of_file(const vz::Paths& p, const std::string& path) {
    std::error_code ec, dir_ec;
    auto file = std::filesystem::canonical(path, ec);
    auto dir = std::filesystem::canonical(p.conf_dir(), dir_ec);
    if (ec || dir_ec || file.parent_path() != dir) return std::nullopt;
    auto name = file.filename().string();
    if (!name.ends_with(".conf")) return std::nullopt;
    return vz::parse_ctid(std::string_view(name).substr(0, name.size() - 5));
}

int run(const std::vector<std::string>& args) {
    Options o;
    CLI::App app{"vzcfgvalidate", "vzcfgvalidate"};
    define(app, o);
    if (auto done = vzcli::parse_or_answer(app, args, kUsage, o.help, completion_hint)) return *done;
    std::optional<bool> vswap;
    if (!o.vswap.empty()) {
        vswap = vz::parse_yes_no(o.vswap);
        if (!vswap) vz::fail(vz::Exit::Failure, "Invalid argument for -v: '{}' (yes or no)", o.vswap);
    }
    if (o.file.empty()) return vzcli::refuse(CLI::ArgumentMismatch("No configuration file given"), kUsage);

    auto p = vz::paths();
    auto global = vz::ConfFile::load(p.vz_conf());
    if (!global) {
        std::fprintf(stderr, "Warning: global configuration file %s not found\n", p.vz_conf().c_str());
        global = vz::ConfFile{};
    }
    // A repair of a container's config holds the container's lock from the read to the save, as vzctl set --save
    // does: neither overwrites what the other saved meanwhile.
    std::optional<vz::CtLock> lock;
    if (auto ctid = o.repair || o.ask ? ct_of_file(p, o.file) : std::nullopt)
        lock.emplace(vz::lock_dir(*global), *ctid, "vzcfgvalidate");
    auto file = vz::ConfFile::load(o.file);
    if (!file) vz::fail(vz::Exit::Failure, "Container configuration file {} not found", o.file);
    vz::validate_config(*file);
    vz::CtConfig cfg(0, std::make_shared<const vz::ConfFile>(std::move(*global)), *file);

    auto figures = vz::cfg_figures(cfg);
    const auto before = figures;
    bool repair = o.repair || o.ask, failed = false;
    auto decide = [&](const vz::CfgFinding& f) {
        fmt::print(stderr, "{}: {}\n", severity_word(f.severity), f.text);
        bool fixed = false;
        if (repair && !f.fix.empty()) {
            for (auto& [name, value] : f.fix)
                fmt::print("set to {}:{}\n", vz::format_ubc_value(value.barrier), vz::format_ubc_value(value.limit));
            std::fflush(stdout);
            fixed = o.ask ? read_yes_no() : true;
        }
        if (!fixed && vz::cfg_fails(f)) failed = true;
        return fixed;
    };
    vz::check_cfg(figures, vswap.value_or(vz::cfg_is_vswap(figures)), host_figures(), decide);
    if (figures != before) save(*file, o.file, before, figures);
    if (failed) return kInvalid;
    std::fputs("Validation completed: success\n", stderr);
    return 0;
}

}  // namespace

int main(int argc, char** argv) { return vzcli::run_tool(argc, argv, run); }
