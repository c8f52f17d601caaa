// Unprivileged containers, the default: root inside is LOCAL_UID on the host (100000 unless a config says
// otherwise), the private area stays owned by 0 on disk (the root is mounted through an idmap), and a container
// with LOCAL_UID=0 is the privileged kind, with a warning at create and start.
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <cstring>
#include <unistd.h>

#include "../support/runtime_fixture.hpp"
#include "fs/idmap.hpp"

namespace {

using namespace vztest;

class UserNamespace : public RuntimeTest {
protected:
    void SetUp() override {
        RuntimeTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        // create fell back to a privileged CT where this kernel can't mount the private area through an idmap
        // (e.g. tmpfs before Linux 6.3).
        if (auto why = vz::idmap_unsupported(private_path(kCt))) GTEST_SKIP() << *why;
    }

    // The host ids of `pid` (real uid and gid) as "uid:gid".
    static std::string host_ids(pid_t pid) {
        struct stat st {};
        if (::stat(("/proc/" + std::to_string(pid)).c_str(), &st) != 0) return "gone";
        return std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid);
    }

    // Binds the host directory `dir` on `at` inside the running container (as an administrator shares a
    // directory with it): a detached copy made here, attached in the container's mount namespace.
    ::testing::AssertionResult share_into_ct(const std::string& dir, const std::string& at) {
        auto init = init_pid();
        if (!init) return ::testing::AssertionFailure() << "no init";
        int tree = static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, dir.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
        if (tree < 0) return ::testing::AssertionFailure() << "open_tree: " << std::strerror(errno);
        int ns = ::open(("/proc/" + std::to_string(*init) + "/ns/mnt").c_str(), O_RDONLY | O_CLOEXEC);
        pid_t child = ::fork();
        if (child == 0) {
            bool ok = ::setns(ns, CLONE_NEWNS) == 0 && ::chdir("/") == 0 && ::mkdir(at.c_str(), 0755) >= -1 &&
                      ::syscall(SYS_move_mount, tree, "", AT_FDCWD, at.c_str(), MOVE_MOUNT_F_EMPTY_PATH) == 0;
            ::_exit(ok ? 0 : 1);
        }
        int ws = 0;
        ::waitpid(child, &ws, 0);
        ::close(ns);
        ::close(tree);
        if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0) return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << "could not attach " << dir << " at " << at;
    }
};

TEST_F(UserNamespace, RootInsideIsTheMappedUidOnTheHost) {
    ASSERT_TRUE(start_ct());
    auto init = init_pid();
    ASSERT_TRUE(init);
    EXPECT_EQ(host_ids(*init), "100000:100000");
    EXPECT_EQ(trim(read_text("/proc/" + std::to_string(*init) + "/uid_map")), "0     100000      65536");
    // Inside it is root, with every id of 0..65535 its own and the host's ids unmapped.
    auto r = sh("id -u; cat /proc/self/uid_map");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(r.out.starts_with("0\n")) << r.out;
    // A process started by exec is the same host uid as init.
    r = sh("sleep 1000 >/dev/null 2>&1 & echo $!");
    ASSERT_EQ(r.status, 0) << r.err;
    // (Once the forked shell has become sleep.)
    std::string ids;
    EXPECT_TRUE(eventually([&] {
        for (auto pid : ct_procs())
            if (try_read("/proc/" + std::to_string(pid) + "/cmdline").value_or("").starts_with("sleep")) {
                ids = host_ids(pid);
                return true;
            }
        return false;
    }, 10s));
    EXPECT_EQ(ids, "100000:100000");
}

TEST_F(UserNamespace, FilesThroughASharedDirectoryAreTheMappedUidsAndHostRootOnlyFilesStayClosed) {
    ASSERT_TRUE(start_ct());
    auto shared = tmp_ / "shared";
    std::filesystem::create_directories(shared);
    ::chmod(shared.c_str(), 0777);
    write_text(shared + "/secret", "host only\n");
    ::chmod((shared + "/secret").c_str(), 0600);
    ASSERT_TRUE(share_into_ct(shared, "/mnt"));
    auto r = sh("touch /mnt/made-inside && cat /mnt/secret");
    EXPECT_NE(r.status, 0) << "root in the CT read a host root-only file: " << r.out;
    EXPECT_EQ(r.out.find("host only"), std::string::npos);
    struct stat st {};
    ASSERT_EQ(::stat((shared + "/made-inside").c_str(), &st), 0) << r.err;
    EXPECT_EQ(st.st_uid, 100000U);
    EXPECT_EQ(st.st_gid, 100000U);
}

TEST_F(UserNamespace, ThePrivateAreaStaysOwnedByRootOnDisk) {
    ASSERT_TRUE(start_ct());
    ASSERT_EQ(sh("echo x > /root/made-inside && chown 1000:1000 /root/made-inside").status, 0);
    struct stat st {};
    ASSERT_EQ(::stat((private_path(kCt) + "/root/made-inside").c_str(), &st), 0);
    // Through the idmap: the container's 0 and 1000 are 0 and 1000 on disk, not 100000 and 101000, so the same
    // tree runs privileged or at any LOCAL_UID without a chown.
    EXPECT_EQ(st.st_uid, 1000U);
    EXPECT_EQ(st.st_gid, 1000U);
    ASSERT_EQ(::stat((private_path(kCt) + "/bin").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 0U);
    // The config says what create chose.
    auto conf = read_text(conf_path(kCt));
    EXPECT_TRUE(contains(conf, "LOCAL_UID=\"100000\"")) << conf;
    EXPECT_TRUE(contains(conf, "LOCAL_GID=\"100000\"")) << conf;
}

TEST_F(UserNamespace, TheContainersCgroupIsDelegatedToItsRoot) {
    ASSERT_TRUE(start_ct());
    auto owner = [](const std::string& path) {
        struct stat st {};
        return ::stat(path.c_str(), &st) == 0 ? std::to_string(st.st_uid) : "missing";
    };
    auto inner = cg_dir("pids") + "/ct";
    // What a delegated subtree needs (systemd's set): the directory, to make cgroups below, and the files that
    // move processes.
    EXPECT_EQ(owner(inner), "100000");
    EXPECT_EQ(owner(inner + "/cgroup.procs"), "100000");
    EXPECT_EQ(owner(inner + (cgroup_mode() == CgroupMode::V2 ? "/cgroup.subtree_control" : "/tasks")), "100000");
    // The limits stay the host's: one level up, and the inner cgroup's own.
    EXPECT_EQ(owner(cg_dir("pids") + "/pids.max"), "0");
    EXPECT_EQ(owner(inner + "/pids.max"), "0");
}

TEST_F(UserNamespace, LocalUidZeroIsAPrivilegedContainerAndSaysSo) {
    auto r = run({"create", "102", "--ostemplate", "busybox", "--config", "vswap-256m", "--local_uid", "0",
                  "--local_gid", "0"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "Container is privileged")) << r.err;
    r = run({"start", "102"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "Container is privileged")) << r.err;
    auto id = run({"exec2", "102", "cat /proc/self/uid_map"});
    EXPECT_EQ(id.status, 0) << id.err;
    EXPECT_TRUE(contains(id.out, "4294967295")) << "the host's own user namespace: " << id.out;
    run({"stop", "102", "--fast"});
    run({"destroy", "102"});
    // The default says nothing of the kind.
    r = run({"start", ct()});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_FALSE(contains(r.err, "privileged")) << r.err;
}

}  // namespace
