#include "runtime/join.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
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
namespace {

// Whether `pid` is in the caller's namespace of `kind` (/proc/PID/ns/KIND names the same one).
bool same_namespace(pid_t pid, const char* kind) {
    struct stat a, b;
    auto theirs = "/proc/" + std::to_string(pid) + "/ns/" + kind;
    auto ours = std::string("/proc/self/ns/") + kind;
    if (::stat(theirs.c_str(), &a) != 0) fail(Exit::NotRunning, "can't open {}: {}", theirs, errno_text(errno));
    return ::stat(ours.c_str(), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

}  // namespace

pid_t fork_in_ct(const JoinSpec& js, CgroupDriver& cg, const std::function<void()>& body) {
    // Namespaces are opened before anything changes, all from the same init. The user namespace first: joined, it
    // gives the rights over the others (they are owned by it); an unprivileged container's only.
    bool userns = !same_namespace(js.init, "user");
    std::vector<Fd> fds;
    for (auto* k : {"user", "ipc", "uts", "net", "pid", "cgroup", "mnt"}) {
        if (k == std::string_view("user") && !userns) continue;
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
    // Root of the container's user namespace, without the host's supplementary groups.
    if (userns && (::setresgid(0, 0, 0) != 0 || ::setgroups(0, nullptr) != 0 || ::setresuid(0, 0, 0) != 0))
        die("can't become root of the container's user namespace");
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
        if (js.entered >= 0 && ::write(js.entered, "1", 1) != 1) die("entered");
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
