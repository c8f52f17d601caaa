#include "runtime/join.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "config/units.hpp"
#include "util/error.hpp"
#include "runtime/seccomp.hpp"
#include "runtime/sysinfo.hpp"
#include "util/fd.hpp"
#include "util/fdpass.hpp"
#include "util/file.hpp"
#include "util/process.hpp"

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

// An init that has not exec'd yet is still building its container (the cgroup namespace, the root): joining it
// then fails (its cgroup namespace is still the host's, which the container's user namespace may not join) or lands
// in a half-made root. Until its exec its image is vzctl's, as ours is: wait for the exec, or its end, for a while.
void wait_init_exec(pid_t init) {
    struct stat self, st;
    if (::stat("/proc/self/exe", &self) != 0) return;
    auto path = "/proc/" + std::to_string(init) + "/exe";
    for (int i = 0; i < 2000; ++i) {  // 10 s
        if (::stat(path.c_str(), &st) != 0 || st.st_dev != self.st_dev || st.st_ino != self.st_ino) return;
        ::usleep(5000);
    }
}

// The monitor's socket. The monitor starts listening a moment after a start has returned (its exec, then its
// socket): while init's parent is still a monitor that does not listen yet, try again for up to 2 s, so a command
// run right after a start also gets the container's sysinfo(2) and mount(2) checks. A monitor that is gone (killed:
// init has another parent then) is not waited for.
Fd connect_monitor_of(const JoinSpec& js) {
    if (js.monitor.empty()) return {};
    for (int i = 0; i < 400; ++i) {
        if (Fd s = connect_monitor(js.monitor)) return s;
        auto parent = parent_of(js.init);
        if (!parent || read_file("/proc/" + std::to_string(*parent) + "/comm").value_or("") != "vzmonitor\n") break;
        ::usleep(5000);
    }
    return {};
}

}  // namespace

pid_t fork_in_ct(const JoinSpec& js, CgroupDriver& cg, const std::function<void()>& body) {
    // Namespaces are opened before anything changes, all from the same init. The user namespace first: joined, it
    // gives the rights over the others (they are owned by it); an unprivileged container's only.
    wait_init_exec(js.init);
    bool userns = !same_namespace(js.init, "user");
    std::vector<Fd> fds;
    std::vector<const char*> kinds;
    // The time namespace too where init has its own: a restored container's (CRIU makes one for the clocks it
    // restores). A process outside it would be a stranger there: the next dump of its children fails to restore.
    for (auto* k : {"user", "ipc", "uts", "net", "pid", "cgroup", "time", "mnt"}) {
        if (k == std::string_view("user") && !userns) continue;
        if (k == std::string_view("time") &&
            (::access(("/proc/" + std::to_string(js.init) + "/ns/time").c_str(), F_OK) != 0 ||
             same_namespace(js.init, "time")))
            continue;
        kinds.push_back(k);
        auto path = "/proc/" + std::to_string(js.init) + "/ns/" + k;
        Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) fail(Exit::NotRunning, "can't open {}: {}", path, errno_text(errno));
        fds.push_back(std::move(fd));
    }
    // Connected here, in the host's network namespace, where the monitor's abstract socket is.
    Fd monitor = connect_monitor_of(js);
    // A pid namespace applies to children only: the container's is ours for the clone alone, so that the child is
    // the container's process itself (one fork, not two). Joining our own again undoes that (threads can't be made
    // while the two differ).
    auto pid_ns = static_cast<size_t>(std::find(kinds.begin(), kinds.end(), std::string_view("pid")) - kinds.begin());
    Fd own_pid_ns(::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC));
    if (!own_pid_ns) fail(Exit::System, "can't open /proc/self/ns/pid: {}", errno_text(errno));
    if (::setns(fds[pid_ns].get(), CLONE_NEWPID) != 0)
        fail(Exit::System, "can't join the container's pid namespace: {}", errno_text(errno));
    auto leave_pid_ns = [&] {
        if (::setns(own_pid_ns.get(), CLONE_NEWPID) != 0)
            fail(Exit::System, "can't leave the container's pid namespace: {}", errno_text(errno));
    };
    pid_t pid = -1;
    try {
        pid = cg.clone_beside(js.init, [](const Error& e) {
            std::fprintf(stderr, "Error: %s\n", e.what());
            ::_exit(e.exit_status());
        });
    } catch (...) {
        leave_pid_ns();
        throw;
    }
    if (pid > 0) {
        ChildProcess child(pid);
        leave_pid_ns();
        return child.release();
    }

    auto die = [](const char* what) {
        std::fprintf(stderr, "Error: %s: %s\n", what, std::strerror(errno));
        ::_exit(static_cast<int>(Exit::System));
    };
    for (size_t i = 0; i < fds.size(); ++i)
        if (i != pid_ns && ::setns(fds[i].get(), 0) != 0) {
            std::fprintf(stderr, "Error: can't join the container's %s namespace: %s\n", kinds[i], std::strerror(errno));
            ::_exit(static_cast<int>(Exit::System));
        }
    // Root of the container's user namespace, without the host's supplementary groups.
    if (userns && (::setresgid(0, 0, 0) != 0 || ::setgroups(0, nullptr) != 0 || ::setresuid(0, 0, 0) != 0))
        die("can't become root of the container's user namespace");
    if (::chdir("/") != 0) die("chdir");
    for (int c = 0; c <= CAP_LAST_CAP; ++c)
        if (!(js.caps & (1ULL << c))) ::prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
    // Notifications only with a monitor to answer: a listener nobody holds fails sysinfo(2) with ENOSYS.
    auto listener = install_ct_filter(static_cast<bool>(monitor), js.netfilter);
    if (!listener) die("seccomp filter");
    if (monitor && *listener) send_fd(monitor.get(), listener->get());
    monitor.reset();
    listener.reset();
    // Killed with the vzctl that waits for it: set after the ids changed, which clear it. That vzctl is outside
    // the container's pid namespace (our parent pid 0); had it died already, ours would be the container's init.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != 0) ::_exit(static_cast<int>(Exit::System));
    if (js.entered >= 0 && ::write(js.entered, "1", 1) != 1) die("entered");
    body();
    ::_exit(127);
}

std::vector<std::string> exec_environment() {
    return {"HOME=/", "TERM=linux", "PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/local/bin:/usr/local/sbin"};
}

}  // namespace vz
