// stop: halt inside, for at most STOP_TIMEOUT, then kill everything left; --fast kills at once.
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "ct/host.hpp"
#include "ct/probe.hpp"
#include "ct/scripts.hpp"
#include "runtime/join.hpp"
#include "runtime/sysinfo.hpp"
#include "util/error.hpp"
#include "util/log.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

namespace vz {
namespace {

using Clock = std::chrono::steady_clock;

// Runs halt inside and waits for the container to empty, for at most STOP_TIMEOUT, whatever halt itself does (it
// may hang). True when it emptied.
bool halt_inside(const CtConfig& cfg, CgroupDriver& cg) {
    auto ctid = cfg.ctid();
    auto init = find_init(cg, ctid);
    if (!init) return false;
    ChildProcess halt(fork_in_ct(join_spec(cfg, *init), cg, [] {
        stdio_to_null();
        exec_argv({"halt"}, exec_environment(), true);
        ::_exit(127);
    }));
    auto timeout = parse_uint(cfg.get_or("STOP_TIMEOUT", "120")).value_or(120);
    auto end = Clock::now() + std::chrono::seconds(timeout ? timeout : 120);
    bool stopped = false;
    while (!stopped && Clock::now() < end) {
        int status = 0;
        if (halt && ::waitpid(halt.pid(), &status, WNOHANG) == halt.pid()) {
            halt.release();
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                log::warn("halt failed inside the container; killing it");
                return false;
            }
        }
        stopped = cg.procs(ctid).empty();
        if (!stopped) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (halt) {
        // halt is inside the container's cgroup: the kill below ends it; reap it afterwards.
        if (!stopped) cg.kill_all(ctid);
        halt.wait();
    }
    return stopped;
}

// SIGKILL to the container's init ends its pid namespace: the kernel stops new forks in it and kills every
// process of it, and init ends once they have. Waiting for that (at most 2 s) leaves kill_all nothing to do in the
// usual case, and so spares v1's freeze and thaw (each patches the kernel's text through a static key: 1-3 ms).
// Whatever is left (a process that joined the cgroup but not the namespace, an init that is slow to end) is
// kill_all's, which the caller runs next. A frozen container (chkpnt --suspend) is kill_all's alone: its processes
// die only once thawed.
void kill_init(const CtConfig& cfg, CgroupDriver& cg) {
    auto ctid = cfg.ctid();
    if (is_frozen(freezer_of(cfg))) return;
    auto init = find_init(cg, ctid);
    if (!init) return;
    Fd fd = open_pidfd(*init);
    if (!fd || find_init(cg, ctid) != init) return;  // the pid is still the container's init
    if (::syscall(SYS_pidfd_send_signal, fd.get(), SIGKILL, nullptr, 0U) == 0)
        exits_within(fd, std::chrono::seconds(2));
}

// The container's monitor (its init's parent), or none. Once stopped, the monitor ends (after the stop's claim,
// below) or hands over to `vzctl __monitor cleanup`, which finds nothing left to do when stop has done it; stop
// waits for either, so the hand-over never runs into the next start of the container (it took that run's lock: a
// command right after it failed with "Container already locked").
Fd monitor_of(CgroupDriver& cg, unsigned ctid) {
    auto init = find_init(cg, ctid);
    if (!init) return {};
    auto parent = parent_of(*init);
    if (!parent) return {};
    Fd fd = open_pidfd(*parent);
    // Still init's parent after the pidfd was opened: the pid was not reused meanwhile.
    return fd && parent_of(*init) == parent ? std::move(fd) : Fd();
}

void unmount_after_stop(const Paths& p, const CtConfig& cfg, const StopOptions& o) {
    if (o.skip_umount) return;
    umount_root(p, cfg);
    log::info("Container is unmounted");
}

}  // namespace

void stop_ct(const Paths& p, unsigned ctid, const StopOptions& o, const Tools& t) {
    auto [lock, cfg] = lock_and_load(p, ctid, t.command, BadValues::Warn);
    stop_locked(p, cfg, o, true);
}

void stop_locked(const Paths& p, const CtConfig& cfg, const StopOptions& o, bool stop_script) {
    auto ctid = cfg.ctid();
    auto cg = driver_of(cfg);
    if (cg->procs(ctid).empty()) {
        log::info("Container is not running");
        release_host(cfg, *cg);
        if (root_mounted(cfg)) unmount_after_stop(p, cfg, o);
        return;
    }
    // As the original: CTID.stop runs inside first; when it fails, the container is left running.
    if (auto script = stop_script ? ct_script(p, ctid, "stop") : std::nullopt) {
        if (auto init = find_init(*cg, ctid)) {
            if (int status = run_script_inside(cfg, *cg, *init, *script); status != 0)
                fail(Exit::ActionScript, "stop script {} failed with exit status {}; the container still runs",
                     script_path(p, ctid, "stop", false), status);
        }
    }
    log::info("Stopping container ...");
    Fd monitor = monitor_of(*cg, ctid);
    // The clean-up is ours (runtime/sysinfo.hpp claim_cleanup); without an acknowledged claim (a monitor that
    // predates it) the stop waits for the monitor's hand-over, as before.
    Fd claim = monitor ? claim_cleanup(monitor_socket_name(ct_cgroup_layout(cfg), ctid)) : Fd();
    // While the namespace is there: after a halt inside it is gone, and a virtual device with it.
    netdev_return(cfg, *cg);
    bool stopped = !o.fast && halt_inside(cfg, *cg);
    if (!stopped) {
        kill_init(cfg, *cg);
        cg->kill_all(ctid);
        if (!wait_ct_empty(*cg, ctid, std::chrono::seconds(10)))
            fail(Exit::StopFailed, "Unable to stop container: processes are left in its cgroup");
    }
    log::info("Container was stopped");
    release_host(cfg, *cg);
    unmount_after_stop(p, cfg, o);
    // Done here: the monitor ends without handing over to a `vzctl __monitor cleanup` that would find nothing to do.
    cleanup_done(std::move(claim));
    if (monitor && !exits_within(monitor, std::chrono::seconds(10)))
        log::warn("the container's monitor did not end within 10 s of the stop");
}

}  // namespace vz
