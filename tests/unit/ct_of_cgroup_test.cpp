// Which container a process belongs to, from its /proc/<pid>/cgroup text (cgroup/layout.hpp ct_of_cgroup_text:
// what vzpid prints). On a running container by VzpidTest.* (tests/integration/vzpid_test.cpp).
#include <gtest/gtest.h>

#include "cgroup/layout.hpp"

namespace {

vz::CgroupLayout layout(vz::CgroupMode mode, const std::string& base = "vz") {
    vz::CgroupLayout l;
    l.mode = mode;
    l.base = base;
    return l;
}

// A hybrid v1 host's lines, as the kernel lists them, for a process in `pids_path` of the pids hierarchy.
std::string v1_text(const std::string& pids_path, const std::string& others = "/") {
    return "12:blkio:" + others + "\n11:cpu,cpuacct:" + others + "\n6:pids:" + pids_path + "\n1:name=systemd:" +
           others + "\n0::/\n";
}

TEST(CtOfCgroup, V1TakesTheCtidFromThePidsHierarchy) {
    auto v1 = layout(vz::CgroupMode::V1);
    EXPECT_EQ(ct_of_cgroup_text(v1, v1_text("/vz/101/ct")), 101u);
    // Below the container's inner cgroup: its own systemd's.
    EXPECT_EQ(ct_of_cgroup_text(v1, v1_text("/vz/2147483644/ct/system.slice/cron.service")), 2147483644u);
    // The other hierarchies do not decide, even when they name a container.
    EXPECT_EQ(ct_of_cgroup_text(v1, v1_text("/user.slice", "/vz/101/ct")), std::nullopt);
    // A host process, another base, a name that is no CTID.
    EXPECT_EQ(ct_of_cgroup_text(v1, v1_text("/")), std::nullopt);
    EXPECT_EQ(ct_of_cgroup_text(v1, v1_text("/lxc.payload.b1")), std::nullopt);
    EXPECT_EQ(ct_of_cgroup_text(v1, v1_text("/vzx/101/ct")), std::nullopt);
    EXPECT_EQ(ct_of_cgroup_text(v1, v1_text("/vz/abc")), std::nullopt);
    EXPECT_EQ(ct_of_cgroup_text(layout(vz::CgroupMode::V1, "vzsb"), v1_text("/vzsb/7")), 7u);
    EXPECT_EQ(ct_of_cgroup_text(layout(vz::CgroupMode::V1, "machine/vz"), v1_text("/machine/vz/103/ct")), 103u);
}

TEST(CtOfCgroup, V2TakesTheCtidFromTheUnifiedLine) {
    auto v2 = layout(vz::CgroupMode::V2);
    EXPECT_EQ(ct_of_cgroup_text(v2, "0::/vz/101/ct/init.scope\n"), 101u);
    EXPECT_EQ(ct_of_cgroup_text(v2, "0::/vz/102\n"), 102u);
    EXPECT_EQ(ct_of_cgroup_text(v2, "0::/system.slice/ssh.service\n"), std::nullopt);
    // On a hybrid host the unified line is not the probe hierarchy of a v1 layout, nor v1's lines of a v2 one.
    EXPECT_EQ(ct_of_cgroup_text(layout(vz::CgroupMode::V1), "0::/vz/101/ct\n"), std::nullopt);
    EXPECT_EQ(ct_of_cgroup_text(v2, "6:pids:/vz/101/ct\n"), std::nullopt);
    EXPECT_EQ(ct_of_cgroup_text(v2, ""), std::nullopt);
}

}  // namespace
