// vz-service: the host's boot and shutdown of containers, run by systemd's vz.service (etc/systemd/vz.service):
// `start` at boot, `stop` at shutdown, `status` for a look. Each container is started or stopped by the installed
// vzctl as a child process (a container's start or stop is exactly the command's, lock and log included, and one
// that fails or crashes takes nothing else with it), VE_PARALLEL at a time. One line per container and a summary
// go to stdout, which the journal keeps for `systemctl status vz`.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <tuple>
#include <utility>

#include "config/ctconfig.hpp"
#include "ct/boot.hpp"
#include "ct/probe.hpp"
#include "ct/ubcfs_daemon.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace {

// Some container could not be started or stopped; the service itself did its work. vz.service counts this as
// success (SuccessExitStatus), so that a host with one broken container still stops the others at shutdown.
constexpr int kSomeFailed = 1;

void say(const std::string& line) {
    std::fputs((line + "\n").c_str(), stdout);
    std::fflush(stdout);
}

// vzctl beside this program (the build tree), else the installed one.
std::string default_vzctl() {
    char buf[4096];
    auto n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n > 0) {
        auto beside = vz::dir_name(std::string(buf, static_cast<size_t>(n))) + "/vzctl";
        if (vz::path_exists(beside)) return beside;
    }
    return VZ_SBINDIR "/vzctl";
}

// The last line a failed vzctl printed: its error message.
std::string last_line(const std::string& output) {
    auto lines = vz::split(output, "\n");
    return lines.empty() ? std::string() : lines.back();
}

std::string failure_line(const vz::JobResult& r, const char* what) {
    auto msg = last_line(r.output);
    return fmt::format("CT {}: failed to {} (exit code {}){}{}", r.ctid, what, r.status, msg.empty() ? "" : ": ", msg);
}

// Runs the jobs, one line per container as each ends ("CT 101: started" or its failure); how many succeeded and
// how many failed.
std::pair<unsigned, unsigned> run_reporting(const std::vector<vz::Job>& jobs, unsigned parallel, const char* verb,
                                            const char* done) {
    unsigned ok = 0, failed = 0;
    vz::run_jobs(jobs, parallel, [&](const vz::JobResult& r) {
        if (r.status == 0) {
            say(fmt::format("CT {}: {}", r.ctid, done));
            ++ok;
        } else {
            say(failure_line(r, verb));
            ++failed;
        }
    });
    return {ok, failed};
}

struct Setup {
    vz::Paths paths = vz::paths();
    std::shared_ptr<const vz::ConfFile> global = std::make_shared<const vz::ConfFile>(vz::load_global(paths));
    unsigned parallel = vz::ve_parallel(*global);
};

int start(const std::string& vzctl) {
    Setup s;
    auto record = vz::boot_record_path(*s.global);
    auto ran_before = vz::read_boot_record(record);
    vz::Probe probe(*s.global);
    say(fmt::format("Starting containers (VE_PARALLEL={})", s.parallel));
    std::vector<vz::Job> jobs;
    unsigned skipped = 0, started = 0, failed = 0;
    for (auto& e : vz::boot_entries(s.paths, s.global)) {
        auto why = vz::boot_skip_reason(e, ran_before);
        if (why.empty() && probe.running(e.ctid)) why = "already running";
        if (!why.empty()) {
            say(fmt::format("CT {}: skipped ({})", e.ctid, why));
            ++skipped;
            continue;
        }
        jobs.push_back({e.ctid, {vzctl, "start", std::to_string(e.ctid)}, {}});
    }
    std::tie(started, failed) = run_reporting(jobs, s.parallel, "start", "started");
    // The record served this boot; a host that crashes before its next shutdown must not reuse it.
    ::unlink(record.c_str());
    say(fmt::format("Containers: {} started, {} failed, {} skipped", started, failed, skipped));
    return failed ? kSomeFailed : 0;
}

int stop(const std::string& vzctl) {
    Setup s;
    vz::Probe probe(*s.global);
    auto entries = vz::boot_entries(s.paths, s.global);
    // Running containers in shutdown order: the reverse of the boot order; one without a config (its config
    // removed while it ran) counts as unset BOOTORDER.
    auto running = probe.running_ids();
    for (unsigned id : running)
        if (std::none_of(entries.begin(), entries.end(), [&](auto& e) { return e.ctid == id; }))
            entries.push_back(vz::BootEntry{id, {}, {}, {}});
    vz::sort_boot_order(entries);
    std::vector<unsigned> order;
    for (auto it = entries.rbegin(); it != entries.rend(); ++it)
        if (std::find(running.begin(), running.end(), it->ctid) != running.end()) order.push_back(it->ctid);
    vz::write_boot_record(vz::boot_record_path(*s.global), order);

    // VE_STOP_MODE=suspend: each container checkpointed (the next start resumes it), or stopped where that fails.
    auto* mode = s.global->get("VE_STOP_MODE");
    bool suspend = mode && *mode == "suspend";
    say(fmt::format("{} containers (VE_PARALLEL={})", suspend ? "Suspending" : "Stopping", s.parallel));
    std::vector<vz::Job> jobs;
    for (unsigned id : order) {
        std::vector<std::string> stop_argv{vzctl, "stop", std::to_string(id)};
        if (suspend) jobs.push_back({id, {vzctl, "suspend", std::to_string(id)}, stop_argv});
        else jobs.push_back({id, stop_argv, {}});
    }
    auto [stopped, failed] = run_reporting(jobs, s.parallel, "stop", suspend ? "suspended or stopped" : "stopped");
    say(fmt::format("Containers: {} {}, {} failed", stopped, suspend ? "suspended or stopped" : "stopped", failed));
    // The beancounter file daemon outlives the last container's stop; at the host's shutdown it ends with them.
    vz::ubcfs_stop_idle(*s.global);
    return failed ? kSomeFailed : 0;
}

int status() {
    Setup s;
    vz::Probe probe(*s.global);
    auto ran_before = vz::read_boot_record(vz::boot_record_path(*s.global));
    for (auto& e : vz::boot_entries(s.paths, s.global)) {
        auto why = vz::boot_skip_reason(e, ran_before);
        say(fmt::format("CT {}: {}, ONBOOT={}, BOOTORDER={}: {}", e.ctid, probe.running(e.ctid) ? "running" : "stopped",
                        e.onboot ? (*e.onboot ? "yes" : "no") : "unset",
                        e.bootorder ? std::to_string(*e.bootorder) : "unset",
                        why.empty() ? "starts at boot" : "not started at boot (" + why + ")"));
    }
    return 0;
}

int run(int argc, char** argv) {
    CLI::App app{"vz-service: start the containers marked ONBOOT at boot, stop the running ones at shutdown "
                 "(systemd's vz.service runs it; see vz-service(8))",
                 "vz-service"};
    app.set_help_flag("--help", "print this help and exit");
    std::string vzctl = default_vzctl();
    app.add_option("--vzctl", vzctl, "the vzctl binary to run for each container")->capture_default_str();
    app.require_subcommand(1, 1);
    app.add_subcommand("start", "start the containers with ONBOOT=yes (and those with ONBOOT unset that ran at "
                                "the last shutdown) in BOOTORDER order, VE_PARALLEL at a time");
    app.add_subcommand("stop", "stop every running container in reverse boot order, VE_PARALLEL at a time, "
                               "recording which ran; then the beancounter file daemon vzubcfs");
    app.add_subcommand("status", "one line per container: running or not, ONBOOT, BOOTORDER, whether it starts "
                                 "at boot");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : static_cast<int>(vz::Exit::InvalidSyntax);
    }
    auto cmd = app.get_subcommands().front()->get_name();
    if (cmd == "start") return start(vzctl);
    if (cmd == "stop") return stop(vzctl);
    return status();
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const vz::Error& e) {
        vz::log::error(e.what());
        return e.exit_status();
    } catch (const std::exception& e) {
        vz::log::error(e.what());
        return static_cast<int>(vz::Exit::System);
    }
}
