// The raw beancounter file (reference 6.1): blocks made from measured counters and the CT config, the kernel's
// layout, parsing it back (the -f input of vzubc), and the store of -r/-i.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "../support/text.hpp"
#include "../support/temp_dir.hpp"
#include "config/conf_file.hpp"
#include "ubc/report.hpp"
#include "util/error.hpp"
#include "config/beancounters.hpp"

namespace {

using vz::kUnlimited;
using vz::UbcBlock;
using vz::UbcRecord;

using vztest::lines;

size_t index_of(std::string_view name) {
    auto i = vz::ubc_index(name);
    if (!i) ADD_FAILURE() << "no resource " << name;
    return i.value_or(0);
}

const UbcRecord& row(const UbcBlock& b, std::string_view name) {
    for (auto& r : b.rows)
        if (r.resource == name) return r;
    throw std::runtime_error("no row " + std::string(name));
}

vz::CtConfig config(const std::string& text) {
    auto global = std::make_shared<const vz::ConfFile>(vz::ConfFile::parse("", "vz.conf"));
    return vz::CtConfig(101, global, vz::ConfFile::parse(text, "101.conf"));
}

UbcBlock measured_block() {
    vz::UbcStats stats(vz::ubc_resources().size());
    stats[index_of("numproc")] = {18, 20, 7};
    stats[index_of("physpages")] = {300, 400, 2};
    stats[index_of("kmemsize")] = {90112, std::nullopt, std::nullopt};  // no peak kept (cgroup v2)
    auto cfg = config("NUMPROC=\"20\"\nPHYSPAGES=\"0:256M\"\nSWAPPAGES=\"0:512M\"\nDCACHE=\"1M:2M\"\n"
                      "KMEMSIZE=\"14372700:14790164\"\n");
    return vz::ubc_block(101, stats, &cfg);
}

TEST(VzubcRaw, BlockTakesCountersFromTheKernelAndBarrierLimitFromTheConfig) {
    auto b = measured_block();
    EXPECT_EQ(b.uid, "101");
    EXPECT_EQ(b.rows.size(), 21u);  // every listed resource, avnumproc has no row
    EXPECT_EQ(row(b, "numproc"), (UbcRecord{"numproc", 18, 20, 20, 20, 7}));
    uint64_t ram = (256ULL << 20) / vz::page_size(), swap = (512ULL << 20) / vz::page_size();
    EXPECT_EQ(row(b, "physpages"), (UbcRecord{"physpages", 300, 400, 0, ram, 2}));
    EXPECT_EQ(row(b, "swappages"), (UbcRecord{"swappages", 0, 0, 0, swap, 0}));
    EXPECT_EQ(row(b, "dcachesize"), (UbcRecord{"dcachesize", 0, 0, 1 << 20, 2 << 20, 0}));  // the old key
    // Without a peak from the kernel, maxheld is at least held; unavailable figures are 0.
    EXPECT_EQ(row(b, "kmemsize"), (UbcRecord{"kmemsize", 90112, 90112, 14372700, 14790164, 0}));
    EXPECT_EQ(row(b, "numfile"), (UbcRecord{"numfile", 0, 0, kUnlimited, kUnlimited, 0}));
    // Unset in this VSwap config: derived from RAM and swap (no VM_OVERCOMMIT: privvmpages unlimited).
    EXPECT_EQ(row(b, "lockedpages"), (UbcRecord{"lockedpages", 0, 0, ram, ram, 0}));
    EXPECT_EQ(row(b, "oomguarpages"), (UbcRecord{"oomguarpages", 0, 0, ram, kUnlimited, 0}));
    EXPECT_EQ(row(b, "vmguarpages"), (UbcRecord{"vmguarpages", 0, 0, ram + swap, kUnlimited, 0}));
    EXPECT_EQ(row(b, "privvmpages"), (UbcRecord{"privvmpages", 0, 0, kUnlimited, kUnlimited, 0}));
}

TEST(VzubcRaw, KernelLimitsInForceReplaceTheConfiguredOnes) {
    // `vzctl set --ram 512M --numproc 30` without --save: the kernel enforces what the config does not say yet.
    auto stats = vz::UbcStats(vz::ubc_resources().size());
    uint64_t ram = (512ULL << 20) / vz::page_size(), swap = (512ULL << 20) / vz::page_size();
    stats[index_of("physpages")].limit = ram;
    stats[index_of("swappages")].limit = swap;
    stats[index_of("numproc")].limit = 30;
    auto cfg = config("NUMPROC=\"20\"\nPHYSPAGES=\"0:256M\"\nSWAPPAGES=\"0:512M\"\n");
    auto b = vz::ubc_block(101, stats, &cfg);
    EXPECT_EQ(row(b, "physpages"), (UbcRecord{"physpages", 0, 0, 0, ram, 0}));
    EXPECT_EQ(row(b, "numproc"), (UbcRecord{"numproc", 0, 0, 30, 30, 0}));
    // What VSwap derives follows the RAM in force.
    EXPECT_EQ(row(b, "lockedpages"), (UbcRecord{"lockedpages", 0, 0, ram, ram, 0}));
    EXPECT_EQ(row(b, "vmguarpages"), (UbcRecord{"vmguarpages", 0, 0, ram + swap, kUnlimited, 0}));
}

TEST(VzubcRaw, NoConfigMeansUnlimited) {
    auto b = vz::ubc_block(7, vz::UbcStats(vz::ubc_resources().size()), nullptr);
    for (auto& r : b.rows) {
        EXPECT_EQ(r.barrier, kUnlimited) << r.resource;
        EXPECT_EQ(r.limit, kUnlimited) << r.resource;
    }
}

TEST(VzubcRaw, KernelLayout) {
    auto l = lines(vz::format_ubc_raw({measured_block()}));
    ASSERT_EQ(l.size(), 2u + 25u);
    EXPECT_EQ(l[0], "Version: 2.5");
    EXPECT_EQ(l[1], "       uid  resource                     held              maxheld              barrier"
                    "                limit              failcnt");
    EXPECT_EQ(l[2], "      101:  kmemsize                    90112                90112             14372700"
                    "             14790164                    0");
    // VSwap derives lockedpages = ram:ram (tests/unit/ubc_limits_test.cpp has the rules).
    auto ram = std::to_string((256ULL << 20) / vz::page_size());
    auto column = std::string(21 - ram.size(), ' ') + ram;
    EXPECT_EQ(l[3], "            lockedpages                     0                    0" + column + column +
                        "                    0");
    // Rows follow the kernel ids; ids 4 and 20-22 are the kernel's all-zero "dummy" rows.
    std::vector<std::string> names;
    for (size_t i = 2; i < l.size(); ++i) names.push_back(l[i].substr(12, l[i].find(' ', 12) - 12));
    std::vector<std::string> expect = {"kmemsize",   "lockedpages",  "privvmpages", "shmpages",     "dummy",
                                       "numproc",    "physpages",    "vmguarpages", "oomguarpages", "numtcpsock",
                                       "numflock",   "numpty",       "numsiginfo",  "tcpsndbuf",    "tcprcvbuf",
                                       "othersockbuf", "dgramrcvbuf", "numothersock", "dcachesize", "numfile",
                                       "dummy",      "dummy",        "dummy",       "numiptent",    "swappages"};
    EXPECT_EQ(names, expect);
    EXPECT_EQ(l[6], "            dummy                           0                    0                    0"
                    "                    0                    0");
    for (size_t i = 1; i < l.size(); ++i) EXPECT_EQ(l[i].size(), 10u + 2 + 12 + 5 * 21) << l[i];
}

TEST(VzubcRaw, RoundTripKeepsEveryNumber) {
    auto first = measured_block();
    UbcBlock second{"102", {UbcRecord{"numproc", 1, 2, 3, 4, 5}, UbcRecord{"physpages", kUnlimited, 0, 0, 0, 9}}};
    UbcBlock host{"0", {UbcRecord{"kmemsize", 1ULL << 40, 1ULL << 41, kUnlimited, kUnlimited, 0}}};
    std::vector<UbcBlock> blocks{first, second, host};
    auto text = vz::format_ubc_raw(blocks);
    EXPECT_EQ(vz::parse_ubc_raw(text), blocks);
    // And the reprint of what was read is the same text.
    EXPECT_EQ(vz::format_ubc_raw(vz::parse_ubc_raw(text)), text);
}

TEST(VzubcRaw, ParsesTheOriginalKernelsVariants) {
    // 2.6.32 kernels: "<uid>:" then two blanks; later ones "%10s%c ", and no dummy rows; 32-bit: 10-wide numbers.
    auto blocks = vz::parse_ubc_raw(
        "Version: 2.5\n"
        "       uid  resource           held    maxheld    barrier      limit    failcnt\n"
        "      101:  kmemsize        2752512    2965504   14372700   14790164          0\n"
        "            numproc              18         20         20         20         3\n"
        "\n"
        "       102: numproc               1          1 2147483647 2147483647          0\n"
        "            dummy                 0          0          0          0          0\n"
        "\t    physpages\t 5 6 0 65536 0\n");
    ASSERT_EQ(blocks.size(), 2u);
    EXPECT_EQ(blocks[0].uid, "101");
    EXPECT_EQ(blocks[0].rows, (std::vector<UbcRecord>{{"kmemsize", 2752512, 2965504, 14372700, 14790164, 0},
                                                      {"numproc", 18, 20, 20, 20, 3}}));
    EXPECT_EQ(blocks[1].uid, "102");
    EXPECT_EQ(blocks[1].rows, (std::vector<UbcRecord>{{"numproc", 1, 1, 2147483647, 2147483647, 0},
                                                      {"physpages", 5, 6, 0, 65536, 0}}));
}

TEST(VzubcRaw, RowsWithoutAUidLineFormABlockWithoutId) {
    auto blocks = vz::parse_ubc_raw("            numproc 1 2 3 4 5\n");
    ASSERT_EQ(blocks.size(), 1u);
    EXPECT_EQ(blocks[0].uid, "");
    EXPECT_EQ(blocks[0].rows.size(), 1u);
    // vzubc -f FILE --raw prints them so that they read back.
    auto text = vz::format_ubc_raw(blocks);
    EXPECT_EQ(vz::parse_ubc_raw(text), blocks) << text;
}

TEST(VzubcRaw, UidsAreNumbersAndResourcesIdentifiers) {
    // As the kernel writes them. A resource "x:" printed on a block's second row reads back as a uid; a "/" would
    // reach the file names of -r and -i.
    for (const char* bad : {"Version: 2.5\n 101: numproc 1 2 3 4 5\n 102: numpio: 1 2 3 4 5\n",
                            " 101: ../../x 1 2 3 4 5\n", " 1a: numproc 1 2 3 4 5\n", " 101: num-proc 1 2 3 4 5\n"})
        EXPECT_THROW(vz::parse_ubc_raw(bad), vz::Error) << bad;
    // A row named uid is no header line: it reads back.
    auto blocks = vz::parse_ubc_raw("       uid  resource held maxheld barrier limit failcnt\n"
                                    " 101: numproc 1 2 3 4 5\n uid 6 7 8 9 10\n");
    ASSERT_EQ(blocks.size(), 1u);
    ASSERT_EQ(blocks[0].rows.size(), 2u);
    EXPECT_EQ(vz::parse_ubc_raw(vz::format_ubc_raw(blocks)), blocks);
}

TEST(VzubcRaw, RefusesOtherVersionsAndMalformedLines) {
    EXPECT_THROW(vz::parse_ubc_raw("Version: 2.4\n"), vz::Error);
    EXPECT_THROW(vz::parse_ubc_raw("Version: 2.5\n   101:  numproc 1 2 3 4\n"), vz::Error);
    EXPECT_THROW(vz::parse_ubc_raw("Version: 2.5\n   101:  numproc 1 2 x 4 5\n"), vz::Error);
    EXPECT_THROW(vz::parse_ubc_raw("Version: 2.5\n   101:  numproc -1 2 3 4 5\n"), vz::Error);
    try {
        vz::parse_ubc_raw("Version: 2.5\nhello world\n");
        ADD_FAILURE() << "no error";
    } catch (const vz::Error& e) {
        EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
    }
}

TEST(VzubcStore, RelativeFailcntIsTheChangeSinceTheLastRun) {
    vztest::TempDir tmp;
    vz::UbcStore store(tmp / "store");
    store.prepare();
    EXPECT_TRUE(std::filesystem::is_directory(tmp / "store"));
    EXPECT_EQ(std::filesystem::status(tmp / "store").permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_all);
    UbcRecord r{"numproc", 1, 1, 20, 20, 5};
    EXPECT_EQ(store.relative_failcnt("101", r), 5u);  // nothing saved: all of it
    EXPECT_EQ(vztest::read_text(tmp / "store/ubc.101.numproc.failcnt"), "5\n");
    EXPECT_EQ(store.relative_failcnt("101", r), 0u);
    r.failcnt = 12;
    EXPECT_EQ(store.relative_failcnt("101", r), 7u);
    r.failcnt = 2;  // restarted: the counter began again
    EXPECT_EQ(store.relative_failcnt("101", r), 2u);
    EXPECT_EQ(store.relative_failcnt("102", r), 2u);  // per container
}

TEST(VzubcStore, HeldDeltaAndClearing) {
    vztest::TempDir tmp;
    vz::UbcStore store(tmp.path());
    UbcRecord r{"physpages", 100, 100, 0, 65536, 1};
    EXPECT_EQ(store.held_delta("101", r), std::nullopt);
    r.held = 40;
    EXPECT_EQ(store.held_delta("101", r), -60);
    r.held = 50;
    EXPECT_EQ(store.held_delta("101", r), 10);
    store.relative_failcnt("101", r);
    store.clear("held");
    EXPECT_FALSE(std::filesystem::exists(tmp / "ubc.101.physpages.held"));
    EXPECT_TRUE(std::filesystem::exists(tmp / "ubc.101.physpages.failcnt"));
    EXPECT_EQ(store.held_delta("101", r), std::nullopt);
    store.clear("failcnt");
    EXPECT_FALSE(std::filesystem::exists(tmp / "ubc.101.physpages.failcnt"));
}

TEST(VzubcStore, HeldDeltaOfAnyTwoNumbers) {
    // vzubc -f FILE -i: a file may hold any 64-bit numbers.
    vztest::TempDir tmp;
    vz::UbcStore store(tmp.path());
    UbcRecord r{"kmemsize", 0, 0, 0, 0, 0};
    store.held_delta("101", r);
    r.held = UINT64_MAX;
    EXPECT_EQ(store.held_delta("101", r), INT64_MAX);
    r.held = 1;
    EXPECT_EQ(store.held_delta("101", r), -INT64_MAX);
    r.held = (1ULL << 63) + 5;
    EXPECT_EQ(store.held_delta("101", r), INT64_MAX);  // 2^63 + 4 up
    r.held = 5;
    EXPECT_EQ(store.held_delta("101", r), -INT64_MAX);
}

TEST(VzubcStore, UnwritableDirectoryIsAnError) {
    vztest::TempDir tmp;
    vztest::write_text(tmp / "file", "x");
    EXPECT_THROW(vz::UbcStore(tmp / "file/store").prepare(), vz::Error);
}

}  // namespace
