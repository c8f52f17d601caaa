// The beancounter file inside running containers: vzubcfs, one FUSE daemon per configuration directory, serves each
// container its own rows of the raw beancounter file at /run/vz/user_beancounters (procfs has no such name to mount
// on). Every reading is live; the file is read-only; the daemon starts with the first container of the
// configuration, stays when the last one stops (by vzctl stop or by halt inside), so that the next start finds it
// serving, and is gone, with its mount, after `vz-service stop` (the host's shutdown).
#include <signal.h>

#include "../support/runtime_fixture.hpp"
#include "ubc/report.hpp"

namespace {

using namespace vztest;

constexpr const char* kFile = "/run/vz/user_beancounters";

class UbcProc : public RuntimeTest {
protected:
    // vz-service stop: every running container of the configuration, then the daemon.
    void service_stop() {
        auto r = run({"stop"}, {}, 120s, VZ_SERVICE_BIN);
        EXPECT_EQ(r.status, 0) << r.out << r.err;
    }

    // `cat` of the file in container `ctid`, parsed; fails the test on a bad exit status or format.
    std::vector<vz::UbcBlock> read_blocks(unsigned ctid) {
        auto r = run({"exec2", std::to_string(ctid), std::string("cat ") + kFile});
        EXPECT_EQ(r.status, 0) << r.out << r.err;
        return parse(r.out);
    }

    static std::vector<vz::UbcBlock> parse(const std::string& text) {
        try {
            return vz::parse_ubc_raw(text);
        } catch (const std::exception& e) {
            ADD_FAILURE() << e.what() << "\n" << text;
            return {};
        }
    }

    static vz::UbcRecord row(const std::vector<vz::UbcBlock>& blocks, const std::string& resource) {
        if (blocks.size() == 1)
            for (auto& r : blocks[0].rows)
                if (r.resource == resource) return r;
        ADD_FAILURE() << "no single block with a " << resource << " row";
        return {};
    }

    void create_ct(unsigned ctid) {
        auto r = run({"create", std::to_string(ctid), "--ostemplate", "busybox", "--config", "vswap-256m"});
        ASSERT_EQ(r.status, 0) << r.out << r.err;
    }
};

TEST_F(UbcProc, AContainerReadsItsOwnLiveRowsReadOnly) {
    ASSERT_TRUE(start_ct());
    EXPECT_EQ(ubcfs_daemons().size(), 1u);
    EXPECT_EQ(mounts_under(ubcfs_mount()), std::vector<std::string>{ubcfs_mount()});

    // The open renders the reading; the processes are counted with shell builtins only, so none starts in between.
    auto r = sh(std::string("exec 3<") + kFile +
                "; n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo \"processes $n\"; cat <&3");
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto out = lines(r.out);
    ASSERT_GE(out.size(), 4u) << r.out;
    ASSERT_EQ(out[0].rfind("processes ", 0), 0u) << r.out;
    auto processes = std::stoull(out[0].substr(10));
    auto text = r.out.substr(out[0].size() + 1);
    EXPECT_EQ(out[1], "Version: 2.5");
    EXPECT_EQ(out[2].substr(0, 30), "       uid  resource          ") << out[2];
    EXPECT_EQ(out[3].rfind("      101:  kmemsize ", 0), 0u) << text;
    auto first = parse(text);
    ASSERT_EQ(first.size(), 1u) << "only the container's own block:\n" << text;
    EXPECT_EQ(first[0].uid, "101");
    auto numproc = row(first, "numproc");
    // The container's processes, all of them in its pid namespace (exec's process is the command itself, with no
    // helper in the cgroup outside the namespace).
    EXPECT_EQ(numproc.held, processes) << text;
    EXPECT_EQ(numproc.failcnt, 0u);

    // A fork loop against --numproc: the next reading counts the failures.
    auto set = run({"set", ct(), "--numproc", "20", "--save"});
    ASSERT_EQ(set.status, 0) << set.out << set.err;
    run({"exec", ct(), "for i in $(seq 40); do sleep 1 & done"});
    ASSERT_GT(pids_failures(), 0u) << "the fork loop did not hit pids.max";
    // Reading needs free process slots again: the sleeps end by themselves (init and the console's getty stay).
    ASSERT_TRUE(eventually([&] { return pids_current() <= 2; }, 30s));
    auto second = read_blocks(kCt);
    auto failing = row(second, "numproc");
    EXPECT_GT(failing.failcnt, numproc.failcnt);
    EXPECT_EQ(failing.barrier, 20u);
    EXPECT_EQ(failing.limit, 20u);

    // Read-only, for root inside too; the file is unchanged.
    auto ls = sh(std::string("ls -l ") + kFile);
    EXPECT_EQ(ls.out.substr(0, 10), "-r--------") << ls.out << ls.err;
    for (auto* redirect : {" > ", " >> "}) {
        auto w = sh(std::string("echo 0") + redirect + kFile);
        EXPECT_NE(w.status, 0) << "writing with" << redirect << "succeeded";
    }
    EXPECT_NE(sh(std::string("rm -f ") + kFile).status, 0);
    EXPECT_EQ(row(read_blocks(kCt), "numproc").failcnt, failing.failcnt);

    auto daemon = ubcfs_daemons();
    auto stop = run({"stop", ct()});
    EXPECT_EQ(stop.status, 0) << stop.out << stop.err;
    EXPECT_TRUE(nothing_left_within());
    // The last container stopped: the daemon stays, serving nobody, for the next start.
    EXPECT_EQ(ubcfs_daemons(), daemon);
    EXPECT_EQ(mounts_under(ubcfs_mount()), std::vector<std::string>{ubcfs_mount()});
    // The host's shutdown ends it.
    service_stop();
    EXPECT_TRUE(ubcfs_daemons().empty());
    EXPECT_TRUE(nothing_left(Ubcfs::Gone));
}

TEST_F(UbcProc, HaltInsideTheLastContainerKeepsTheDaemonForTheNextStart) {
    ASSERT_TRUE(start_ct());
    auto daemon = ubcfs_daemons();
    ASSERT_EQ(daemon.size(), 1u);
    run({"exec", ct(), "halt"});
    // The monitor's clean-up leaves it.
    EXPECT_TRUE(nothing_left_within(30s));
    EXPECT_EQ(ubcfs_daemons(), daemon);
    ASSERT_TRUE(start_ct());
    EXPECT_EQ(ubcfs_daemons(), daemon) << "the next start did not use the daemon that was serving";
    EXPECT_EQ(read_blocks(kCt).at(0).uid, ct());
}

TEST_F(UbcProc, OneDaemonServesEveryContainerUntilTheHostShutsDown) {
    constexpr unsigned kOther = 102;
    auto other = std::to_string(kOther);
    create_ct(kOther);
    // Started at the same time: the first to take LOCKDIR/ubcfs.lck starts the daemon, the other finds it running.
    auto first = start(VZCTL_BIN, {"start", ct()}), second = start(VZCTL_BIN, {"start", other});
    for (auto& r : {finish(first), finish(second)}) {
        ASSERT_EQ(r.status, 0) << r.out << r.err;
        EXPECT_EQ(r.err.find("beancounter"), std::string::npos) << r.err;
    }
    ASSERT_TRUE(wait_booted());
    auto daemon = ubcfs_daemons();
    ASSERT_EQ(daemon.size(), 1u);
    EXPECT_EQ(read_blocks(kOther).at(0).uid, other);
    EXPECT_EQ(read_blocks(kCt).at(0).uid, ct());

    // Not the last one: the daemon stays and serves the other container.
    auto stop = run({"stop", ct()});
    ASSERT_EQ(stop.status, 0) << stop.out << stop.err;
    EXPECT_EQ(ubcfs_daemons(), daemon);
    EXPECT_EQ(read_blocks(kOther).at(0).uid, other);

    // A daemon that died is replaced by the next start, which clears its dead mount.
    ::kill(daemon[0], SIGKILL);
    ASSERT_TRUE(eventually([&] { return ubcfs_daemons().empty(); }, 10s));
    auto restart = run({"start", ct()});
    ASSERT_EQ(restart.status, 0) << restart.out << restart.err;
    EXPECT_EQ(restart.err.find("beancounter"), std::string::npos) << restart.err;
    EXPECT_EQ(ubcfs_daemons().size(), 1u);
    EXPECT_EQ(read_blocks(kCt).at(0).uid, ct());
    EXPECT_EQ(mounts_under(ubcfs_mount()), std::vector<std::string>{ubcfs_mount()});

    // vz-service stop ends both containers, then the daemon.
    service_stop();
    EXPECT_TRUE(ubcfs_daemons().empty());
    EXPECT_TRUE(mounts_under(tmp_.path()).empty());
    EXPECT_EQ(run({"destroy", other}).status, 0);
    EXPECT_TRUE(nothing_left_within(10s, Ubcfs::Gone));
}

TEST_F(UbcProc, UbcProcNoServesNothing) {
    std::ofstream(confdir_ + "/vz.conf", std::ios::app) << "UBC_PROC=\"no\"\n";
    ASSERT_TRUE(start_ct());
    EXPECT_TRUE(ubcfs_daemons().empty());
    EXPECT_TRUE(mounts_under(ubcfs_mount()).empty());
    EXPECT_EQ(sh(std::string("test -e ") + kFile).status, 1);
    EXPECT_EQ(run({"stop", ct()}).status, 0);
    EXPECT_TRUE(nothing_left_within());
}

}  // namespace
