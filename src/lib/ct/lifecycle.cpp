#include "ct/lifecycle.hpp"

#include <crypt.h>
#include <fcntl.h>
#include <sys/random.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <filesystem>
#include <thread>

#include "cgroup/driver.hpp"
#include "config/capabilities.hpp"
#include "config/params.hpp"
#include "config/units.hpp"
#include "ct/lock.hpp"
#include "ct/state.hpp"
#include "runtime/init.hpp"
#include "runtime/join.hpp"
#include "ct/resources.hpp"
#include "runtime/sysinfo.hpp"
#include "ct/probe.hpp"
#include "ct/ubcfs_daemon.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/log.hpp"

namespace vz {
namespace {

using Clock = std::chrono::steady_clock;

// The container's lock, then its config (read under the lock, so no concurrent save is half-seen).
struct Locked {
    CtLock lock;
    CtConfig cfg;
};

Locked lock_and_load(const Paths& p, unsigned ctid, const std::string& command) {
    auto global = std::make_shared<const ConfFile>(load_global(p));
    CtLock lock(lock_dir(*global), ctid, command);
    auto cfg = load_ct(p, global, ctid, true, true);
    return Locked{std::move(lock), std::move(cfg)};
}

std::unique_ptr<CgroupDriver> driver_of(const CtConfig& cfg) { return CgroupDriver::make(ct_cgroup_layout(cfg)); }

bool root_mounted(const CtConfig& cfg) { return MountTable::read().is_mount_point(cfg.ve_root()); }

// Bind-mounts the private area on the root; returns false when it was mounted already.
bool do_mount(const CtConfig& cfg) {
    auto priv = cfg.ve_private();
    auto root = cfg.ve_root();
    if (!is_dir(priv)) fail(Exit::NoPrivate, "Container private area {} does not exist", priv);
    if (root_mounted(cfg)) return false;
    make_dirs(root, 0755);
    if (::mount(priv.c_str(), root.c_str(), nullptr, MS_BIND, nullptr) != 0)
        fail(Exit::CantMount, "can't mount {} on {}: {}", priv, root, errno_text(errno));
    return true;
}

void do_umount(const CtConfig& cfg) {
    auto root = cfg.ve_root();
    if (!root_mounted(cfg)) return;
    if (::umount2(root.c_str(), 0) != 0 && ::umount2(root.c_str(), MNT_DETACH) != 0)
        fail(Exit::CantUmount, "can't unmount {}: {}", root, errno_text(errno));
}

// Undoes a step on scope exit unless the whole operation succeeded.
class Undo {
public:
    explicit Undo(std::function<void()> f) : f_(std::move(f)) {}
    Undo(const Undo&) = delete;
    Undo& operator=(const Undo&) = delete;
    ~Undo() {
        if (!f_) return;
        try {
            f_();
        } catch (const std::exception& e) {
            log::error(e.what());
        }
    }
    void release() { f_ = nullptr; }

private:
    std::function<void()> f_;
};

// LXCFS="auto" (default) uses LXCFS when it is mounted at LXCFS_DIR; "yes" requires it; "no" never uses it.
std::string lxcfs_dir(const CtConfig& cfg) {
    auto mode = cfg.get_or("LXCFS", "auto");
    auto dir = cfg.get_or("LXCFS_DIR", "/var/lib/lxcfs");
    if (mode == "no") return {};
    if (is_fuse_mount(dir)) return dir;
    if (mode == "yes") fail(Exit::BadKernel, "LXCFS=yes but LXCFS is not mounted at {} (start lxcfs {})", dir, dir);
    return {};
}

InitSpec init_spec(const CtConfig& cfg, const Resources& res) {
    InitSpec s;
    s.ctid = cfg.ctid();
    s.root = cfg.ve_root();
    s.hostname = cfg.get_or("HOSTNAME", "");
    s.numpty = res.numpty;
    s.devnodes = res.devnodes;
    s.caps = capability_mask(cfg.get_or("CAPABILITY", ""));
    auto features = cfg.get_or("FEATURES", "");
    s.sysfs = features.find("sysfs:off") == std::string::npos;
    s.lxcfs = lxcfs_dir(cfg);
    s.ubc = ubcfs_ct_dir(cfg);
    return s;
}

void report_resources(const CtConfig& cfg) {
    if (auto* ips = cfg.get("IP_ADDRESS"); ips && !ips->empty())
        log::warn("networking is not configured by this version: IP_ADDRESS {} is not set up", *ips);
    if (auto* v = cfg.get("CPULIMIT"); v && *v != "0") log::info("Setting CPU limit: {}", *v);
    log::info("Setting CPU units: {}", cfg.get_or("CPUUNITS", "1000"));
    if (auto* v = cfg.get("CPUS"); v && *v != "0") log::info("Setting CPUs: {}", *v);
}

// Becomes the monitor of `init` (returns only when the exec fails). With the channel of init's sysinfo(2) filter,
// the monitor also answers sysinfo(2) for the container (runtime/sysinfo.hpp).
void exec_monitor(const Tools& t, const CtConfig& cfg, pid_t init, Fd channel) {
    std::vector<std::string> args{"vzmonitor", std::to_string(init), t.vzctl, std::to_string(cfg.ctid())};
    if (channel) {
        auto more = monitor_sysinfo_args(ct_cgroup_layout(cfg), cfg.ctid(), channel.get());
        args.insert(args.end(), more.begin(), more.end());
        ::fcntl(channel.get(), F_SETFD, 0);  // kept across the exec
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(t.monitor.c_str(), argv.data());
}

// In the monitor process: clone init, then become the small waiter. Errors go to `status_fd`.
[[noreturn]] void run_monitor(const CtConfig& cfg, CgroupDriver& cg, const Resources& res, int status_fd,
                              const Tools& t) {
    auto report = [&](const Error& e) {
        auto line = std::to_string(e.exit_status()) + " " + e.what();
        if (status_fd >= 0 && ::write(status_fd, line.data(), line.size()) < 0) {
            // The waiting vzctl sees the start fail either way.
        }
    };
    pid_t init = -1;
    Fd channel;
    try {
        init = spawn_init(init_spec(cfg, res), cg, status_fd, &channel);
    } catch (const Error& e) {
        report(e);
        ::_exit(1);
    } catch (const std::exception& e) {
        report(Error(Exit::EnvCreate, e.what()));
        ::_exit(1);
    }
    exec_monitor(t, cfg, init, std::move(channel));
    report(Error(Exit::NoScript, fmt::format("can't run the monitor {}: {}", t.monitor, errno_text(errno))));
    ::kill(init, SIGKILL);
    ::_exit(1);
}

void stdio_to_null() {
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0) return;
    for (int fd = 0; fd < 3; ++fd) ::dup2(null, fd);
    if (null > 2) ::close(null);
}

// Output to /dev/null, input kept.
void stdio_to_null_out() {
    int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null < 0) return;
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::close(null);
}

bool wait_empty(CgroupDriver& cg, unsigned ctid, std::chrono::milliseconds limit) {
    auto end = Clock::now() + limit;
    for (;;) {
        if (cg.procs(ctid).empty()) return true;
        if (Clock::now() >= end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

// What --wait waits for: our busybox template leaves /run/vz-booted; systemd says "running" or "degraded"
// (booted, some unit failed). Other inits give no sign: nullopt.
std::optional<bool> booted(CgroupDriver& cg, const CtConfig& cfg) {
    auto init = find_init(cg, cfg.ctid());
    if (!init) return false;
    auto root = "/proc/" + std::to_string(*init) + "/root";
    if (path_exists(root + "/run/vz-booted")) return true;
    if (!is_dir(root + "/run/systemd/system")) {
        if (path_exists(root + "/etc/init.d/rcS")) return false;
        // systemd makes /run/systemd/system a moment after its exec: until then, tell it by its binary.
        std::error_code ec;
        auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(*init) + "/exe", ec).string();
        if (exe.ends_with("/systemd")) return false;
        return std::nullopt;
    }
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    Fd rd(fds[0]), wr(fds[1]);
    JoinSpec js{cfg.ctid(), *init, ~0ULL, {}};
    pid_t pid = fork_in_ct(js, cg, [&] {
        ::dup2(wr.get(), 1);
        exec_argv({"systemctl", "is-system-running"}, exec_environment(), true);
    });
    wr.reset();
    char buf[64] = {};
    auto n = ::read(rd.get(), buf, sizeof buf - 1);
    wait_exit(pid);
    std::string state(buf, n > 0 ? static_cast<size_t>(n) : 0);
    return state.starts_with("running") || state.starts_with("degraded");
}

}  // namespace

JoinSpec join_spec(const CtConfig& cfg, pid_t init) {
    return {cfg.ctid(), init, capability_mask(cfg.get_or("CAPABILITY", "")),
            monitor_socket_name(ct_cgroup_layout(cfg), cfg.ctid())};
}

void mount_ct(const Paths& p, unsigned ctid, const Tools& t) {
    auto [lock, cfg] = lock_and_load(p, ctid, t.command);
    if (!do_mount(cfg)) fail(Exit::Mounted, "Container is already mounted");
    log::info("Container is mounted");
}

void umount_ct(const Paths& p, unsigned ctid, const Tools& t) {
    auto [lock, cfg] = lock_and_load(p, ctid, t.command);
    auto st = ct_state(cfg, MountTable::read());
    if (st.running) fail(Exit::Running, "Container is running; stop it first");
    if (!st.mounted) fail(Exit::NotMounted, "Container is not mounted");
    do_umount(cfg);
    log::info("Container is unmounted");
}

void start_ct(const Paths& p, unsigned ctid, const StartOptions& o, const Tools& t) {
    auto [lock, cfg] = lock_and_load(p, ctid, t.command);
    if (cfg.get_or("DISABLED", "no") == "yes" && !o.force)
        fail(Exit::StartDisabled, "Container start disabled (use --force)");
    auto cg = driver_of(cfg);
    if (!cg->procs(ctid).empty()) fail(Exit::Running, "Container is already running");
    if (!is_dir(cfg.ve_private())) fail(Exit::NoPrivate, "Container private area {} does not exist", cfg.ve_private());

    log::info("Starting container...");
    // vzubcfs starts while this sets the container up (it holds the daemon lock until finished, so a concurrent
    // last stop can't end it; our cgroup exists by then). Undone last: after the cgroup is gone, release ends a
    // daemon that no container needs.
    auto daemon = ubcfs_begin(cfg, t.ubcfs);
    Undo undaemon([&] {
        daemon.finish();
        ubcfs_release(cfg);
    });
    bool mounted_here = do_mount(cfg);
    Undo unmount(mounted_here ? std::function<void()>([&] { do_umount(cfg); }) : nullptr);
    if (mounted_here) log::info("Container is mounted");

    auto res = resources_from_config(cfg);
    cg->create(ctid);
    Undo uncgroup([&] {
        cg->kill_all(ctid);
        cg->remove(ctid);
    });
    report_resources(cfg);
    for (auto& w : cg->apply(ctid, res, kResAll, cfg.ve_private())) log::warn("{}", w);
    if (auto why = sysinfo_unsupported()) log::warn("sysinfo(2) in the container reports the host's memory: {}", *why);
    daemon.finish();  // init binds the daemon's files

    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) fail(Exit::System, "pipe: {}", errno_text(errno));
    Fd rd(fds[0]), wr(fds[1]);
    pid_t mon = ::fork();
    if (mon < 0) fail(Exit::System, "fork: {}", errno_text(errno));
    if (mon == 0) {
        ::setsid();
        ::signal(SIGINT, SIG_IGN);
        stdio_to_null();
        rd.reset();
        // The lock belongs to this vzctl, not to the monitor that outlives it.
        ::syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);
        run_monitor(cfg, *cg, res, wr.get(), t);
    }
    wr.reset();
    wait_init_started(rd.get());
    // The monitor lives on; it is no longer ours to wait for.
    uncgroup.release();
    unmount.release();
    undaemon.release();
    log::info("Container start in progress...");
    if (o.wait) {
        auto end = Clock::now() + std::chrono::seconds(120);
        for (;;) {
            auto done = booted(*cg, cfg);
            if (!done) {
                log::warn("--wait: this container's init gives no sign of finished booting; not waiting");
                break;
            }
            if (*done) break;
            if (Clock::now() >= end) fail(Exit::WaitFailed, "Container did not finish booting in 120 s");
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
}

void stop_ct(const Paths& p, unsigned ctid, const StopOptions& o, const Tools& t) {
    auto [lock, cfg] = lock_and_load(p, ctid, t.command);
    auto cg = driver_of(cfg);
    if (cg->procs(ctid).empty()) {
        log::info("Container is not running");
        cg->remove(ctid);
        ubcfs_release(cfg);
        if (!o.skip_umount && root_mounted(cfg)) {
            do_umount(cfg);
            log::info("Container is unmounted");
        }
        return;
    }
    log::info("Stopping container ...");
    bool stopped = false;
    if (!o.fast) {
        if (auto init = find_init(*cg, ctid)) {
            auto js = join_spec(cfg, *init);
            pid_t pid = fork_in_ct(js, *cg, [] {
                stdio_to_null();
                exec_argv({"halt"}, exec_environment(), true);
                ::_exit(127);
            });
            // Wait for the container to empty, for at most STOP_TIMEOUT, whatever halt itself does (it may hang).
            auto timeout = parse_uint(cfg.get_or("STOP_TIMEOUT", "120")).value_or(120);
            auto end = Clock::now() + std::chrono::seconds(timeout ? timeout : 120);
            bool halt_running = true;
            while (!stopped && Clock::now() < end) {
                int status = 0;
                if (halt_running && ::waitpid(pid, &status, WNOHANG) == pid) {
                    halt_running = false;
                    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                        log::warn("halt failed inside the container; killing it");
                        break;
                    }
                }
                stopped = cg->procs(ctid).empty();
                if (!stopped) std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            if (halt_running) {
                // halt is inside the container's cgroup: the kill below ends it; reap it afterwards.
                if (!stopped) cg->kill_all(ctid);
                wait_exit(pid);
            }
        }
    }
    if (!stopped) {
        cg->kill_all(ctid);
        if (!wait_empty(*cg, ctid, std::chrono::seconds(10)))
            fail(Exit::StopFailed, "Unable to stop container: processes are left in its cgroup");
    }
    log::info("Container was stopped");
    cg->remove(ctid);
    ubcfs_release(cfg);
    if (!o.skip_umount) {
        do_umount(cfg);
        log::info("Container is unmounted");
    }
}

void monitor_event(const Paths& p, unsigned ctid, const std::string& action, const Tools& t) {
    {
        // vzctl stop holds the lock while it stops the container, and cleans up after it. So wait for the lock only
        // while the container's cgroup is there: once stop removed it, this event has nothing to do and does not
        // lock at all (taking the lock after stop released it made a command run right after the stop fail with
        // "Container already locked").
        std::optional<Locked> held;
        while (!held) {
            if (!driver_of(load_ct(p, ctid, true))->exists(ctid)) return;
            try {
                held.emplace(lock_and_load(p, ctid, "vzctl monitor " + action));
            } catch (const Error& e) {
                if (e.code() != Exit::Locked) throw;
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        }
        auto& [lock, cfg] = *held;
        auto cg = driver_of(cfg);
        if (!cg->exists(ctid) || !cg->procs(ctid).empty()) return;
        if (action == "restart") {
            const auto& fresh = cfg;
            auto res = resources_from_config(fresh);
            try {
                // A fresh cgroup: the old init's systemd left cgroups of its own below the CT's (v1 refuses
                // devices.deny "a" on a cgroup with children, and the new init must not inherit them).
                cg->remove(ctid);
                cg->create(ctid);
                ubcfs_ensure(fresh, t.ubcfs);
                for (auto& w : cg->apply(ctid, res, kResAll, fresh.ve_private())) log::warn("{}", w);
                int fds[2];
                if (::pipe2(fds, O_CLOEXEC) != 0) fail(Exit::System, "pipe: {}", errno_text(errno));
                Fd rd(fds[0]), wr(fds[1]);
                Fd channel;
                pid_t init = spawn_init(init_spec(fresh, res), *cg, wr.get(), &channel);
                wr.reset();
                wait_init_started(rd.get());
                lock.release();  // before exec: the monitor holds no lock
                exec_monitor(t, fresh, init, std::move(channel));
                fail(Exit::NoScript, "can't run the monitor {}: {}", t.monitor, errno_text(errno));
            } catch (const Error& e) {
                log::error(fmt::format("CT {} could not restart: {}", ctid, e.what()));
            }
        }
        cg->kill_all(ctid);
        cg->remove(ctid);
        ubcfs_release(cfg);
        do_umount(cfg);
    }
}

int exec_ct(const Paths& p, unsigned ctid, ExecMode mode, const std::vector<std::string>& args) {
    auto cfg = load_ct(p, ctid, true);
    auto cg = driver_of(cfg);
    auto init = find_init(*cg, ctid);
    if (!init) fail(Exit::NotRunning, "Container is not running");
    if (args.empty()) fail(Exit::InvalidSyntax, "No command given");
    auto js = join_spec(cfg, *init);
    bool from_stdin = args.size() == 1 && args[0] == "-";
    auto env = exec_environment();
    pid_t pid = fork_in_ct(js, *cg, [&] {
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
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGQUIT, SIG_IGN);
    int code = wait_exit(pid);
    if (mode == ExecMode::Exec) return code == 0 ? 0 : static_cast<int>(Exit::CommandFailed);
    return code;
}

namespace {

// Writes all of `text` to `fd` (a pipe), then closes it.
void feed(Fd fd, const std::string& text) {
    ::signal(SIGPIPE, SIG_IGN);
    size_t off = 0;
    while (off < text.size()) {
        auto n = ::write(fd.get(), text.data() + off, text.size() - off);
        if (n <= 0) break;
        off += static_cast<size_t>(n);
    }
}

// runscript on a stopped container: the container's namespaces and cgroup with the script's shell in place of
// init; everything is taken down again afterwards.
int runscript_stopped(const Paths& p, unsigned ctid, const std::string& text, const std::string& command) {
    auto [lock, cfg] = lock_and_load(p, ctid, command);
    auto cg = driver_of(cfg);
    if (!cg->procs(ctid).empty()) fail(Exit::Running, "Container started meanwhile; run the script again");
    bool mounted_here = do_mount(cfg);
    Undo unmount(mounted_here ? std::function<void()>([&] { do_umount(cfg); }) : nullptr);
    auto res = resources_from_config(cfg);
    cg->create(ctid);
    Undo uncgroup([&] {
        cg->kill_all(ctid);
        cg->remove(ctid);
    });
    cg->apply(ctid, res, kResAll, cfg.ve_private());
    int status_fds[2], in_fds[2];
    if (::pipe2(status_fds, O_CLOEXEC) != 0 || ::pipe2(in_fds, O_CLOEXEC) != 0)
        fail(Exit::System, "pipe: {}", errno_text(errno));
    Fd status_rd(status_fds[0]), status_wr(status_fds[1]), in_rd(in_fds[0]), in_wr(in_fds[1]);
    auto spec = init_spec(cfg, res);
    spec.ubc.clear();  // the script's short-lived container does not keep vzubcfs running
    spec.command = {"/bin/sh", "-s"};
    if (path_exists(cfg.ve_private() + "/bin/bash")) spec.command[0] = "/bin/bash";
    spec.stdin_fd = in_rd.get();
    pid_t pid = spawn_init(spec, *cg, status_wr.get());
    status_wr.reset();
    in_rd.reset();
    feed(std::move(in_wr), text);
    try {
        wait_init_started(status_rd.get());
    } catch (...) {
        wait_exit(pid);
        throw;
    }
    return wait_exit(pid);
}

}  // namespace

int runscript_ct(const Paths& p, unsigned ctid, const std::string& script, const std::string& command) {
    auto text = read_file(script);
    if (!text) fail(Exit::NoScript, "Script {} not found", script);
    auto cfg = load_ct(p, ctid, true);
    auto cg = driver_of(cfg);
    auto init = find_init(*cg, ctid);
    if (!init) return runscript_stopped(p, ctid, *text, command);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) fail(Exit::System, "pipe: {}", errno_text(errno));
    Fd rd(fds[0]), wr(fds[1]);
    auto js = join_spec(cfg, *init);
    pid_t pid = fork_in_ct(js, *cg, [&] {
        ::dup2(rd.get(), 0);
        for (auto* sh : {"/bin/bash", "/bin/sh"}) exec_argv({sh, "-s"}, exec_environment(), false);
        ::_exit(127);
    });
    rd.reset();
    feed(std::move(wr), *text);
    return wait_exit(pid);
}

namespace {

// A SHA-512 crypt(3) hash with a random salt.
std::string hash_password(const std::string& password) {
    static const char alphabet[] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    unsigned char rnd[16];
    if (::getrandom(rnd, sizeof rnd, 0) != static_cast<ssize_t>(sizeof rnd)) fail(Exit::ChangePass, "getrandom failed");
    std::string setting = "$6$";
    for (unsigned char c : rnd) setting += alphabet[c % 64];
    crypt_data data{};
    const char* h = ::crypt_r(password.c_str(), setting.c_str(), &data);
    if (!h || h[0] == '*') fail(Exit::ChangePass, "can't hash the password");
    return h;
}

// Inside the container: replace the user's hash in /etc/shadow (atomically, by rename). Exit 0 or 1.
[[noreturn]] void write_shadow(const std::string& user, const std::string& hash) {
    auto text = read_file("/etc/shadow");
    if (!text) ::_exit(1);
    std::string out;
    bool found = false;
    for (auto& line : split(*text, "\n")) {
        auto f = line.find(':');
        if (f != std::string::npos && line.substr(0, f) == user) {
            auto g = line.find(':', f + 1);
            line = line.substr(0, f + 1) + hash + (g == std::string::npos ? "" : line.substr(g));
            found = true;
        }
        out += line + "\n";
    }
    if (!found) ::_exit(1);
    try {
        write_file_atomic("/etc/shadow", out, 0600);
    } catch (const Error&) {
        ::_exit(1);
    }
    ::_exit(0);
}

}  // namespace

void set_user_password(const CtConfig& cfg, const std::string& user_password) {
    auto cg = driver_of(cfg);
    auto init = find_init(*cg, cfg.ctid());
    if (!init) fail(Exit::NotRunning, "--userpasswd needs a running container");
    auto colon = user_password.find(':');
    auto user = user_password.substr(0, colon);
    auto hash = hash_password(user_password.substr(colon + 1));
    auto js = join_spec(cfg, *init);
    // The distribution's chpasswd when it has one (it keeps its own rules), else /etc/shadow directly.
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) fail(Exit::System, "pipe: {}", errno_text(errno));
    Fd rd(fds[0]), wr(fds[1]);
    pid_t pid = fork_in_ct(js, *cg, [&] {
        ::dup2(rd.get(), 0);
        stdio_to_null_out();
        exec_argv({"chpasswd", "-e"}, exec_environment(), true);
        write_shadow(user, hash);
    });
    rd.reset();
    auto line = user + ":" + hash + "\n";
    bool written = ::write(wr.get(), line.data(), line.size()) == static_cast<ssize_t>(line.size());
    wr.reset();
    int code = wait_exit(pid);
    if (!written || code != 0) fail(Exit::ChangePass, "can't set the password of {} in CT {}", user, cfg.ctid());
}

std::vector<std::string> apply_running(const CtConfig& cfg, const std::vector<std::string>& keys) {
    unsigned groups = 0;
    for (auto& k : keys) groups |= groups_of_key(k);
    std::vector<std::string> warnings;
    auto cg = driver_of(cfg);
    if (groups & kResHostname) {
        auto init = find_init(*cg, cfg.ctid());
        if (!init) fail(Exit::NotRunning, "Container is not running");
        auto name = cfg.get_or("HOSTNAME", "");
        JoinSpec js{cfg.ctid(), *init, ~0ULL, {}};
        pid_t pid = fork_in_ct(js, *cg, [&] {
            if (::sethostname(name.data(), name.size()) != 0) ::_exit(1);
            int fd = ::open("/etc/hostname", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            auto line = name + "\n";
            ::_exit(fd >= 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) ? 0 : 1);
        });
        if (wait_exit(pid) != 0) fail(Exit::System, "can't set the host name of CT {}", cfg.ctid());
    }
    if (!(groups & kResAll)) return warnings;
    auto res = resources_from_config(cfg);
    if (groups & kResPty) {
        // devpts max= lives in the container's mount namespace: remount it there.
        auto init = find_init(*cg, cfg.ctid());
        if (!init) fail(Exit::NotRunning, "Container is not running");
        JoinSpec js{cfg.ctid(), *init, ~0ULL, {}};
        auto opts = devpts_options(res.numpty);
        pid_t pid = fork_in_ct(js, *cg, [&] {
            ::_exit(::mount("devpts", "/dev/pts", "devpts", MS_REMOUNT | MS_NOSUID | MS_NOEXEC, opts.c_str()) == 0 ? 0 : 1);
        });
        if (wait_exit(pid) != 0) fail(Exit::SetUbc, "can't change numpty of CT {}: remount of /dev/pts failed", cfg.ctid());
    }
    return cg->apply(cfg.ctid(), res, groups & kResAll & ~static_cast<unsigned>(kResPty), cfg.ve_private());
}

}  // namespace vz
