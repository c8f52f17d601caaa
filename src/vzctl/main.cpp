// vzctl: parse, call libvz, print, exit with the original's codes.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>
#include <tuple>

#include "config/params.hpp"
#include "config/ctconfig.hpp"
#include "ct/lifecycle.hpp"
#include "ct/ops.hpp"
#include "ct/state.hpp"
#include "options.hpp"
#include "util/argv.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/log.hpp"

namespace {

constexpr const char* kVersion = "vzctl version " VZ_VERSION;

struct Globals {
    bool quiet = false;
    int verbose = 0;
    bool skiplock = false;
};

std::string command_line(const std::vector<std::string>& args) {
    std::string s = "vzctl";
    for (auto& a : args) s += " " + a;
    return s;
}

// Long options that take a value, and short ones, over the whole app: the argv normaliser needs them.
vz::OptionSyntax syntax_of(CLI::App& app) {
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
        return takes([&](const CLI::Option* o) {
            auto& l = o->get_lnames();
            return std::find(l.begin(), l.end(), n) != l.end();
        });
    };
    s.short_takes_value = [takes](char c) {
        return takes([&](const CLI::Option* o) {
            auto& l = o->get_snames();
            return std::find(l.begin(), l.end(), std::string(1, c)) != l.end();
        });
    };
    s.short_known = [all](char c) {
        for (auto* o : *all) {
            auto& l = o->get_snames();
            if (std::find(l.begin(), l.end(), std::string(1, c)) != l.end()) return true;
        }
        return false;
    };
    return s;
}

// This binary, for the monitor's hand-over, and our helpers (vzmonitor, vzubcfs) beside it (build tree) or in
// libexec (installed).
std::string self_path() {
    char buf[4096];
    auto n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("vzctl");
}

std::string helper_path(const std::string& name) {
    auto beside = vz::dir_name(self_path()) + "/" + name;
    return vz::path_exists(beside) ? beside : std::string(VZ_LIBEXECDIR "/") + name;
}

std::string usage() {
    return "Usage: vzctl [options] <command> <ctid> [parameters]\n"
           "vzctl create <ctid> [--ostemplate <name>] [--config <name>] [--layout simfs]\n"
           "   [--private <path>] [--root <path>] [--ipadd <addr>] [--hostname <name>]\n"
           "   [--name <name>] [--description <text>] [--diskspace <kbytes>] [--diskinodes <n>]\n"
           "vzctl destroy | delete <ctid>\n"
           "vzctl status <ctid>\n"
           "vzctl start <ctid> [--force] [--wait]\n"
           "vzctl stop <ctid> [--fast] [--skip-umount]\n"
           "vzctl restart <ctid> [--force] [--wait] [--fast] [--skip-umount]\n"
           "vzctl mount | umount <ctid>\n"
           "vzctl exec | exec2 | exec3 <ctid> <command> [arg ...] | -\n"
           "vzctl enter <ctid> [--exec <command> [arg ...]]\n"
           "vzctl runscript <ctid> <script>\n"
           "vzctl set <ctid> [parameters] [--save] [--force] [--setmode restart|ignore]\n"
           "   [--applyconfig <name>] [--applyconfig_map name] [--reset_ub]\n"
           "   (vzctl set --help lists every parameter)\n"
           "vzctl --help | --version\n"
           "\n"
           "Options: --quiet, --verbose (repeatable), --skiplock\n";
}

int run(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        std::fputs(usage().c_str(), stderr);
        return static_cast<int>(vz::Exit::InvalidSyntax);
    }

    std::string cmd_word;
    for (auto& a : args)
        if (!a.empty() && a[0] != '-') {
            cmd_word = a;
            break;
        }
    // Only the invoked command's parameter options are registered: building ~100 CLI11 options per command
    // is most of our start-up time otherwise.
    auto wants = [&](const char* cmd) { return cmd_word == cmd || cmd_word.empty(); };

    CLI::App app{"vzctl: manage containers", "vzctl"};
    app.set_help_flag("--help", "print this help and exit");
    app.require_subcommand(0, 1);
    app.fallthrough();
    Globals g;
    app.add_flag("--quiet", g.quiet, "print errors only");
    app.add_flag("--verbose", g.verbose, "more messages (repeatable)");
    app.add_flag("--skiplock", g.skiplock, "do not take the container lock (for vzmigrate)");
    bool version = false;
    app.add_flag("--version", version, "print the version and exit");

    std::string ctid_arg;
    auto add_cmd = [&](const char* name, const char* help) {
        auto* sub = app.add_subcommand(name, help);
        sub->add_option("ctid", ctid_arg, "container id or name");
        return sub;
    };

    auto* create = add_cmd("create", "create a container from an OS template and a sample config");
    vzctl::ParamOptions create_params;
    if (wants("create")) create_params.add_to(*create, vz::kCreate);
    std::string config_name;
    create->add_option("--config", config_name, "sample configuration ve-<name>.conf-sample")->type_name("NAME");

    auto* destroy = add_cmd("destroy", "remove the private area and the config of a stopped container");
    destroy->alias("delete");
    auto* status = add_cmd("status", "print the state of a container");
    auto* mount = add_cmd("mount", "mount the private area on the root");
    auto* umount = add_cmd("umount", "unmount the root of a stopped container");

    vz::StartOptions start_opts;
    vz::StopOptions stop_opts;
    auto add_start_flags = [&](CLI::App* sub) {
        sub->add_flag("--force", start_opts.force, "start even if DISABLED=\"yes\"");
        sub->add_flag("--wait", start_opts.wait, "wait until the container finished booting");
        sub->add_flag("--skip-remount", start_opts.skip_remount, "keep an existing mount of the root");
        sub->add_flag("--skip-fsck")->description("accepted for compatibility (simfs needs no check)");
    };
    auto add_stop_flags = [&](CLI::App* sub) {
        sub->add_flag("--fast", stop_opts.fast, "kill at once instead of halting cleanly");
        sub->add_flag("--skip-umount", stop_opts.skip_umount, "leave the root mounted");
    };
    auto* start = add_cmd("start", "start a container");
    add_start_flags(start);
    auto* stop = add_cmd("stop", "stop a container: halt inside, then kill after STOP_TIMEOUT");
    add_stop_flags(stop);
    auto* restart = add_cmd("restart", "stop (if running), then start");
    add_start_flags(restart);
    add_stop_flags(restart);

    // Everything after the CTID is the command: no option parsing there.
    std::map<CLI::App*, vz::ExecMode> exec_modes;
    for (auto [name, mode, help] :
         {std::tuple{"exec", vz::ExecMode::Exec, "run a command through the container's shell; non-zero -> exit 8"},
          std::tuple{"exec2", vz::ExecMode::Exec2, "as exec, exit with the command's own status"},
          std::tuple{"exec3", vz::ExecMode::Exec3, "run argv directly (no shell), exit with its status"}}) {
        auto* sub = add_cmd(name, help);
        sub->footer("The command and its arguments follow the CTID; - reads commands from stdin.");
        exec_modes[sub] = mode;
    }
    auto* enter = add_cmd("enter", "open a root shell on a terminal inside the container");
    std::vector<std::string> enter_exec;
    enter->add_option("--exec", enter_exec, "type this command into the shell")->expected(1, -1);
    auto* runscript = add_cmd("runscript", "run a host script inside the container through its shell");
    std::string script;
    runscript->add_option("script", script, "path of the script on the host")->required();
    std::string monitor_action;
    auto* monitor = app.add_subcommand("__monitor", "");
    monitor->group("");
    monitor->add_option("action", monitor_action)->required();
    monitor->add_option("ctid", ctid_arg)->required();

    auto* set = add_cmd("set", "change parameters; --save writes them to the container config");
    vzctl::ParamOptions set_params;
    if (wants("set")) set_params.add_to(*set, vz::kSet);
    vz::SetRequest sreq;
    set->add_flag("--save", sreq.save, "write the changes to <ctid>.conf");
    set->add_flag("--force", sreq.force, "with --save: save even what can't be applied here");
    set->add_flag("--reset_ub", sreq.reset_ub, "apply every beancounter of the config to the running container");
    std::string setmode, applyconfig, applyconfig_map;
    set->add_option("--setmode", setmode, "restart-only parameters of a running container: restart or ignore")
        ->check(CLI::IsMember({"restart", "ignore"}))
        ->type_name("restart|ignore");
    set->add_option("--applyconfig", applyconfig, "take parameters from ve-<name>.conf-sample")->type_name("NAME");
    set->add_option("--applyconfig_map", applyconfig_map, "recreate the name link from NAME (value: name)")
        ->check(CLI::IsMember({"name"}))
        ->type_name("name");
    bool skip_arpdetect = false, offline_resize = false;
    set->add_flag("--skip_arpdetect", skip_arpdetect, "skip the duplicate address probe");
    set->add_flag("--offline-resize,--offline", offline_resize, "with --diskspace: resize a stopped container");

    // The words after exec's CTID are the container's command, never our options: keep them out of the parser.
    std::vector<std::string> tail;
    if (cmd_word == "exec" || cmd_word == "exec2" || cmd_word == "exec3") {
        auto cmd = std::find(args.begin(), args.end(), cmd_word);
        auto id = std::find_if(cmd + 1, args.end(), [](const std::string& a) { return a.empty() || a[0] != '-'; });
        if (id != args.end()) {
            tail.assign(id + 1, args.end());
            args.erase(id + 1, args.end());
        }
    }
    std::vector<std::string> norm = vz::normalize_argv(args, syntax_of(app));
    std::reverse(norm.begin(), norm.end());
    try {
        app.parse(norm);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        bool known = false;
        for (auto* a : app.get_subcommands([](CLI::App*) { return true; })) known = known || a->check_name(cmd_word);
        if (!cmd_word.empty() && !known) {
            vz::log::error(fmt::format("Bad command: {}", cmd_word));
            std::fputs(usage().c_str(), stderr);
            return static_cast<int>(vz::Exit::InvalidSyntax);
        }
        vz::log::error(e.what());
        return static_cast<int>(vz::Exit::InvalidSyntax);
    }
    vz::log::set_level(g.quiet ? -1 : g.verbose);
    if (version) {
        std::puts(kVersion);
        return 0;
    }
    if (app.get_subcommands().empty()) {
        std::fputs(usage().c_str(), stderr);
        return static_cast<int>(vz::Exit::InvalidSyntax);
    }

    auto paths = vz::paths();
    if (ctid_arg.empty()) vz::fail(vz::Exit::InvalidValue, "CT ID missing");
    unsigned ctid = vz::resolve_ctid(paths, ctid_arg);
    auto* sub = app.get_subcommands().front();
    std::string cmdline = command_line(args);
    if (sub != status) {
        auto global = vz::load_global(paths);
        auto* logging = global.get("LOGGING");
        auto* logfile = global.get("LOGFILE");
        if (logging && *logging == "yes")
            vz::log::open_file(logfile && !logfile->empty() ? *logfile : "/var/log/vzctl.log",
                               fmt::format("vzctl : CT {}", ctid));
    }
    if (ctid == 0 && sub != set) vz::fail(vz::Exit::InvalidValue, "Only 'set' can be used for CT 0 (the host)");

    if (sub == status) {
        vz::log::set_level(-1);
        try {
            auto cfg = vz::load_ct(paths, ctid, false);
            std::puts(vz::status_line(ctid, vz::ct_state(cfg, vz::MountTable::read())).c_str());
        } catch (const vz::Error& e) {
            // status always answers; a config it can't read says what is known: nothing runs from it.
            vz::log::error(e.what());
            std::puts(vz::status_line(ctid, vz::CtState{}).c_str());
        }
        return 0;
    }
    if (sub == create) {
        vz::CreateRequest req;
        req.changes = create_params.changes(*create);
        std::erase_if(req.changes, [&](const vz::Change& c) {
            if (c.def->option != "ostemplate") return false;
            req.ostemplate = c.value;
            return true;
        });
        req.config = config_name;
        req.progress = ::isatty(STDOUT_FILENO) && vz::log::level() >= 0;
        req.command = cmdline;
        vz::create_ct(paths, ctid, req);
        return 0;
    }
    vz::Tools tools{self_path(), helper_path("vzmonitor"), cmdline, helper_path("vzubcfs")};
    if (sub == monitor) {
        vz::monitor_event(paths, ctid, monitor_action, tools);
        return 0;
    }
    if (sub == mount) {
        vz::mount_ct(paths, ctid, tools);
        return 0;
    }
    if (sub == umount) {
        vz::umount_ct(paths, ctid, tools);
        return 0;
    }
    if (sub == start) {
        vz::start_ct(paths, ctid, start_opts, tools);
        return 0;
    }
    if (sub == stop) {
        vz::stop_ct(paths, ctid, stop_opts, tools);
        return 0;
    }
    if (sub == restart) {
        vz::log::info("Restarting container");
        vz::stop_ct(paths, ctid, stop_opts, tools);
        vz::start_ct(paths, ctid, start_opts, tools);
        return 0;
    }
    if (auto m = exec_modes.find(sub); m != exec_modes.end()) {
        return vz::exec_ct(paths, ctid, m->second, tail);
    }
    if (sub == enter) {
        return vz::enter_ct(paths, ctid, enter_exec);
    }
    if (sub == runscript) return vz::runscript_ct(paths, ctid, script, cmdline);
    if (sub == destroy) {
        vz::destroy_ct(paths, ctid, cmdline);
        return 0;
    }
    if (sub == set) {
        sreq.changes = set_params.changes(*set);
        sreq.setmode = setmode == "restart" ? vz::SetMode::Restart
                       : setmode == "ignore" ? vz::SetMode::Ignore
                                             : vz::SetMode::Default;
        if (!applyconfig.empty()) sreq.applyconfig = applyconfig;
        sreq.applyconfig_map = !applyconfig_map.empty();
        sreq.skiplock = g.skiplock;
        sreq.command = cmdline;
        if (offline_resize && std::none_of(sreq.changes.begin(), sreq.changes.end(), [](const vz::Change& c) {
                return c.def->kind == vz::Kind::DiskSpace;
            }))
            vz::fail(vz::Exit::InvalidSyntax, "--offline-resize can only be used with --diskspace");
        vz::set_ct(paths, ctid, sreq, tools);
        return 0;
    }
    return static_cast<int>(vz::Exit::InvalidSyntax);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const vz::Error& e) {
        if (*e.what()) vz::log::error(e.what());
        return e.exit_status();
    } catch (const std::exception& e) {
        vz::log::error(e.what());
        return static_cast<int>(vz::Exit::System);
    }
}
