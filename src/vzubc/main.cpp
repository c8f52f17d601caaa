// vzubc: the beancounters of running containers (or of a saved beancounter file) as a humanised table, or as the
// raw /proc/user_beancounters text.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <set>

#include "cli/completion.hpp"
#include "cli/syntax.hpp"
#include "config/ctconfig.hpp"
#include "config/units.hpp"
#include "ct/probe.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/log.hpp"

namespace {

constexpr const char* kDefaultStore = "/tmp/vzubc.store";

constexpr const char* kUsage =
    "Usage: vzubc [option ...] [CTID|name ...]\n"
    "\n"
    "  -w, --watch        run under watch(1), a la top (Ctrl-C to exit)\n"
    "      -wd            watch: highlight differences between runs\n"
    "      -wt            watch: no title\n"
    "      -wn SEC        watch: refresh every SEC seconds\n"
    "  -q, --quiet        only beancounters that fail or come close to their barrier\n"
    "      -qh RATIO      held/barrier threshold (default 0.5; above 1 means percent)\n"
    "      -qm RATIO      maxheld/barrier threshold (default 0.8)\n"
    "  -v, --verbose      also beancounters whose barrier is unlimited\n"
    "  -r, --relative     failcnt as the change since the previous run\n"
    "      -rc            clear the saved failcnt values\n"
    "      -rd DIR        directory of saved values (default /tmp/vzubc.store)\n"
    "  -i, --incremental  add the change of held since the previous run\n"
    "      -ic            clear the saved held values\n"
    "      -id DIR        same as -rd\n"
    "  -c, --color        colours (red: failing or over the barrier, yellow: past -qh/-qm)\n"
    "  -f, --file FILE    read a beancounter file (- for stdin) instead of the running containers\n"
    "      --raw          print the beancounter file (/proc/user_beancounters format) instead\n"
    "  -h, --help         this text\n"
    "\n"
    "CTID|name: containers to show (default: every running one, or every one in FILE).\n";

// The original's single-dash long options, as CLI11 long options.
const std::set<std::string> kDashWords = {"-wd", "-wt", "-wn", "-qh", "-qm", "-rc", "-rd", "-ic", "-id"};

struct Options {
    bool help = false, watch = false, watch_diff = false, watch_no_title = false, in_watch = false;
    bool quiet = false, verbose = false, relative = false, clear_failcnt = false, incremental = false,
         clear_held = false, color = false, raw = false;
    std::string watch_interval, held_threshold, maxheld_threshold, store = kDefaultStore, file;
    std::vector<std::string> cts;
};

std::vector<std::string> translate(const std::vector<std::string>& args) {
    std::vector<std::string> out;
    bool options = true;
    for (auto& a : args) {
        if (a == "--") options = false;
        out.push_back(options && kDashWords.count(a) ? "-" + a : a);
    }
    return out;
}

void define(CLI::App& app, Options& o) {
    app.set_help_flag();
    app.add_flag("-h,--help", o.help);
    app.add_flag("-w,--watch", o.watch);
    app.add_flag("--wd", o.watch_diff);
    app.add_flag("--wt", o.watch_no_title);
    app.add_option("--wn", o.watch_interval);
    app.add_flag("-W", o.in_watch)->group("");
    app.add_flag("-q,--quiet", o.quiet);
    app.add_option("--qh", o.held_threshold);
    app.add_option("--qm", o.maxheld_threshold);
    app.add_flag("-v,--verbose", o.verbose);
    app.add_flag("-r,--relative", o.relative);
    app.add_flag("--rc", o.clear_failcnt);
    app.add_option("--rd,--id", o.store);
    app.add_flag("-i,--incremental", o.incremental);
    app.add_flag("--ic", o.clear_held);
    app.add_flag("-c,--color", o.color);
    app.add_option("-f,--file", o.file);
    app.add_flag("--raw", o.raw);
    app.add_option("cts", o.cts);
}

// -f names a file, -rd a directory, the positionals containers.
std::optional<vzcli::Values> completion_hint(const CLI::App&, const CLI::Option& opt) {
    if (!opt.nonpositional()) return vzcli::containers();
    if (opt.check_lname("file")) return vzcli::Values{.files = true};
    if (opt.check_lname("rd")) return vzcli::Values{.dirs = true};
    return std::nullopt;
}

// Throws CLI::ParseError on bad usage.
Options parse(const std::vector<std::string>& args) {
    Options o;
    CLI::App app{"vzubc", "vzubc"};
    define(app, o);
    vzcli::parse(app, translate(args));
    // -W marks the run under watch: the watch options were for the parent.
    o.watch = !o.in_watch && (o.watch || o.watch_diff || o.watch_no_title || !o.watch_interval.empty());
    return o;
}

double number(const std::string& option, const std::string& value) {
    auto v = vz::parse_double(value);
    if (!v || *v < 0) vz::fail(vz::Exit::InvalidSyntax, "{} needs a number >= 0, not '{}'", option, value);
    return *v;
}

void check(const Options& o) {
    if (o.watch && o.color) vz::fail(vz::Exit::InvalidSyntax, "can't use --watch and --color together");
    if ((!o.held_threshold.empty() || !o.maxheld_threshold.empty()) && !o.quiet && !o.color)
        vz::fail(vz::Exit::InvalidSyntax, "-qh and -qm only make sense with --quiet or --color");
    if (o.quiet && o.verbose) vz::fail(vz::Exit::InvalidSyntax, "options --quiet and --verbose can't be used together");
    if (!o.watch_interval.empty() && number("-wn", o.watch_interval) == 0)
        vz::fail(vz::Exit::InvalidSyntax, "-wn needs an interval above 0");
    if (!o.held_threshold.empty()) number("-qh", o.held_threshold);
    if (!o.maxheld_threshold.empty()) number("-qm", o.maxheld_threshold);
}

std::optional<std::string> find_in_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    for (auto& dir : vz::split(path ? path : "/usr/local/bin:/usr/bin:/bin", ":")) {
        auto candidate = dir + "/" + name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return std::nullopt;
}

// Replaces this process with `watch [-d] [-t] [-n SEC] -- vzubc ARGS -W`; the clearing options already ran and
// are left out so that each refresh does not repeat them.
[[noreturn]] void exec_watch(const Options& o, const std::vector<std::string>& args) {
    auto watch = find_in_path("watch");
    if (!watch) vz::fail(vz::Exit::System, "watch(1) not found in PATH (it comes with procps); -w needs it");
    char self[4096];
    auto n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) vz::fail(vz::Exit::System, "can't find my own binary: {}", vz::errno_text(errno));
    std::string command = vzcli::shell_quote(std::string(self, static_cast<size_t>(n)));
    for (auto& a : args)
        if (a != "-rc" && a != "-ic") command += " " + vzcli::shell_quote(a);
    command += " -W";
    std::vector<std::string> argv{*watch};
    if (o.watch_diff) argv.push_back("-d");
    if (o.watch_no_title) argv.push_back("-t");
    if (!o.watch_interval.empty()) argv.insert(argv.end(), {"-n", o.watch_interval});
    argv.insert(argv.end(), {"--", command});
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    std::fflush(stdout);
    ::execv(watch->c_str(), cargv.data());
    vz::fail(vz::Exit::System, "can't run {}: {}", *watch, vz::errno_text(errno));
}

std::string read_input(const std::string& file) {
    if (file == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
    auto text = vz::read_file(file);
    if (!text) vz::fail(vz::Exit::System, "can't read {}: no such file", file);
    return *text;
}

// The CTID an argument names: a number, or a container name.
unsigned ctid_of(const vz::Paths& paths, const std::string& arg) {
    auto id = vz::parse_ctid(arg);
    if (!id) id = vz::name_target(paths, arg);
    if (!id) vz::fail(vz::Exit::InvalidValue, "container {} not found", arg);
    return *id;
}

std::vector<vz::UbcBlock> from_file(const vz::Paths& paths, const Options& o) {
    auto blocks = vz::parse_ubc_raw(read_input(o.file));
    if (o.cts.empty()) return blocks;
    std::vector<vz::UbcBlock> chosen;
    for (auto& arg : o.cts) {
        auto uid = std::to_string(ctid_of(paths, arg));
        auto it = std::find_if(blocks.begin(), blocks.end(), [&](auto& b) { return b.uid == uid; });
        if (it == blocks.end()) vz::fail(vz::Exit::InvalidValue, "container {} not found in {}", arg, o.file);
        if (std::none_of(chosen.begin(), chosen.end(), [&](auto& b) { return b.uid == uid; })) chosen.push_back(*it);
    }
    return chosen;
}

std::vector<vz::UbcBlock> live(const vz::Paths& paths, const Options& o) {
    std::vector<unsigned> ids;
    for (auto& arg : o.cts) ids.push_back(ctid_of(paths, arg));
    auto found = vz::collect_live_ubc(paths, ids);
    for (unsigned id : found.not_running)
        if (!vz::path_exists(paths.ct_conf(id))) vz::fail(vz::Exit::InvalidValue, "container {} not found", id);
    for (unsigned id : found.not_running) vz::log::warn("Container {} is not running", id);
    return std::move(found.blocks);
}

int run(const std::vector<std::string>& args) {
    Options o;
    if (vzcli::completion_requested(args)) {
        CLI::App app{"vzubc", "vzubc"};
        define(app, o);
        return vzcli::print_completion(app, "vzubc", completion_hint, kDashWords);
    }
    try {
        o = parse(args);
    } catch (const CLI::ParseError& e) {
        return vzcli::refuse(e, kUsage);
    }
    if (o.help) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    check(o);
    vz::UbcStore store(o.store);
    if (o.clear_failcnt) store.clear("failcnt");
    if (o.clear_held) store.clear("held");
    if (o.relative || o.incremental) store.prepare();
    if (o.watch) {
        // Refused here rather than on every refresh.
        if (!o.file.empty() && o.file != "-") vz::parse_ubc_raw(read_input(o.file));
        exec_watch(o, args);
    }

    auto paths = vz::paths();
    auto blocks = o.file.empty() ? live(paths, o) : from_file(paths, o);
    std::string out;
    if (o.raw) {
        out = vz::format_ubc_raw(blocks);
    } else {
        vz::UbcTableOptions t;
        t.quiet = o.quiet;
        t.verbose = o.verbose;
        t.relative = o.relative;
        t.color = o.color;
        t.thresholds = vz::ubc_thresholds(o.held_threshold.empty() ? 0.5 : number("-qh", o.held_threshold),
                                          o.maxheld_threshold.empty() ? 0.8 : number("-qm", o.maxheld_threshold));
        t.page_kib = static_cast<unsigned>(vz::page_size() / 1024);
        if ((o.relative || o.incremental) &&
            std::any_of(blocks.begin(), blocks.end(), [](auto& b) { return b.uid.empty(); }))
            vz::fail(vz::Exit::InvalidValue,
                     "can't use relative or incremental mode: the file names no beancounter id");
        if (o.relative)
            for (auto& b : blocks)
                for (auto& r : b.rows) r.failcnt = store.relative_failcnt(b.uid, r);
        if (o.incremental)
            t.held_delta = [&store](const std::string& uid, const vz::UbcRecord& r) {
                return store.held_delta(uid, r);
            };
        out = vz::render_ubc_table(blocks, t);
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

}  // namespace

int main(int argc, char** argv) { return vzcli::run_tool(argc, argv, run); }
