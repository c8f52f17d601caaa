// vzctl's commands as one table (commands.cpp), as crun keeps its own: a row names the command and its setup; the
// setup registers the command's options on CLI11 and returns the handler that acts on what was parsed. The setups
// live in one file per command group (cmd_*.cpp).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "config/ctconfig.hpp"
#include "ct/lifecycle.hpp"

namespace vzctl {

// What a handler works on once the command line is parsed and the CTID resolved.
struct Context {
    vz::Paths paths;
    unsigned ctid = 0;
    std::string command_line;  // for the lock file and the log
    bool skiplock = false;
    std::vector<std::string> tail;  // the words after the CTID, for a command that passes them on untouched
    // This binary and its helpers; only the commands that hand work to them look for them.
    vz::Tools tools() const;
};

using Handler = std::function<int(const Context&)>;
// `invoked` is false when the command line names another command: the parameter table's hundred options are then
// left out, since registering them is most of vzctl's start-up time.
using Setup = Handler (*)(CLI::App& sub, bool invoked);

struct Command {
    const char* name;
    const char* alias = nullptr;
    const char* help;
    Setup setup;
    bool verbatim_tail = false;  // the words after the CTID are the container's command, never our options
    bool opens_log = true;       // status answers even when vz.conf can't be read
    bool host_ok = false;        // may act on CT 0, the host
    bool hidden = false;         // internal; its setup registers its own positional "ctid" after others
};

// In the order of the --help text.
std::span<const Command> commands();

// The data of vzctl's shell completion (cli/completion.hpp), from `app` with every command's options registered.
int print_completion(CLI::App& app);

Handler setup_status(CLI::App& sub, bool invoked);
Handler setup_mount(CLI::App& sub, bool invoked);
Handler setup_umount(CLI::App& sub, bool invoked);
Handler setup_start(CLI::App& sub, bool invoked);
Handler setup_stop(CLI::App& sub, bool invoked);
Handler setup_restart(CLI::App& sub, bool invoked);
Handler setup_suspend(CLI::App& sub, bool invoked);
Handler setup_resume(CLI::App& sub, bool invoked);
Handler setup_monitor(CLI::App& sub, bool invoked);
Handler setup_migrate_target(CLI::App& sub, bool invoked);

Handler setup_exec(CLI::App& sub, bool invoked);
Handler setup_exec2(CLI::App& sub, bool invoked);
Handler setup_exec3(CLI::App& sub, bool invoked);
Handler setup_enter(CLI::App& sub, bool invoked);
Handler setup_console(CLI::App& sub, bool invoked);
Handler setup_runscript(CLI::App& sub, bool invoked);

Handler setup_create(CLI::App& sub, bool invoked);
Handler setup_destroy(CLI::App& sub, bool invoked);
Handler setup_set(CLI::App& sub, bool invoked);

Handler setup_compact(CLI::App& sub, bool invoked);
Handler setup_convert(CLI::App& sub, bool invoked);
Handler setup_quotaon(CLI::App& sub, bool invoked);
Handler setup_quotaoff(CLI::App& sub, bool invoked);
Handler setup_quotainit(CLI::App& sub, bool invoked);

Handler setup_snapshot(CLI::App& sub, bool invoked);
Handler setup_snapshot_switch(CLI::App& sub, bool invoked);
Handler setup_snapshot_delete(CLI::App& sub, bool invoked);
Handler setup_snapshot_mount(CLI::App& sub, bool invoked);
Handler setup_snapshot_umount(CLI::App& sub, bool invoked);
Handler setup_snapshot_list(CLI::App& sub, bool invoked);

}  // namespace vzctl
