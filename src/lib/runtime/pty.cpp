#include "runtime/pty.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <optional>
#include <utility>

#include "util/error.hpp"
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

// Sets the window size of `to` from `from` as a change of size, so that a full-screen program on the other side
// redraws (the original's "just attached" trick: one row more first).
void force_window_size(int from, int to) {
    winsize ws{};
    if (::ioctl(from, TIOCGWINSZ, &ws) != 0) return;
    ++ws.ws_row;
    ::ioctl(to, TIOCSWINSZ, &ws);
    --ws.ws_row;
    ::ioctl(to, TIOCSWINSZ, &ws);
}

constexpr char kEsc = 27;

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

// One terminal of a container (pty.hpp ConsolePty): a pty of the host's devpts, the other end its root's.
ConsolePty open_console(const std::optional<IdMap>& userns) {
    ConsolePty c;
    c.master.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!c.master || ::unlockpt(c.master.get()) != 0)
        fail(Exit::System, "Can't allocate the container's console on /dev/ptmx: {}", errno_text(errno));
    c.other.reset(::ioctl(c.master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
    char name[64];
    if (!c.other || ::ptsname_r(c.master.get(), name, sizeof name) != 0)
        fail(Exit::System, "Can't open the container's console: {}", errno_text(errno));
    c.path = name;
    // A console's owner and mode (the host's devpts may make new terminals 0600).
    if (userns && ::fchown(c.other.get(), userns->uid, userns->gid + kTtyGid) != 0)
        fail(Exit::System, "Can't give {} to the container's root: {}", c.path, errno_text(errno));
    if (::fchmod(c.other.get(), kTtyMode) != 0) fail(Exit::System, "Can't chmod {}: {}", c.path, errno_text(errno));
    return c;
}

}  // namespace

// How long the container side of `vzctl enter` may be quiet after the end of stdin before another ^D is sent.
constexpr int kEofRepeatMs = 250;

void relay_terminal(int master, const std::string& typed, int shell_pidfd) {
    SignalWake wake;
    RawTerminal raw(STDIN_FILENO);
    copy_window_size(STDIN_FILENO, master);
    if (!typed.empty()) write_all(master, typed.data(), typed.size());

    bool stdin_open = true;
    char buf[16384];
    constexpr char kEof = 4;  // ^D, VEOF as a terminal sends it
    for (;;) {
        pollfd fds[4] = {{master, POLLIN, 0},
                         {stdin_open ? STDIN_FILENO : -1, POLLIN, 0},
                         {wake.fd(), POLLIN, 0},
                         {shell_pidfd, POLLIN, 0}};
        // Once stdin has ended, every read inside should see its end: a ^D that reached the pty while the shell
        // was starting (canonical mode, switched off by its line editor) is lost, so another follows whenever the
        // container side has been quiet for a while (`vzctl enter CT <<EOF` without a final exit ends).
        int ready = ::poll(fds, 4, stdin_open ? -1 : kEofRepeatMs);
        if (ready < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (ready == 0) {
            write_all(master, &kEof, 1);
            continue;
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
                write_all(master, &kEof, 1);
                continue;
            }
            if (!write_all(master, buf, static_cast<size_t>(n))) break;
        }
    }
}


std::vector<ConsolePty> open_terminals(const std::optional<IdMap>& userns, size_t count) {
    std::vector<ConsolePty> out;
    out.reserve(count);
    while (out.size() < count) out.push_back(open_console(userns));
    return out;
}

bool ConsoleEscape::feed(std::string_view typed, std::string& out) {
    for (char c : typed) {
        if (escaped_) {
            escaped_ = false;
            if (c == '.') return true;
            if (c == '!') continue;
            out.push_back(kEsc);
        } else if (c == kEsc && line_start_) {
            escaped_ = true;
            continue;
        }
        out.push_back(c);
        // The original knows only a carriage return (what Enter sends in raw mode); a newline also starts a line
        // here, for input that is not a terminal.
        line_start_ = c == '\r' || c == '\n';
    }
    return false;
}

void relay_console(const std::function<ConsoleSession()>& attach) {
    SignalWake wake;
    RawTerminal raw(STDIN_FILENO);
    ConsoleEscape escape;
    ConsoleSession session;
    bool lost = false;  // a console just ended: the next one is asked for after a pause
    char buf[16384];
    for (;;) {
        if (!session.master && !std::exchange(lost, false)) {
            session = attach();
            if (session.master) force_window_size(STDIN_FILENO, session.master.get());
        }
        int master = session.master ? session.master.get() : -1;
        pollfd fds[3] = {{master, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}, {wake.fd(), POLLIN, 0}};
        if (::poll(fds, 3, master < 0 ? 250 : -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[2].revents & POLLIN) {
            char sig = 0;
            while (::read(wake.fd(), &sig, 1) == 1) {
                if (sig == SIGWINCH && master >= 0) copy_window_size(STDIN_FILENO, master);
                else if (sig == SIGTERM || sig == SIGHUP) return;
            }
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            auto n = ::read(master, buf, sizeof buf);
            if (n <= 0 && !(n < 0 && (errno == EINTR || errno == EAGAIN))) {
                session = {};  // EIO: the container is gone; wait for its next start
                lost = true;
                continue;
            }
            if (n > 0 && !write_all(STDOUT_FILENO, buf, static_cast<size_t>(n))) return;
        }
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            auto n = ::read(STDIN_FILENO, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return;
            std::string out;
            bool detach = escape.feed(std::string_view(buf, static_cast<size_t>(n)), out);
            if (master >= 0 && !out.empty()) write_all(master, out.data(), out.size());
            if (detach) return;
        }
    }
}

}  // namespace vz
