// A container's /proc/meminfo and /proc/swaps come from vzubcfs (the daemon of its beancounter file), with OpenVZ's
// VSwap figures: in a container made from the vswap-256m sample, MemTotal 262144 kB and SwapTotal 524288 kB also on
// a host without swap, in agreement with sysinfo(2) (busybox free); a live --ram change shows at once; the
// container's own use shows in the other lines. With LXCFS or without, for root and other users alike.
#include <algorithm>
#include <cctype>
#include <map>

#include "../support/runtime_fixture.hpp"

namespace {

using namespace vztest;

class CtMeminfo : public RuntimeTest {
protected:
    // "Key: N kB" lines of the container's /proc/meminfo, read by `reader` (busybox cat: sendfile(2); grep: read(2)).
    std::map<std::string, uint64_t> meminfo(const std::string& reader = "cat /proc/meminfo") {
        auto r = sh(reader);
        EXPECT_EQ(r.status, 0) << r.out << r.err;
        std::map<std::string, uint64_t> out;
        for (auto& l : lines(r.out)) {
            auto colon = l.find(':');
            if (colon == std::string::npos) continue;
            auto value = trim(l.substr(colon + 1));
            if (!value.empty() && std::isdigit(static_cast<unsigned char>(value[0])))
                out[l.substr(0, colon)] = std::stoull(value);
        }
        for (auto* key : {"MemTotal", "MemFree", "MemAvailable", "SwapTotal", "SwapFree"})
            EXPECT_TRUE(out.count(key)) << "no " << key << " in the container's /proc/meminfo:\n" << r.out;
        return out;
    }

    // The "total" column of busybox free's `row` (kB), cut at the header's column: busybox runs numbers together
    // when one overflows its column.
    std::optional<uint64_t> free_total(const std::string& row) {
        auto r = sh("free");
        EXPECT_EQ(r.status, 0) << r.out << r.err;
        auto text = lines(r.out);
        auto end = text.empty() ? std::string::npos : text[0].find("total");
        for (auto& l : text)
            if (end != std::string::npos && l.rfind(row + ":", 0) == 0 && l.size() >= end + 5)
                if (auto n = trim(l.substr(row.size() + 1, end + 5 - row.size() - 1)); !n.empty())
                    return std::stoull(n);
        ADD_FAILURE() << "no " << row << " row in free's output:\n" << r.out;
        return std::nullopt;
    }

    // The words of the lines of the container's /proc/swaps after its header.
    std::vector<std::vector<std::string>> swaps() {
        auto r = sh("cat /proc/swaps");
        EXPECT_EQ(r.status, 0) << r.out << r.err;
        auto text = lines(r.out);
        EXPECT_EQ(text.empty() ? "" : text[0], "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority");
        std::vector<std::vector<std::string>> out;
        for (size_t i = 1; i < text.size(); ++i) {
            std::vector<std::string> words;
            for (auto& w : pieces(text[i], ' '))
                for (auto& x : pieces(w, '\t'))
                    if (!x.empty()) words.push_back(x);
            if (!words.empty()) out.push_back(words);
        }
        return out;
    }

    // The file system type of what is mounted at `path` inside the container (the last mount there), "<nothing>"
    // when nothing is.
    std::string mounted_type(const std::string& path) {
        auto init = init_pid();
        if (!init) return "<no init>";
        std::string type = "<nothing>";
        for (auto& l : lines(try_read("/proc/" + std::to_string(*init) + "/mountinfo").value_or(""))) {
            // id parent dev root mountpoint options [tags] - fstype source super-options
            auto words = pieces(l, ' ');
            auto dash = std::find(words.begin(), words.end(), "-");
            if (words.size() > 4 && words[4] == path && dash != words.end() && dash + 1 != words.end()) type = dash[1];
        }
        return type;
    }

    // How many mounts the container has at `path` (one: ours is not stacked on LXCFS's).
    size_t mounts_at(const std::string& path) {
        auto init = init_pid();
        size_t n = 0;
        for (auto& l : lines(try_read("/proc/" + std::to_string(init.value_or(0)) + "/mountinfo").value_or("")))
            if (auto words = pieces(l, ' '); words.size() > 4 && words[4] == path) ++n;
        return n;
    }
};

TEST_F(CtMeminfo, MeminfoShowsTheVswapSampleAndFollowsALiveRamChange) {
    ASSERT_TRUE(start_ct());
    for (auto* reader : {"cat /proc/meminfo", "grep . /proc/meminfo"}) {
        auto m = meminfo(reader);
        EXPECT_EQ(m["MemTotal"], 262144u) << reader;
        EXPECT_EQ(m["SwapTotal"], 524288u) << reader << ": the container's swap, whatever the host has";
        EXPECT_LE(m["MemFree"], m["MemTotal"]);
        EXPECT_LE(m["MemAvailable"], m["MemTotal"]);
        EXPECT_GE(m["MemAvailable"], m["MemFree"]);
        EXPECT_LE(m["SwapFree"], m["SwapTotal"]);
        EXPECT_EQ(m["Buffers"], 0u);
    }
    auto s = swaps();
    ASSERT_EQ(s.size(), 1u);
    ASSERT_EQ(s[0].size(), 5u);
    EXPECT_EQ(s[0][0], "none");
    EXPECT_EQ(s[0][2], "524288");
    EXPECT_EQ(s[0][4], "-2");
    // busybox free reads sysinfo(2) (the monitor) and Cached of meminfo: both agree.
    EXPECT_EQ(free_total("Mem"), 262144u);
    EXPECT_EQ(free_total("Swap"), 524288u);

    // Live, not saved: the running container's view changes without a restart.
    auto r = run({"set", ct(), "--ram", "512M"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(meminfo()["MemTotal"], 524288u);
    EXPECT_EQ(free_total("Mem"), 524288u);
}

TEST_F(CtMeminfo, AMemoryHogShowsInShmemAndUse) {
    ASSERT_TRUE(start_ct());
    auto before = meminfo();
    // 100 MiB in the container's tmpfs: charged to it as shared memory, which no reclaim of cache frees.
    auto r = sh("dd if=/dev/zero of=/dev/shm/hog bs=1M count=100 2>&1");
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    // The kernel folds its per-CPU memory.stat counters into the cgroup's figures every few seconds at the latest.
    std::map<std::string, uint64_t> after;
    EXPECT_TRUE(eventually(
        [&] {
            after = meminfo();
            return after["Shmem"] >= before["Shmem"] + 102400u;
        },
        30s))
        << "Shmem " << after["Shmem"] << " kB, before " << before["Shmem"] << " kB";
    EXPECT_GE(after["MemTotal"] - after["MemFree"], 102400u) << "used";
    EXPECT_LE(after["MemAvailable"], after["MemTotal"] - 102400u);
    EXPECT_LE(after["Cached"], after["MemTotal"] - after["MemFree"]);
    EXPECT_EQ(sh("rm /dev/shm/hog").status, 0);
    EXPECT_TRUE(eventually([&] { return meminfo()["Shmem"] < after["Shmem"]; }, 30s)) << "Shmem stays";
}

TEST_F(CtMeminfo, OursReplaceLxcfsAndEveryUserReadsThem) {
    ASSERT_TRUE(start_ct());
    for (auto* file : {"/proc/meminfo", "/proc/swaps"}) {
        EXPECT_EQ(mounted_type(file), "fuse.vzubcfs") << file;
        EXPECT_EQ(mounts_at(file), 1u) << file << ": one mount, not ours on top of LXCFS's";
    }
    // Read-only, world-readable as procfs's; the beancounter file stays root's.
    auto ls = sh("ls -l /proc/meminfo /proc/swaps /run/vz/user_beancounters");
    for (auto& l : lines(ls.out))
        EXPECT_EQ(l.substr(0, 10), contains(l, "user_beancounters") ? "-r--------" : "-r--r--r--") << l;
    EXPECT_NE(sh("echo 0 > /proc/meminfo").status, 0);
    auto nobody = sh("su -s /bin/sh -c 'grep -c kB /proc/meminfo && cat /proc/swaps' nobody");
    EXPECT_EQ(nobody.status, 0) << nobody.out << nobody.err;
    EXPECT_TRUE(contains(nobody.out, "virtual")) << nobody.out;
    EXPECT_NE(sh("su -s /bin/sh -c 'cat /run/vz/user_beancounters' nobody").status, 0);
}

// An init that mounts /proc, /sys and /dev/pts again (busybox rcS files and older templates do it
// unconditionally; on OpenVZ it was harmless): each mount succeeds without hiding what vzctl mounted there, so the
// container keeps its meminfo, swaps and the free(1) that agrees with them, the read-only /proc/sys, and the devpts
// limited to NUMPTY.
TEST_F(CtMeminfo, AnInitThatMountsProcSysAndDevptsAgainKeepsTheContainersView) {
    auto rcs = private_path(kCt) + "/etc/init.d/rcS";
    auto text = read_text(rcs);
    auto at = text.find("umask 022\n");
    ASSERT_NE(at, std::string::npos);
    text.insert(at + 10,
                "mount -t proc proc /proc; echo \"proc $?\" >>/remounts\n"
                "mount -t sysfs sysfs /sys; echo \"sysfs $?\" >>/remounts\n"
                "mount -t devpts devpts /dev/pts; echo \"devpts $?\" >>/remounts\n");
    write_text(rcs, text);
    ASSERT_TRUE(start_ct());
    EXPECT_EQ(sh("cat /remounts").out, "proc 0\nsysfs 0\ndevpts 0\n");
    for (auto* path : {"/proc", "/sys", "/dev/pts", "/proc/meminfo"})
        EXPECT_EQ(mounts_at(path), 1u) << path << " was mounted over";
    auto m = meminfo();
    EXPECT_EQ(m["MemTotal"], 262144u);
    EXPECT_EQ(free_total("Mem"), 262144u);
    // free's used (total - free - buffers - cached) is a size, not a wrapped-around negative one.
    for (auto& l : lines(sh("free").out))
        if (auto w = pieces(l, ' '); l.rfind("Mem:", 0) == 0) {
            std::vector<std::string> cols;
            for (auto& x : w)
                if (!x.empty()) cols.push_back(x);
            ASSERT_GE(cols.size(), 3u) << l;
            EXPECT_LE(std::stoull(cols[2]), 262144u) << "used: " << l;
        }
    EXPECT_NE(sh("echo 3 >/proc/sys/vm/drop_caches").status, 0) << "/proc/sys became writable";
    EXPECT_EQ(swaps().size(), 1u);
}

TEST_F(CtMeminfo, WithoutLxcfsToo) {
    std::ofstream(confdir_ + "/vz.conf", std::ios::app) << "LXCFS=\"no\"\n";
    ASSERT_TRUE(start_ct());
    EXPECT_EQ(mounted_type("/proc/meminfo"), "fuse.vzubcfs");
    EXPECT_EQ(mounts_at("/proc/cpuinfo"), 0u) << "LXCFS's files are not bound";
    auto m = meminfo();
    EXPECT_EQ(m["MemTotal"], 262144u);
    EXPECT_EQ(m["SwapTotal"], 524288u);
}

TEST_F(CtMeminfo, UbcProcNoLeavesMeminfoToLxcfsOrTheKernel) {
    std::ofstream(confdir_ + "/vz.conf", std::ios::app) << "UBC_PROC=\"no\"\n";
    ASSERT_TRUE(start_ct());
    auto type = mounted_type("/proc/meminfo");
    EXPECT_TRUE(type == "fuse.lxcfs" || type == "<nothing>") << type;
}

}  // namespace
