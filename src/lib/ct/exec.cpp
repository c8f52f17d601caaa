// exec, exec2, exec3 and runscript: commands run inside a container, a running one or (runscript) a temporary one.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "config/areas.hpp"
#include "ct/host.hpp"
#include "ct/probe.hpp"
#include "ct/scripts.hpp"
#include "runtime/join.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

namespace vz {
namespace {

// Writes all of `text` to the pipe `fd`, then closes it; a reader that went away is not an error of ours.
void feed(Fd fd, const std::string& text) {
    SignalIgnore no_sigpipe(SIGPIPE);
    write_all(fd.get(), text);
}

// The command's exit status as vzctl reports it; terminal signals go to the command, not to us, meanwhile.
int wait_command(CtCommand& child) {
    SignalIgnore no_sigint(SIGINT), no_sigquit(SIGQUIT);
    return child.wait();
}

// runscript on a stopped container: the container's namespaces and cgroup with the script's shell in place of
// init; everything is taken down again afterwards.
int runscript_stopped(const Paths& p, unsigned ctid, const std::string& text, const std::string& command) {
    auto [lock, cfg] = lock_and_load(p, ctid, command);
    check_areas(p, cfg);
    auto cg = driver_of(cfg);
    if (!cg->procs(ctid).empty()) fail(Exit::Running, "Container started meanwhile; run the script again");
    // The script's short-lived container does not keep vzubcfs running; its output is the script's alone.
    HostSetup host(cfg, *cg, {}, false);  // no vzubcfs files: it starts no daemon
    auto in = make_pipe();
    std::string shell = open_in_root(ct_tree(cfg), "/bin/bash", O_PATH) ? "/bin/bash" : "/bin/sh";
    ChildProcess script(spawn_stand_in(cfg, *cg, host, {shell, "-s"}, in.rd.get()));
    in.rd.reset();
    feed(std::move(in.wr), text);
    return script.wait();
}

}  // namespace

int exec_ct(const Paths& p, unsigned ctid, ExecMode mode, const std::vector<std::string>& args) {
    auto cfg = load_ct_warning(p, ctid);
    auto cg = driver_of(cfg);
    auto init = find_init(*cg, ctid);
    if (!init) fail(Exit::NotRunning, "Container is not running");
    if (args.empty()) fail(Exit::InvalidSyntax, "No command given");
    bool from_stdin = args.size() == 1 && args[0] == "-";
    auto env = exec_environment();
    CtCommand child(cfg, *cg, *init, [&] {
        if (mode == ExecMode::Exec3 && !from_stdin) {
            exec_argv(args, env, true);
            std::fprintf(stderr, "Error: can't run %s in CT %u: %s\n", args[0].c_str(), ctid, std::strerror(errno));
            ::_exit(127);
        }
        std::string cmd = join(args, " ");
        for (auto* sh : {"/bin/bash", "/bin/sh"}) {
            if (from_stdin) exec_argv({sh}, env, false);
            else exec_argv({sh, "-c", cmd}, env, false);
        }
        std::fprintf(stderr, "Error: no shell (/bin/bash, /bin/sh) in CT %u\n", ctid);
        ::_exit(127);
    });
    int code = wait_command(child);
    if (mode == ExecMode::Exec) return code == 0 ? 0 : static_cast<int>(Exit::CommandFailed);
    return code;
}

int run_script_inside(const CtConfig& cfg, CgroupDriver& cg, pid_t init, const std::string& text) {
    auto in = make_pipe();
    CtCommand shell(cfg, cg, init, [&] {
        ::dup2(in.rd.get(), 0);
        for (auto* sh : {"/bin/bash", "/bin/sh"}) exec_argv({sh, "-s"}, exec_environment(), false);
        ::_exit(127);
    });
    in.rd.reset();
    feed(std::move(in.wr), text);
    return shell.wait();
}

int runscript_ct(const Paths& p, unsigned ctid, const std::string& script, const std::string& command) {
    auto text = read_file(script);
    if (!text) fail(Exit::NoScript, "Script {} not found", script);
    auto cfg = load_ct(p, ctid, true);
    auto cg = driver_of(cfg);
    auto init = find_init(*cg, ctid);
    if (!init) return runscript_stopped(p, ctid, *text, command);
    return run_script_inside(cfg, *cg, *init, *text);
}

}  // namespace vz
