// A real distribution as a container: Debian 12 (debootstrap minbase + systemd, made by scripts/mktemplate-debian)
// boots with systemd as PID 1, reaches "running" with no failed unit, keeps every cgroup it makes inside the
// container's own, shows its vswap-256m memory to procps free, and stops cleanly through `halt`, leaving nothing
// behind.
//
// Long: the first run on a machine debootstraps Debian from the mirror apt uses (1-3 minutes, network needed; an
// unreachable mirror is a failure, not a skip). The debootstrap result is cached outside the build directory
// (/var/cache/vzctl/mktemplate-debian), so later runs need about 10 s for the template, a few seconds for the rest.
#include <cstdio>
#include <filesystem>
#include <map>
#include <regex>
#include <sstream>

#include "../support/debian_template.hpp"

namespace {

using namespace vztest;
namespace fs = std::filesystem;

class DebianBoot : public RuntimeTest {
protected:
    std::string template_path() const { return debian_template_path(); }
    Shell make_template() { return make_debian_template(); }
    static std::string template_name() { return debian_template_name(); }

    void SetUp() override {
        if (auto why = cgroup_unusable_reason(); !why.empty()) GTEST_SKIP() << why;
        auto t0 = Clock::now();
        auto made = make_template();
        ASSERT_EQ(made.status, 0) << "scripts/mktemplate-debian failed (the Debian mirror must be reachable for the "
                                     "first run on a machine):\n"
                                  << made.out;
        ASSERT_TRUE(fs::exists(template_path())) << made.out;
        std::printf("[ DebianBoot ] template ready in %.1f s\n", seconds_since(t0));
    }

    static double seconds_since(Clock::time_point t0) {
        return std::chrono::duration<double>(Clock::now() - t0).count();
    }

    // Every process of the container: systemd moves them into cgroups of its own below the container's.
    std::vector<pid_t> tree_procs(const std::string& dir) const {
        auto out = read_pid_list(dir + "/cgroup.procs");
        std::error_code ec;
        for (auto& e : fs::directory_iterator(dir, ec))
            if (e.is_directory()) {
                auto more = tree_procs(e.path().string());
                out.insert(out.end(), more.begin(), more.end());
            }
        return out;
    }

    std::optional<pid_t> systemd_init() const {
        for (pid_t pid : tree_procs(cg_dir("pids")))
            for (auto& l : lines(try_read("/proc/" + std::to_string(pid) + "/status").value_or("")))
                if (l.rfind("NSpid:", 0) == 0 && l.substr(l.find_last_of(" \t") + 1) == "1" &&
                    l.find_first_of(" \t") != l.find_last_of(" \t"))
                    return pid;
        return std::nullopt;
    }

    // The container's init is in <CGROUP_BASE>/<CTID> or below in every hierarchy, the named systemd one and the
    // cgroup2 one included: a hierarchy where it is not is the host's root to systemd inside.
    ::testing::AssertionResult confined(pid_t init) const {
        auto prefix = "/" + base_ + "/" + ct();
        std::string bad;
        for (auto& l : lines(try_read("/proc/" + std::to_string(init) + "/cgroup").value_or(""))) {
            auto path = l.substr(l.find(':', l.find(':') + 1) + 1);
            if (path != prefix && path.rfind(prefix + "/", 0) != 0) bad += "\n  " + l;
        }
        if (bad.empty()) return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << "the container's init is outside " << prefix << " in:" << bad;
    }

    // What systemd inside said, for failure messages: its journal, read from the host.
    std::string journal() const {
        auto dir = private_path(kCt) + "/var/log/journal";
        std::string text = "\n--- journal of CT " + ct() + " (last lines) ---\n";
        if (auto init = systemd_init()) {
            // Before the flush to /var/log/journal it is in the container's /run.
            auto run = "/proc/" + std::to_string(*init) + "/root/run/log/journal";
            if (fs::exists(run)) dir = run;
        }
        return text + shell("journalctl -D " + shell_quote(dir) + " -o short-monotonic --no-pager | tail -n 60").out;
    }

    // systemctl is-system-running says "running" within `limit`; else what it said, the failed units, the journal.
    ::testing::AssertionResult becomes_running(std::chrono::seconds limit) {
        Result state;
        if (eventually(
                [&] {
                    state = sh("systemctl is-system-running");
                    return trim(state.out) == "running";
                },
                limit))
            return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << "is-system-running: " << state.out << state.err
                                             << "\nfailed units: " << failed_units() << journal();
    }

    void suspend_and_resume_keep_systemd_running(bool privileged);

    std::string failed_units() {
        auto r = sh("systemctl --failed --plain --no-legend --no-pager");
        return trim(r.out + r.err);
    }
};

TEST_F(DebianBoot, SystemdBootsToRunningAndStopsLeavingNothing) {
    auto r = run({"create", ct(), "--ostemplate", template_name(), "--config", "vswap-256m"}, {}, 300s);
    ASSERT_EQ(r.status, 0) << "create: " << r.out << r.err;

    auto t0 = Clock::now();
    r = run({"start", ct(), "--wait"}, {}, 180s);
    auto boot = seconds_since(t0);
    ASSERT_EQ(r.status, 0) << "start --wait: " << r.out << r.err << "\nfailed units: " << failed_units()
                           << journal();
    std::printf("[ DebianBoot ] start --wait took %.1f s\n", boot);
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");

    auto init = systemd_init();
    ASSERT_TRUE(init) << "no process of CT 101 is pid 1 in its namespace";
    EXPECT_EQ(comm_of(*init), "systemd");
    EXPECT_TRUE(confined(*init));

    auto state = sh("systemctl is-system-running");
    EXPECT_EQ(state.status, 0) << state.err;
    EXPECT_EQ(trim(state.out), "running") << "failed units: " << failed_units() << journal();
    EXPECT_EQ(failed_units(), "");
    // agetty asks for a login on the console (vzctl console).
    EXPECT_EQ(trim(sh("systemctl is-active console-getty.service").out), "active") << journal();

    auto ps = sh("ps -e -o pid=,comm=");
    ASSERT_EQ(ps.status, 0) << ps.err;
    bool systemd_is_1 = false, journald = false;
    for (auto& l : lines(ps.out)) {
        if (trim(l) == "1 systemd") systemd_is_1 = true;
        if (contains(l, "systemd-journal")) journald = true;
    }
    EXPECT_TRUE(systemd_is_1) << ps.out;
    EXPECT_TRUE(journald) << ps.out;

    // procps free reads /proc/meminfo (vzubcfs's): the vswap-256m sample's RAM and swap, on any host.
    auto free = sh("free -k");
    ASSERT_EQ(free.status, 0) << free.out << free.err;
    std::map<std::string, std::string> totals;
    for (auto& l : lines(free.out))
        if (auto words = pieces(l, ' '); !words.empty()) {
            std::erase(words, "");
            if (words.size() > 1) totals[words[0]] = words[1];
        }
    EXPECT_EQ(totals["Mem:"], "262144") << free.out;
    EXPECT_EQ(totals["Swap:"], "524288") << free.out;

    // The template has none; each container makes its own at its first start.
    auto id = sh("cat /etc/machine-id");
    EXPECT_TRUE(std::regex_match(trim(id.out), std::regex("[0-9a-f]{32}"))) << id.out << id.err;

    t0 = Clock::now();
    r = run({"stop", ct()}, {}, 180s);
    auto stop = seconds_since(t0);
    ASSERT_EQ(r.status, 0) << "stop: " << r.out << r.err << journal();
    std::printf("[ DebianBoot ] stop took %.1f s\n", stop);
    EXPECT_TRUE(contains(r.out, "Container was stopped")) << r.out;
    // systemd powered off on its own after `halt`: vzctl did not wait for STOP_TIMEOUT (30 s here) to kill it.
    EXPECT_LT(stop, 25.0) << journal();
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_FALSE(process_alive(*init));
    EXPECT_TRUE(eventually([&] { return bool(nothing_left()); }, 10s)) << nothing_left().message();
    auto shutdown = shell("journalctl -D " + shell_quote(private_path(kCt) + "/var/log/journal") +
                          " --no-pager -o cat -u systemd-halt.service -u systemd-poweroff.service");
    EXPECT_TRUE(contains(shutdown.out, "System Halt") || contains(shutdown.out, "System Power Off"))
        << "systemd did not go through its own shutdown:" << journal();
}

TEST_F(DebianBoot, RebootInsideBootsSystemdAgainUnderTheSameMonitor) {
    auto r = run({"create", ct(), "--ostemplate", template_name(), "--config", "vswap-256m"}, {}, 300s);
    ASSERT_EQ(r.status, 0) << "create: " << r.out << r.err;
    r = run({"start", ct(), "--wait"}, {}, 180s);
    ASSERT_EQ(r.status, 0) << "start --wait: " << r.out << r.err << journal();
    auto old_init = systemd_init();
    ASSERT_TRUE(old_init);
    pid_t monitor = parent_of(*old_init);

    // systemctl reboot: systemd shuts down and calls reboot(2), the kernel ends the CT's init with SIGHUP and the
    // monitor starts a new one (in a fresh cgroup: the old systemd's own cgroups are gone with it).
    r = run({"exec", ct(), "reboot"});
    std::optional<pid_t> new_init;
    ASSERT_TRUE(eventually(
        [&] {
            new_init = systemd_init();
            return new_init && *new_init != *old_init;
        },
        60s))
        << "no new init after reboot (exec: " << r.status << " " << r.err << "; status: " << status_line() << ")"
        << journal();
    EXPECT_EQ(parent_of(*new_init), monitor);
    // Until systemd has made its private socket, systemctl cannot ask it anything.
    EXPECT_TRUE(becomes_running(60s)) << "after reboot";
    EXPECT_EQ(comm_of(*new_init), "systemd");
    EXPECT_TRUE(confined(*new_init));
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");

    r = run({"stop", ct()}, {}, 180s);
    ASSERT_EQ(r.status, 0) << "stop: " << r.out << r.err << journal();
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_TRUE(eventually([&] { return bool(nothing_left()); }, 10s)) << nothing_left().message();
}

// suspend and resume of a booted systemd CT: systemd and journald carry on under a fresh monitor (same pids inside),
// systemd still answers (is-system-running: running, no failed unit), the journal takes new lines, and the CT stops
// cleanly after. (Incus calls its live migration "limited": no systemd.)
void DebianBoot::suspend_and_resume_keep_systemd_running(bool privileged) {
    auto r = run({"create", ct(), "--ostemplate", template_name(), "--config", "vswap-256m"}, {}, 300s);
    ASSERT_EQ(r.status, 0) << "create: " << r.out << r.err;
    if (privileged) {
        ASSERT_TRUE(make_privileged());
    }
    r = run({"start", ct(), "--wait"}, {}, 180s);
    ASSERT_EQ(r.status, 0) << "start --wait: " << r.out << r.err << journal();
    if (privileged && fs::exists("/sys/kernel/mm/hugepages")) {
        EXPECT_TRUE(contains(sh("cat /proc/self/mountinfo").out, " /dev/hugepages ")) << "no hugetlbfs to dump";
    }
    // Root inside is the host's root exactly when the CT is privileged (the default has a user namespace).
    auto root_is_hosts = [&] {
        auto init = systemd_init();
        auto map = init ? try_read("/proc/" + std::to_string(*init) + "/uid_map").value_or("") : "";
        std::istringstream first(map);
        std::string inside, outside;
        return bool(first >> inside >> outside) && inside == "0" && outside == "0";
    };
    EXPECT_EQ(root_is_hosts(), privileged) << "before suspend";
    auto before = sh("ps -e -o pid=,comm= | sort -n").out;

    r = run({"suspend", ct()}, {}, 120s);
    ASSERT_EQ(r.status, 0) << "suspend: " << r.out << r.err << journal();
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down suspended");
    r = run({"resume", ct()}, {}, 120s);
    ASSERT_EQ(r.status, 0) << "resume: " << r.out << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");
    EXPECT_EQ(root_is_hosts(), privileged) << "after resume";

    auto init = systemd_init();
    ASSERT_TRUE(init) << "no process of CT 101 is pid 1 in its namespace";
    EXPECT_EQ(comm_of(*init), "systemd");
    EXPECT_TRUE(confined(*init));
    // The same processes under the same pids inside (ps itself aside).
    auto after = sh("ps -e -o pid=,comm= | sort -n").out;
    auto without_ps = [](const std::string& text) {
        std::string out;
        for (auto& l : lines(text))
            if (!contains(l, " ps") && !contains(l, " sort") && !contains(l, " sh") && !contains(l, " bash"))
                out += l + "\n";
        return out;
    };
    EXPECT_EQ(without_ps(after), without_ps(before));
    EXPECT_TRUE(becomes_running(30s)) << "after resume";
    EXPECT_EQ(failed_units(), "");
    // Its agetty was dumped and restored on the new console.
    EXPECT_EQ(trim(sh("systemctl is-active console-getty.service").out), "active") << journal();
    EXPECT_EQ(sh("logger -t vztest resumed-and-logging").status, 0);
    EXPECT_TRUE(eventually([&] { return contains(sh("journalctl -t vztest --no-pager -o cat").out, "resumed-and-logging"); },
                           10s))
        << "journald does not take new lines" << journal();

    r = run({"stop", ct()}, {}, 180s);
    ASSERT_EQ(r.status, 0) << "stop: " << r.out << r.err << journal();
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_TRUE(eventually([&] { return bool(nothing_left()); }, 10s)) << nothing_left().message();
}

TEST_F(DebianBoot, SuspendAndResumeKeepSystemdRunning) { suspend_and_resume_keep_systemd_running(false); }

// The same privileged (LOCAL_UID=0): there systemd mounts a hugetlbfs on /dev/hugepages (where the host kernel has
// huge pages), which CRIU dumps only when told it may mount it again (--enable-fs hugetlbfs).
TEST_F(DebianBoot, PrivilegedSuspendAndResumeKeepSystemdRunning) { suspend_and_resume_keep_systemd_running(true); }

TEST_F(DebianBoot, TemplateIsContainerReady) {
    // Read from the tarball: what every container created from it starts with.
    auto tmpl = shell_quote(template_path());
    auto listing = shell("tar --zstd -tvf " + tmpl);
    ASSERT_EQ(listing.status, 0) << listing.out;
    for (auto unit : {"systemd-firstboot.service", "sys-fs-fuse-connections.mount"})
        EXPECT_TRUE(contains(listing.out, std::string("./etc/systemd/system/") + unit + " -> /dev/null"))
            << unit << " is not masked";
    // The container has a console (vzctl console): its getty runs.
    EXPECT_FALSE(contains(listing.out, "./etc/systemd/system/console-getty.service -> /dev/null"));
    for (auto& l : lines(listing.out)) {
        // "mode owner/group size date time ./path[ -> target]"
        auto start = l.find(" ./");
        if (start == std::string::npos) continue;
        auto path = l.substr(start + 1, l.find(" -> ") == std::string::npos ? std::string::npos
                                                                              : l.find(" -> ") - start - 1);
        // vzctl mounts its own /dev and /run; nothing of the builder's package downloads is kept.
        for (auto dir : {"./dev/", "./run/", "./tmp/", "./var/cache/apt/archives/"})
            EXPECT_FALSE(path.rfind(dir, 0) == 0 && path != dir && !(path == "./var/cache/apt/archives/partial/"))
                << "the template has " << path;
    }
    auto files = shell("tar --zstd -xOf " + tmpl +
                       " ./etc/machine-id ./etc/hostname ./etc/resolv.conf ./etc/shadow ./usr/lib/os-release");
    ASSERT_EQ(files.status, 0) << files.out;
    // machine-id and resolv.conf are empty, so the text starts with the host name.
    EXPECT_EQ(files.out.rfind("localhost\n", 0), 0u) << files.out;
    EXPECT_TRUE(contains(files.out, "\nroot:!")) << "root's password is not locked";
    EXPECT_TRUE(contains(files.out, "VERSION_ID=\"12\"")) << files.out;

    // A second run finds the template up to date and leaves it alone.
    auto before = fs::last_write_time(template_path());
    auto t0 = Clock::now();
    auto again = make_template();
    EXPECT_EQ(again.status, 0) << again.out;
    EXPECT_EQ(trim(again.out), template_path());
    EXPECT_LT(seconds_since(t0), 5.0);
    EXPECT_EQ(fs::last_write_time(template_path()), before);
}

}  // namespace
