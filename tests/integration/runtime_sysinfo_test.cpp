// sysinfo(2) inside a container answers with the container's memory, swap, uptime and process count (the monitor
// answers it through a seccomp user notification), so busybox `free` in a vswap-256m container says 262144 kB of
// RAM and 524288 kB of swap, and follows a live --ram change. Setuid programs keep working (no no_new_privs).
#include "../support/runtime_fixture.hpp"

namespace {

using namespace vztest;

class Sysinfo : public RuntimeTest {
protected:
    // A column ("total", "shared", ...) of the `Mem:` or `Swap:` row of busybox free (kB). Numbers are right-aligned
    // under their header word; cutting there also copes with a neighbour column overflowing into this one.
    std::optional<uint64_t> free_column(const std::string& row, const std::string& column = "total") {
        auto r = sh("free");
        EXPECT_EQ(r.status, 0) << r.out << r.err;
        auto text = lines(r.out);
        auto at = text.empty() ? std::string::npos : text[0].find(column);
        auto end = at + column.size();
        for (auto& l : text) {
            if (at == std::string::npos || l.rfind(row + ":", 0) != 0 || l.size() < end) continue;
            auto cell = l.substr(0, end);
            auto start = cell.find_last_of(" :");
            if (start != std::string::npos && start + 1 < cell.size()) return std::stoull(cell.substr(start + 1));
        }
        ADD_FAILURE() << "no " << column << " of " << row << " in free's output:\n" << r.out;
        return std::nullopt;
    }
    std::optional<uint64_t> free_total(const std::string& row) { return free_column(row); }

    // A "Key:\tvalue" line of /proc/self/status as the container's shell sees it.
    std::string own_status(const std::string& key) {
        auto r = sh("grep '^" + key + ":' /proc/self/status");
        return trim(r.out.substr(r.out.find(':') + 1));
    }
};

TEST_F(Sysinfo, BusyboxFreeShowsTheVswapSampleAndFollowsALiveRamChange) {
    ASSERT_TRUE(start_ct());
    EXPECT_EQ(free_total("Mem"), 262144u);
    EXPECT_EQ(free_total("Swap"), 524288u);
    // Live, not saved: the running container changes, the config does not.
    auto r = run({"set", ct(), "--ram", "512M"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(free_total("Mem"), 524288u);
    EXPECT_EQ(free_total("Swap"), 524288u);
}

// sharedram is the container's shmem: a 100 MiB file in its /dev/shm shows as "shared" (memory.stat catches up
// within a few seconds: v2 flushes its statistics periodically).
TEST_F(Sysinfo, SharedIsTheContainersShmem) {
    ASSERT_TRUE(start_ct());
    auto r = sh("dd if=/dev/zero of=/dev/shm/fill bs=1M count=100 2>/dev/null");
    ASSERT_EQ(r.status, 0) << r.err;
    uint64_t shared = 0;
    EXPECT_TRUE(eventually([&] { return (shared = free_column("Mem", "shared").value_or(0)) >= 100u * 1024; }, 30s))
        << "shared: " << shared << " kB";
}

TEST_F(Sysinfo, UptimeIsTheContainers) {
    ASSERT_TRUE(start_ct());
    // busybox uptime reads sysinfo(2); the host has been up for longer than this container's few seconds.
    auto r = sh("uptime");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("up 0 min"), std::string::npos) << r.out;
}

// The monitor samples the container's running tasks every 5 s into 1/5/15-minute averages, as the kernel does for
// the host; busybox uptime shows them (sysinfo's loads). Two busy loops for 16 s (3 samples) give a 1-minute
// average of 2 * (1 - 0.92^3) = 0.44 or more, whatever else the host runs.
TEST_F(Sysinfo, LoadAverageCountsTheContainersBusyTasks) {
    ASSERT_TRUE(start_ct());
    auto r = run({"exec", ct(), "for i in 1 2; do (while :; do :; done) >/dev/null 2>&1 & done"});
    ASSERT_EQ(r.status, 0) << r.err;
    std::this_thread::sleep_for(16s);
    auto up = sh("uptime");
    auto at = up.out.find("load average: ");
    ASSERT_NE(at, std::string::npos) << up.out;
    EXPECT_GE(std::stod(up.out.substr(at + 14)), 0.3) << up.out;
    // vzlist asks the monitor for the same figures: "a/b/c", and [a, b, c] in JSON.
    auto l = vzlist_run({"-H", "-o", "laverage", ct()});
    ASSERT_EQ(l.status, 0) << l.err;
    auto text = trim(l.out);
    ASSERT_EQ(std::count(text.begin(), text.end(), '/'), 2) << text;
    EXPECT_GE(std::stod(text), 0.3) << text;
    auto j = vzlist_run({"-j", "-o", "laverage", ct()});
    EXPECT_NE(j.out.find("\"laverage\": ["), std::string::npos) << j.out;
}

TEST_F(Sysinfo, EveryProcessRunsUnderTheFilterWithoutNoNewPrivs) {
    ASSERT_TRUE(start_ct());
    auto init = init_pid();
    ASSERT_TRUE(init);
    auto status = read_text("/proc/" + std::to_string(*init) + "/status");
    EXPECT_NE(status.find("\nSeccomp:\t2\n"), std::string::npos) << "init has no seccomp filter";
    EXPECT_NE(status.find("\nNoNewPrivs:\t0\n"), std::string::npos) << "init runs with no_new_privs";
    // A command run by exec joins later and installs the same filter.
    EXPECT_EQ(own_status("Seccomp"), "2");
    EXPECT_EQ(own_status("NoNewPrivs"), "0");
}

TEST_F(Sysinfo, ARebootInsideKeepsTheAnswers) {
    ASSERT_TRUE(start_ct());
    auto before = init_pid();
    ASSERT_TRUE(before);
    run({"exec", ct(), "reboot"});
    ASSERT_TRUE(eventually([&] { auto now = init_pid(); return now && *now != *before; }, 60s)) << "no new init";
    ASSERT_TRUE(wait_booted());
    EXPECT_EQ(free_total("Mem"), 262144u);
}

}  // namespace
