// A start that fails leaves nothing half-done: no cgroup, no mount, no monitor, no lock; and a container root that
// tries to redirect vzctl's mounts onto the host (a mount point that is a symlink) is refused.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "../support/runtime_fixture.hpp"
#include "config/beancounters.hpp"

namespace {

using namespace vztest;
namespace fs = std::filesystem;

class RuntimeErrors : public RuntimeTest {};

TEST_F(RuntimeErrors, StartWithoutInitFailsWith47AndLeavesNothing) {
    auto priv = private_path(kCt);
    // The busybox template has /sbin/init only; make sure none of the fallbacks exists either.
    for (auto p : {"/sbin/init", "/etc/init", "/bin/init"}) {
        std::error_code ec;
        if (fs::is_symlink(priv + p) || fs::exists(priv + p)) fs::rename(priv + p, priv + p + ".away", ec);
        ASSERT_FALSE(ec) << ec.message();
    }
    auto r = run({"start", ct()});
    EXPECT_EQ(r.status, 47) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "init")) << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_TRUE(nothing_left_within(10s, Ubcfs::Gone));
    EXPECT_EQ(trim(vzlist_run({"-H", "-a", "-o", "ctid,status"}).out), "101 stopped");

    // Fixed, it starts: nothing stale was in the way.
    fs::rename(priv + "/sbin/init.away", priv + "/sbin/init");
    ASSERT_TRUE(start_ct());
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");
}

// A failure before init exists (the cgroup limits can't be applied): the cgroup and mount made so far are undone.
TEST_F(RuntimeErrors, StartWithAnImpossibleCpumaskFailsAndLeavesNothing) {
    auto cpu = std::to_string(std::thread::hardware_concurrency() + 8);  // a CPU this host does not have
    auto conf = read_text(conf_path(kCt));
    write_text(conf_path(kCt), conf + "CPUMASK=\"" + cpu + "\"\n");
    auto r = run({"start", ct()});
    EXPECT_NE(r.status, 0) << "started on CPU " << cpu << ": " << r.out;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_TRUE(nothing_left_within(10s, Ubcfs::Gone));
    // Without the bad mask it starts.
    write_text(conf_path(kCt), conf);
    ASSERT_TRUE(start_ct());
}

// LXCFS="yes" where LXCFS is not mounted: a one-line error naming the directory, before anything is mounted or made,
// and no vzubcfs left running for a container that did not start.
TEST_F(RuntimeErrors, LxcfsRequiredButNotMountedFailsAndLeavesNothing) {
    auto none = tmp_ / "no-lxcfs";
    fs::create_directories(none);
    auto conf = read_text(conf_path(kCt));
    write_text(conf_path(kCt), conf + "LXCFS=\"yes\"\nLXCFS_DIR=\"" + none + "\"\n");
    auto r = run({"start", ct()});
    EXPECT_NE(r.status, 0) << r.out;
    EXPECT_TRUE(contains(r.err, "LXCFS=yes but LXCFS is not mounted at " + none)) << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_TRUE(nothing_left_within(10s, Ubcfs::Gone));
    write_text(conf_path(kCt), conf);
    ASSERT_TRUE(start_ct());
}

// A pids cgroup for vzctl alone, with at most `max` processes: a host that has run out of processes for it.
class PidsCage {
public:
    explicit PidsCage(unsigned max) {
        dir_ = (cgroup_mode() == CgroupMode::V2 ? std::string("/sys/fs/cgroup/") : "/sys/fs/cgroup/pids/") +
               "vztest-pids-" + std::to_string(::getpid());
        fs::create_directories(dir_);
        write_text(dir_ + "/pids.max", std::to_string(max));
    }
    ~PidsCage() {
        // What vzctl left there (vzubcfs outlives it by design) goes back to the root cgroup first.
        auto root = fs::path(dir_).parent_path().string() + "/cgroup.procs";
        for (pid_t p : read_pid_list(dir_ + "/cgroup.procs")) {
            std::ofstream out(root);
            out << p;
        }
        ::rmdir(dir_.c_str());
    }
    PidsCage(const PidsCage&) = delete;
    PidsCage& operator=(const PidsCage&) = delete;
    // A shell line that moves itself into the cage, then runs vzctl with `args`.
    std::string wrap(const std::string& args) const {
        return "echo $$ > " + dir_ + "/cgroup.procs && exec " VZCTL_BIN " " + args;
    }

private:
    std::string dir_;
};

// No free process for vzctl on the host: start ends in a one-line error, or starts; either way nothing is left
// half-done and the container starts once processes are free again.
TEST_F(RuntimeErrors, NoFreeProcessesEndStartCleanly) {
    for (unsigned max : {1u, 2u, 3u, 4u, 5u, 6u, 8u}) {
        {
            PidsCage cage(max);
            auto r = run({"-c", cage.wrap("start " + ct())}, {}, 60s, "/bin/sh");
            std::printf("pids.max %u: start exited %d\n", max, r.status);
            if (r.status == 0) {
                EXPECT_EQ(run({"stop", ct(), "--fast"}).status, 0);
            } else {
                // One error line (warnings about what could not be had before it may come first).
                auto errors = 0;
                for (auto& l : lines(r.err)) errors += l.rfind("Error: ", 0) == 0;
                EXPECT_EQ(errors, 1) << "pids.max " << max << ": " << r.err;
                EXPECT_NE(r.status, 124) << "pids.max " << max << ": start hung";
            }
            EXPECT_EQ(status_line(), "CTID 101 exist unmounted down") << "pids.max " << max;
        }
        EXPECT_TRUE(nothing_left_within()) << "pids.max " << max;
    }
    ASSERT_TRUE(start_ct());
}

class RuntimeMountPointSymlink : public RuntimeTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(RuntimeMountPointSymlink, StartIsRefusedAndLeavesNothing) {
    const std::string dir = GetParam();
    auto victim = tmp_ / "victim";
    fs::create_directories(victim);
    write_text(victim + "/keep", "host file\n");
    auto priv = private_path(kCt);
    fs::remove_all(priv + "/" + dir);
    fs::create_directory_symlink(victim, priv + "/" + dir);

    auto r = run({"start", ct()});
    EXPECT_NE(r.status, 0) << "started with /" << dir << " a symlink to a host directory";
    EXPECT_TRUE(contains(r.err, "/" + dir)) << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_TRUE(nothing_left_within(10s, Ubcfs::Gone));
    // The host directory was not touched: nothing mounted on it, its file still there.
    EXPECT_TRUE(mounts_under(victim).empty());
    EXPECT_EQ(read_text(victim + "/keep"), "host file\n");
    EXPECT_TRUE(fs::is_symlink(priv + "/" + dir));
}

INSTANTIATE_TEST_SUITE_P(Runtime, RuntimeMountPointSymlink, ::testing::Values("proc", "sys", "dev", "run"),
                         [](const auto& param_info) { return std::string(param_info.param); });

TEST_F(RuntimeErrors, ProcSymlinkToHostEtcIsRefused) {
    auto priv = private_path(kCt);
    fs::remove_all(priv + "/proc");
    fs::create_directory_symlink("/etc", priv + "/proc");
    struct stat etc_before {};
    ASSERT_EQ(::stat("/etc", &etc_before), 0);

    auto r = run({"start", ct()});
    EXPECT_NE(r.status, 0) << r.out;
    EXPECT_TRUE(contains(r.err, "/proc")) << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_TRUE(nothing_left_within(10s, Ubcfs::Gone));
    struct stat etc_after {};
    ASSERT_EQ(::stat("/etc", &etc_after), 0);
    EXPECT_EQ(etc_after.st_dev, etc_before.st_dev) << "something is mounted on the host's /etc";
    EXPECT_TRUE(fs::exists("/etc/passwd"));
}

TEST_F(RuntimeErrors, MissingPrivateAreaIsRefusedWithoutSideEffects) {
    fs::rename(private_path(kCt), private_path(kCt) + ".away");
    auto r = run({"start", ct()});
    EXPECT_EQ(r.status, 43) << r.out << r.err;
    EXPECT_TRUE(nothing_left());
    fs::rename(private_path(kCt) + ".away", private_path(kCt));
}

// As the original: a VSwap config needs SWAPPAGES, another every beancounter but swappages; without them start is 28,
// naming what is missing, before anything is set up.
TEST_F(RuntimeErrors, StartWithoutRequiredBeancountersFailsWith28) {
    auto conf = read_text(conf_path(kCt));
    auto without = [&](const std::string& text, const std::string& key) {
        auto at = text.find("\n" + key + "=");
        return at == std::string::npos ? text : text.substr(0, at) + text.substr(text.find('\n', at + 1));
    };
    write_text(conf_path(kCt), without(conf, "SWAPPAGES"));
    auto r = run({"start", ct()});
    EXPECT_EQ(r.status, 28) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "Required UB parameter swappages not set in " + conf_path(kCt))) << r.err;
    EXPECT_TRUE(nothing_left());

    // A non-VSwap config (RAM unlimited) lacking two of them.
    std::string basic = without(without(conf, "PHYSPAGES"), "SWAPPAGES");
    for (auto& line : lines(read_text(confdir_ + "/conf/ve-basic.conf-sample"))) {
        auto key = line.substr(0, line.find('='));
        if (line.find('=') != std::string::npos && vz::find_ubc_by_key(key) && key != "DCACHESIZE" && key != "NUMIPTENT")
            basic += line + "\n";
    }
    write_text(conf_path(kCt), basic);
    r = run({"start", ct()});
    EXPECT_EQ(r.status, 28) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "Required UB parameters dcachesize, numiptent not set")) << r.err;
    EXPECT_TRUE(nothing_left());

    write_text(conf_path(kCt), conf);
    EXPECT_TRUE(start_ct());
    // A running container is that first (32), as by the original.
    write_text(conf_path(kCt), without(conf, "SWAPPAGES"));
    EXPECT_EQ(run({"start", ct()}).status, 32);
    write_text(conf_path(kCt), conf);
}

// A hand edit that leaves a bad value in a running container's config: what applies the config refuses it (21,
// naming the file, the key and the value); what takes the container down, gets into it or looks at it says so and
// goes on (the original skipped such a value); a set that replaces the value mends the file. Host only.
class HandEditedConfig : public RuntimeTest {};

TEST_F(HandEditedConfig, ABadValueStopsOnlyWhatAppliesIt) {
    ASSERT_TRUE(start_ct());
    auto conf = read_text(conf_path(kCt));
    auto at = conf.find("\nCPUUNITS=\"");
    ASSERT_NE(at, std::string::npos) << conf;
    conf.replace(at, conf.find('\n', at + 1) - at, "\nCPUUNITS=\"many\"");
    write_text(conf_path(kCt), conf);
    const std::string named = "CPUUNITS=\"many\": expected an integer from 8 to 500000";

    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");
    auto r = run({"exec", ct(), "echo", "inside"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(trim(r.out), "inside");
    EXPECT_TRUE(contains(r.err, named + " (ignored)")) << r.err;

    r = run({"set", ct(), "--cpulimit", "40", "--save"});
    EXPECT_EQ(r.status, 21) << r.err;
    EXPECT_TRUE(contains(r.err, named)) << r.err;
    EXPECT_EQ(conf_value("CPULIMIT"), "") << "a refused set saved";
    r = run({"restart", ct()});
    EXPECT_EQ(r.status, 21) << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running") << "a refused restart stopped the container";

    r = run({"stop", ct()});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.err, named + " (ignored)")) << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    r = run({"start", ct()});
    EXPECT_EQ(r.status, 21) << r.err;
    EXPECT_TRUE(nothing_left());

    r = run({"set", ct(), "--cpuunits", "2000", "--save"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(conf_value("CPUUNITS"), "2000");
    EXPECT_TRUE(start_ct());
}

}  // namespace
