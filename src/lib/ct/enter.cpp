// vzctl enter: a login shell on a pty from the container's own devpts, relayed to the user's terminal. vzctl
// console: the user's terminal on the container's console, whose master its monitor lends.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cgroup/driver.hpp"
#include "config/capabilities.hpp"
#include "config/units.hpp"
#include "ct/host.hpp"
#include "ct/lifecycle.hpp"
#include "ct/state.hpp"
#include "ct/probe.hpp"
#include "runtime/join.hpp"
#include "runtime/monitor_protocol.hpp"
#include "runtime/pty.hpp"
#include "runtime/sysinfo.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/fdpass.hpp"
#include "util/log.hpp"
#include "util/process.hpp"

namespace vz {

int enter_ct(const Paths& p, unsigned ctid, const std::vector<std::string>& exec_words) {
    auto cfg = load_ct_warning(p, ctid);
    auto cg = CgroupDriver::make(ct_cgroup_layout(cfg));
    auto init = find_init(*cg, ctid);
    if (!init) fail(Exit::NotRunning, "Container is not running");
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        fail(Exit::System, "socketpair: {}", errno_text(errno));
    Fd host_end(sv[0]), ct_end(sv[1]);
    const char* term = std::getenv("TERM");
    std::string term_env = std::string("TERM=") + (term ? term : "xterm");
    CtCommand shell(cfg, *cg, *init, [&] {
        // The pty comes from the container's own devpts, so the shell's terminal is the container's.
        int master = ::posix_openpt(O_RDWR | O_NOCTTY);
        if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) {
            std::fprintf(stderr, "Error: can't allocate a pty in CT %u: %s\n", ctid, std::strerror(errno));
            ::_exit(static_cast<int>(Exit::System));
        }
        std::string slave = ::ptsname(master);
        // The other end is opened before the master goes to vzctl: from then on, this process ending (killed by
        // a stop, say) ends vzctl's read of the master (EIO) instead of leaving it waiting for an end never opened.
        ::setsid();
        int s = ::open(slave.c_str(), O_RDWR);
        if (s < 0) ::_exit(static_cast<int>(Exit::System));
        if (!send_fd(ct_end.get(), master)) ::_exit(static_cast<int>(Exit::System));
        ::ioctl(s, TIOCSCTTY, 0);
        for (int fd = 0; fd < 3; ++fd) ::dup2(s, fd);
        if (s > 2) ::close(s);
        ::close(master);
        std::vector<std::string> env = {"USER=root", "HOME=/root", "LOGNAME=root", "HISTFILE=/dev/null", term_env,
                                        "PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/local/bin:/usr/local/sbin"};
        if (::chdir("/root") != 0 && ::chdir("/") != 0) ::_exit(1);
        CArgs envp(env);
        for (auto [path, name] : {std::pair{"/bin/bash", "-bash"}, std::pair{"/bin/sh", "-sh"}}) {
            char* argv[] = {const_cast<char*>(name), nullptr};
            ::execve(path, argv, envp.get());
        }
        ::_exit(127);
    });
    ct_end.reset();
    Fd master = recv_fd(host_end.get());
    if (!master) {
        int code = shell.wait();
        fail(Exit::System, "can't open a terminal in CT {} (exit {})", ctid, code);
    }
    std::string typed;
    if (!exec_words.empty()) typed = join(exec_words, " ") + "\r";
    log::info("entered into CT {}", ctid);
    Fd shell_end = open_pidfd(shell.pid());
    relay_terminal(master.get(), typed, shell_end.get());
    master.reset();
    int code = shell.wait();
    log::info("exited from CT {}", ctid);
    return code;
}

int console_ct(const Paths& p, unsigned ctid, unsigned tty) {
    if (tty < 1 || tty > static_cast<unsigned>(monitor::kTerminals))
        fail(Exit::InvalidValue, "A container has ttys 1 (the console) to {}, not tty {}", monitor::kTerminals, tty);
    auto cfg = load_ct_warning(p, ctid);
    auto name = monitor_socket_name(ct_cgroup_layout(cfg), ctid);
    auto what = tty == 1 ? std::string("The console") : fmt::format("tty{}", tty);
    std::fprintf(stderr, "Attached to CT %u (ESC . to detach)\n", ctid);
    relay_console([&] {
        ConsoleSession s;
        s.conn = ask_monitor(name, monitor::tty_request(static_cast<int>(tty)));
        if (!s.conn) return ConsoleSession{};
        auto m = recv_message(s.conn.get());  // no answer within a second: asked again later
        if (m.fd) {
            s.master = std::move(m.fd);
            return s;
        }
        if (m.n == 1 && m.byte == monitor::kConsoleBusy)
            fail(Exit::System, "{} of CT {} is in use by another vzctl console", what, ctid);
        if (m.n == 1 && m.byte == monitor::kConsoleNone && tty == 1)
            fail(Exit::System, "CT {} runs without a console (started by an older vzctl): restart it", ctid);
        // A monitor of an older vzctl closes a connection whose request it does not know, unanswered.
        if ((m.n == 1 && m.byte == monitor::kConsoleNone) || (m.n == 0 && tty > 1))
            fail(Exit::System, "CT {} runs without tty{}: set TTYS={} or more (vz.conf(5)) and restart it", ctid, tty,
                 tty);
        return ConsoleSession{};
    });
    std::fprintf(stderr, "\nDetached from CT %u\n", ctid);
    return 0;
}

}  // namespace vz
