// A real busybox container through its life: start, status, vzlist, the monitor, stop, destroy; reboot and halt
// from inside; a killed monitor. Every step asserts what a user can see (exit codes, messages, status lines,
// processes, cgroups, mounts, lock files).
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include <filesystem>

#include "../support/runtime_fixture.hpp"
#include "runtime/monitor_protocol.hpp"
#include "runtime/sysinfo.hpp"

namespace {

using namespace vztest;
namespace fs = std::filesystem;

class RuntimeLifecycle : public RuntimeTest {
protected:
    // Starts the container; its init and that init's parent, the monitor (checked to be one).
    ::testing::AssertionResult start_with_monitor(pid_t& init, pid_t& monitor) {
        if (!start_ct()) return ::testing::AssertionFailure() << "the container did not start";
        auto i = init_pid();
        if (!i) return ::testing::AssertionFailure() << "no init found";
        init = *i;
        monitor = parent_of(init);
        if (comm_of(monitor) != "vzmonitor")
            return ::testing::AssertionFailure() << "init's parent " << monitor << " is " << comm_of(monitor);
        return ::testing::AssertionSuccess();
    }
    // The claim `vzctl stop` makes on the clean-up after init (monitor_protocol.hpp kStopRequest), made by hand: the
    // connection, or an invalid Fd when the monitor did not acknowledge it.
    vz::Fd claim_cleanup() { return vz::claim_cleanup(std::string(vz::monitor::kSocketPrefix) + base_ + "/" + ct()); }
    // SIGKILL to the container's init and to every process of ours (the monitor, vzubcfs) at once; returns when
    // they are gone.
    void kill_everything(pid_t init) {
        auto ours = our_processes();
        ASSERT_FALSE(ours.empty());
        for (pid_t pid : ours) ::kill(pid, SIGKILL);
        ::kill(init, SIGKILL);
        ASSERT_TRUE(eventually([&] { return ct_procs().empty() && our_processes().empty(); }, 10s));
    }
};

TEST_F(RuntimeLifecycle, StartStatusListStopLeaveNothingBehind) {
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");

    auto r = run({"start", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "Starting container...")) << r.out;
    EXPECT_TRUE(contains(r.out, "Container start in progress...")) << r.out;
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");

    auto list = vzlist_run({"-H", "-o", "ctid,status"});
    EXPECT_EQ(list.status, 0) << list.err;
    EXPECT_EQ(trim(list.out), "101 running");

    // init is pid 1 of the CT; its parent is the monitor, which is not in the CT.
    auto init = init_pid();
    ASSERT_TRUE(init) << "no process of CT 101 is pid 1 in its namespace";
    pid_t monitor = parent_of(*init);
    ASSERT_GT(monitor, 1);
    EXPECT_TRUE(process_alive(monitor));
    EXPECT_EQ(comm_of(monitor), "vzmonitor");
    auto procs = ct_procs();
    EXPECT_EQ(std::count(procs.begin(), procs.end(), monitor), 0) << "the monitor runs inside the CT's cgroup";
    auto env = proc_strings(*init, "environ");
    EXPECT_NE(std::find(env.begin(), env.end(), "container=vzctl"), env.end()) << "init's environment lacks container=vzctl";
    ASSERT_TRUE(wait_booted());

    r = run({"start", ct()});
    EXPECT_EQ(r.status, 32);
    EXPECT_TRUE(contains(r.err, "Container is already running")) << r.err;
    EXPECT_EQ(init_pid(), init) << "a second start touched the running CT";

    r = run({"destroy", ct()});
    EXPECT_EQ(r.status, 32) << r.out << r.err;
    EXPECT_TRUE(fs::exists(private_path(kCt) + "/bin/busybox")) << "destroy removed a running CT's files";
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");

    r = run({"stop", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "Stopping container ...")) << r.out;
    EXPECT_TRUE(contains(r.out, "Container was stopped")) << r.out;
    EXPECT_TRUE(contains(r.out, "Container is unmounted")) << r.out;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_FALSE(process_alive(*init)) << "init still runs after stop";
    // stop returns once the monitor's hand-over has ended: it can't run into the next start.
    EXPECT_FALSE(process_alive(monitor)) << "stop returned before the monitor ended";
    EXPECT_TRUE(nothing_left_within());
    list = vzlist_run({"-H", "-a", "-o", "ctid,status"});
    EXPECT_EQ(trim(list.out), "101 stopped") << list.err;

    r = run({"stop", ct()});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(nothing_left_within());

    r = run({"destroy", ct()});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_FALSE(fs::exists(private_path(kCt) + "/bin/busybox"));
}

// halt inside leaves a marker in the private area, then halts as before.
void mark_halt(const std::string& priv) {
    fs::remove(priv + "/sbin/halt");
    write_text(priv + "/sbin/halt", "#!/bin/sh\ntouch /root/halt-ran\nexec /bin/busybox halt \"$@\"\n");
    fs::permissions(priv + "/sbin/halt", fs::perms::owner_all);
}

// --fast kills at once: halt never runs inside (a stop that ignored --fast would run it first).
TEST_F(RuntimeLifecycle, FastStopKillsAtOnceAndCleansUp) {
    mark_halt(private_path(kCt));
    ASSERT_TRUE(start_ct());
    auto init = init_pid();
    ASSERT_TRUE(init);
    // A process that ignores the polite way out.
    ASSERT_EQ(sh("trap '' TERM HUP INT; sleep 1000 </dev/null >/dev/null 2>&1 &").status, 0);
    auto r = run({"stop", ct(), "--fast"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_FALSE(process_alive(*init));
    EXPECT_FALSE(fs::exists(private_path(kCt) + "/root/halt-ran")) << "stop --fast ran halt inside";
    EXPECT_TRUE(nothing_left_within());
}

// stop --fast ends the container by killing its init (the kernel ends its pid namespace with it); a process that
// joined the container's cgroup from the host, outside that namespace, is killed all the same.
TEST_F(RuntimeLifecycle, FastStopAlsoKillsAProcessThatJoinedTheCgroupFromOutside) {
    ASSERT_TRUE(start_ct());
    pid_t outsider = ::fork();
    ASSERT_GE(outsider, 0);
    if (outsider == 0) {
        ::execl("/bin/sleep", "sleep", "1000", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    std::vector<std::string> roots;
    if (cgroup_mode() == CgroupMode::V2) roots.push_back("/sys/fs/cgroup");
    else
        for (auto& e : fs::directory_iterator("/sys/fs/cgroup"))
            if (fs::exists(ct_cgroup_in(e.path().string()) + "/ct")) roots.push_back(e.path().string());
    for (auto& root : roots)
        write_text(ct_cgroup_in(root) + "/ct/cgroup.procs", std::to_string(outsider));
    auto in_ct = ct_procs();
    EXPECT_NE(std::find(in_ct.begin(), in_ct.end(), outsider), in_ct.end()) << "the outsider is not in the CT's cgroup";

    auto r = run({"stop", ct(), "--fast"});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    int status = 0;
    EXPECT_TRUE(eventually([&] { return ::waitpid(outsider, &status, WNOHANG) == outsider; }, 5s))
        << "the process that joined the cgroup from outside still runs";
    if (!WIFSIGNALED(status)) {
        ::kill(outsider, SIGKILL);
        ::waitpid(outsider, &status, 0);
    }
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_TRUE(nothing_left_within());
}

// A cgroup inside the container's that is frozen on its own (what a restore that put back a dump's freezer state
// left): on v1 it stays frozen when the container's thaws, and its processes could not die, so stop --fast thaws
// it; on v2 a fatal signal ends a frozen process anyway.
TEST_F(RuntimeLifecycle, FastStopEndsAContainerWhoseInnerCgroupIsFrozen) {
    ASSERT_TRUE(start_ct());
    const bool v2 = cgroup_mode() == CgroupMode::V2;
    auto inner = ct_cgroup_in(v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/freezer") + "/ct";
    auto state = inner + (v2 ? "/cgroup.freeze" : "/freezer.state");
    ASSERT_TRUE(fs::exists(state));
    write_text(state, v2 ? "1" : "FROZEN");
    ASSERT_TRUE(eventually(
        [&] {
            return v2 ? contains(read_text(inner + "/cgroup.events"), "frozen 1")
                      : read_text(state).starts_with("FROZEN");
        },
        5s));
    auto r = run({"stop", ct(), "--fast"}, {}, 60s);
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_TRUE(nothing_left_within());
}

// A container whose halt does nothing: stop waits STOP_TIMEOUT, then kills everything. What halt leaves behind
// shows that stop ran it and then waited: a process it starts writes its file a second after halt returned, well
// within the 3 s of STOP_TIMEOUT (a stop that killed at once, or right after halt returned, leaves no file).
TEST_F(RuntimeLifecycle, StopKillsAfterStopTimeoutWhenHaltDoesNothing) {
    ASSERT_EQ(run({"set", ct(), "--stop-timeout", "3", "--save"}).status, 0);
    fs::remove(private_path(kCt) + "/sbin/halt");
    write_text(private_path(kCt) + "/sbin/halt",
               "#!/bin/sh\ntouch /root/halt-ran\n(sleep 1; touch /root/waited) </dev/null >/dev/null 2>&1 &\nexit 0\n");
    fs::permissions(private_path(kCt) + "/sbin/halt", fs::perms::owner_all);
    ASSERT_TRUE(start_ct());
    auto r = run({"stop", ct()}, {}, 60s);
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_TRUE(fs::exists(private_path(kCt) + "/root/halt-ran")) << "stop did not run halt inside";
    EXPECT_TRUE(fs::exists(private_path(kCt) + "/root/waited")) << "stop did not wait for STOP_TIMEOUT";
    EXPECT_TRUE(nothing_left_within());
}

// A container whose halt never returns (a hung shutdown): STOP_TIMEOUT bounds the wait all the same.
TEST_F(RuntimeLifecycle, StopKillsAfterStopTimeoutWhenHaltHangs) {
    ASSERT_EQ(run({"set", ct(), "--stop-timeout", "3", "--save"}).status, 0);
    fs::remove(private_path(kCt) + "/sbin/halt");
    write_text(private_path(kCt) + "/sbin/halt", "#!/bin/sh\nsleep 1000\n");
    fs::permissions(private_path(kCt) + "/sbin/halt", fs::perms::owner_all);
    ASSERT_TRUE(start_ct());
    // 3 s of STOP_TIMEOUT plus the kill; half a minute means stop ignored the timeout.
    auto r = run({"stop", ct()}, {}, 30s);
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_TRUE(nothing_left_within());
}

TEST_F(RuntimeLifecycle, StartWaitReturnsAfterTheBootFinished) {
    auto r = run({"start", ct(), "--wait"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto init = init_pid();
    ASSERT_TRUE(init);
    // rcS writes /run/vz-booted as its last step; --wait returns only after that.
    EXPECT_TRUE(fs::exists("/proc/" + std::to_string(*init) + "/root/run/vz-booted"));
}

TEST_F(RuntimeLifecycle, StopSkipUmountKeepsTheRootMounted) {
    ASSERT_TRUE(start_ct());
    auto r = run({"stop", ct(), "--skip-umount"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_FALSE(contains(r.out, "Container is unmounted")) << r.out;
    EXPECT_EQ(status_line(), "CTID 101 exist mounted down");
    EXPECT_TRUE(ct_cgroups_left().empty());
    EXPECT_TRUE(fs::exists(root_path() + "/bin/busybox"));
    // Started again from the mounted state, and stopped for good.
    ASSERT_TRUE(start_ct());
    ASSERT_EQ(run({"stop", ct()}).status, 0);
    EXPECT_TRUE(nothing_left_within());
}

TEST_F(RuntimeLifecycle, DisabledContainerStartsOnlyWithForce) {
    ASSERT_EQ(run({"set", ct(), "--disabled", "yes", "--save"}).status, 0);
    auto r = run({"start", ct()});
    EXPECT_EQ(r.status, 105) << r.out << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_TRUE(nothing_left());
    r = run({"start", ct(), "--force"});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");
}

TEST_F(RuntimeLifecycle, MountAndUmountOfAStoppedContainer) {
    auto r = run({"mount", ct()});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist mounted down");
    EXPECT_TRUE(fs::exists(root_path() + "/bin/busybox"));
    EXPECT_EQ(run({"mount", ct()}).status, 41);
    r = run({"umount", ct()});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_EQ(run({"umount", ct()}).status, 40);
    EXPECT_TRUE(nothing_left());
}

TEST_F(RuntimeLifecycle, RebootInsideRestartsInitUnderTheSameMonitor) {
    ASSERT_TRUE(start_ct());
    auto old_init = init_pid();
    ASSERT_TRUE(old_init);
    pid_t monitor = parent_of(*old_init);

    // The command itself may be killed by the shutdown it started (0 or 8, both fine): what counts is below.
    auto r = run({"exec", ct(), "reboot"});
    EXPECT_TRUE(r.status == 0 || r.status == 8) << r.status << " " << r.err;
    std::optional<pid_t> new_init;
    EXPECT_TRUE(eventually(
        [&] {
            new_init = init_pid();
            return new_init && *new_init != *old_init;
        },
        15s))
        << "no new init after reboot; status: " << status_line();
    ASSERT_TRUE(new_init);
    EXPECT_NE(*new_init, *old_init);
    EXPECT_EQ(parent_of(*new_init), monitor) << "the restarted init has another parent";
    EXPECT_TRUE(process_alive(monitor));
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");
    EXPECT_TRUE(wait_booted()) << "the CT did not boot again";
    EXPECT_EQ(trim(sh("cat /proc/1/environ | tr '\\0' '\\n' | grep ^container=").out), "container=vzctl");
    EXPECT_EQ(trim(run({"exec", ct(), "echo", "alive"}).out), "alive");
}

// A restart after a reboot inside that fails (here: the config was edited meanwhile into one that can't start)
// says why in the log, as vzctl start would have, and leaves the container down and cleaned up, as a halt does.
// Host only: the reboot path is the same on v2.
class RebootRestart : public RuntimeTest {};

TEST_F(RebootRestart, AFailedRestartIsLoggedAndCleansUp) {
    ASSERT_TRUE(start_ct());
    auto init = init_pid();
    ASSERT_TRUE(init);
    pid_t monitor = parent_of(*init);
    // The reboot a moment later, once the config no longer loads (vzctl exec would refuse it).
    auto r = sh("(sleep 1; reboot) </dev/null >/dev/null 2>&1 &");
    ASSERT_EQ(r.status, 0) << r.err;
    auto conf = read_text(conf_path(kCt));
    auto at = conf.find("\nCPUUNITS=\"");
    ASSERT_NE(at, std::string::npos) << conf;
    conf.replace(at, conf.find('\n', at + 1) - at, "\nCPUUNITS=\"many\"");
    write_text(conf_path(kCt), conf);
    EXPECT_TRUE(eventually([&] { return !process_alive(monitor); }, 20s)) << "the monitor is still there";
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    auto log = read_text(tmp_ / "vzctl.log");
    EXPECT_TRUE(contains(log, "CT 101 could not restart")) << log;
    EXPECT_TRUE(contains(log, "CPUUNITS")) << log;
    EXPECT_TRUE(nothing_left());
}

TEST_F(RuntimeLifecycle, HaltInsideStopsAndCleansUp) {
    ASSERT_TRUE(start_ct());
    auto init = init_pid();
    ASSERT_TRUE(init);
    pid_t monitor = parent_of(*init);

    // The command itself may be killed by the shutdown it started (0 or 8, both fine): what counts is below.
    auto r = run({"exec", ct(), "halt"});
    EXPECT_TRUE(r.status == 0 || r.status == 8) << r.status << " " << r.err;
    EXPECT_TRUE(eventually([&] { return status_line() == "CTID 101 exist unmounted down"; }, 20s))
        << status_line();
    EXPECT_TRUE(eventually([&] { return !process_alive(monitor); }, 10s)) << "the monitor is still there";
    EXPECT_FALSE(process_alive(*init));
    EXPECT_TRUE(nothing_left_within());
    auto list = vzlist_run({"-H", "-a", "-o", "ctid,status"});
    EXPECT_EQ(trim(list.out), "101 stopped");

    // Nothing stale blocks the next start.
    ASSERT_TRUE(start_ct());
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");
}

TEST_F(RuntimeLifecycle, StatusTellsTheTruthAfterTheMonitorIsKilled) {
    pid_t init = 0, monitor = 0;
    ASSERT_TRUE(start_with_monitor(init, monitor));
    ASSERT_EQ(::kill(monitor, SIGKILL), 0);
    ASSERT_TRUE(eventually([&] { return !process_alive(monitor); }, 5s));

    // The CT itself still runs, and the tools say so.
    EXPECT_TRUE(process_alive(init));
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");
    EXPECT_EQ(trim(vzlist_run({"-H", "-o", "ctid,status"}).out), "101 running");
    EXPECT_EQ(trim(run({"exec", ct(), "echo", "still here"}).out), "still here");

    // stop still stops it and leaves nothing behind.
    auto r = run({"stop", ct()});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_TRUE(nothing_left_within());
}

// The host's OOM killer or an admin's kill -9 ends the monitor, the container and vzubcfs at once: no clean-up
// runs. `umount` then leaves nothing on the host, as stop of a container that is not running does (it left the
// cgroups and vzubcfs's dead mount). So does `destroy` after the root was unmounted by hand.
TEST_F(RuntimeLifecycle, UmountAfterEverythingWasKilledLeavesNothing) {
    pid_t init = 0, monitor = 0;
    ASSERT_TRUE(start_with_monitor(init, monitor));
    kill_everything(init);
    EXPECT_EQ(status_line(), "CTID 101 exist mounted down");
    auto r = run({"umount", ct()});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(nothing_left());
}

TEST_F(RuntimeLifecycle, DestroyAfterEverythingWasKilledLeavesNothing) {
    pid_t init = 0, monitor = 0;
    ASSERT_TRUE(start_with_monitor(init, monitor));
    kill_everything(init);
    ASSERT_EQ(::umount2(root_path().c_str(), MNT_DETACH), 0) << root_path();
    auto r = run({"destroy", ct()});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(nothing_left());
}

// The claim `vzctl stop` makes on the clean-up after init (monitor_protocol.hpp kStopRequest), made here by hand: the
// monitor acknowledges it, waits after init's end until the claim's connection says done, and then exits without
// handing over, so the stop does not wait for a second vzctl that would find nothing to do. What it leaves (the
// cgroups, the mounted root) shows that no clean-up ran; the stop that follows removes it.
TEST_F(RuntimeLifecycle, TheMonitorLeavesTheCleanUpToTheStopThatClaimedIt) {
    pid_t init = 0, monitor = 0;
    ASSERT_TRUE(start_with_monitor(init, monitor));
    vz::Fd claim = claim_cleanup();
    ASSERT_TRUE(claim) << "the monitor did not acknowledge the claim";
    EXPECT_FALSE(claim_cleanup()) << "a second claim, while one is held, was acknowledged";

    ASSERT_EQ(::kill(init, SIGKILL), 0);
    ASSERT_TRUE(eventually([&] { return ct_procs().empty(); }, 10s));
    std::this_thread::sleep_for(300ms);
    EXPECT_TRUE(process_alive(monitor)) << "the monitor did not wait for the claim's end";
    EXPECT_EQ(comm_of(monitor), "vzmonitor") << "the monitor handed over although a stop claimed the clean-up";

    vz::cleanup_done(std::move(claim));
    ASSERT_TRUE(eventually([&] { return !process_alive(monitor); }, 10s)) << "the monitor did not end after done";
    std::this_thread::sleep_for(300ms);
    EXPECT_FALSE(ct_cgroups_left().empty()) << "the monitor cleaned up although the stop said it had";
    EXPECT_EQ(status_line(), "CTID 101 exist mounted down");

    auto r = run({"stop", ct()});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(nothing_left_within());
}

// A claim whose connection closes without done (the stop failed or was killed: before init's end or after it) is
// void: the monitor hands over to `vzctl __monitor cleanup` as without one, and nothing is left.
TEST_F(RuntimeLifecycle, AClaimThatEndsWithoutDoneLeavesTheCleanUpToTheMonitor) {
    pid_t init = 0, monitor = 0;
    ASSERT_TRUE(start_with_monitor(init, monitor));
    ASSERT_TRUE(claim_cleanup()) << "the monitor did not acknowledge the claim";  // closed at once, init running
    std::this_thread::sleep_for(100ms);
    vz::Fd held = claim_cleanup();
    ASSERT_TRUE(held) << "a claim after a void one was not acknowledged";
    ASSERT_EQ(::kill(init, SIGKILL), 0);
    ASSERT_TRUE(eventually([&] { return ct_procs().empty(); }, 10s));
    held.reset();
    EXPECT_TRUE(eventually([&] { return !process_alive(monitor); }, 10s));
    EXPECT_TRUE(nothing_left_within());
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
}

// A monitor whose hand-over runs late (here: stopped until the container was started again, as after a stop that
// was killed) leaves the next run alone: it neither waits for nor takes that run's lock. It used to take it, and a
// command right after a start failed with "Container already locked".
TEST_F(RuntimeLifecycle, LateHandOverOfAnEarlierRunLeavesTheNextRunAlone) {
    pid_t init = 0, monitor = 0;
    ASSERT_TRUE(start_with_monitor(init, monitor));
    ASSERT_EQ(::kill(monitor, SIGSTOP), 0);
    ASSERT_EQ(::kill(init, SIGKILL), 0);  // the container ends, its monitor can't notice yet
    ASSERT_TRUE(eventually([&] { return ct_procs().empty(); }, 10s));
    auto r = run({"stop", ct(), "--fast"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    ASSERT_TRUE(start_ct());
    auto next = init_pid();
    ASSERT_TRUE(next);

    {
        // Someone holds the new run's lock while the old monitor wakes up.
        int fd = ::open(lock_path(kCt).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(::flock(fd, LOCK_EX), 0);
        ASSERT_EQ(::kill(monitor, SIGCONT), 0);
        EXPECT_TRUE(eventually([&] { return !process_alive(monitor); }, 10s))
            << "the old monitor's hand-over waits for the new run's lock";
        ::unlink(lock_path(kCt).c_str());
        ::close(fd);
    }
    EXPECT_TRUE(process_alive(*next));
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");
    r = run({"stop", ct(), "--fast"});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(nothing_left_within());
}

TEST_F(RuntimeLifecycle, RestartGivesANewInit) {
    ASSERT_TRUE(start_ct());
    auto old_init = init_pid();
    ASSERT_TRUE(old_init);
    auto r = run({"restart", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "Restarting container")) << r.out;
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");
    auto new_init = init_pid();
    ASSERT_TRUE(new_init);
    EXPECT_NE(*new_init, *old_init);
    EXPECT_FALSE(process_alive(*old_init));
}

}  // namespace
