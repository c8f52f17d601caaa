#include "util/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "util/error.hpp"
#include "util/file.hpp"
#include "util/scope.hpp"
#include "util/strings.hpp"

namespace vz {

Pipe make_pipe(int flags) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | flags) != 0) fail(Exit::System, "pipe: {}", errno_text(errno));
    return Pipe{Fd(fds[0]), Fd(fds[1])};
}

pid_t fork_or_throw() {
    pid_t pid = ::fork();
    if (pid < 0) fail(Exit::System, "fork: {}", errno_text(errno));
    return pid;
}

pid_t spawn_sharing_memory(int (*child)(void*), void* arg) {
#ifdef __SANITIZE_ADDRESS__
    pid_t pid = fork_or_throw();
    if (pid == 0) ::_exit(child(arg));
    return pid;
#else
    constexpr size_t kStack = size_t{1} << 20;
    auto guard = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    void* base = ::mmap(nullptr, guard + kStack, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                        -1, 0);
    if (base == MAP_FAILED) fail(Exit::System, "can't map a stack for a child: {}", errno_text(errno));
    ScopeGuard unmap([&] { ::munmap(base, guard + kStack); });  // the child has exec'd or exited by then
    auto* stack = static_cast<char*>(base) + guard;
    if (::mprotect(stack, kStack, PROT_READ | PROT_WRITE) != 0)
        fail(Exit::System, "can't map a stack for a child: {}", errno_text(errno));
    int pid = ::clone(child, stack + kStack, CLONE_VM | CLONE_VFORK | SIGCHLD, arg);
    if (pid < 0) fail(Exit::System, "clone: {}", errno_text(errno));
    return static_cast<pid_t>(pid);
#endif
}

ChildProcess& ChildProcess::operator=(ChildProcess&& o) noexcept {
    if (this != &o) {
        ChildProcess old(std::exchange(pid_, std::exchange(o.pid_, -1)));
    }
    return *this;
}

ChildProcess::~ChildProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    wait_exit(pid_);
}

int ChildProcess::wait() { return wait_exit(std::exchange(pid_, -1)); }

int wait_exit(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return static_cast<int>(Exit::System);
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return static_cast<int>(Exit::System);
}

void stdio_to_null(bool keep_stdin) {
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0) return;
    for (int fd = keep_stdin ? 1 : 0; fd < 3; ++fd) ::dup2(null, fd);
    if (null > 2) ::close(null);
}

void close_from_on_exec(unsigned first) { ::syscall(SYS_close_range, first, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */); }

CArgs::CArgs(const std::vector<std::string>& words) {
    ptrs_.reserve(words.size() + 1);
    for (auto& w : words) ptrs_.push_back(const_cast<char*>(w.c_str()));
    ptrs_.push_back(nullptr);
}

void exec_argv(const std::vector<std::string>& argv, const std::vector<std::string>& env, bool path_search) {
    if (argv.empty()) return;
    CArgs a(argv), e(env);
    if (path_search) {
        // execvpe searches the caller's PATH: make it the one the command is given.
        for (auto& s : env)
            if (s.starts_with("PATH=")) ::setenv("PATH", s.c_str() + 5, 1);
        ::execvpe(a.get()[0], a.get(), e.get());
    } else {
        ::execve(a.get()[0], a.get(), e.get());
    }
}

ProgramResult run_program(const std::vector<std::string>& argv) { return run_program(argv, {}, {}); }

StartedProgram start_program(const std::vector<std::string>& argv) {
    auto out = make_pipe();
    ChildProcess child(fork_or_throw());
    if (child.pid() == 0) {
        int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || ::dup2(null, 0) < 0 || ::dup2(out.wr.get(), 1) < 0 || ::dup2(out.wr.get(), 2) < 0)
            ::_exit(127);
        close_from_on_exec(3);
        std::vector<std::string> env{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"};
        exec_argv(argv, env, true);
        ::_exit(127);
    }
    return StartedProgram{std::move(child), std::move(out.rd)};
}

ProgramResult finish_program(StartedProgram& p) {
    ProgramResult r;
    r.output = read_all(p.out.get());
    p.out.reset();
    r.status = p.child.wait();
    return r;
}

ProgramResult run_program(const std::vector<std::string>& argv, const std::function<void()>& tick,
                          std::chrono::milliseconds every) {
    auto started = start_program(argv);
    if (!tick) return finish_program(started);
    ProgramResult r;
    for (char buf[512];;) {  // until end of file, `tick` whenever `every` passes without output
        pollfd p{started.out.get(), POLLIN, 0};
        int n = ::poll(&p, 1, static_cast<int>(every.count()));
        if (n < 0 && errno != EINTR) break;
        if (n <= 0) {
            tick();
            continue;
        }
        auto got = ::read(started.out.get(), buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        r.output.append(buf, static_cast<size_t>(got));
    }
    r.status = started.child.wait();
    return r;
}

ProgramResult run_command(const std::vector<std::string>& argv, CommandOutput to) {
    std::optional<Pipe> out;
    if (to == CommandOutput::Capture) out = make_pipe();
    ChildProcess child(fork_or_throw());
    if (child.pid() == 0) {
        int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || ::dup2(null, 0) < 0 || (out && ::dup2(out->wr.get(), 1) < 0) ||
            (to == CommandOutput::ToStderr && ::dup2(2, 1) < 0))
            ::_exit(127);
        close_from_on_exec(3);
        CArgs a(argv);
        ::execvp(a.get()[0], a.get());
        ::_exit(127);
    }
    ProgramResult r;
    if (out) {
        out->wr.reset();
        r.output = read_all(out->rd.get());
    }
    r.status = child.wait();
    return r;
}

std::string read_all(int fd) {
    std::string out;
    char buf[512];
    for (;;) {
        auto n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

bool write_all(int fd, std::string_view text) {
    size_t off = 0;
    while (off < text.size()) {
        auto n = ::write(fd, text.data() + off, text.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += static_cast<size_t>(n);
    }
    return true;
}

SignalIgnore::SignalIgnore(int sig) : sig_(sig) {
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    saved_ = ::sigaction(sig, &ign, &old_) == 0;
}

SignalIgnore::~SignalIgnore() {
    if (saved_) ::sigaction(sig_, &old_, nullptr);
}

Fd open_pidfd(pid_t pid) {
    return Fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0U)));
}

bool exits_within(const Fd& pidfd, std::chrono::milliseconds limit) {
    using Clock = std::chrono::steady_clock;
    pollfd p{pidfd.get(), POLLIN, 0};
    auto end = Clock::now() + limit;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
        int r = ::poll(&p, 1, static_cast<int>(std::max<long long>(left, 0)));
        if (r > 0) return true;
        if (r == 0 || errno != EINTR) return false;
    }
}

std::vector<std::string> proc_stat_fields(pid_t pid) {
    auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    auto close = stat ? stat->rfind(')') : std::string::npos;
    if (close == std::string::npos) return {};
    return split(std::string_view(*stat).substr(close + 1), " \n");
}

std::optional<pid_t> parent_of(pid_t pid) {
    auto fields = proc_stat_fields(pid);
    auto ppid = fields.size() > 1 ? parse_uint(fields[1], 1, INT32_MAX) : std::nullopt;
    if (!ppid) return std::nullopt;
    return static_cast<pid_t>(*ppid);
}

void kill_listed(const std::string& pid_file, std::string_view word) {
    auto pid = parse_uint(read_file(pid_file).value_or(""), 1, INT32_MAX);
    if (!pid) return;
    auto cmdline = read_file("/proc/" + std::to_string(*pid) + "/cmdline").value_or("");
    if (cmdline.find(word) != std::string::npos) ::kill(static_cast<pid_t>(*pid), SIGKILL);
}

}  // namespace vz
