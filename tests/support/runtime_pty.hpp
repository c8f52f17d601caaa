// A program run on a real pseudo-terminal, as a user at a terminal would run it: the test holds the master side,
// types into it, reads what appears on the screen, resizes the window, and looks at the terminal's settings.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace vztest {

class PtySession {
public:
    PtySession(const std::vector<std::string>& argv, const std::vector<std::string>& env, unsigned short rows,
               unsigned short cols) {
        winsize ws{};
        ws.ws_row = rows;
        ws.ws_col = cols;
        if (::openpty(&master_, &slave_, nullptr, nullptr, &ws) != 0) throw std::runtime_error("openpty failed");
        ::fcntl(master_, F_SETFD, FD_CLOEXEC);
        ::fcntl(slave_, F_SETFD, FD_CLOEXEC);
        if (::tcgetattr(slave_, &initial_) != 0) throw std::runtime_error("tcgetattr failed");
        std::vector<std::string> words = argv;
        std::vector<char*> a;
        for (auto& w : words) a.push_back(w.data());
        a.push_back(nullptr);
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            ::setsid();
            if (::ioctl(slave_, TIOCSCTTY, 0) != 0) ::_exit(126);
            for (int fd = 0; fd < 3; ++fd) ::dup2(slave_, fd);
            for (auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
            ::signal(SIGINT, SIG_DFL);
            ::signal(SIGPIPE, SIG_DFL);
            ::execv(a[0], a.data());
            ::_exit(127);
        }
    }
    PtySession(const PtySession&) = delete;
    PtySession& operator=(const PtySession&) = delete;
    ~PtySession() {
        if (pid_ > 0 && !status_) {
            ::kill(pid_, SIGKILL);
            int ws;
            ::waitpid(pid_, &ws, 0);
        }
        ::close(master_);
        ::close(slave_);
    }

    pid_t pid() const { return pid_; }

    void send(const std::string& text) {
        size_t off = 0;
        while (off < text.size()) {
            auto n = ::write(master_, text.data() + off, text.size() - off);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) throw std::runtime_error("write to the pty master failed");
            off += static_cast<size_t>(n);
        }
    }

    // Reads screen output until `needle` appears after the previous match, or `limit` passes.
    bool expect(const std::string& needle, std::chrono::milliseconds limit = std::chrono::seconds(15)) {
        auto end = std::chrono::steady_clock::now() + limit;
        for (;;) {
            auto at = screen_.find(needle, mark_);
            if (at != std::string::npos) {
                mark_ = at + needle.size();
                return true;
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            pump(left);
        }
    }

    // Whatever is readable within `limit`.
    void pump(std::chrono::milliseconds limit) {
        pollfd p{master_, POLLIN, 0};
        int timeout = static_cast<int>(std::min<long long>(limit.count(), 100));
        if (::poll(&p, 1, timeout) <= 0) return;
        char buf[4096];
        auto n = ::read(master_, buf, sizeof buf);
        if (n > 0) screen_.append(buf, static_cast<size_t>(n));
    }

    // The window size a program on the terminal sees changes; the kernel signals its foreground process group,
    // and the test sends SIGWINCH to the program itself too, as terminal emulators effectively do.
    void resize(unsigned short rows, unsigned short cols) {
        winsize ws{};
        ws.ws_row = rows;
        ws.ws_col = cols;
        ::ioctl(master_, TIOCSWINSZ, &ws);
        ::kill(pid_, SIGWINCH);
    }

    // The exit status (128+N when killed by signal N), or nothing when the program still runs after `limit`.
    std::optional<int> wait(std::chrono::milliseconds limit) {
        auto end = std::chrono::steady_clock::now() + limit;
        while (!status_) {
            int ws = 0;
            pid_t r = ::waitpid(pid_, &ws, WNOHANG);
            if (r == pid_) {
                status_ = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
                break;
            }
            if (std::chrono::steady_clock::now() >= end) break;
            pump(std::chrono::milliseconds(20));
        }
        // Drain what the program printed before it ended.
        for (int i = 0; i < 5; ++i) pump(std::chrono::milliseconds(10));
        return status_;
    }

    termios current_termios() const {
        termios t{};
        ::tcgetattr(slave_, &t);
        return t;
    }
    const termios& initial_termios() const { return initial_; }
    const std::string& screen() const { return screen_; }

private:
    int master_ = -1, slave_ = -1;
    pid_t pid_ = -1;
    termios initial_{};
    std::string screen_;
    size_t mark_ = 0;
    std::optional<int> status_;
};

// Types a command and waits for a marker that only its output (not its echo) contains.
inline ::testing::AssertionResult run_in(PtySession& s, const std::string& cmd, const std::string& expect) {
    s.send(cmd + "\r");
    if (s.expect(expect)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "typed `" << cmd << "`, never saw `" << expect << "`; screen:\n"
                                         << s.screen();
}

}  // namespace vztest
