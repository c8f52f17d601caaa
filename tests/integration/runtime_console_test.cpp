// vzctl console on a real pseudo-terminal: the test is the user's terminal. Root logs in at the template's getty
// on the console (its controlling terminal, with the window size of the user's), sees what the container writes to
// its /dev/console, and ESC . at a line start detaches with the terminal restored. While nobody is attached the
// monitor drains the console, so the container never waits on it; one user at a time. A stopped container's console
// waits for its start and follows it across a reboot; after suspend and resume the same getty is on the console.
// tty2 .. tty12 are terminals of their own, alike.
#include <sys/stat.h>
#include <termios.h>

#include <regex>
#include <set>

#include "../support/runtime_fixture.hpp"
#include "../support/runtime_pty.hpp"

namespace {

using namespace vztest;

class RuntimeConsole : public RuntimeTest {
protected:
    void append_conf(const std::string& text) { write_text(conf_path(kCt), read_text(conf_path(kCt)) + text); }

    std::unique_ptr<PtySession> console(std::vector<std::string> extra = {}) {
        std::vector<std::string> argv = {VZCTL_BIN, "console", ct()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return std::make_unique<PtySession>(argv, std::vector<std::string>{"VZ_CONFDIR=" + confdir_, "TERM=vt100"},
                                            30, 90);
    }

    // The container's processes named `comm` whose stdin is its terminal `tty` (the device of its /dev/`tty`), by
    // their pid inside.
    std::vector<std::string> on_console(const std::string& comm, const std::string& tty = "console") {
        std::vector<std::string> out;
        auto init = init_pid();
        struct stat console, fd0;
        if (!init || ::stat(("/proc/" + std::to_string(*init) + "/root/dev/" + tty).c_str(), &console) != 0)
            return out;
        for (pid_t p : ct_procs()) {
            if (comm_of(p) != comm || ::stat(("/proc/" + std::to_string(p) + "/fd/0").c_str(), &fd0) != 0 ||
                fd0.st_rdev != console.st_rdev || fd0.st_dev != console.st_dev)
                continue;
            for (auto& l : lines(try_read("/proc/" + std::to_string(p) + "/status").value_or("")))
                if (l.starts_with("NSpid:")) out.push_back(l.substr(l.find_last_of(" \t") + 1));
        }
        return out;
    }

    // The template's getty answers Enter with its prompt.
    static ::testing::AssertionResult login_prompt(PtySession& s) {
        if (eventually(
                [&] {
                    s.send("\r");
                    return s.expect("login: ", 1s);
                },
                20s))
            return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << "no login prompt; screen:\n" << s.screen();
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

TEST_F(RuntimeConsole, RootLogsInOnTheConsoleAndSeesWhatTheContainerWrites) {
    ASSERT_TRUE(start_ct());
    // TTYS is 1 by default: the console alone.
    auto none = run({"console", ct(), "2"});
    EXPECT_EQ(none.status, 3) << none.err;
    EXPECT_NE(none.err.find("CT 101 runs without tty2: set TTYS=2 or more (vz.conf(5)) and restart it"),
              std::string::npos)
        << none.err;
    auto r = run({"set", ct(), "--userpasswd", "root:console-pw"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto s = console();
    const termios before = s->initial_termios();
    ASSERT_TRUE(s->expect("Attached to CT 101 (ESC . to detach)")) << s->screen();
    // The user's terminal is raw while attached.
    EXPECT_TRUE(eventually([&] { return (s->current_termios().c_lflag & (ICANON | ECHO | ISIG)) == 0; }, 5s));

    ASSERT_TRUE(login_prompt(*s));
    ASSERT_TRUE(run_in(*s, "root", "Password: "));
    ASSERT_TRUE(run_in(*s, "console-pw", "# ")) << "no shell after the login";
    ASSERT_EQ(sh("echo written-$((6*7)) > /dev/console").status, 0);
    EXPECT_TRUE(s->expect("written-42")) << s->screen();
    EXPECT_TRUE(run_in(*s, "echo typed-$((5+5)) tty=$(tty) id=$(id -u)", "typed-10 tty=/dev/console id=0"));
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
    r = run({"exec2", ct(), "head -c 1000000 /dev/zero | tr '\\0' x > /dev/console; echo done"}, {}, 30s);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(trim(r.out), "done");
    // Attached again: the same shell.
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
    auto r = run({"console", ct(), "13"});
    EXPECT_EQ(r.status, 21) << r.err;
    EXPECT_NE(r.err.find("A container has ttys 1 (the console) to 12, not tty 13"), std::string::npos) << r.err;
    for (auto* bad : {"x", "0"}) {
        r = run({"console", ct(), bad});
        EXPECT_EQ(r.status, 20) << bad << ": " << r.err;
    }
    // TTYS outside 1..12 fails the start at once, and leaves it stopped.
    append_conf("TTYS=\"13\"\n");
    r = run({"start", ct()});
    EXPECT_EQ(r.status, 21) << r.err;
    EXPECT_NE(r.err.find("Invalid TTYS=\"13\": a container has 1 (its console) to 12 terminals"), std::string::npos)
        << r.err;
    EXPECT_TRUE(status_line().ends_with("down")) << status_line();
    r = run({"console", "4242"});
    EXPECT_EQ(r.status, 14) << r.err;
    EXPECT_NE(r.err.find("Container config file does not exist"), std::string::npos) << r.err;
}

// The console's pty is the host's; CRIU takes the container's end as external and resume gives the restored
// processes the new console's: the same getty answers on it.
TEST_F(RuntimeConsole, TheSameGettyIsOnTheConsoleAfterSuspendAndResume) {
    ASSERT_TRUE(start_ct());
    std::vector<std::string> gettys;
    ASSERT_TRUE(eventually([&] { return (gettys = on_console("getty")).size() == 1; }, 10s));
    auto r = run({"suspend", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    r = run({"resume", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto s = console();
    ASSERT_TRUE(s->expect("Attached to CT 101")) << s->screen();
    EXPECT_TRUE(login_prompt(*s));
    EXPECT_EQ(on_console("getty"), gettys);
    ASSERT_TRUE(detach(*s));
}

// The original's further terminals: with TTYS="12", tty2 .. tty12 are ptys of their own, whose masters the monitor
// holds as the console's. A getty that the container's inittab runs on tty2 answers `vzctl console CTID 2`, the shell there has
// /dev/tty2 as its terminal (not the host's, even when DEVNODES names it) and sees what the container writes there;
// the console is another terminal, free meanwhile; tty2 takes one user at a time. After suspend and resume the same
// getty answers on a new tty2.
TEST_F(RuntimeConsole, AGettyOnTty2AnswersConsole2AcrossSuspendAndResume) {
    auto inittab = private_path(kCt) + "/etc/inittab";
    write_text(inittab, read_text(inittab) + "tty2::respawn:/sbin/getty 38400 tty2 vt100\n");
    // The host's tty2 (a virtual terminal) named in DEVNODES does not replace the container's own.
    ASSERT_EQ(run({"set", ct(), "--devnodes", "tty2:rw", "--save"}).status, 0);
    append_conf("TTYS=\"12\"\n");
    ASSERT_TRUE(start_ct());
    // tty1 is the console, tty2 .. tty12 11 ptys of their own, made as the console is (a terminal's group is the
    // tty group until a getty takes it); no tty13.
    std::string names = "console";
    for (int n = 1; n <= 12; ++n) names += " tty" + std::to_string(n);
    auto st = sh("for d in " + names + "; do stat -L -c '%t:%T %F %u:%g %a' /dev/$d; done; test -e /dev/tty13");
    EXPECT_NE(st.status, 0) << "the container has a tty13";
    auto ttys = lines(st.out);
    ASSERT_EQ(ttys.size(), 13u) << st.out << st.err;
    EXPECT_EQ(ttys[1], ttys[0]) << "tty1 is not the console";
    std::set<std::string> devices{ttys[0].substr(0, ttys[0].find(' '))};
    for (size_t n = 2; n < ttys.size(); ++n) {
        EXPECT_TRUE(std::regex_match(ttys[n], std::regex("88:[0-9a-f]+ character special file 0:[05] 620"))) << ttys[n];
        devices.insert(ttys[n].substr(0, ttys[n].find(' ')));
    }
    EXPECT_EQ(devices.size(), 12u) << st.out;
    ASSERT_EQ(run({"set", ct(), "--userpasswd", "root:tty2-pw"}).status, 0);
    auto s = console({"2"});
    ASSERT_TRUE(s->expect("Attached to CT 101 (ESC . to detach)")) << s->screen();
    ASSERT_TRUE(login_prompt(*s));
    ASSERT_TRUE(run_in(*s, "root", "Password: "));
    ASSERT_TRUE(run_in(*s, "tty2-pw", "# ")) << "no shell after the login";
    EXPECT_TRUE(run_in(*s, "echo on-$(tty)-$((3*3))", "on-/dev/tty2-9"));
    ASSERT_EQ(sh("echo to-tty2-$((6*7)) > /dev/tty2").status, 0);
    EXPECT_TRUE(s->expect("to-tty2-42")) << s->screen();

    auto c = console();
    ASSERT_TRUE(c->expect("Attached to CT 101")) << c->screen();
    EXPECT_TRUE(login_prompt(*c)) << "the console is not free while tty2 is attached";
    EXPECT_EQ(c->screen().find("to-tty2-42"), std::string::npos) << c->screen();
    ASSERT_TRUE(detach(*c));
    auto second = console({"2"});
    auto code = second->wait(10s);
    ASSERT_TRUE(code.has_value()) << second->screen();
    EXPECT_EQ(*code, 3) << second->screen();
    EXPECT_NE(second->screen().find("tty2 of CT 101 is in use by another vzctl console"), std::string::npos)
        << second->screen();

    // Logged out (a shell holding its terminal as /dev/tty can't be dumped), the getty respawned on tty2.
    s->send("exit\r");
    EXPECT_TRUE(login_prompt(*s));
    ASSERT_TRUE(detach(*s));
    std::vector<std::string> gettys;
    ASSERT_TRUE(eventually([&] { return (gettys = on_console("getty", "tty2")).size() == 1; }, 10s));
    auto r = run({"suspend", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    r = run({"resume", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(on_console("getty", "tty2"), gettys);
    auto again = console({"2"});
    ASSERT_TRUE(again->expect("Attached to CT 101")) << again->screen();
    EXPECT_TRUE(login_prompt(*again));
    ASSERT_TRUE(detach(*again));
}

}  // namespace
