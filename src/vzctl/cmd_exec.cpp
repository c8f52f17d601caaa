// vzctl exec, exec2, exec3, enter, console, runscript: commands run inside a running container, and its console.
#include <memory>

#include "command.hpp"

namespace vzctl {

namespace {

Handler exec_in(CLI::App& sub, vz::ExecMode mode) {
    sub.footer("The command and its arguments follow the CTID; - reads commands from stdin.");
    return [mode](const Context& c) { return vz::exec_ct(c.paths, c.ctid, mode, c.tail); };
}

}  // namespace

Handler setup_exec(CLI::App& sub, bool) { return exec_in(sub, vz::ExecMode::Exec); }

Handler setup_exec2(CLI::App& sub, bool) { return exec_in(sub, vz::ExecMode::Exec2); }

Handler setup_exec3(CLI::App& sub, bool) { return exec_in(sub, vz::ExecMode::Exec3); }

Handler setup_enter(CLI::App& sub, bool) {
    auto words = std::make_shared<std::vector<std::string>>();
    sub.add_option("--exec", *words, "type this command into the shell")->expected(1, -1);
    return [words](const Context& c) { return vz::enter_ct(c.paths, c.ctid, *words); };
}

Handler setup_console(CLI::App& sub, bool) {
    auto tty = std::make_shared<unsigned>(1);
    sub.add_option("ttynum", *tty,
                   "the tty: 1, the console (default), to " + std::to_string(vz::monitor::kTerminals) + " (TTYS)")
        ->check(CLI::PositiveNumber);
    sub.footer("ESC . at the start of a line detaches. A stopped container's console shows its next start.");
    return [tty](const Context& c) { return vz::console_ct(c.paths, c.ctid, *tty); };
}

Handler setup_runscript(CLI::App& sub, bool) {
    auto script = std::make_shared<std::string>();
    sub.add_option("script", *script, "path of the script on the host")->required();
    return [script](const Context& c) { return vz::runscript_ct(c.paths, c.ctid, *script, c.command_line); };
}

}  // namespace vzctl
