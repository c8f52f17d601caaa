// What the commands on running containers (start.cpp, stop.cpp, exec.cpp, password.cpp, live.cpp) share: the
// container's lock and config, its cgroup driver, mounting its private area, its init's set-up, and THE start
// sequence on the host. Internal to ct/.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cgroup/driver.hpp"
#include "config/ctconfig.hpp"
#include "ct/disk.hpp"
#include "ct/lifecycle.hpp"
#include "ct/lock.hpp"
#include "ct/resources.hpp"
#include "ct/ubcfs_daemon.hpp"
#include "fs/idmap.hpp"
#include "runtime/init.hpp"
#include "runtime/pty.hpp"
#include "util/fd.hpp"
#include "util/scope.hpp"

namespace vz {

// The container's lock, then its config (read under the lock, so no concurrent save is half-seen).
struct Locked {
    CtLock lock;
    CtConfig cfg;
};
// What a command does with values of the CT config that their parameter does not accept (a hand edit): those that
// apply the config refuse them (21); those that take the container down, get into it or look at it say so and go
// on, as the original skipped a bad value (but not a bad path of the private area or root, which every command
// uses).
enum class BadValues { Refuse, Warn };
Locked lock_and_load(const Paths& p, unsigned ctid, const std::string& command, BadValues bad = BadValues::Refuse);
// The container's config (it must exist) with bad values said and gone on from (BadValues::Warn), without the lock.
CtConfig load_ct_warning(const Paths& p, unsigned ctid);

std::unique_ptr<CgroupDriver> driver_of(const CtConfig& cfg);

// The container's user namespace map (LOCAL_UID/LOCAL_GID, default 100000); nullopt for a privileged container
// (LOCAL_UID=0), whose root is root on the host.
std::optional<IdMap> ct_idmap(const CtConfig& cfg);

// The host side of a container start, the one sequence used by `vzctl start`, by the monitor's restart after a
// reboot inside, and by runscript on a stopped container, in this order: vzubcfs asked for (unless `ubcfs` is
// empty; its start-up overlaps the rest), the private area mounted (when it was not), a fresh cgroup with every
// limit of the config applied. Destroyed without keep(), it undoes them in reverse order: the cgroup killed and
// removed, the private area unmounted if mounted here, vzubcfs ended if no container needs it any more.
// `report` says what is set (vzctl start's messages); warnings about limits are always printed.
class HostSetup {
public:
    // With `scripts`, the private area is mounted with the action scripts of that configuration directory around
    // it (ct/scripts.hpp mount_root), and unmounted with them on failure.
    HostSetup(const CtConfig& cfg, CgroupDriver& cg, const std::string& ubcfs, bool report = true, bool fsck = true,
              const Paths* scripts = nullptr);
    const Resources& resources() const { return res_; }
    // How the container's init is set up: root, host name, ptys, device nodes, capabilities, and the LXCFS and
    // vzubcfs files this set-up found served (each FUSE mount is checked once, by a round trip to its daemon).
    InitSpec init_spec(const CtConfig& cfg) const;
    // The container runs: nothing is undone.
    void keep();

private:
    UbcfsStart daemon_;
    std::string lxcfs_;
    ScopeGuard undaemon_, unmount_, unnet_, uncgroup_;
    Resources res_;
};

// A stopped container's stand-in for a command of vzctl's (runscript, --userpasswd on a stopped container): its
// namespaces and cgroup as `host` set them up, with `command` in place of init reading `input`. Returns once it runs;
// the start's error otherwise.
ChildProcess spawn_stand_in(const CtConfig& cfg, CgroupDriver& cg, const HostSetup& host,
                            std::vector<std::string> command, int input);

// The host's part of the container's network, for spawn_init's `prepare` (venet0 and its addresses); nullptr when
// the container has none.
std::function<void(pid_t)> net_prepare(const CtConfig& cfg);

// The venet stanzas of the distribution's network files for IP_ADDRESS (write_ct_network, fs/ct_files.hpp); false
// when the container's distribution gets none.
bool write_network_files(const CtConfig& cfg);

// Before a stop kills the container's processes or halts it: its NETDEV devices moved back to the host (a virtual
// device would die with its network namespace; a physical one would come back by itself), with those that a
// `set --netdev_add` without --save moved in during this run. Failures are warnings.
void netdev_return(const CtConfig& cfg, CgroupDriver& cg);

// stop_ct's work for the caller that holds the container's lock: CTID.stop inside first when `stop_script`, then
// halt (or kill), the host's part released, the root unmounted with its scripts unless o.skip_umount.
void stop_locked(const Paths& p, const CtConfig& cfg, const StopOptions& o, bool stop_script);

// The devices of the running container that came from the host by a live `set` (--netdev_add, less --netdev_del),
// kept on the host in LOCKDIR/CTID.netdev until the container stops: what netdev_return brings back beyond NETDEV.
void record_live_netdevs(const CtConfig& cfg, const std::vector<std::string>& add,
                         const std::vector<std::string>& del);

// The network namespace of the container whose init is `init` (an invalid Fd, errno set, when it is gone).
Fd open_ct_netns(pid_t init);
// The running container's network namespace, for a live change; 31 when it does not run, `code` when the
// namespace can't be opened.
Fd running_ct_netns(const CtConfig& cfg, CgroupDriver& cg, Exit code);

// Waits until the container's cgroup holds no process, for at most `limit`; false when some are left.
bool wait_ct_empty(CgroupDriver& cg, unsigned ctid, std::chrono::milliseconds limit);

// The container's freezer: the v1 freezer hierarchy's cgroup (freezer.state), or its v2 cgroup (cgroup.freeze,
// cgroup.events).
struct Freezer {
    bool v2;
    std::string dir;
};
Freezer freezer_of(const CtConfig& cfg);
// Writes the freezer's state: frozen or thawed. False when it can't be written.
bool set_frozen(const Freezer& f, bool frozen);
// Whether the container is frozen now (all of it: v1 FROZEN, v2 "frozen 1").
bool is_frozen(const Freezer& f);

// After the container's processes are gone: its cgroup and what the host held for its network (vzubcfs stays).
void release_host(const CtConfig& cfg, CgroupDriver& cg);

// How the monitor's process is made: a copy of this one (fork), or a process that shares our memory until it execs
// the monitor (util/process.hpp, spawn_sharing_memory), which spares copying vzctl's page tables and the
// copy-on-write faults of both sides. Shared needs a single-threaded caller and a `become` that ends in the
// monitor's exec without waiting on anything of ours (this thread waits until then).
enum class MonitorProcess { Copy, Shared };

// Makes the process that becomes a container's monitor, in a session of its own (it outlives this vzctl), its
// stdio on /dev/null, none of our descriptors past its exec (the lock is this vzctl's); it runs `become` with the
// write end of a status pipe (what spawn_init's child writes, see runtime/init.hpp), which must not return.
// Returns when the container's init runs, or throws what the child reported.
void fork_monitor(const std::function<void(int status_fd)>& become, MonitorProcess how = MonitorProcess::Copy);

// Becomes the monitor of `init` (returns only when the exec fails). With the channel of init's sysinfo(2) filter,
// the monitor also answers sysinfo(2) for the container (runtime/sysinfo.hpp) and keeps its terminals (their
// masters, tty 1 first; none: no console); `helper`: another child of this process for the monitor to reap
// (resume's `criu restore`).
void exec_monitor(const Tools& t, const CtConfig& cfg, pid_t init, Fd channel, const std::vector<ConsolePty>& terminals,
                  pid_t helper = 0);

}  // namespace vz
