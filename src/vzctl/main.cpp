// vzctl: parse, call libvz, print, exit with the original's codes.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <set>

#include "config/params.hpp"
#include "ct/env.hpp"
#include "ct/ops.hpp"
#include "ct/state.hpp"
#include "options.hpp"
#include "util/argv.hpp"
#include "util/error.hpp"
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
            if (match(o)) return o->get_expected_min() > 0 || o->get_type_size() > 0;
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

std::string usage() {
    return "Usage: vzctl [options] <command> <ctid> [parameters]\n"
           "vzctl create <ctid> [--ostemplate <name>] [--config <name>] [--layout simfs]\n"
           "   [--private <path>] [--root <path>] [--ipadd <addr>] [--hostname <name>]\n"
           "   [--name <name>] [--description <text>] [--diskspace <kbytes>] [--diskinodes <n>]\n"
           "vzctl destroy | delete <ctid>\n"
           "vzctl status <ctid>\n"
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
        sub->add_option("ctid", ctid_arg, "container id or name")->required();
        return sub;
    };

    auto* create = add_cmd("create", "create a container from an OS template and a sample config");
    vzctl::ParamOptions create_params;
    create_params.add_to(*create, vz::kCreate);
    std::string config_name;
    create->add_option("--config", config_name, "sample configuration ve-<name>.conf-sample")->type_name("NAME");

    auto* destroy = add_cmd("destroy", "remove the private area and the config of a stopped container");
    destroy->alias("delete");
    auto* status = add_cmd("status", "print the state of a container");

    auto* set = add_cmd("set", "change parameters; --save writes them to the container config");
    vzctl::ParamOptions set_params;
    set_params.add_to(*set, vz::kSet);
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

    std::string cmd_word;
    for (auto& a : args)
        if (!a.empty() && a[0] != '-') {
            cmd_word = a;
            break;
        }
    std::vector<std::string> norm = vz::normalize_argv(args, syntax_of(app));
    std::reverse(norm.begin(), norm.end());
    try {
        app.parse(norm);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        if (!cmd_word.empty() && !app.get_subcommand_ptr(cmd_word) && e.get_name() == "ExtrasError") {
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
    unsigned ctid = vz::resolve_ctid(paths, ctid_arg);
    auto* sub = app.get_subcommands().front();
    std::string cmdline = command_line(args);
    if (ctid == 0 && sub != set) vz::fail(vz::Exit::InvalidValue, "Only 'set' can be used for CT 0 (the host)");

    if (sub == status) {
        vz::log::set_level(-1);
        auto cfg = vz::load_ct(paths, ctid, false);
        std::puts(vz::status_line(ctid, vz::ct_state(cfg, vz::MountTable::read())).c_str());
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
        vz::set_ct(paths, ctid, sreq);
        return 0;
    }
    return static_cast<int>(vz::Exit::InvalidSyntax);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const vz::Error& e) {
        vz::log::error(e.what());
        return e.exit_status();
    } catch (const std::exception& e) {
        vz::log::error(e.what());
        return static_cast<int>(vz::Exit::System);
    }
}
