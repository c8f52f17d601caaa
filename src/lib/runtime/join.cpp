#include "runtime/join.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "config/units.hpp"
#include "util/error.hpp"
#include "runtime/seccomp.hpp"
#include "runtime/sysinfo.hpp"
#include "util/fd.hpp"
#include "util/fdpass.hpp"
#include "util/file.hpp"

namespace vz {

pid_t fork_in_ct(const JoinSpec& js, CgroupDriver& cg, const std::function<void()>& body) {
    // Namespaces are opened before anything changes, all from the same init.
    const char* kinds[] = {"ipc", "uts", "net", "pid", "cgroup", "mnt"};
    std::vector<Fd> fds;
    for (auto* k : kinds) {
        auto path = "/proc/" + std::to_string(js.init) + "/ns/" + k;
        Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) fail(Exit::NotRunning, "can't open {}: {}", path, errno_text(errno));
        fds.push_back(std::move(fd));
    }
    // Connected here, in the host's network namespace, where the monitor's abstract socket is.
    Fd monitor = js.monitor.empty() ? Fd() : connect_monitor(js.monitor);
    // A pid namespace applies to children only: the child joins it, then the grandchild runs the body.
    pid_t pid = cg.clone_beside(js.init, [](const Error& e) {
        std::fprintf(stderr, "Error: %s\n", e.what());
        ::_exit(e.exit_status());
    });
    if (pid > 0) return pid;

    auto die = [](const char* what) {
        std::fprintf(stderr, "Error: %s: %s\n", what, std::strerror(errno));
        ::_exit(static_cast<int>(Exit::System));
    };
    for (auto& fd : fds)
        if (::setns(fd.get(), 0) != 0) die("setns");
    if (::chdir("/") != 0) die("chdir");
    for (int c = 0; c <= CAP_LAST_CAP; ++c)
        if (!(js.caps & (1ULL << c))) ::prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
    // Notifications only with a monitor to answer: a listener nobody holds fails sysinfo(2) with ENOSYS.
    auto listener = install_ct_filter(static_cast<bool>(monitor));
    if (!listener) die("seccomp filter");
    if (monitor && *listener) send_fd(monitor.get(), listener->get());
    monitor.reset();
    pid_t child = ::fork();
    if (child < 0) die("fork");
    if (child == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        body();
        ::_exit(127);
    }
    // Relay the grandchild's end as ours.
    int code = wait_exit(child);
    ::_exit(code);
}

std::vector<std::string> exec_environment() {
    return {"HOME=/", "TERM=linux", "PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/local/bin:/usr/local/sbin"};
}

}  // namespace vz
