#include "runtime/pty.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "util/fd.hpp"

namespace vz {
namespace {

int g_signal_pipe = -1;

void on_signal(int sig) {
    char c = static_cast<char>(sig);
    if (g_signal_pipe >= 0 && ::write(g_signal_pipe, &c, 1) < 0) {
        // A full pipe already holds a wake-up.
    }
}

// Raw mode for the user's terminal, restored by the destructor.
class RawTerminal {
public:
    explicit RawTerminal(int fd) : fd_(fd) {
        if (!::isatty(fd) || ::tcgetattr(fd, &saved_) != 0) return;
        termios raw = saved_;
        ::cfmakeraw(&raw);
        if (::tcsetattr(fd, TCSADRAIN, &raw) == 0) active_ = true;
    }
    RawTerminal(const RawTerminal&) = delete;
    RawTerminal& operator=(const RawTerminal&) = delete;
    ~RawTerminal() {
        if (active_) ::tcsetattr(fd_, TCSADRAIN, &saved_);
    }

private:
    int fd_;
    termios saved_{};
    bool active_ = false;
};

// Signal handlers that wake the relay loop, restored by the destructor.
class SignalWake {
public:
    SignalWake() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
            rd_.reset(fds[0]);
            wr_.reset(fds[1]);
            g_signal_pipe = wr_.get();
        }
        struct sigaction sa {};
        sa.sa_handler = on_signal;
        for (size_t i = 0; i < std::size(kSignals); ++i) ::sigaction(kSignals[i], &sa, &old_[i]);
    }
    SignalWake(const SignalWake&) = delete;
    SignalWake& operator=(const SignalWake&) = delete;
    ~SignalWake() {
        for (size_t i = 0; i < std::size(kSignals); ++i) ::sigaction(kSignals[i], &old_[i], nullptr);
        g_signal_pipe = -1;
    }
    int fd() const { return rd_.get(); }

    static constexpr int kSignals[] = {SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGQUIT};

private:
    Fd rd_, wr_;
    struct sigaction old_[std::size(kSignals)] {};
};

void copy_window_size(int from, int to) {
    winsize ws{};
    if (::ioctl(from, TIOCGWINSZ, &ws) == 0) ::ioctl(to, TIOCSWINSZ, &ws);
}

bool write_all(int fd, const char* p, size_t n) {
    while (n > 0) {
        auto w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                pollfd pfd{fd, POLLOUT, 0};
                ::poll(&pfd, 1, -1);
                continue;
            }
            return false;
        }
        p += w;
        n -= static_cast<size_t>(w);
    }
    return true;
}

// Copies to stdout what `master` holds now, without waiting for more.
void drain(int master) {
    char buf[16384];
    for (;;) {
        pollfd pfd{master, POLLIN, 0};
        if (::poll(&pfd, 1, 0) <= 0 || !(pfd.revents & POLLIN)) return;
        auto n = ::read(master, buf, sizeof buf);
        if (n <= 0 || !write_all(STDOUT_FILENO, buf, static_cast<size_t>(n))) return;
    }
}

}  // namespace

void relay_terminal(int master, const std::string& typed, int shell_pidfd) {
    SignalWake wake;
    RawTerminal raw(STDIN_FILENO);
    copy_window_size(STDIN_FILENO, master);
    if (!typed.empty()) write_all(master, typed.data(), typed.size());

    bool stdin_open = true;
    char buf[16384];
    for (;;) {
        pollfd fds[4] = {{master, POLLIN, 0},
                         {stdin_open ? STDIN_FILENO : -1, POLLIN, 0},
                         {wake.fd(), POLLIN, 0},
                         {shell_pidfd, POLLIN, 0}};
        if (::poll(fds, 4, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (fds[3].revents & POLLIN) {
            // The shell has ended, though something it left behind may still hold the pty: show what is there, done.
            drain(master);
            break;
        }
        if (fds[2].revents & POLLIN) {
            char sig = 0;
            bool stop = false;
            while (::read(wake.fd(), &sig, 1) == 1) {
                if (sig == SIGWINCH) copy_window_size(STDIN_FILENO, master);
                else if (sig == SIGTERM || sig == SIGHUP) stop = true;
                // SIGINT/SIGQUIT of a non-raw terminal: the bytes reach the container through the pty anyway.
            }
            if (stop) break;
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            auto n = ::read(master, buf, sizeof buf);
            if (n <= 0) {
                if (n < 0 && errno == EINTR) continue;
                break;  // EIO: the last process holding the pty's other end is gone
            }
            if (!write_all(STDOUT_FILENO, buf, static_cast<size_t>(n))) break;
        }
        if (stdin_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            auto n = ::read(STDIN_FILENO, buf, sizeof buf);
            if (n <= 0) {
                if (n < 0 && errno == EINTR) continue;
                // End of input: tell the container side as a terminal would (^D), keep showing its output.
                stdin_open = false;
                char eof = 4;
                write_all(master, &eof, 1);
                continue;
            }
            if (!write_all(master, buf, static_cast<size_t>(n))) break;
        }
    }
}

}  // namespace vz
