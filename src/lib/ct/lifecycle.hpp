// Running containers: mount, start (through the monitor), stop, restart, and what the monitor does when a
// container's init ends; running commands inside (exec, enter, runscript).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/ctconfig.hpp"
#include "config/edit.hpp"
#include "runtime/join.hpp"
#include "runtime/monitor_protocol.hpp"

namespace vz {

struct Tools {
    std::string vzctl;    // this binary, for the monitor's hand-over
    std::string monitor;  // the vzmonitor binary
    std::string command;  // command line, for the lock file
    std::string ubcfs;    // the vzubcfs daemon (ubc/ubcfs.hpp)
};

// How a command joins the running container `cfg` whose init is `init`: its capabilities, its monitor.
JoinSpec join_spec(const CtConfig& cfg, pid_t init);
// A command of the user's (exec, enter, runscript) in the running container whose init is `init`: fork_in_ct with
// join_spec. When it fails because the container stopped meanwhile (it could not get in, or it was killed with
// the container), the constructor or wait() throws "Container is not running" (31) instead of passing on the
// failure of a command that never ran or the status of one a stop killed.
class CtCommand {
public:
    CtCommand(const CtConfig& cfg, CgroupDriver& cg, pid_t init, const std::function<void()>& body);
    pid_t pid() const { return child_.pid(); }
    // Its exit code, or 128+signal.
    int wait();

private:
    CgroupDriver& cg_;
    unsigned ctid_;
    pid_t init_;
    std::string lockdir_;
    Fd entered_;
    ChildProcess child_;
};

void mount_ct(const Paths& p, unsigned ctid, const Tools& t);
void umount_ct(const Paths& p, unsigned ctid, const Tools& t);

struct StartOptions {
    bool force = false;  // start even with DISABLED="yes"
    bool wait = false;   // wait until the container finished booting
    bool skip_fsck = false;  // mount a ploop image without e2fsck -p first
    // Keep a mount of the root that is there already; else, as the original, it is unmounted and mounted again
    // (with its umount and mount scripts).
    bool skip_remount = false;
};
void start_ct(const Paths& p, unsigned ctid, const StartOptions& o, const Tools& t);

struct StopOptions {
    bool fast = false;
    bool skip_umount = false;
};
void stop_ct(const Paths& p, unsigned ctid, const StopOptions& o, const Tools& t);

// suspend (chkpnt): the running container dumped by CRIU into DUMPDIR/Dump.CTID (or `dumpfile`), then stopped and
// unmounted; a failed dump leaves it running (16). resume (restore): brought back from the dump under a fresh
// monitor, the dump removed; a failed restore leaves the dump for another try and nothing started (17).
// suspend's steps one at a time, as vzmigrate uses them (the original's sub-modes): --suspend freezes the running
// container, --dump dumps it and leaves it (frozen when it was), --kill kills it and releases what the host held
// for it, --resume thaws it (the way back when a migration fails). --pre-dump (before --suspend, the container
// running; vzmigrate's pre-copy where the kernel tracks dirty memory) copies its memory into the next pre-dump
// (pre_dumps_dir), each one only what changed since the one before; the dump after them holds only what changed
// since the last.
enum class CheckpointStep { All, Suspend, Dump, Kill, Resume, PreDump };
struct CheckpointOptions {
    std::string dumpfile;  // empty: DUMPDIR/Dump.CTID
    CheckpointStep step = CheckpointStep::All;
    // ADDR:PORT of a CRIU page server the dump sends the memory pages to instead of writing them beside the other
    // images (vzmigrate --online: the destination's, through an ssh forward).
    std::string page_server;
    // With --dump, ADDR:PORT where the dump serves the memory pages after the other images are written, until a
    // CRIU lazy-pages daemon has taken them all (vzmigrate --online's post-copy); the processes stay as they were.
    // restore: ADDR:PORT of that dump, from which a CRIU lazy-pages daemon the restore starts (ct/lazy_pages.hpp)
    // takes the memory pages after the processes run again.
    std::string lazy_pages;
};
void suspend_ct(const Paths& p, unsigned ctid, const CheckpointOptions& o, const Tools& t);
void resume_ct(const Paths& p, unsigned ctid, const CheckpointOptions& o, const Tools& t);
// vzmigrate --online once the destination runs the copy of a frozen container (vzctl __migrate handover|takeback):
// with `give`, this host gives up its venet addresses (routes, proxy entries, lock rules: net::venet_handover), so
// that they reach the copy at once instead of after the kill here; refused (16) unless its network is locked
// (chkpnt --suspend, not yet --resume). Without, the rollback's: the addresses it gave up are back, locked, for
// --resume.
void hand_over_addresses(const Paths& p, unsigned ctid, bool give, const Tools& t);
// vzctl run by CRIU as resume's action script (CRTOOLS_SCRIPT_ACTION set; ct/suspend.cpp): does what the action
// needs and gives vzctl's exit status; nullopt when vzctl was not run as one.
std::optional<int> criu_action_hook();

// The monitor's hand-over after init ended: "restart" (reboot inside) or "cleanup" (halt, kill, crash), run as
// the hidden vzctl command kMonitorCommand (runtime/monitor_protocol.hpp).
inline constexpr const char* kMonitorCommand = monitor::kHandOver;
// restart does not return when it succeeds (it execs the monitor again).
void monitor_event(const Paths& p, unsigned ctid, const std::string& action, const Tools& t);

enum class ExecMode { Exec, Exec2, Exec3 };
// Returns the exit status vzctl should end with.
int exec_ct(const Paths& p, unsigned ctid, ExecMode mode, const std::vector<std::string>& args);
// A stopped container gets a temporary one: its namespaces and cgroup, the script's shell in place of init.
int runscript_ct(const Paths& p, unsigned ctid, const std::string& script, const std::string& command);
int enter_ct(const Paths& p, unsigned ctid, const std::vector<std::string>& exec_words);
// Attaches the user's terminal to the container's tty `tty` (1, the console, to monitor_protocol.hpp kTerminals)
// until ESC . at a line start; waits for a stopped container to start, and for a rebooted one to come back. Returns
// vzctl's exit status.
int console_ct(const Paths& p, unsigned ctid, unsigned tty);

// Sets "user:password" inside the container (chpasswd); a stopped one runs for this alone, without its network or
// action scripts. 74 on failure.
void set_user_password(const CtConfig& cfg, const std::string& user_password);

// Applies changed parameters to a running container (set without restart). `keys` are the changed config keys;
// `changes` what the command gave (--ipadd and --ipdel change only the addresses they name), `before` the config
// the container runs with (the veth devices are changed from it).
std::vector<std::string> apply_running(const CtConfig& cfg, const std::vector<std::string>& keys,
                                       const std::vector<Change>& changes = {}, const CtConfig* before = nullptr);

}  // namespace vz
