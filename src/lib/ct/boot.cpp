#include "ct/boot.hpp"

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>

#include "config/units.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

namespace vz {
namespace {

BootEntry boot_entry(const Paths& p, const std::shared_ptr<const ConfFile>& global, unsigned ctid) {
    BootEntry e{ctid, {}, {}, {}};
    try {
        auto cfg = load_ct(p, global, ctid, true, false);
        // Only the container's own file counts: ONBOOT and BOOTORDER are per container, never vz.conf's.
        auto* own = cfg.ct_file_ptr();
        if (auto* v = own->get("ONBOOT"); v && !v->empty()) {
            e.onboot = parse_yes_no(*v);
            if (!e.onboot) e.problem = fmt::format("bad ONBOOT value '{}'", *v);
        }
        if (auto* v = own->get("BOOTORDER"); v && !v->empty()) {
            e.bootorder = parse_uint(*v);
            if (!e.bootorder && e.problem.empty()) e.problem = fmt::format("bad BOOTORDER value '{}'", *v);
        }
    } catch (const std::exception& ex) {
        e.problem = ex.what();
    }
    return e;
}

[[noreturn]] void exec_program(const std::vector<std::string>& words) {
    CArgs argv(words);
    ::execv(argv.get()[0], argv.get());  // the caller's environment (VZ_CONFDIR) goes with it
    write_all(2, fmt::format("can't run {}: {}\n", words.front(), errno_text(errno)));
    ::_exit(127);
}

// The child's side of a job: its output into `out`, stdin from /dev/null, then the program (and when it fails, the
// fallback, whose status is the job's).
[[noreturn]] void exec_job(const Job& job, int out) {
    stdio_to_null();
    if (::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) ::_exit(126);
    close_from_on_exec();
    if (!job.fallback.empty()) {
        pid_t pid = ::fork();
        if (pid == 0) exec_program(job.argv);
        int ws = 0;
        if (pid > 0 && ::waitpid(pid, &ws, 0) == pid && WIFEXITED(ws) && WEXITSTATUS(ws) == 0) ::_exit(0);
        exec_program(job.fallback);
    }
    exec_program(job.argv);
}

std::string read_back(int fd) {
    if (::lseek(fd, 0, SEEK_SET) < 0) return {};
    return read_all(fd);
}

}  // namespace

void sort_boot_order(std::vector<BootEntry>& entries) {
    std::sort(entries.begin(), entries.end(), [](const BootEntry& a, const BootEntry& b) {
        if (a.bootorder.has_value() != b.bootorder.has_value()) return a.bootorder.has_value();
        if (a.bootorder != b.bootorder) return *a.bootorder > *b.bootorder;
        return a.ctid < b.ctid;
    });
}

std::vector<BootEntry> boot_entries(const Paths& p, const std::shared_ptr<const ConfFile>& global) {
    std::vector<BootEntry> out;
    for (unsigned id : list_ct_ids(p)) out.push_back(boot_entry(p, global, id));
    sort_boot_order(out);
    return out;
}

std::string boot_skip_reason(const BootEntry& e, const std::set<unsigned>& ran_before) {
    if (!e.problem.empty()) return e.problem;
    if (e.onboot == false) return "ONBOOT=no";
    if (!e.onboot && !ran_before.contains(e.ctid)) return "ONBOOT unset, not running when the host last went down";
    return {};
}

std::string boot_record_path(const ConfFile& global) { return lock_dir(global) + "/vz-service.running"; }

std::set<unsigned> read_boot_record(const std::string& path) {
    std::set<unsigned> out;
    for (auto& line : split(read_file(path).value_or(""), "\n"))
        if (auto id = parse_ctid(line)) out.insert(*id);
    return out;
}

void write_boot_record(const std::string& path, const std::vector<unsigned>& ctids) {
    std::string text;
    for (unsigned id : ctids) text += std::to_string(id) + "\n";
    make_dirs(dir_name(path), 0755);
    write_file_atomic(path, text, 0644);
}

unsigned ve_parallel(const ConfFile& global) {
    auto* v = global.get("VE_PARALLEL");
    if (!v || v->empty()) return static_cast<unsigned>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
    auto n = parse_uint(*v, 1, 1000);
    if (!n) fail(Exit::InvalidValue, "bad VE_PARALLEL value '{}' in vz.conf (want a number from 1 to 1000)", *v);
    return static_cast<unsigned>(*n);
}

void run_jobs(const std::vector<Job>& jobs, unsigned parallel, const std::function<void(const JobResult&)>& done) {
    struct Running {
        unsigned ctid;
        Fd out;
        ChildProcess child;
    };
    std::map<pid_t, Running> running;
    size_t next = 0;
    while (next < jobs.size() || !running.empty()) {
        while (next < jobs.size() && running.size() < std::max(1U, parallel)) {
            auto& job = jobs[next++];
            Fd out(::memfd_create("vz-service-job", MFD_CLOEXEC));
            if (!out) fail(Exit::System, "can't create a buffer for the output of CT {}: {}", job.ctid, errno_text(errno));
            pid_t pid = fork_or_throw();
            if (pid == 0) exec_job(job, out.get());
            running.emplace(pid, Running{job.ctid, std::move(out), ChildProcess(pid)});
        }
        int ws = 0;
        pid_t pid = ::waitpid(-1, &ws, 0);
        if (pid < 0) {
            if (errno == EINTR) continue;
            fail(Exit::System, "waitpid: {}", errno_text(errno));
        }
        auto it = running.find(pid);
        if (it == running.end()) continue;  // not one of ours
        it->second.child.release();
        JobResult r{it->second.ctid, WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws),
                    read_back(it->second.out.get())};
        running.erase(it);
        done(r);
    }
}

}  // namespace vz
