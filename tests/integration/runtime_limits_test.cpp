// Limits changed with `vzctl set` on a running container, under real load: a CPU hog under --cpulimit, a memory hog
// beyond --ram/--swap, a fork loop against --numproc, ptys against --numpty. Measured with the kernel's counters;
// tolerances are wide, and no assertion is about how long anything took.
#include <filesystem>
#include <regex>
#include <sstream>

#include "../support/runtime_fixture.hpp"

namespace {

using namespace vztest;

class RuntimeLimits : public RuntimeTest {
protected:

    // CPU the CT used per second of wall time over `window`.
    double cpu_share(std::chrono::milliseconds window) {
        auto u0 = cpu_usage_ns();
        auto t0 = Clock::now();
        std::this_thread::sleep_for(window);
        auto u1 = cpu_usage_ns();
        auto t1 = Clock::now();
        auto wall = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
        return static_cast<double>(u1 - u0) / static_cast<double>(wall);
    }
};

TEST_F(RuntimeLimits, CpulimitCapsAHogAndChangesLive) {
    ASSERT_TRUE(start_ct());
    // What is measured is the limit, not the neighbours. (The CT's own --cpuunits would only weigh it against its
    // siblings inside the base.)
    favour_base_cpu();
    auto init = init_pid();
    ASSERT_TRUE(init);

    auto r = run({"set", ct(), "--cpulimit", "50"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(cpu_quota_us(), 50000U);
    EXPECT_EQ(cpu_period_us(), 100000U);
    EXPECT_EQ(conf_value("CPULIMIT"), "") << "set without --save wrote the config";

    // Two spinning shells: together they could use two CPUs.
    r = sh("for i in 1 2; do sh -c 'while :; do :; done' </dev/null >/dev/null 2>&1 & done");
    ASSERT_EQ(r.status, 0) << r.err;
    std::this_thread::sleep_for(500ms);
    auto throttled0 = cpu_throttled_count();
    double at50 = cpu_share(3s);
    auto throttled1 = cpu_throttled_count();
    RecordProperty("cpu_share_at_cpulimit_50", std::to_string(at50));
    EXPECT_GE(at50, 0.30) << "the hog got " << at50 << " CPU under --cpulimit 50";
    EXPECT_LE(at50, 0.70) << "the hog got " << at50 << " CPU under --cpulimit 50";
    EXPECT_GT(throttled1, throttled0) << "the CT was never throttled";

    r = run({"set", ct(), "--cpulimit", "100"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(cpu_quota_us(), 100000U);
    double at100 = cpu_share(3s);
    RecordProperty("cpu_share_at_cpulimit_100", std::to_string(at100));
    EXPECT_GT(at100, 0.75) << "after --cpulimit 100 the hog got " << at100 << " CPU (before: " << at50 << ")";
    EXPECT_LE(at100, 1.25) << "the hog got " << at100 << " CPU under --cpulimit 100";
    EXPECT_EQ(init_pid(), init) << "the CT was restarted to change the limit";
    EXPECT_EQ(conf_value("CPULIMIT"), "");
}

TEST_F(RuntimeLimits, MemoryHogBeyondRamAndSwapIsStoppedAndCounted) {
    ASSERT_TRUE(start_ct());
    auto init = init_pid();
    ASSERT_TRUE(init);
    // dd reads into one 100 MiB buffer. (Its run under the sample's 256M comes last: a peak it left would stay in
    // the v2 memory.peak, which kernels before 6.12 can't reset.)
    const std::string hog = "dd if=/dev/zero of=/dev/null bs=100M count=1";

    auto r = run({"set", ct(), "--ram", "64M", "--swap", "0"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(memory_limit_bytes(), 64ULL << 20);
    EXPECT_EQ(swap_limit_bytes(), 0U);
    EXPECT_EQ(conf_value("PHYSPAGES"), "0:256M") << "set without --save changed the config";
    EXPECT_EQ(conf_value("SWAPPAGES"), "0:512M");

    r = sh(hog);
    EXPECT_NE(r.status, 0) << "a 100 MiB buffer fit under --ram 64M --swap 0";
    // The kernel counted the failure.
    auto failures = memory_failures();
    EXPECT_GT(failures.total(), 0U) << failures;
    // RAM + swap never went beyond the limit (nothing before the hog came near it).
    EXPECT_LE(memory_and_swap_peak_bytes(), 64ULL << 20);
    // ... and so do the user's tools: the beancounter failure counter of RAM or swap.
    auto list = vzlist_run({"-H", "-o", "physpages.f,swappages.f"});
    ASSERT_EQ(list.status, 0) << list.err;
    uint64_t ubc_failures = 0;
    std::istringstream counters(list.out);
    for (uint64_t v = 0; counters >> v;) ubc_failures += v;
    EXPECT_GT(ubc_failures, 0U) << "vzlist physpages.f,swappages.f after the OOM kill: " << list.out;
    // Only the hog died.
    EXPECT_EQ(init_pid(), init);
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");
    EXPECT_EQ(trim(run({"exec", ct(), "echo", "alive"}).out), "alive");

    // It was the limit: raised live to the sample's values, the same hog runs.
    r = run({"set", ct(), "--ram", "256M", "--swap", "512M"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(memory_limit_bytes(), 256ULL << 20);
    r = sh(hog);
    EXPECT_EQ(r.status, 0) << "the hog fails even without a tight limit: " << r.err;
}

TEST_F(RuntimeLimits, ForkLoopStopsAtNumproc) {
    ASSERT_TRUE(start_ct());
    auto r = run({"set", ct(), "--numproc", "20", "--save"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(pids_max(), 20U);
    auto saved = conf_value("NUMPROC");
    EXPECT_TRUE(saved == "20" || saved == "20:20") << "NUMPROC in the config: " << saved;

    r = sh("i=0; while [ $i -lt 50 ]; do sleep 60 & i=$((i+1)); done; echo started $i");
    EXPECT_FALSE(contains(r.out, "started 50")) << "50 processes started under --numproc 20";
    EXPECT_TRUE(contains(r.err, "fork")) << r.err;
    EXPECT_LE(pids_current(), 20U);
    EXPECT_LE(ct_procs().size(), 20U);
    EXPECT_GT(pids_failures(), 0U);
    // The user sees the failures in the beancounter of numproc.
    auto list = vzlist_run({"-H", "-o", "numproc.f"});
    ASSERT_EQ(list.status, 0) << list.err;
    EXPECT_GT(std::stoull(trim(list.out)), 0U) << "vzlist numproc.f after failed forks: " << list.out;

    // Raised live, the CT can fork again.
    r = run({"set", ct(), "--numproc", "unlimited"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(pids_max(), kUnlimited);
    r = sh("killall sleep; sleep 0 & wait; echo forked");
    EXPECT_EQ(trim(r.out), "forked") << r.err;
}

TEST_F(RuntimeLimits, NumptyChangesLive) {
    ASSERT_TRUE(start_ct());
    auto r = run({"set", ct(), "--numpty", "2"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(sh("grep devpts /proc/mounts").out, "max=2"));
    r = sh("exec 3<>/dev/ptmx 4<>/dev/ptmx; ls /dev/pts | tr '\\n' ' '; (exec 5<>/dev/ptmx) 2>/dev/null && echo third-opened");
    EXPECT_EQ(trim(r.out), "0 1 ptmx") << r.err;
    EXPECT_EQ(conf_value("NUMPTY"), "") << "set without --save wrote the config";
}

// "UB limits were set successfully" only when a cgroup took a beancounter; one no cgroup enforces says so instead.
TEST_F(RuntimeLimits, UbSuccessOnlyWhenABeancounterWasApplied) {
    ASSERT_TRUE(start_ct());
    auto r = run({"set", ct(), "--numtcpsock", "100"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_FALSE(contains(r.out + r.err, "UB limits were set successfully")) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "not applied by this version, and not saved without --save: --numtcpsock")) << r.err;
    r = run({"set", ct(), "--numproc", "60"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "UB limits were set successfully")) << r.out << r.err;
    EXPECT_EQ(pids_max(), 60U);
}

// What the kernel can't enforce is said, never passed over in silence: a kmem limit that does not read back (cgroup
// v2 has none; v1 kernels since 6.1 accept one and ignore it), and on v1 a swap limit without a RAM limit (memsw
// counts both together), which is refused; v2 limits swap alone.
TEST_F(RuntimeLimits, LimitsTheKernelCanNotEnforceAreSaid) {
    ASSERT_TRUE(start_ct());
    auto r = run({"set", ct(), "--kmemsize", "20000000:22000000"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto kmem = try_read(cg_dir("memory") + "/memory.kmem.limit_in_bytes");
    bool enforced = kmem && trim(*kmem) == "22000000";
    EXPECT_EQ(contains(r.err, "kmemsize is accounted, not enforced"), !enforced) << r.err;

    r = run({"set", ct(), "--physpages", "0:unlimited", "--swap", "64M"});
    if (cgroup_mode() == CgroupMode::V2) {
        EXPECT_EQ(r.status, 0) << r.err;
        EXPECT_EQ(memory_limit_bytes(), kUnlimited);
        EXPECT_EQ(swap_limit_bytes(), 64ULL << 20);
    } else {
        EXPECT_EQ(r.status, 1) << r.err;  // the original's VZ_SETUBC_ERROR
        EXPECT_TRUE(contains(r.err, "without a physpages limit")) << r.err;
    }
}

TEST_F(RuntimeLimits, SaveWritesTheConfigAndWithoutSaveOnlyTheCgroupChanges) {
    ASSERT_TRUE(start_ct());
    auto before = read_text(conf_path(kCt));
    auto r = run({"set", ct(), "--ram", "128M"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.out + r.err, "--save")) << "no warning that the change is not persistent";
    EXPECT_EQ(memory_limit_bytes(), 128ULL << 20);
    EXPECT_EQ(read_text(conf_path(kCt)), before);

    r = run({"set", ct(), "--ram", "192M", "--save"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(memory_limit_bytes(), 192ULL << 20);
    auto phys = conf_value("PHYSPAGES");
    EXPECT_TRUE(phys == "0:192M" || phys == "0:" + std::to_string((192ULL << 20) / 4096)) << phys;
    // The sample's swap stays.
    EXPECT_EQ(swap_limit_bytes(), 512ULL << 20);

    // A restart applies the saved value.
    ASSERT_EQ(run({"restart", ct()}).status, 0);
    EXPECT_EQ(memory_limit_bytes(), 192ULL << 20);
}

TEST_F(RuntimeLimits, HostnameChangesLive) {
    ASSERT_TRUE(start_ct());
    auto r = run({"set", ct(), "--hostname", "live.example.org", "--save"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(trim(sh("hostname").out), "live.example.org");
}

}  // namespace
