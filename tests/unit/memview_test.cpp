// The memory a container is told about (ubc/memview.hpp): OpenVZ VSwap semantics for sysinfo(2) and
// /proc/meminfo alike.
#include <gtest/gtest.h>

#include "ubc/memview.hpp"

namespace {

using vz::kMemUnlimited;
using vz::mem_view;
using vz::MemCgroup;
using vz::MemHost;

constexpr uint64_t MiB = 1024 * 1024;

TEST(MemView, V1VswapSampleShowsItsSwapAlsoWithoutHostSwap) {
    // ve-vswap-256m: memory 256M, memsw 256M+512M; a host with 8G of RAM and no swap at all.
    MemCgroup cg{false, 256 * MiB, 100 * MiB, true, 768 * MiB, 130 * MiB};
    auto v = mem_view(cg, MemHost{8192 * MiB, 0, 0});
    EXPECT_EQ(v.ram, 256 * MiB);
    EXPECT_EQ(v.ram_free(), 156 * MiB);
    EXPECT_EQ(v.swap, 512 * MiB);
    EXPECT_EQ(v.swap_used, 30 * MiB);
}

TEST(MemView, V2SwapIsSwapMax) {
    MemCgroup cg{true, 512 * MiB, 10 * MiB, true, 512 * MiB, 0};
    auto v = mem_view(cg, MemHost{8192 * MiB, 0, 0});
    EXPECT_EQ(v.ram, 512 * MiB);
    EXPECT_EQ(v.swap, 512 * MiB);
    EXPECT_EQ(v.swap_free(), 512 * MiB);
}

TEST(MemView, UnlimitedMeansTheHosts) {
    MemCgroup cg{false, kMemUnlimited, 10 * MiB, true, kMemUnlimited, 12 * MiB};
    auto v = mem_view(cg, MemHost{4096 * MiB, 1024 * MiB, 5 * MiB});
    EXPECT_EQ(v.ram, 4096 * MiB);
    EXPECT_EQ(v.swap, 1024 * MiB);
    EXPECT_EQ(v.swap_used, 2 * MiB) << "v1: memsw use minus memory use";
}

TEST(MemView, WithoutSwapAccountingTheHostsSwapShows) {
    MemCgroup cg{false, 256 * MiB, 10 * MiB, false, kMemUnlimited, 0};
    auto v = mem_view(cg, MemHost{4096 * MiB, 1024 * MiB, 100 * MiB});
    EXPECT_EQ(v.swap, 1024 * MiB);
    EXPECT_EQ(v.swap_used, 100 * MiB);
}

TEST(MemView, UseNeverExceedsTheTotal) {
    // A limit lowered below the current use (set --ram live) and memsw use above memsw limit for a moment.
    MemCgroup cg{false, 64 * MiB, 100 * MiB, true, 128 * MiB, 300 * MiB};
    auto v = mem_view(cg, MemHost{4096 * MiB, 0, 0});
    EXPECT_EQ(v.ram_free(), 0u);
    EXPECT_EQ(v.swap, 64 * MiB);
    EXPECT_EQ(v.swap_free(), 0u);
}

TEST(MemView, CgroupFileNumbers) {
    uint64_t n = 0;
    EXPECT_TRUE(vz::mem_number("max\n", n));
    EXPECT_EQ(n, kMemUnlimited);
    EXPECT_TRUE(vz::mem_number("268435456\n", n));
    EXPECT_EQ(n, 256 * MiB);
    EXPECT_FALSE(vz::mem_number("", n));
}

}  // namespace
