// vzctl console on a real pseudo-terminal: the test is the user's terminal. What the container writes to its
// /dev/console shows there, what is typed reaches a shell on the console (its controlling terminal, with the window
// size of the user's), ESC . at a line start detaches with the terminal restored. While nobody is attached the
// monitor drains the console, so the container never waits on it; one user at a time. A stopped container's console
// waits for its start and follows it across a reboot; after suspend and resume the same shell is on the console.
#include <sys/stat.h>
#include <termios.h>

#include "../support/runtime_fixture.hpp"
#include "../support/runtime_pty.hpp"

namespace {

using namespace vztest;

class RuntimeConsole : public RuntimeTest {
protected:
    std::unique_ptr<PtySession> console(std::vector<std::string> extra = {}) {
        std::vector<std::string> argv = {VZCTL_BIN, "console", ct()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return std::make_unique<PtySession>(argv, std::vector<std::string>{"VZ_CONFDIR=" + confdir_, "TERM=vt100"},
                                            30, 90);
    }

    // A shell in the container whose terminal, controlling too, is the console (as a getty's login shell would be);
    // by default an interactive one, else `command`.
    ::testing::AssertionResult shell_on_console(const std::string& command = "sh -i") {
        auto r = sh("setsid -c " + command + " < /dev/console > /dev/console 2>&1 &");
        if (r.status != 0) return ::testing::AssertionFailure() << r.status << ": " << r.err;
        if (!eventually([&] { return !console_shells().empty(); }, 10s))
            return ::testing::AssertionFailure() << "no shell on the console";
        return ::testing::AssertionSuccess();
    }

    // The container's shells whose stdin is its console (the device of its /dev/console), by their pid inside.
    std::vector<std::string> console_shells() {
        std::vector<std::string> out;
        auto init = init_pid();
        struct stat console, fd0;
        if (!init || ::stat(("/proc/" + std::to_string(*init) + "/root/dev/console").c_str(), &console) != 0)
            return out;
        for (pid_t p : ct_procs()) {
            if (comm_of(p) != "sh" || ::stat(("/proc/" + std::to_string(p) + "/fd/0").c_str(), &fd0) != 0 ||
                fd0.st_rdev != console.st_rdev || fd0.st_dev != console.st_dev)
                continue;
            for (auto& l : lines(try_read("/proc/" + std::to_string(p) + "/status").value_or("")))
                if (l.starts_with("NSpid:")) out.push_back(l.substr(l.find_last_of(" \t") + 1));
        }
        return out;
    }

    static ::testing::AssertionResult detach(PtySession& s) {
        s.send("\r\x1b.");
        auto st = s.wait(10s);
        if (!st) return ::testing::AssertionFailure() << "ESC . did not detach; screen:\n" << s.screen();
        if (*st != 0) return ::testing::AssertionFailure() << "exit " << *st << "; screen:\n" << s.screen();
        if (s.screen().find("Detached from CT 101") == std::string::npos)
            return ::testing::AssertionFailure() << "no \"Detached\" line; screen:\n" << s.screen();
        return ::testing::AssertionSuccess();
    }
};

TEST_F(RuntimeConsole, ShowsWhatTheContainerWritesAndTakesWhatIsTyped) {
    ASSERT_TRUE(start_ct());
    ASSERT_TRUE(shell_on_console());
    auto s = console();
    const termios before = s->initial_termios();
    ASSERT_TRUE(s->expect("Attached to CT 101 (ESC . to detach)")) << s->screen();
    // The user's terminal is raw while attached.
    EXPECT_TRUE(eventually([&] { return (s->current_termios().c_lflag & (ICANON | ECHO | ISIG)) == 0; }, 5s));

    ASSERT_EQ(sh("echo written-$((6*7)) > /dev/console").status, 0);
    EXPECT_TRUE(s->expect("written-42")) << s->screen();
    EXPECT_TRUE(run_in(*s, "echo typed-$((5+5)) tty=$(tty)", "typed-10 tty=/dev/console"));
    // The user's window size, and the console is the shell's controlling terminal (/dev/tty opens only then).
    EXPECT_TRUE(run_in(*s, "stty size | sed 's/ /x/'", "30x90"));
    EXPECT_TRUE(run_in(*s, "echo x > /dev/tty && echo has-$((1+1))-ctty", "has-2-ctty"));

    // Only one user at a time.
    auto second = console();
    auto st = second->wait(10s);
    ASSERT_TRUE(st.has_value()) << second->screen();
    EXPECT_EQ(*st, 3) << second->screen();
    EXPECT_NE(second->screen().find("The console of CT 101 is in use by another vzctl console"), std::string::npos)
        << second->screen();

    ASSERT_TRUE(detach(*s));
    auto after = s->current_termios();
    EXPECT_EQ(after.c_lflag, before.c_lflag) << "the user's terminal was not restored";

    // Nobody attached: what the container writes goes nowhere, without waiting (a pty holds a few KiB).
    auto r = run({"exec2", ct(), "head -c 1000000 /dev/zero | tr '\\0' x > /dev/console; echo done"}, {}, 30s);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(trim(r.out), "done");
    // Attached again, the same shell.
    auto again = console();
    ASSERT_TRUE(again->expect("Attached to CT 101")) << again->screen();
    EXPECT_TRUE(run_in(*again, "echo back-$((2+2))", "back-4"));
    ASSERT_TRUE(detach(*again));
}

TEST_F(RuntimeConsole, WaitsForTheStartAndFollowsAReboot) {
    auto s = console();
    ASSERT_TRUE(s->expect("Attached to CT 101 (ESC . to detach)")) << s->screen();
    EXPECT_FALSE(s->wait(500ms).has_value()) << "a stopped container's console ended: " << s->screen();
    ASSERT_TRUE(start_ct());
    ASSERT_TRUE(eventually(
        [&] {
            sh("echo first-boot > /dev/console");
            return s->expect("first-boot", 300ms);
        },
        15s))
        << s->screen();
    auto init = init_pid();
    ASSERT_TRUE(init.has_value());
    run({"exec", ct(), "reboot"});  // may be killed by the shutdown it started
    auto rebooted = [&] { return init_pid() && init_pid() != init && status_line().ends_with("running"); };
    ASSERT_TRUE(eventually(rebooted, 30s));
    ASSERT_TRUE(eventually(
        [&] {
            sh("echo second-boot > /dev/console");
            return s->expect("second-boot", 300ms);
        },
        15s))
        << s->screen();
    ASSERT_TRUE(detach(*s));
}

TEST_F(RuntimeConsole, RefusalsNameTheProblem) {
    auto r = run({"console", ct(), "2"});
    EXPECT_EQ(r.status, 21) << r.err;
    EXPECT_NE(r.err.find("Only the console (tty 1)"), std::string::npos) << r.err;
    r = run({"console", ct(), "x"});
    EXPECT_EQ(r.status, 20) << r.err;
    r = run({"console", "4242"});
    EXPECT_EQ(r.status, 14) << r.err;
    EXPECT_NE(r.err.find("Container config file does not exist"), std::string::npos) << r.err;
}

// The console's pty is the host's; CRIU takes the container's end as external and resume gives the restored
// processes the new console's: the same shell answers on it. (Not an interactive busybox shell: that holds /dev/tty
// open, which CRIU can't dump for a terminal outside the dump, vzctl(8) says.)
TEST_F(RuntimeConsole, TheSameShellIsOnTheConsoleAfterSuspendAndResume) {
    ASSERT_TRUE(start_ct());
    ASSERT_TRUE(shell_on_console("sh -c 'while read l; do echo \"got-$l-$$\"; done'"));
    auto shells = console_shells();
    ASSERT_EQ(shells.size(), 1u);
    auto r = run({"suspend", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    r = run({"resume", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto s = console();
    ASSERT_TRUE(s->expect("Attached to CT 101")) << s->screen();
    EXPECT_TRUE(run_in(*s, "resumed", "got-resumed-" + shells[0]));
    EXPECT_EQ(console_shells(), shells);
    ASSERT_TRUE(detach(*s));
}

}  // namespace
