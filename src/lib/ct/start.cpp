// mount, umount, start, and the monitor's hand-over when a container's init ends (restart after a reboot inside,
// cleanup otherwise).
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>

#include "config/areas.hpp"
#include "config/edit.hpp"
#include "ct/host.hpp"
#include "ct/ops.hpp"
#include "ct/probe.hpp"
#include "ct/scripts.hpp"
#include "ct/state.hpp"
#include "runtime/join.hpp"
#include "runtime/monitor_protocol.hpp"
#include "runtime/pty.hpp"
#include "ubc/validate.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

namespace vz {
namespace {

using Clock = std::chrono::steady_clock;

// TTYS (vz.conf or the container's configuration): how many terminals the container gets, its console and tty2 up
// to ttyN. Each is a pty of the host's, one of kernel.pty.max and about 30 KiB of kernel memory with both ends
// open (measured), so the default is the console alone.
size_t terminal_count(const CtConfig& cfg) {
    auto text = cfg.get_or("TTYS", "1");
    auto n = parse_uint(text, 1, monitor::kTerminals);
    if (!n)
        fail(Exit::InvalidValue, "Invalid TTYS=\"{}\": a container has 1 (its console) to {} terminals", text,
             monitor::kTerminals);
    return *n;
}

// Clones the container's init on terminals of its own, whose masters then go to the monitor.
pid_t spawn_on_console(const CtConfig& cfg, InitSpec spec, CgroupDriver& cg, int status_fd, Fd& channel,
                       std::vector<ConsolePty>& terminals) {
    terminals = open_terminals(spec.userns, terminal_count(cfg));
    for (auto& t : terminals) spec.terminals.push_back(t.path);
    return spawn_init(spec, cg, status_fd, &channel, net_prepare(cfg));
}

// In the monitor process: clone init, then become the small waiter. Errors go to `status_fd`.
[[noreturn]] void run_monitor(const CtConfig& cfg, CgroupDriver& cg, const InitSpec& spec, int status_fd,
                              const Tools& t) {
    auto report = [&](const Error& e) {
        // The waiting vzctl sees the start fail whether or not this arrives.
        write_all(status_fd, std::to_string(e.exit_status()) + " " + e.what());
    };
    pid_t init = -1;
    Fd channel;
    std::vector<ConsolePty> terminals;
    try {
        init = spawn_on_console(cfg, spec, cg, status_fd, channel, terminals);
    } catch (const Error& e) {
        report(e);
        ::_exit(1);
    } catch (const std::exception& e) {
        report(Error(Exit::EnvCreate, e.what()));
        ::_exit(1);
    }
    exec_monitor(t, cfg, init, std::move(channel), terminals);
    report(Error(Exit::NoScript, fmt::format("can't run the monitor {}: {}", t.monitor, errno_text(errno))));
    ::kill(init, SIGKILL);
    ::_exit(1);
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
    auto out = make_pipe();
    JoinSpec js{cfg.ctid(), *init, ~0ULL, {}};
    ChildProcess child(fork_in_ct(js, cg, [&] {
        ::dup2(out.wr.get(), 1);
        exec_argv({"systemctl", "is-system-running"}, exec_environment(), true);
    }));
    out.wr.reset();
    auto state = read_all(out.rd.get());
    child.wait();
    return state.starts_with("running") || state.starts_with("degraded");
}

void wait_booted(CgroupDriver& cg, const CtConfig& cfg) {
    auto end = Clock::now() + std::chrono::seconds(120);
    for (;;) {
        auto done = booted(cg, cfg);
        if (!done) {
            log::warn("--wait: this container's init gives no sign of finished booting; not waiting");
            return;
        }
        if (*done) return;
        if (Clock::now() >= end) fail(Exit::WaitFailed, "Container did not finish booting in 120 s");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

// After a reboot inside: the same start sequence under the same monitor process. Returns only by throwing.
void restart_in_monitor(const Paths& p, Locked& held, CgroupDriver& cg, const Tools& t) {
    auto& cfg = held.cfg;
    check_areas(p, cfg);  // the config read again: it may have been edited since the start
    // Mounted afresh, as by the original's `vzctl start` after a reboot: the umount and mount scripts run again.
    umount_root(p, cfg);
    HostSetup host(cfg, cg, t.ubcfs, true, true, &p);
    auto status = make_pipe();
    Fd channel;
    std::vector<ConsolePty> terminals;
    pid_t init = spawn_on_console(cfg, host.init_spec(cfg), cg, status.wr.get(), channel, terminals);
    status.wr.reset();
    wait_init_started(status.rd.get());
    host.keep();
    held.lock.release();  // before exec: the monitor holds no lock
    exec_monitor(t, cfg, init, std::move(channel), terminals);
    fail(Exit::NoScript, "can't run the monitor {}: {}", t.monitor, errno_text(errno));
}

// As the original, CTID.start runs inside once the container runs; when it fails, the container is stopped again
// (its root unmounted with the umount scripts) and the start fails.
void run_start_script(const Paths& p, const CtConfig& cfg, CgroupDriver& cg) {
    auto script = ct_script(p, cfg.ctid(), "start");
    if (!script) return;
    auto init = find_init(cg, cfg.ctid());
    int status = init ? run_script_inside(cfg, cg, *init, *script) : 0;
    if (status == 0) return;
    log::info("Container start failed");
    try {
        stop_locked(p, cfg, StopOptions{.fast = true, .skip_umount = false}, false);
    } catch (const Error& e) {
        log::error(e.what());  // the start script's failure is the one the exit status tells
    }
    fail(Exit::ActionScript, "start script {} failed with exit status {}", script_path(p, cfg.ctid(), "start", false),
         status);
}

}  // namespace

void mount_ct(const Paths& p, unsigned ctid, const Tools& t) {
    auto [lock, cfg] = lock_and_load(p, ctid, t.command);
    check_areas(p, cfg);
    recover_private(cfg);
    if (!mount_root(p, cfg)) fail(Exit::Mounted, "Container is already mounted");
    log::info("Container is mounted");
}

void umount_ct(const Paths& p, unsigned ctid, const Tools& t) {
    auto [lock, cfg] = lock_and_load(p, ctid, t.command, BadValues::Warn);
    auto st = ct_state(cfg, MountTable::read());
    if (st.running) fail(Exit::Running, "Container is running; stop it first");
    if (!st.mounted) fail(Exit::NotMounted, "Container is not mounted");
    // What a container whose monitor was killed with it (kill -9, the OOM killer) left on the host goes too, as
    // stop of a container that is not running does: its cgroups and network leftovers.
    release_host(cfg, *driver_of(cfg));
    umount_root(p, cfg);
    log::info("Container is unmounted");
}

void start_ct(const Paths& p, unsigned ctid, const StartOptions& o, const Tools& t) {
    // As the original: a suspended container (its dump is there) starts by resuming from the dump.
    if (auto cfg = load_ct(p, ctid, false); !driver_of(cfg)->exists(ctid) && is_dir(dump_file(cfg))) {
        resume_ct(p, ctid, {}, t);
        return;
    }
    auto [lock, cfg] = lock_and_load(p, ctid, t.command);
    if (cfg.get_or("DISABLED", "no") == "yes" && !o.force)
        fail(Exit::StartDisabled, "Container start disabled (use --force)");
    check_areas(p, cfg);
    auto cg = driver_of(cfg);
    if (!cg->procs(ctid).empty()) fail(Exit::Running, "Container is already running");
    // After the running check, as the original's.
    if (auto missing = missing_for_start(cfg_figures(cfg)); !missing.empty())
        fail(Exit::NotEnoughUbc, "Required UB parameter{} {} not set in {}", missing.size() > 1 ? "s" : "",
             fmt::join(missing, ", "), p.ct_conf(ctid));
    recover_private(cfg);
    if (!is_dir(cfg.ve_private())) fail(Exit::NoPrivate, "Container private area {} does not exist", cfg.ve_private());
    terminal_count(cfg);  // a bad TTYS fails here, before anything is set up

    log::info("Starting container...");
    // As the original: a root mounted already is mounted afresh, what was mounted on it by hand going with it.
    if (!o.skip_remount) umount_root(p, cfg);
    if (!ct_idmap(cfg)) log::warn("{}", kPrivilegedWarning);
    HostSetup host(cfg, *cg, t.ubcfs, true, !o.skip_fsck, &p);
    const auto& config = cfg;  // clang before 16 cannot capture a structured binding (the fuzz build uses clang 14)
    auto spec = host.init_spec(cfg);
    // vzctl is single-threaded here (HostSetup's threads have ended), and the monitor's process execs once init is
    // cloned: it may share our memory meanwhile.
    fork_monitor([&](int status_fd) { run_monitor(config, *cg, spec, status_fd, t); }, MonitorProcess::Shared);
    // The monitor lives on; it is no longer ours to wait for.
    host.keep();
    run_start_script(p, cfg, *cg);
    log::info("Container start in progress...");
    if (o.wait) wait_booted(*cg, cfg);
}

void monitor_event(const Paths& p, unsigned ctid, const std::string& action, const Tools& t) {
    // vzctl stop holds the lock while it stops the container, and cleans up after it. So wait for the lock only
    // while the container's cgroup is there: once stop removed it, this event has nothing to do and does not lock
    // at all (taking the lock after stop released it made a command run right after the stop fail with
    // "Container already locked"). This runs in the monitor's process (it exec'd us): an init in the cgroup that
    // is not our child belongs to a later start of the container, which a stop that was killed let run before us;
    // that run is not ours to touch or lock.
    // A config edited since the start into one with a bad value gives up a restart, saying why, and the clean-up
    // still works from it (BadValues::Warn), so the container is not left half up.
    std::optional<Locked> held;
    while (!held) {
        auto cg = driver_of(load_ct(p, std::make_shared<const ConfFile>(load_global(p)), ctid, true, false));
        if (!cg->exists(ctid)) return;
        if (auto init = find_init(*cg, ctid); init && parent_of(*init) != ::getpid()) return;
        try {
            held.emplace(lock_and_load(p, ctid, "vzctl monitor " + action, BadValues::Warn));
        } catch (const Error& e) {
            if (e.code() != Exit::Locked) throw;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    auto& cfg = held->cfg;
    auto cg = driver_of(cfg);
    if (!cg->exists(ctid) || !cg->procs(ctid).empty()) return;
    if (action == monitor::kRestart) {
        try {
            if (auto* own = cfg.ct_file_ptr()) validate_config(*own);
            restart_in_monitor(p, *held, *cg, t);
        } catch (const Error& e) {
            log::error(fmt::format("CT {} could not restart: {}", ctid, e.what()));
        }
    }
    cg->kill_all(ctid);
    release_host(cfg, *cg);
    umount_root(p, cfg);
}

}  // namespace vz
