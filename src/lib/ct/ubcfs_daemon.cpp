#include "ct/ubcfs_daemon.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>

#include "config/units.hpp"
#include "ct/probe.hpp"
#include "ct/state.hpp"
#include "ubc/meminfo.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/process.hpp"
#include "util/scope.hpp"

namespace vz {
namespace {

// The lock serialising starts and stops of the daemon; released when the Fd closes.
Fd take_lock(const std::string& path) {
    make_dirs(dir_name(path), 0755);
    Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) fail(Exit::System, "can't open {}: {}", path, errno_text(errno));
    while (::flock(fd.get(), LOCK_EX) != 0)
        if (errno != EINTR) fail(Exit::System, "can't lock {}: {}", path, errno_text(errno));
    return fd;
}

// The daemon holds an exclusive flock on its pid file for as long as it lives.
bool daemon_alive(const UbcfsPaths& up) {
    Fd fd(::open(up.pid.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    return fd && ::flock(fd.get(), LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
}

// A pidfd of the living daemon, or none. The daemon writes its pid before its starter returns and holds the lock
// until it exits, so a pid that is still locked after the pidfd was opened is the daemon's (no new daemon can
// start meanwhile: the caller holds the start lock).
Fd daemon_pidfd(const UbcfsPaths& up) {
    auto text = read_file(up.pid).value_or("");
    auto pid = parse_uint(text.substr(0, text.find('\n')), 1, INT32_MAX);
    if (!pid) return {};
    Fd fd = open_pidfd(static_cast<pid_t>(*pid));
    return fd && daemon_alive(up) ? std::move(fd) : Fd();
}

// Unmounting ends the daemon (its FUSE connection goes away); this returns once it has exited. A daemon that
// lingers (the tree still referenced somewhere) is asked to end, then killed; a mount whose daemon died is simply
// detached.
void stop_daemon(const UbcfsPaths& up) {
    Fd pidfd = daemon_pidfd(up);
    if (::umount2(up.mount.c_str(), 0) != 0 && errno == EBUSY) ::umount2(up.mount.c_str(), MNT_DETACH);
    if (pidfd && !exits_within(pidfd, std::chrono::seconds(5))) {
        bool gone = false;
        for (int sig : {SIGTERM, SIGKILL}) {
            log::warn("vzubcfs did not end after the unmount of {}; sending signal {}", up.mount, sig);
            ::syscall(SYS_pidfd_send_signal, pidfd.get(), sig, nullptr, 0U);
            if ((gone = exits_within(pidfd, std::chrono::seconds(2)))) break;
        }
        if (!gone) fail(Exit::System, "vzubcfs serving {} does not end", up.mount);
    }
    ::unlink(up.pid.c_str());
}

// Runs the daemon: it mounts the tree, then goes to the background (its first process exits 0 once the mount is
// there). Its error messages come back through the returned pipe on its stderr; await_daemon reads them.
// posix_spawn(3): a vfork, so no copy of this (large) process's page tables and no copy-on-write faults for the
// start that goes on meanwhile; standard input and output on /dev/null, no other descriptor of ours.
pid_t spawn_daemon(const UbcfsPaths& up, const std::string& daemon, Fd& errors) {
    make_dirs(up.mount, 0755);
    auto err = make_pipe();
    posix_spawn_file_actions_t fa;
    if (int e = ::posix_spawn_file_actions_init(&fa); e != 0) fail(Exit::System, "posix_spawn: {}", errno_text(e));
    ScopeGuard destroy([&fa] { ::posix_spawn_file_actions_destroy(&fa); });
    int e = ::posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (e == 0) e = ::posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (e == 0) e = ::posix_spawn_file_actions_adddup2(&fa, err.wr.get(), 2);
    if (e == 0) e = ::posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    std::array<std::string, 3> args{"vzubcfs", up.mount, up.pid};
    std::array<char*, 4> argv{args[0].data(), args[1].data(), args[2].data(), nullptr};
    pid_t pid = -1;
    if (e == 0) e = ::posix_spawn(&pid, daemon.c_str(), &fa, nullptr, argv.data(), environ);
    if (e != 0) fail(Exit::System, "can't run {}: {}", daemon, errno_text(e));
    errors = std::move(err.rd);
    return pid;
}

void await_daemon(const UbcfsPaths& up, const std::string& daemon, pid_t pid, const Fd& errors) {
    auto msg = read_all(errors.get());
    int status = wait_exit(pid);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    if (status == 0 && is_fuse_mount(up.mount)) return;
    // A daemon that failed before its mount ended by itself; one that says it mounted but did not must not stay.
    if (status == 0) stop_daemon(up);
    fail(Exit::System, "{}", msg.empty() ? fmt::format("{} exited with status {}", daemon, status) : msg);
}

}  // namespace

bool ubc_proc_wanted(const CtConfig& cfg) { return cfg.get_or("UBC_PROC", "yes") != "no"; }

namespace {

void warn_no_files(const std::exception& e) {
    log::warn("the container gets no beancounter file (/run/vz/user_beancounters) and no meminfo or swaps of its own: {}",
              e.what());
}

}  // namespace

UbcfsStart ubcfs_begin(const CtConfig& cfg, const std::string& daemon) {
    UbcfsStart s;
    if (!ubc_proc_wanted(cfg)) return s;
    s.up_ = ubcfs_paths(cfg.global());
    s.daemon_ = daemon;
    try {
        if (!path_exists("/dev/fuse")) fail(Exit::BadKernel, "FUSE is not available (no /dev/fuse)");
        Fd lock = take_lock(s.up_.lock);
        if (daemon_alive(s.up_) && is_fuse_mount(s.up_.mount)) {
            s.serving_ = true;
            return s;
        }
        // Whatever is left of an earlier daemon (a mount whose daemon died, a daemon on its way out) goes first.
        stop_daemon(s.up_);
        s.pid_ = spawn_daemon(s.up_, daemon, s.errors_);
        s.spawned_ = true;
        s.lock_ = std::move(lock);
    } catch (const std::exception& e) {
        warn_no_files(e);
    }
    return s;
}

void UbcfsStart::finish() noexcept {
    if (pid_ < 0) return;
    pid_t pid = std::exchange(pid_, -1);
    try {
        await_daemon(up_, daemon_, pid, errors_);
        serving_ = true;
    } catch (const std::exception& e) {
        warn_no_files(e);
    }
    errors_.reset();
    lock_.reset();
}

void ubcfs_ensure(const CtConfig& cfg, const std::string& daemon) { ubcfs_begin(cfg, daemon).finish(); }

void ubcfs_stop_idle(const ConfFile& global) {
    auto up = ubcfs_paths(global);
    // No pid file: no daemon ever ran here, or the last one was stopped cleanly.
    if (!path_exists(up.pid)) return;
    try {
        Fd lock = take_lock(up.lock);
        // A container being started has its cgroup before it asks for the daemon (under this lock), so it is
        // counted here and its daemon is never taken away.
        if (!ct_cgroup_ids(cgroup_layout(global)).empty()) return;
        stop_daemon(up);
    } catch (const std::exception& e) {
        log::warn("can't stop vzubcfs at {}: {}", up.mount, e.what());
    }
}

std::string UbcfsStart::ct_dir(unsigned ctid) const { return serving_ ? fmt::format("{}/{}", up_.mount, ctid) : ""; }

std::optional<std::string> ubcfs_text(const Paths& p, const Probe& probe, const UbcfsNode& n) {
    if (n.kind != UbcfsKind::File || n.file >= ubcfs_files().size()) return std::nullopt;
    auto& layout = probe.layout();
    auto memory = [&] { return layout.ct_dir("memory", n.ctid); };
    bool v2 = layout.mode == CgroupMode::V2;
    switch (ubcfs_files()[n.file].content) {
        case UbcfsContent::Beancounters: return ubc_proc_text(p, n.ctid);
        case UbcfsContent::Meminfo: return live_ct_meminfo(memory(), v2);
        case UbcfsContent::Swaps: return live_ct_swaps(memory(), v2);
    }
    return std::nullopt;
}

}  // namespace vz
