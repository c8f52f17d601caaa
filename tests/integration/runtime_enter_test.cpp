// vzctl enter on a real pseudo-terminal: the test is the user's terminal. It types, reads the screen, resizes the
// window, sends Ctrl-C and Ctrl-Z, and checks that its terminal is raw while inside and restored afterwards.
#include <signal.h>
#include <termios.h>

#include "../support/runtime_fixture.hpp"
#include "../support/runtime_pty.hpp"

namespace {

using namespace vztest;

constexpr tcflag_t kCookedLflags = ICANON | ECHO | ISIG | IEXTEN;

class RuntimeEnter : public RuntimeTest {
protected:
    void SetUp() override {
        RuntimeTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        ASSERT_TRUE(start_ct());
    }

    std::unique_ptr<PtySession> enter(std::vector<std::string> extra = {}, unsigned short rows = 33,
                                      unsigned short cols = 97) {
        std::vector<std::string> argv = {VZCTL_BIN, "enter", ct()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return std::make_unique<PtySession>(argv, std::vector<std::string>{"VZ_CONFDIR=" + confdir_, "TERM=vt100"},
                                            rows, cols);
    }

    // Pids of the CT's processes running `comm`.
    std::vector<pid_t> ct_processes(const std::string& comm) {
        std::vector<pid_t> out;
        for (pid_t p : ct_procs())
            if (comm_of(p) == comm) out.push_back(p);
        return out;
    }
};

bool same_settings(const termios& a, const termios& b) {
    return a.c_iflag == b.c_iflag && a.c_oflag == b.c_oflag && a.c_cflag == b.c_cflag && a.c_lflag == b.c_lflag;
}

TEST_F(RuntimeEnter, ShellWindowSizeCtrlCAndExitStatus) {
    auto s = enter();
    const termios before = s->initial_termios();
    ASSERT_EQ(before.c_lflag & kCookedLflags, kCookedLflags) << "the test's terminal did not start cooked";

    ASSERT_TRUE(s->expect("entered into CT 101")) << s->screen();
    ASSERT_TRUE(run_in(*s, "echo ready-$((20+3))", "ready-23"));
    // While inside, the user's terminal is raw: keys go to the container's terminal unprocessed.
    auto inside = s->current_termios();
    EXPECT_EQ(inside.c_lflag & (ICANON | ECHO | ISIG), 0U) << "the user's terminal is not in raw mode";

    // The login shell: root, $HOME, the caller's TERM, a tty from the CT's own devpts.
    EXPECT_TRUE(run_in(*s, "echo id=$(id -u) home=$HOME term=$TERM tty=$(tty)x", "id=0 home=/root term=vt100 tty=/dev/pts/0x"));

    // The window size set at the start ...
    EXPECT_TRUE(run_in(*s, "stty size | sed 's/ /x/'", "33x97"));
    // ... and after a resize.
    s->resize(50, 120);
    bool resized = false;
    for (int i = 0; i < 5 && !resized; ++i) {
        s->send("stty size | sed 's/ /x/'\r");
        resized = s->expect("50x120", 3s);
    }
    EXPECT_TRUE(resized) << "stty size inside never showed the new size; screen:\n" << s->screen();

    // Ctrl-C reaches the container's foreground job.
    s->send("sleep 30\r");
    EXPECT_TRUE(eventually([&] { return !ct_processes("sleep").empty(); }, 10s)) << "sleep never started";
    s->send("\x03");
    EXPECT_TRUE(run_in(*s, "echo rc=$?", "rc=130"));
    EXPECT_TRUE(ct_processes("sleep").empty()) << "sleep survived Ctrl-C";

    s->send("exit 5\r");
    auto status = s->wait(20s);
    ASSERT_TRUE(status) << "vzctl enter did not end after exit; screen:\n" << s->screen();
    EXPECT_EQ(*status, 5);
    EXPECT_TRUE(contains(s->screen(), "exited from CT 101")) << s->screen();
    EXPECT_TRUE(same_settings(s->current_termios(), before)) << "the terminal settings were not restored";
    // The shell is gone from the container.
    EXPECT_TRUE(eventually([&] { return ct_processes("sh").empty(); }, 10s));
}

TEST_F(RuntimeEnter, CtrlZStopsTheJobAndFgResumesIt) {
    auto s = enter();
    ASSERT_TRUE(s->expect("entered into CT 101"));
    ASSERT_TRUE(run_in(*s, "echo ready-$((20+4))", "ready-24"));
    s->send("sleep 40\r");
    ASSERT_TRUE(eventually([&] { return !ct_processes("sleep").empty(); }, 10s));
    pid_t sleeper = ct_processes("sleep").front();
    s->send("\x1a");
    EXPECT_TRUE(eventually([&] { return proc_stat_field(sleeper, 3) == "T"; }, 10s))
        << "Ctrl-Z did not stop the job; screen:\n" << s->screen();
    EXPECT_TRUE(run_in(*s, "echo rc=$?", "rc=148"));
    s->send("fg\r");
    EXPECT_TRUE(eventually([&] { return proc_stat_field(sleeper, 3) == "S"; }, 10s)) << "fg did not resume it";
    s->send("\x03");
    EXPECT_TRUE(run_in(*s, "echo rc=$?", "rc=130"));
    EXPECT_FALSE(process_alive(sleeper));
    s->send("exit\r");
    auto status = s->wait(20s);
    ASSERT_TRUE(status);
    EXPECT_EQ(*status, 0);
}

TEST_F(RuntimeEnter, ExecOptionIsTypedIntoTheShell) {
    auto s = enter({"--exec", "echo", "typed-$((40+2))"});
    EXPECT_TRUE(s->expect("entered into CT 101")) << s->screen();
    EXPECT_TRUE(s->expect("typed-42")) << s->screen();
    // The shell stays open after the typed command.
    EXPECT_TRUE(run_in(*s, "echo still-$((1+1))", "still-2"));
    s->send("exit 7\r");
    auto status = s->wait(20s);
    ASSERT_TRUE(status) << s->screen();
    EXPECT_EQ(*status, 7);
    EXPECT_TRUE(contains(s->screen(), "exited from CT 101"));
}

TEST_F(RuntimeEnter, TerminalIsRestoredWhenVzctlIsTerminated) {
    auto s = enter();
    const termios before = s->initial_termios();
    ASSERT_TRUE(s->expect("entered into CT 101"));
    ASSERT_TRUE(run_in(*s, "echo ready-$((20+5))", "ready-25"));
    ASSERT_EQ(s->current_termios().c_lflag & ICANON, 0U);
    ::kill(s->pid(), SIGTERM);
    auto status = s->wait(20s);
    ASSERT_TRUE(status) << "vzctl enter ignored SIGTERM";
    EXPECT_TRUE(same_settings(s->current_termios(), before)) << "the terminal stayed raw after SIGTERM";
    // The container's shell does not linger once its terminal is gone.
    EXPECT_TRUE(eventually([&] { return ct_processes("sh").empty(); }, 10s));
}

// The session ends with its shell, also when the shell left a job behind that still holds the terminal.
TEST_F(RuntimeEnter, EndsWithTheShellThoughABackgroundJobHoldsTheTerminal) {
    auto s = enter();
    ASSERT_TRUE(s->expect("entered into CT 101"));
    ASSERT_TRUE(run_in(*s, "(trap '' HUP; exec sleep 60) & echo bg-$((30+3))", "bg-33"));
    ASSERT_TRUE(eventually([&] { return !ct_processes("sleep").empty(); }, 10s));
    s->send("exit 4\r");
    auto status = s->wait(20s);
    ASSERT_TRUE(status) << "vzctl enter waits for the job the shell left; screen:\n" << s->screen();
    EXPECT_EQ(*status, 4);
    EXPECT_TRUE(contains(s->screen(), "exited from CT 101")) << s->screen();
}

// A stop under the session ends it, and enter says why (31), not the killed shell's status.
TEST_F(RuntimeEnter, StopUnderTheSessionEndsItWith31) {
    auto s = enter();
    ASSERT_TRUE(s->expect("entered into CT 101"));
    ASSERT_TRUE(run_in(*s, "echo ready-$((20+6))", "ready-26"));
    auto r = run({"stop", ct(), "--fast"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto status = s->wait(20s);
    ASSERT_TRUE(status) << "vzctl enter outlived the container; screen:\n" << s->screen();
    EXPECT_EQ(*status, 31);
    EXPECT_TRUE(contains(s->screen(), "Container is not running")) << s->screen();
}

// enter with its input from a pipe or a here-document (no terminal), as scripts use it: the shell runs the lines,
// and when the input has ended the session ends with it, also without a final exit (the ^D sent at the end of the
// input could reach the pty before the shell's line editor read it, and the session then waited for ever). Host
// only: the relay is the same on v2.
class EnterFromAScript : public RuntimeTest {};

TEST_F(EnterFromAScript, TheSessionEndsWithItsInput) {
    ASSERT_TRUE(start_ct());
    for (std::string input : {std::string("echo one-$((0+1))\necho two-$((1+1))\n"), std::string()}) {
        auto r = run({"enter", ct()}, input, 30s);
        EXPECT_NE(r.status, 124) << "vzctl enter outlived its input: " << r.out << r.err;
        EXPECT_EQ(r.status, 0) << r.out << r.err;
        if (!input.empty()) {
            EXPECT_TRUE(contains(r.out, "two-2")) << r.out;
        }
        EXPECT_TRUE(contains(r.out, "exited from CT 101")) << r.out;
    }
    auto r = run({"enter", ct()}, "exit 6\n", 30s);
    EXPECT_EQ(r.status, 6) << r.out << r.err;
}

}  // namespace
