// What suspend and resume (src/lib/ct/suspend.cpp) take from and change in CRIU's world, as pure functions
// (src/lib/cpt/criu.hpp): the external mounts of a container's mountinfo, their keys, and the disarming of the
// user-notification returns in a dumped seccomp image.
#include <gtest/gtest.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstring>

#include "cpt/criu.hpp"

namespace {

using namespace vz::cpt;

TEST(CriuImages, ExternalMountsAreTheHostsFileSystems) {
    // Lines as a container's init sees them (DESIGN.md: LXCFS and vzubcfs files, a host device node).
    const char* mountinfo =
        "87 48 254:0 /tmp/p/101 / rw,relatime - ext4 /dev/vda rw\n"
        "88 87 0:44 / /proc rw,nosuid - proc proc rw\n"
        "91 88 0:41 /proc/cpuinfo /proc/cpuinfo rw,nosuid - fuse.lxcfs lxcfs rw,user_id=0\n"
        "97 96 0:41 /sys/devices/system/cpu/online /sys/devices/system/cpu/online rw shared:5 - fuse.lxcfs lxcfs rw\n"
        "98 87 0:46 / /dev rw - tmpfs none rw\n"
        "99 98 0:46 /null /dev/console rw - tmpfs none rw\n"
        "100 98 0:5 /fuse /dev/fuse rw - devtmpfs udev rw\n"
        "104 88 0:42 /101/meminfo /proc/meminfo ro - fuse.vzubcfs vzubcfs ro\n";
    auto ext = external_mounts(mountinfo);
    ASSERT_EQ(ext.size(), 4u);
    EXPECT_EQ(ext[0].path, "/proc/cpuinfo");
    EXPECT_EQ(ext[0].key, "lxcfs/proc/cpuinfo");
    EXPECT_EQ(ext[1].key, "lxcfs/sys/devices/system/cpu/online");  // an optional field before the "-"
    EXPECT_EQ(ext[2].path, "/dev/fuse");
    EXPECT_EQ(ext[2].key, "dev/fuse");
    EXPECT_EQ(ext[3].path, "/proc/meminfo");
    EXPECT_EQ(ext[3].key, "vzubcfs/101/meminfo");
    EXPECT_TRUE(external_mounts("garbage\n\n1 2 3\n").empty());
}

TEST(CriuImages, KeysSplitIntoTagAndFile) {
    EXPECT_EQ(split_external_key("lxcfs/proc/cpuinfo"), (std::pair<std::string, std::string>{"lxcfs", "/proc/cpuinfo"}));
    EXPECT_EQ(split_external_key("vzubcfs/101/swaps"), (std::pair<std::string, std::string>{"vzubcfs", "/101/swaps"}));
    EXPECT_EQ(split_external_key("dev/null"), (std::pair<std::string, std::string>{"dev", "/null"}));
    EXPECT_EQ(split_external_key("devnull"), std::nullopt);
    EXPECT_EQ(split_external_key("other/x"), std::nullopt);
    EXPECT_EQ(split_external_key("lxcfs"), std::nullopt);
}

// A program's bytes as seccomp.img holds them, inside other bytes.
std::string with_program(const std::vector<sock_filter>& prog) {
    std::string image("\x54\x45\x10\x58\x0a\x05", 6);
    image.append(reinterpret_cast<const char*>(prog.data()), prog.size() * sizeof(sock_filter));
    image += "\x10\x01";
    return image;
}

TEST(CriuImages, NotificationReturnsBecomeAllowAndNothingElseChanges) {
    std::vector<sock_filter> prog = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 99, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    auto image = with_program(prog);
    auto expected = prog;
    expected[2].k = expected[4].k = SECCOMP_RET_ALLOW;
    EXPECT_EQ(disarm_user_notif(image), 2u);
    EXPECT_EQ(image, with_program(expected));
    EXPECT_EQ(disarm_user_notif(image), 0u);
}

}  // namespace
