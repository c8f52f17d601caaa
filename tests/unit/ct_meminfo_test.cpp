// A container's /proc/meminfo and /proc/swaps as vzubcfs renders them (ubc/meminfo.hpp): the host's text with
// the container's VSwap figures and memory.stat figures in the kernel's layout, the other host lines unchanged.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "ubc/meminfo.hpp"

namespace {

using vz::kMemUnlimited;
using vz::MemCgroup;

constexpr uint64_t MiB = 1024 * 1024;

// A host's /proc/meminfo (8 GiB, no swap), shortened.
constexpr const char* kHost =
    "MemTotal:        8388608 kB\n"
    "MemFree:         6315476 kB\n"
    "MemAvailable:    7822464 kB\n"
    "Buffers:           46556 kB\n"
    "Cached:          1588040 kB\n"
    "SwapCached:            0 kB\n"
    "Active:          1100504 kB\n"
    "Inactive:        1902676 kB\n"
    "Active(anon):       1576 kB\n"
    "Inactive(anon):  1375880 kB\n"
    "Active(file):    1098928 kB\n"
    "Inactive(file):   526796 kB\n"
    "Unevictable:       13048 kB\n"
    "Mlocked:           12052 kB\n"
    "SwapTotal:             0 kB\n"
    "SwapFree:              0 kB\n"
    "Dirty:              1724 kB\n"
    "Writeback:             0 kB\n"
    "AnonPages:       1381744 kB\n"
    "Mapped:            92456 kB\n"
    "Shmem:              8872 kB\n"
    "KReclaimable:     197760 kB\n"
    "Slab:             246464 kB\n"
    "SReclaimable:     197760 kB\n"
    "SUnreclaim:        48704 kB\n"
    "KernelStack:        1792 kB\n"
    "PageTables:         5212 kB\n"
    "CommitLimit:    12342040 kB\n"
    "Committed_AS:    3546808 kB\n"
    "VmallocTotal:   34359738367 kB\n"
    "AnonHugePages:   1198080 kB\n"
    "HugePages_Total:       0\n"
    "HugePages_Free:        0\n"
    "Hugepagesize:       2048 kB\n"
    "DirectMap1G:    25165824 kB\n";

// ve-vswap-256m on cgroup v1: memory 256M, memsw 256M+512M; 100M in use, of which 40M page cache; 30M swapped.
const MemCgroup kVswapV1{false, 256 * MiB, 100 * MiB, true, 768 * MiB, 130 * MiB};
// Its memory.stat (bytes): the cgroup's own keys first, which must not be taken for the hierarchical totals.
constexpr const char* kStatV1 =
    "cache 4096\n"
    "rss 8192\n"
    "total_cache 41943040\n"
    "total_rss 52428800\n"
    "total_rss_huge 0\n"
    "total_shmem 8388608\n"
    "total_mapped_file 4194304\n"
    "total_dirty 4096\n"
    "total_writeback 0\n"
    "total_swap 31457280\n"
    "total_inactive_anon 31457280\n"
    "total_active_anon 29360128\n"
    "total_inactive_file 20971520\n"
    "total_active_file 12582912\n"
    "total_unevictable 0\n";

// "Key" -> the value of each line ("N kB").
std::map<std::string, std::string> values(const std::string& text) {
    std::map<std::string, std::string> out;
    size_t pos = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        auto line = text.substr(pos, nl - pos);
        pos = nl == std::string::npos ? text.size() : nl + 1;
        auto value = line.substr(line.find(':') + 1);
        out[line.substr(0, line.find(':'))] = value.substr(value.find_first_not_of(' '));
    }
    return out;
}

TEST(CtMeminfoText, VswapSampleOnV1InTheKernelsLayout) {
    EXPECT_EQ(vz::ct_meminfo(kHost, kVswapV1, kStatV1),
              "MemTotal:         262144 kB\n"
              "MemFree:          159744 kB\n"
              "MemAvailable:     192512 kB\n"  // free + the file LRU lists (32M)
              "Buffers:               0 kB\n"
              "Cached:            40960 kB\n"
              "SwapCached:            0 kB\n"
              "Active:            40960 kB\n"
              "Inactive:          51200 kB\n"
              "Active(anon):      28672 kB\n"
              "Inactive(anon):    30720 kB\n"
              "Active(file):      12288 kB\n"
              "Inactive(file):    20480 kB\n"
              "Unevictable:           0 kB\n"  // Mlocked, the host's, left out
              "SwapTotal:        524288 kB\n"  // the container's swap, though the host has none
              "SwapFree:         493568 kB\n"
              "Dirty:                 4 kB\n"
              "Writeback:             0 kB\n"
              "AnonPages:         51200 kB\n"
              "Mapped:             4096 kB\n"
              "Shmem:              8192 kB\n"
              "KReclaimable:          0 kB\n"  // v1 has no slab figures per cgroup
              "Slab:                  0 kB\n"
              "SReclaimable:          0 kB\n"
              "SUnreclaim:            0 kB\n"
              "KernelStack:           0 kB\n"
              "PageTables:            0 kB\n"
              "CommitLimit:      786432 kB\n"  // its RAM and swap; Committed_AS, the host's, left out
              "VmallocTotal:   34359738367 kB\n"
              "AnonHugePages:         0 kB\n"
              "HugePages_Total:       0\n"
              "HugePages_Free:        0\n"
              "Hugepagesize:       2048 kB\n");  // DirectMap1G, the host's, left out
}

TEST(CtMeminfoText, V2TakesItsOwnKeysAndSlab) {
    MemCgroup cg{true, 512 * MiB, 64 * MiB, true, 256 * MiB, 1 * MiB};
    auto stat = "anon 20971520\nfile 33554432\nkernel 8388608\nkernel_stack 131072\npagetables 262144\n"
                "shmem 1048576\nfile_mapped 2097152\nfile_dirty 8192\nfile_writeback 4096\nanon_thp 2097152\n"
                "inactive_anon 10485760\nactive_anon 11534336\ninactive_file 16777216\nactive_file 16777216\n"
                "unevictable 0\nslab_reclaimable 3145728\nslab_unreclaimable 1048576\nslab 4194304\n";
    auto v = values(vz::ct_meminfo(kHost, cg, stat));
    EXPECT_EQ(v["MemTotal"], "524288 kB");
    EXPECT_EQ(v["MemFree"], "458752 kB");
    EXPECT_EQ(v["MemAvailable"], "491520 kB");
    EXPECT_EQ(v["SwapTotal"], "262144 kB") << "v2: memory.swap.max itself";
    EXPECT_EQ(v["SwapFree"], "261120 kB");
    EXPECT_EQ(v["Cached"], "32768 kB");
    EXPECT_EQ(v["AnonPages"], "20480 kB");
    EXPECT_EQ(v["Active"], "27648 kB");
    EXPECT_EQ(v["Shmem"], "1024 kB");
    EXPECT_EQ(v["Mapped"], "2048 kB");
    EXPECT_EQ(v["Dirty"], "8 kB");
    EXPECT_EQ(v["Writeback"], "4 kB");
    EXPECT_EQ(v["Slab"], "4096 kB");
    EXPECT_EQ(v["SReclaimable"], "3072 kB");
    EXPECT_EQ(v["KReclaimable"], "3072 kB");
    EXPECT_EQ(v["SUnreclaim"], "1024 kB");
    EXPECT_EQ(v["KernelStack"], "128 kB");
    EXPECT_EQ(v["PageTables"], "256 kB");
    EXPECT_EQ(v["AnonHugePages"], "2048 kB");
    EXPECT_EQ(v["CommitLimit"], "786432 kB") << "its RAM plus its swap, not the host's";
}

// Lines that count the host's own use, with no figure per cgroup, are left out; a host's line the cgroup has a
// figure for is the container's; constants of the kernel stay.
TEST(CtMeminfoText, HostOnlyLinesAreLeftOut) {
    auto host = std::string(kHost) +
                "Percpu:             1704 kB\nVmallocUsed:       14404 kB\nVmallocChunk:          0 kB\n"
                "HardwareCorrupted:     0 kB\nBalloon:               0 kB\nSecPageTables:       512 kB\n"
                "DirectMap4k:       28672 kB\nDirectMap2M:    25137152 kB\n";
    MemCgroup cg{true, 512 * MiB, 64 * MiB, true, 256 * MiB, 1 * MiB};
    auto v = values(vz::ct_meminfo(host, cg, "anon 20971520\nsec_pagetables 8192\n"));
    for (auto* name : {"Mlocked", "Committed_AS", "Percpu", "VmallocUsed", "VmallocChunk", "HardwareCorrupted",
                       "Balloon", "DirectMap4k", "DirectMap2M", "DirectMap1G"})
        EXPECT_EQ(v.count(name), 0u) << name << " is the host's: " << v[name];
    EXPECT_EQ(v["SecPageTables"], "8 kB") << "the cgroup's";
    EXPECT_EQ(v["VmallocTotal"], "34359738367 kB");
    EXPECT_EQ(v["Hugepagesize"], "2048 kB");
    EXPECT_EQ(v["HugePages_Total"], "0");
}

TEST(CtMeminfoText, NoFigureExceedsTheUseAndAvailableStaysUnderTheTotal) {
    // A limit lowered live below what the container holds: 300M used, 64M allowed; the statistics say more.
    MemCgroup cg{false, 64 * MiB, 300 * MiB, true, 128 * MiB, 310 * MiB};
    auto v = values(vz::ct_meminfo(kHost, cg, kStatV1));
    EXPECT_EQ(v["MemTotal"], "65536 kB");
    EXPECT_EQ(v["MemFree"], "0 kB");
    EXPECT_EQ(v["MemAvailable"], "32768 kB");
    EXPECT_EQ(v["Cached"], "40960 kB");
    EXPECT_EQ(v["AnonPages"], "51200 kB");
    MemCgroup tiny{false, 64 * MiB, 16 * MiB, true, 128 * MiB, 16 * MiB};
    auto t = values(vz::ct_meminfo(kHost, tiny, kStatV1));
    EXPECT_EQ(t["Cached"], "16384 kB") << "bounded by the 16M in use";
    EXPECT_EQ(t["MemAvailable"], "65536 kB") << "free plus the cache it holds: no more than MemTotal";
}

TEST(CtMeminfoText, UnlimitedShowsTheHostAndSwapAccountingOffTheHostsSwap) {
    auto host = std::string(kHost);
    host.replace(host.find("SwapTotal:             0"), 24, "SwapTotal:       1048576");
    host.replace(host.find("SwapFree:              0"), 24, "SwapFree:        1000000");
    MemCgroup cg{false, kMemUnlimited, 100 * MiB, false, kMemUnlimited, 0};
    auto v = values(vz::ct_meminfo(host, cg, kStatV1));
    EXPECT_EQ(v["MemTotal"], "8388608 kB");
    EXPECT_EQ(v["SwapTotal"], "1048576 kB");
    EXPECT_EQ(v["SwapFree"], "1000000 kB");
}

// vzubcfs tells the file's size before the reading it serves is made: the length depends on the limits only.
TEST(CtMeminfoText, LengthDoesNotChangeWithUseAlsoPastEightDigits) {
    auto big = std::string(kHost);
    big.replace(big.find("MemTotal:        8388608"), 24, "MemTotal:       268435456");  // 256 GiB
    for (auto* host : {kHost, big.c_str()}) {
        MemCgroup idle{false, kMemUnlimited, 1 * MiB, true, kMemUnlimited, 1 * MiB};
        MemCgroup busy{false, kMemUnlimited, 200 * 1024 * MiB, true, kMemUnlimited, 200 * 1024 * MiB};
        EXPECT_EQ(vz::ct_meminfo(host, idle, "").size(), vz::ct_meminfo(host, busy, kStatV1).size());
    }
    MemCgroup unlimited{false, kMemUnlimited, 1 * MiB, true, kMemUnlimited, 1 * MiB};
    auto text = vz::ct_meminfo(big, unlimited, "");
    auto v = values(text);
    EXPECT_EQ(v["MemTotal"], "268435456 kB");
    EXPECT_EQ(v["MemFree"], "268434432 kB");
    // Every figure of the container is as wide (the key padded to 16, the number to 9 here).
    EXPECT_NE(text.find("\nBuffers:" + std::string(16, ' ') + "0 kB\n"), std::string::npos) << text;
}

TEST(CtMeminfoText, HostFigures) {
    auto h = vz::host_mem("MemTotal:        8388608 kB\nSwapTotal:       1048576 kB\nSwapFree:         1048000 kB\n");
    EXPECT_EQ(h.ram, 8192 * MiB);
    EXPECT_EQ(h.swap, 1024 * MiB);
    EXPECT_EQ(h.swap_used, 576u * 1024);
    EXPECT_EQ(vz::host_mem("").ram, 0u);
}

TEST(CtSwapsText, TheVirtualSwapInTheKernelsColumns) {
    EXPECT_EQ(vz::ct_swaps(kHost, kVswapV1),
              "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
              "none                                    virtual\t\t524288  \t30720   \t-2\n");
    // The same length whatever is used.
    MemCgroup full = kVswapV1;
    full.swap_usage = full.swap_limit;
    EXPECT_EQ(vz::ct_swaps(kHost, full),
              "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
              "none                                    virtual\t\t524288  \t524288  \t-2\n");
}

TEST(CtSwapsText, NoSwapNoLine) {
    // memsw equal to memory: no swap at all (a host without swap and a container without swap limit neither).
    MemCgroup cg{false, 256 * MiB, 10 * MiB, true, 256 * MiB, 10 * MiB};
    EXPECT_EQ(vz::ct_swaps(kHost, cg), "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
    MemCgroup unlimited{false, kMemUnlimited, 10 * MiB, true, kMemUnlimited, 10 * MiB};
    EXPECT_EQ(vz::ct_swaps(kHost, unlimited), "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
}

}  // namespace
