// vzctl: parse, call libvz, print, exit with the original's codes. The commands are rows of commands.cpp; this
// file holds what they share: the global options, the dispatch, and turning errors into exit codes.
#include <algorithm>
#include <cstdio>
#include <map>

#include "cli/completion.hpp"
#include "cli/syntax.hpp"
#include "command.hpp"
#include "config/ctconfig.hpp"
#include "ct/lifecycle.hpp"
#include "ct/lock.hpp"
#include "util/error.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace {

constexpr const char* kVersion = "vzctl version " VZ_VERSION;

struct Globals {
    bool quiet = false;
    int verbose = 0;
    bool skiplock = false;
    bool version = false;
};

struct Registered {
    const vzctl::Command* row;
    vzctl::Handler handler;
};

std::string command_line(const std::vector<std::string>& args) {
    std::string s = "vzctl";
    for (auto& a : args) s += " " + a;
    return s;
}

std::string usage() {
    return "Usage: vzctl [options] <command> <ctid> [parameters]\n"
           "vzctl create <ctid> [--ostemplate <name>] [--config <name>]\n"
           "   [--layout simfs|ploop[:expanded|plain|raw]]\n"
           "   [--private <path>] [--root <path>] [--ipadd <addr>] [--hostname <name>]\n"
           "   [--name <name>] [--description <text>] [--diskspace <kbytes>] [--diskinodes <n>]\n"
           "vzctl destroy | delete <ctid> [--force]\n"
           "vzctl status <ctid>\n"
           "vzctl start <ctid> [--force] [--wait] [--skip-fsck]\n"
           "vzctl stop <ctid> [--fast] [--skip-umount]\n"
           "vzctl restart <ctid> [--force] [--wait] [--fast] [--skip-umount]\n"
           "vzctl mount | umount <ctid>\n"
           "vzctl exec | exec2 | exec3 <ctid> <command> [arg ...] | -\n"
           "vzctl enter <ctid> [--exec <command> [arg ...]]\n"
           "vzctl console <ctid> [ttynum]\n"
           "vzctl runscript <ctid> <script>\n"
           "vzctl set <ctid> [parameters] [--save] [--force] [--setmode restart|ignore]\n"
           "   [--applyconfig <name>] [--applyconfig_map name] [--reset_ub]\n"
           "   (vzctl set --help lists every parameter)\n"
           "vzctl convert <ctid> [--layout ploop[:expanded|plain|raw]]\n"
           "vzctl compact <ctid>\n"
           "vzctl quotaon | quotaoff | quotainit <ctid>\n"
           "vzctl --help | --version\n"
           "\n"
           "Options: --quiet, --verbose (repeatable), --skiplock\n";
}

int usage_error() {
    std::fputs(usage().c_str(), stderr);
    return static_cast<int>(vz::Exit::InvalidSyntax);
}

// The first word that is no option: the command, as far as can be told before parsing.
std::string command_word(const std::vector<std::string>& args) {
    for (auto& a : args)
        if (!a.empty() && a[0] != '-') return a;
    return {};
}

void add_globals(CLI::App& app, Globals& g) {
    app.set_help_flag("--help", "print this help and exit");
    app.require_subcommand(0, 1);
    app.fallthrough();
    app.add_flag("--quiet", g.quiet, "print errors only");
    app.add_flag("--verbose", g.verbose, "more messages (repeatable)");
    app.add_flag("--skiplock", g.skiplock, "do not take the container lock (for vzmigrate)");
    app.add_flag("--version", g.version, "print the version and exit");
}

// One subcommand per row; only the invoked command registers its parameter options (`invoked`).
std::map<CLI::App*, Registered> add_commands(CLI::App& app, const std::string& cmd_word, std::string& ctid_arg) {
    std::map<CLI::App*, Registered> out;
    for (auto& row : vzctl::commands()) {
        auto* sub = app.add_subcommand(row.name, row.help);
        if (row.hidden)
            sub->group("");
        else
            sub->add_option("ctid", ctid_arg, "container id or name");
        if (row.alias) sub->alias(row.alias);
        out[sub] = Registered{&row, row.setup(*sub, cmd_word == row.name || cmd_word.empty())};
    }
    return out;
}

// Cuts off the words after the CTID of a command that passes them to the container: never our options.
std::vector<std::string> cut_tail(std::vector<std::string>& args, const std::string& cmd_word) {
    auto rows = vzctl::commands();
    bool verbatim = std::any_of(rows.begin(), rows.end(),
                                [&](const vzctl::Command& r) { return r.verbatim_tail && cmd_word == r.name; });
    std::vector<std::string> tail;
    if (!verbatim) return tail;
    auto cmd = std::find(args.begin(), args.end(), cmd_word);
    auto id = std::find_if(cmd + 1, args.end(), [](const std::string& a) { return a.empty() || a[0] != '-'; });
    if (id != args.end()) {
        tail.assign(id + 1, args.end());
        args.erase(id + 1, args.end());
    }
    return tail;
}

// The exit status of a command line CLI11 refused, with the message it deserves.
int parse_failure(CLI::App& app, const CLI::ParseError& e, const std::string& cmd_word) {
    bool known = false;
    for (auto* a : app.get_subcommands([](CLI::App*) { return true; })) known = known || a->check_name(cmd_word);
    if (!cmd_word.empty() && !known) {
        vz::log::error(fmt::format("Bad command: {}", cmd_word));
        return usage_error();
    }
    vz::log::error(e.what());
    return static_cast<int>(vz::Exit::InvalidSyntax);
}

// vz.conf's LOG_LEVEL or VERBOSE: an integer, -1 (errors only) or more; a bad value is named and `fallback` used.
int level_in(const vz::ConfFile& global, const char* key, int fallback) {
    auto* v = global.get(key);
    if (!v || v->empty()) return fallback;
    if (*v == "-1") return -1;
    if (auto n = vz::parse_uint(*v, 0, 100)) return static_cast<int>(*n);
    vz::log::warn("bad {} value '{}' in vz.conf (want -1, 0 or a higher level); using {}", key, *v, fallback);
    return fallback;
}

// Resolves the CTID the command names and opens the log, then hands over to the command's handler. The log file
// gets the messages up to LOG_LEVEL; the terminal those up to VERBOSE or the number of --verbose, whichever is
// higher (the original let --verbose lower a higher VERBOSE), and only errors with --quiet.
int dispatch(CLI::App& sub, const Registered& cmd, const Globals& g, vzctl::Context& c) {
    c.paths = vz::paths();
    // The positional "ctid", wherever the command placed it among its positionals.
    auto& word = sub.get_option("ctid")->results();
    if (word.empty() || word.front().empty()) vz::fail(vz::Exit::InvalidValue, "CT ID missing");
    c.ctid = vz::resolve_ctid(c.paths, word.front());
    if (cmd.row->opens_log) {
        auto global = vz::load_global(c.paths);
        int verbose = level_in(global, "VERBOSE", 0);
        if (!g.quiet) vz::log::set_level(g.verbose > 0 ? std::max(g.verbose, verbose) : verbose);
        auto* logging = global.get("LOGGING");
        auto* logfile = global.get("LOGFILE");
        if (logging && *logging == "yes")
            vz::log::open_file(logfile && !logfile->empty() ? *logfile : "/var/log/vzctl.log",
                               fmt::format("vzctl : CT {}", c.ctid), level_in(global, "LOG_LEVEL", 0));
    }
    if (c.ctid == 0 && !cmd.row->host_ok)
        vz::fail(vz::Exit::InvalidValue, "Only 'set' can be used for CT 0 (the host)");
    return cmd.handler(c);
}

int run(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) return usage_error();
    std::string cmd_word = command_word(args);

    CLI::App app{"vzctl: manage containers", "vzctl"};
    Globals g;
    add_globals(app, g);
    // Where the commands' positional "ctid" lands; dispatch reads it back from the option, as it must for the
    // monitor's, which comes second.
    std::string ctid_arg;
    auto registered = add_commands(app, cmd_word, ctid_arg);
    if (vzcli::completion_requested(args)) return vzctl::print_completion(app);
    vzctl::Context c;
    c.tail = cut_tail(args, cmd_word);
    try {
        vzcli::parse(app, args);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return parse_failure(app, e, cmd_word);
    }
    vz::log::set_level(g.quiet ? -1 : g.verbose);
    if (g.version) {
        std::puts(kVersion);
        return 0;
    }
    if (app.get_subcommands().empty()) return usage_error();
    auto* sub = app.get_subcommands().front();
    c.command_line = command_line(args);
    c.skiplock = g.skiplock;
    if (g.skiplock) vz::skip_ct_locks();
    return dispatch(*sub, registered.at(sub), g, c);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        if (auto status = vz::criu_action_hook()) return *status;
        return run(argc, argv);
    } catch (const vz::Error& e) {
        if (*e.what()) vz::log::error(e.what());
        return e.exit_status();
    } catch (const std::exception& e) {
        vz::log::error(e.what());
        return static_cast<int>(vz::Exit::System);
    }
}
