// Running commands in a container: exec (shell, 8 on failure), exec2 (own status), exec3 (argv, no shell),
// `-` (commands on stdin), runscript (a host file), and what each does on a stopped container.
#include <atomic>
#include <filesystem>
#include <map>
#include <thread>

#include "../support/runtime_fixture.hpp"

namespace {

using namespace vztest;
namespace fs = std::filesystem;

class RuntimeExec : public RuntimeTest {
protected:
    void SetUp() override {
        RuntimeTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        ASSERT_TRUE(start_ct());
    }
};

TEST_F(RuntimeExec, ExecJoinsWordsThroughTheShellAndMapsFailureTo8) {
    auto r = run({"exec", ct(), "echo", "hello", "$((6*7))", ">", "/tmp/out;", "cat", "/tmp/out"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "hello 42\n");
    r = run({"exec", ct(), "exit 3"});
    EXPECT_EQ(r.status, 8) << r.err;
    r = run({"exec", ct(), "echo to-stderr >&2; false"});
    EXPECT_EQ(r.status, 8);
    EXPECT_TRUE(contains(r.err, "to-stderr")) << r.err;
    // The command runs in the CT: its files, its host name, its pid namespace.
    r = run({"exec", ct(), "test -x /bin/busybox && test ! -e " + tmp_.path() + " && echo $$"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_LT(std::stoi(trim(r.out)), 1000) << "the shell's pid is the host's: " << r.out;
}

TEST_F(RuntimeExec, Exec2ReturnsTheCommandsOwnStatus) {
    for (int code : {0, 1, 3, 77, 255}) {
        auto r = run({"exec2", ct(), "echo out-" + std::to_string(code) + "; exit " + std::to_string(code)});
        EXPECT_EQ(r.status, code) << r.err;
        EXPECT_EQ(r.out, "out-" + std::to_string(code) + "\n");
    }
    // A command killed by a signal: 128+N, as a shell reports it.
    auto r = run({"exec2", ct(), "kill -TERM $$"});
    EXPECT_EQ(r.status, 143) << r.err;
}

TEST_F(RuntimeExec, Exec3RunsArgvWithoutAShell) {
    // The words reach the program untouched: no splitting, globbing or expansion.
    auto r = run({"exec3", ct(), "/bin/echo", "a  b", "$HOME", "*"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "a  b $HOME *\n");
    r = run({"exec3", ct(), "sh", "-c", "exit 4"});  // PATH search
    EXPECT_EQ(r.status, 4) << r.err;
    r = run({"exec3", ct(), "/no/such/program"});
    EXPECT_NE(r.status, 0);
    EXPECT_TRUE(contains(r.err, "/no/such/program")) << r.err;
}

TEST_F(RuntimeExec, DashReadsCommandsFromStdin) {
    auto script = "echo first\nx=$((5+5))\necho second $x\nexit 6\n";
    auto r = run({"exec2", ct(), "-"}, script);
    EXPECT_EQ(r.status, 6) << r.err;
    EXPECT_EQ(r.out, "first\nsecond 10\n");
    r = run({"exec", ct(), "-"}, script);
    EXPECT_EQ(r.status, 8);
    EXPECT_EQ(r.out, "first\nsecond 10\n");
    r = run({"exec", ct(), "-"}, "echo fine\n");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "fine\n");
}

TEST_F(RuntimeExec, StdinOfTheCommandIsTheCallers) {
    auto r = run({"exec2", ct(), "tr a-z A-Z"}, "shout\n");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "SHOUT\n");
}

// Only stdin, stdout and stderr cross into the container: a descriptor vzctl inherited (this test's files, opened
// before their dup2 and left open) would be a host file in the container, and a daemon keeping it would stop
// `vzctl suspend` (CRIU can't dump a file of the host's).
TEST_F(RuntimeExec, NoOtherDescriptorOfTheCallersCrossesIn) {
    // The command's own descriptors, as ls sees them: 3 is the directory it reads. (Not the shell's: while it
    // sets a pipeline up it holds pipe ends of its own.)
    auto r = run({"exec2", ct(), "exec ls /proc/self/fd"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "0\n1\n2\n3\n");
}

TEST_F(RuntimeExec, RunscriptRunsAHostFileInside) {
    auto script = tmp_ / "script.sh";
    write_text(script, "#!/bin/sh\necho running in $(hostname) as $(id -u)\ntest -e /run/vz-booted && echo booted\nexit 9\n");
    auto r = run({"runscript", ct(), script});
    EXPECT_EQ(r.status, 9) << r.err;
    EXPECT_EQ(r.out, "running in localhost as 0\nbooted\n");

    r = run({"runscript", ct(), tmp_ / "missing.sh"});
    EXPECT_EQ(r.status, 11);
}

TEST_F(RuntimeExec, StoppedContainerRefusesExecWith31) {
    ASSERT_EQ(run({"stop", ct(), "--fast"}).status, 0);
    for (auto verb : {"exec", "exec2", "exec3"}) {
        auto r = run({verb, ct(), "true"});
        EXPECT_EQ(r.status, 31) << verb;
        EXPECT_TRUE(contains(r.err, "Container is not running")) << verb << ": " << r.err;
    }
    auto r = run({"enter", ct()});
    EXPECT_EQ(r.status, 31);
    EXPECT_TRUE(contains(r.err, "Container is not running")) << r.err;
    EXPECT_TRUE(nothing_left_within());
}

// A stop under a running command: the command ended because the container did, and exec says so (31), not "the
// command failed" (8) or the killed command's 137.
TEST_F(RuntimeExec, StopUnderARunningCommandIs31) {
    for (std::string verb : {"exec", "exec2", "exec3"}) {
        if (verb != "exec") {
            ASSERT_TRUE(start_ct()) << verb;
        }
        Result r;
        std::thread command([&] { r = run({verb, ct(), "sleep", "60"}); });
        bool slept = eventually([&] {
            for (pid_t p : ct_procs())
                if (comm_of(p) == "sleep") return true;
            return false;
        }, 20s);
        auto stop = run({"stop", ct(), "--fast"});
        command.join();
        ASSERT_TRUE(slept) << verb << ": the command never ran: " << r.err;
        ASSERT_EQ(stop.status, 0) << stop.err;
        EXPECT_EQ(r.status, 31) << verb << ": " << r.err;
        EXPECT_TRUE(contains(r.err, "Container is not running")) << verb << ": " << r.err;
    }
    EXPECT_TRUE(nothing_left_within());
}

// The command runs as vzctl's own child, which joined the container's pid namespace for that one fork (no
// process in between to copy and wait for), and it dies with the vzctl that waits for it.
TEST_F(RuntimeExec, TheCommandIsVzctlsOwnChildAndDiesWithIt) {
    Result r;
    std::thread command([&] { r = run({"exec3", ct(), "sleep", "60"}); });
    pid_t sleeper = -1;
    bool slept = eventually([&] {
        for (pid_t p : ct_procs())
            if (comm_of(p) == "sleep") sleeper = p;
        return sleeper > 0;
    }, 20s);
    pid_t vzctl = slept ? parent_of(sleeper) : -1;
    EXPECT_TRUE(slept) << "the command never ran";
    if (slept) {
        EXPECT_EQ(parent_of(vzctl), ::getpid()) << "the command's parent " << vzctl << " (" << comm_of(vzctl)
                                                << ") is not the vzctl this test ran";
        ::kill(vzctl, SIGKILL);
        EXPECT_TRUE(eventually([&] { return !process_alive(sleeper); }, 10s)) << "the command outlived vzctl";
    }
    command.join();
    if (slept) {
        EXPECT_EQ(r.status, 128 + SIGKILL) << r.err;
    }
}

// exec while the container starts: it gets in once init runs, or finds it not running (31); it never fails on a
// container still being built (its cgroup namespace was still the host's: "setns: Operation not permitted", 8).
TEST_F(RuntimeExec, ExecRacingAStartGetsInOrSays31) {
    std::map<int, int> seen;
    for (int round = 0; round < 5; ++round) {
        ASSERT_EQ(run({"stop", ct(), "--fast"}).status, 0);
        std::atomic<bool> started = false;
        std::thread start([&] {
            run({"start", ct()});
            started = true;
        });
        while (!started) {
            auto r = run({"exec", ct(), "true"});
            ++seen[r.status];
            EXPECT_TRUE(r.status == 0 || r.status == 31) << "exit " << r.status << ": " << r.err;
        }
        start.join();
    }
    for (auto [code, n] : seen) std::printf("exec during start: exit %d x%d\n", code, n);
}

// The reference: runscript on a stopped container mounts the root, runs the script in a container context
// without init, tears that down and unmounts.
TEST_F(RuntimeExec, RunscriptOnAStoppedContainerRunsItAndLeavesItStopped) {
    ASSERT_EQ(run({"stop", ct(), "--fast"}).status, 0);
    auto script = tmp_ / "script.sh";
    write_text(script, "echo stopped-run > /root/marker; cat /root/marker; exit 5\n");
    auto r = run({"runscript", ct(), script});
    EXPECT_EQ(r.status, 5) << r.err;
    EXPECT_EQ(r.out, "stopped-run\n");
    EXPECT_EQ(trim(try_read(private_path(kCt) + "/root/marker").value_or("")), "stopped-run");
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_TRUE(nothing_left_within());
}

}  // namespace
