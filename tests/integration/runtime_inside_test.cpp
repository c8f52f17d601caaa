// What a running container looks like from inside: its own /proc, a read-only /sys, a minimal /dev with a private
// devpts, /dev/shm and /run sized by its RAM, its host name, cgroup namespace, capability bounding set and device
// cgroup.
#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include "../support/loop_device.hpp"
#include "../support/runtime_fixture.hpp"

namespace {

using namespace vztest;
namespace fs = std::filesystem;

class RuntimeInside : public RuntimeTest {};

std::set<std::string> words_of(const std::string& text) {
    std::set<std::string> out;
    std::istringstream in(text);
    for (std::string w; in >> w;) out.insert(w);
    return out;
}

TEST_F(RuntimeInside, ProcIsTheContainers) {
    ASSERT_TRUE(start_ct());
    auto r = sh("ps");
    ASSERT_EQ(r.status, 0) << r.err;
    bool init_is_1 = false;
    for (auto& l : lines(r.out)) {
        auto w = words_of(l);
        if (trim(l).rfind("1 ", 0) == 0 && w.count("init")) init_is_1 = true;
    }
    EXPECT_TRUE(init_is_1) << r.out;
    // The host runs far more processes than the CT: a host /proc would show them.
    r = sh("ls -d /proc/[0-9]* | wc -l");
    EXPECT_LT(std::stoi(trim(r.out)), 10) << r.out;
    EXPECT_EQ(trim(sh("cat /proc/1/comm").out), "init");
}

TEST_F(RuntimeInside, SysIsReadOnly) {
    ASSERT_TRUE(start_ct());
    auto r = sh("awk '$5 == \"/sys\" { print $6 }' /proc/self/mountinfo");
    ASSERT_EQ(r.status, 0) << r.err;
    auto opts = trim(r.out);
    EXPECT_TRUE(opts == "ro" || opts.rfind("ro,", 0) == 0) << "/sys mount options: " << opts;
    // A host-writable sysfs attribute stays out of reach. (Writing back its own value: harmless if it did work.)
    if (fs::exists("/sys/kernel/rcu_expedited")) {
        r = sh("v=$(cat /sys/kernel/rcu_expedited) && echo $v > /sys/kernel/rcu_expedited");
        EXPECT_NE(r.status, 0) << "write to /sys succeeded";
        EXPECT_TRUE(contains(r.err, "Read-only file system")) << r.err;
    }
}

TEST_F(RuntimeInside, DevHoldsExactlyTheStandardNodes) {
    ASSERT_TRUE(start_ct());
    auto r = sh("ls -A /dev");
    ASSERT_EQ(r.status, 0) << r.err;
    std::set<std::string> expected = {"null",  "zero", "full", "random", "urandom", "tty",    "console", "ptmx",
                                      "pts",   "shm",  "fd",   "stdin",  "stdout",  "stderr"};
    expected.insert("tty1");  // the console again; TTYS (default 1) makes no tty2 and up
    EXPECT_EQ(words_of(r.out), expected) << r.out;

    // Character devices with the standard numbers, usable by everyone (as on any Linux system).
    r = sh("for n in null zero full random urandom tty; do echo $n $(stat -c '%F %t:%T %a' /dev/$n); done");
    ASSERT_EQ(r.status, 0) << r.err;
    std::set<std::string> want = {"null character special file 1:3 666",    "zero character special file 1:5 666",
                                  "full character special file 1:7 666",    "random character special file 1:8 666",
                                  "urandom character special file 1:9 666", "tty character special file 5:0 666"};
    std::set<std::string> got;
    for (auto& l : lines(r.out)) got.insert(l);
    EXPECT_EQ(got, want) << r.out;
    r = sh("su -s /bin/sh nobody -c 'echo x > /dev/null && head -c 4 /dev/urandom > /dev/null && echo ok'");
    EXPECT_EQ(r.status, 0) << "an unprivileged user can't use /dev/null or /dev/urandom: " << r.err;
    EXPECT_EQ(trim(r.out), "ok");
    // The host's console (5:1) is not the container's: its /dev/console is its own console's pty (136:N, 88 in hex),
    // its root's, with the tty group (until the template's getty makes it root's group).
    auto console = trim(sh("stat -L -c '%F %t:%T %u:%g %a' /dev/console").out);
    EXPECT_TRUE(std::regex_match(console, std::regex("character special file 88:[0-9a-f]+ 0:[05] 620"))) << console;
    EXPECT_EQ(trim(sh("stat -L -c %t:%T /dev/tty1").out), trim(sh("stat -L -c %t:%T /dev/console").out))
        << "tty1 is not the console";
    EXPECT_EQ(trim(sh("readlink /dev/ptmx").out), "pts/ptmx");

    // The fixture's CT is a vswap-256m one: /dev/shm holds half of its 256 MiB (tmpfs's default share, of the host's
    // RAM on a host), /run a tenth (rounded up to pages), as df inside shows them. (One test with the above: each
    // start costs seconds in the v2 VM run.)
    r = sh("df -k /dev/shm /run | awk 'NR > 1 { print $6, $2 }'");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "/dev/shm 131072\n/run 26216\n");
}

TEST_F(RuntimeInside, DevptsIsAPrivateInstanceWithMaxFromNumpty) {
    ASSERT_EQ(run({"set", ct(), "--numpty", "3", "--save"}).status, 0);
    ASSERT_TRUE(start_ct());
    auto r = sh("awk '$5 == \"/dev/pts\" { print $9, $NF }' /proc/self/mountinfo");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "devpts")) << r.out;
    EXPECT_TRUE(contains(r.out, "max=3")) << r.out;
    // A new instance: none of the host's terminals are there.
    EXPECT_EQ(trim(sh("ls /dev/pts").out), "ptmx");
    // max= is enforced: three terminals open, the fourth does not.
    r = sh("exec 3<>/dev/ptmx 4<>/dev/ptmx 5<>/dev/ptmx; ls /dev/pts | tr '\\n' ' '; (exec 6<>/dev/ptmx) 2>/dev/null && echo fourth-opened");
    EXPECT_EQ(trim(r.out), "0 1 2 ptmx") << r.out << r.err;
}

TEST_F(RuntimeInside, HostnameComesFromTheConfig) {
    ASSERT_EQ(run({"set", ct(), "--hostname", "ct101.example.org", "--save"}).status, 0);
    ASSERT_TRUE(start_ct());
    EXPECT_EQ(trim(sh("hostname").out), "ct101.example.org");
    EXPECT_EQ(trim(sh("cat /etc/hostname").out), "ct101.example.org");
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    EXPECT_NE(std::string(host), "ct101.example.org") << "the host's name changed";
}

TEST_F(RuntimeInside, CgroupPathsAreRootInsideTheCgroupNamespace) {
    ASSERT_TRUE(start_ct());
    auto r = sh("cat /proc/self/cgroup");
    ASSERT_EQ(r.status, 0) << r.err;
    auto ls = lines(trim(r.out));
    ASSERT_FALSE(ls.empty());
    for (auto& l : ls) EXPECT_EQ(l.substr(l.rfind(':') + 1), "/") << l;
    // init's view too, and from the host the same process sits in the CT's cgroup.
    EXPECT_FALSE(contains(sh("cat /proc/1/cgroup").out, base_));
    auto init = init_pid();
    ASSERT_TRUE(init);
    EXPECT_TRUE(contains(read_text("/proc/" + std::to_string(*init) + "/cgroup"), base_ + "/" + ct()));
}

TEST_F(RuntimeInside, CapabilityBoundingSetLacksHostControl) {
    ASSERT_TRUE(start_ct());
    auto r = sh("grep CapBnd /proc/1/status");
    ASSERT_EQ(r.status, 0) << r.err;
    auto hex = trim(r.out.substr(r.out.find(':') + 1));
    uint64_t bnd = std::stoull(hex, nullptr, 16);
    auto has = [&](int cap) { return (bnd >> cap) & 1; };
    EXPECT_FALSE(has(16)) << "CAP_SYS_MODULE in " << hex;
    EXPECT_FALSE(has(17)) << "CAP_SYS_RAWIO in " << hex;
    EXPECT_FALSE(has(25)) << "CAP_SYS_TIME in " << hex;
    // ... but a root that can still run a system.
    EXPECT_TRUE(has(0)) << "CAP_CHOWN missing in " << hex;
    EXPECT_TRUE(has(5)) << "CAP_KILL missing in " << hex;
    EXPECT_TRUE(has(6) && has(7)) << "CAP_SETGID/SETUID missing in " << hex;
    // The same set bounds what exec runs, and root there holds none of the dropped ones.
    EXPECT_EQ(trim(sh("grep CapBnd /proc/self/status").out), trim(r.out));
    auto eff = sh("grep CapEff /proc/self/status").out;
    uint64_t effective = std::stoull(trim(eff.substr(eff.find(':') + 1)), nullptr, 16);
    EXPECT_EQ(effective & ((1ULL << 16) | (1ULL << 17) | (1ULL << 25)), 0U) << eff;
}

TEST_F(RuntimeInside, DeviceCgroupKeepsHostBlockDevicesOut) {
    auto image = tmp_ / "disk.img";
    std::string content(1 << 20, '\0');  // whole 512-byte sectors
    content.replace(0, 18, "VZTEST-DISK-MARKER");
    write_text(image, content);
    LoopDevice loop(image);
    if (loop.path().empty()) GTEST_SKIP() << "no loop device: " << loop.error();
    struct stat st {};
    ASSERT_EQ(::stat(loop.path().c_str(), &st), 0);
    ASSERT_TRUE(S_ISBLK(st.st_mode));
    // The host can read it (so a failure inside is the device cgroup's doing, not the device's).
    auto host_read = read_text(loop.path()).substr(0, 18);
    ASSERT_EQ(host_read, "VZTEST-DISK-MARKER");
    // A privileged container: mknod is what the device cgroup guards there (in a user namespace the kernel refuses
    // every mknod; UserNamespace tests show that).
    auto conf = read_text(conf_path(kCt));
    for (auto* key : {"LOCAL_UID", "LOCAL_GID"}) {
        auto at = conf.find(std::string(key) + "=\"");
        ASSERT_NE(at, std::string::npos) << "create stores " << key;
        conf.replace(at, conf.find('\n', at) - at, std::string(key) + "=\"0\"");
    }
    write_text(conf_path(kCt), conf);
    ASSERT_TRUE(start_ct());

    // mknod itself works (c 1:3 is allowed) ...
    auto r = sh("mknod /tmp/mynull c 1 3 && echo x > /tmp/mynull && echo ok; rm -f /tmp/mynull");
    EXPECT_EQ(trim(r.out), "ok") << r.err;
    // ... but the host's block device can't be read, whether its node could be made or not.
    auto node = "b " + std::to_string(major(st.st_rdev)) + " " + std::to_string(minor(st.st_rdev));
    r = sh("mknod /tmp/disk " + node + " 2>/dev/null; head -c 18 /tmp/disk; rm -f /tmp/disk");
    EXPECT_FALSE(contains(r.out, "VZTEST-DISK-MARKER")) << "the CT read the host's " << loop.path();
    r = sh("mknod /dev/sda " + node + " 2>/dev/null; head -c 18 /dev/sda");
    EXPECT_FALSE(contains(r.out, "VZTEST-DISK-MARKER")) << "the CT read the host's " << loop.path();
}

}  // namespace
