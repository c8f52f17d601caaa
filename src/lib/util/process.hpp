// Process primitives every caller needs: pipes, a child process owned through a pidfd, stdio to /dev/null, closing
// inherited descriptors, argv/envp arrays for exec, reading a descriptor to its end, and ignoring a signal for a
// while without changing it for good.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/fd.hpp"

namespace vz {

struct Pipe {
    Fd rd, wr;
};
// A close-on-exec pipe; throws vz::Error (System) naming the failure.
Pipe make_pipe(int flags = 0);

// fork(); throws vz::Error (System) when it fails.
pid_t fork_or_throw();

// Runs `child(arg)` in a new process (our child, SIGCHLD at its end) that shares this process's memory until it execs
// or exits, as after vfork(2): this thread waits until then. No copy of our page tables is made, and neither side
// pays copy-on-write faults afterwards. `child` runs on a stack of its own (1 MiB, mapped as it is touched, a guard
// page below) and must end in an exec or _exit; it must leave alone what we use afterwards (its allocations stay in
// our memory), and no other thread of ours may run meanwhile (a process it forks would copy that thread mid-way).
// Under AddressSanitizer the child is a copy (fork): LeakSanitizer would count its allocations as ours. Returns its
// pid; throws vz::Error (System) when it can't be made.
pid_t spawn_sharing_memory(int (*child)(void*), void* arg);

// Owns a child process: unless released or waited for, the destructor kills and reaps it, so no error path leaves
// a stray process or a zombie behind.
class ChildProcess {
public:
    ChildProcess() = default;
    explicit ChildProcess(pid_t pid) noexcept : pid_(pid) {}
    ChildProcess(ChildProcess&& o) noexcept : pid_(std::exchange(o.pid_, -1)) {}
    ChildProcess& operator=(ChildProcess&& o) noexcept;
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess();

    pid_t pid() const noexcept { return pid_; }
    explicit operator bool() const noexcept { return pid_ > 0; }
    // Waits for it; its exit code, or 128+signal.
    int wait();
    // It is no longer ours to kill or wait for.
    pid_t release() noexcept { return std::exchange(pid_, -1); }

private:
    pid_t pid_ = -1;
};

// Waits for `pid`; returns its exit code, or 128+signal.
int wait_exit(pid_t pid);

// A pidfd of process `pid` (not necessarily our child), or an empty Fd when it is gone or the kernel has none.
Fd open_pidfd(pid_t pid);

// Whether the process of `pidfd` exits within `limit` (a pidfd becomes readable once its process has exited).
bool exits_within(const Fd& pidfd, std::chrono::milliseconds limit);

// The fields of /proc/<pid>/stat after the command name (which may hold anything): [0] is field 3 (state), [1]
// field 4 (ppid), ...; empty when the process is gone.
std::vector<std::string> proc_stat_fields(pid_t pid);

// The parent of process `pid`, from /proc; nullopt when it is gone.
std::optional<pid_t> parent_of(pid_t pid);

// SIGKILL to the process whose pid the file `pid_file` holds, if there is one and its command line holds `word`
// (a daemon that wrote it, not another process that got its pid since).
void kill_listed(const std::string& pid_file, std::string_view word);

// Standard input, output and error to /dev/null; with `keep_stdin`, input is kept.
void stdio_to_null(bool keep_stdin = false);

// Every descriptor from `first` on closes at the next exec (the ones below stay).
void close_from_on_exec(unsigned first = 3);

// A NULL-terminated char* array over strings, for execve and friends; the strings must outlive it.
class CArgs {
public:
    explicit CArgs(const std::vector<std::string>& words);
    char* const* get() const { return ptrs_.data(); }

private:
    std::vector<char*> ptrs_;
};

// execve with vectors (PATH searched when `path_search`); returns only on failure.
void exec_argv(const std::vector<std::string>& argv, const std::vector<std::string>& env, bool path_search);

// A host program run to its end (PATH searched, stdin /dev/null, stdout and stderr captured together): its exit
// status (128+signal when killed; 127 when it could not be run) and what it printed.
struct ProgramResult {
    int status = 0;
    std::string output;
};
ProgramResult run_program(const std::vector<std::string>& argv);
// The same, calling `tick` about every `every` while the program runs (a progress line follows what it does).
ProgramResult run_program(const std::vector<std::string>& argv, const std::function<void()>& tick,
                          std::chrono::milliseconds every);
// run_program in two halves: the program started (as run_program starts it), and later its end waited for and its
// output read, so the caller does its own work meanwhile. Its output must fit a pipe's buffer (64 KiB) for it to end
// before finish_program reads it. A started program that is never finished is killed and reaped.
struct StartedProgram {
    ChildProcess child;
    Fd out;
};
StartedProgram start_program(const std::vector<std::string>& argv);
ProgramResult finish_program(StartedProgram& p);

// A user's command run to its end as a shell would run it (this process's environment and PATH: ssh needs the
// user's agent and HOME), stdin /dev/null, standard error passed on to ours; standard output as `out` says:
// captured into `output`, passed on to ours, or sent to our standard error (a progress line the command draws, for
// the terminal and never for a script reading our output). Status as run_program's.
enum class CommandOutput { Capture, PassOn, ToStderr };
ProgramResult run_command(const std::vector<std::string>& argv, CommandOutput out = CommandOutput::Capture);

// Everything `fd` gives until end of file (EINTR retried; a read error ends it).
std::string read_all(int fd);

// Writes all of `text` to `fd`; false when the reader went away or another error stopped it.
bool write_all(int fd, std::string_view text);

// Ignores `sig` while it lives, then restores the disposition it found: library code does not change a
// process-wide disposition for good.
class SignalIgnore {
public:
    explicit SignalIgnore(int sig);
    SignalIgnore(const SignalIgnore&) = delete;
    SignalIgnore& operator=(const SignalIgnore&) = delete;
    ~SignalIgnore();

private:
    int sig_;
    struct sigaction old_ {};
    bool saved_ = false;
};

}  // namespace vz
