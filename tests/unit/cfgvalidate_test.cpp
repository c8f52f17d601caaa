// vzcfgvalidate's checks (ubc/validate.hpp): each check finds its case and its fix meets it, a repair of any
// configuration ends valid, unlimited stays unlimited in the arithmetic, missing figures stop the checks, VSwap
// configurations are bounded by the host, and the figures are read as vzctl reads them.
#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "config/conf_file.hpp"
#include "config/ctconfig.hpp"
#include "config/units.hpp"
#include "ubc/validate.hpp"

namespace vz {
// gtest's view of a pair: barrier:limit.
void PrintTo(const UbcPair& p, std::ostream* os) { *os << p.barrier << ":" << p.limit; }
}  // namespace vz

namespace {

using vz::CfgFigures;
using vz::CfgFinding;
using vz::UbcPair;

constexpr uint64_t U = vz::kUnlimited;
const vz::CfgHost kHost{1000000, 250000};

// ve-basic.conf-sample's beancounters: a configuration every check passes.
CfgFigures basic() {
    return {{"kmemsize", {14372700, 14790164}}, {"lockedpages", {2048, 2048}},     {"privvmpages", {65536, 69632}},
            {"shmpages", {21504, 21504}},       {"numproc", {240, 240}},           {"physpages", {0, U}},
            {"vmguarpages", {33792, U}},        {"oomguarpages", {26112, U}},      {"numtcpsock", {360, 360}},
            {"numflock", {188, 206}},           {"numpty", {16, 16}},              {"numsiginfo", {256, 256}},
            {"tcpsndbuf", {1720320, 2703360}},  {"tcprcvbuf", {1720320, 2703360}}, {"othersockbuf", {1126080, 2097152}},
            {"dgramrcvbuf", {262144, 262144}},  {"numothersock", {360, 360}},      {"dcachesize", {3409920, 3624960}},
            {"numfile", {9312, 9312}},          {"numiptent", {128, 128}},         {"avnumproc", {180, 180}}};
}

std::vector<CfgFinding> check(CfgFigures& f, bool repair, bool vswap = false) {
    return vz::check_cfg(f, vswap, kHost, [&](const CfgFinding&) { return repair; });
}

std::vector<std::string> texts(const std::vector<CfgFinding>& found) {
    std::vector<std::string> out;
    for (auto& f : found) out.push_back(f.text);
    return out;
}

bool valid(CfgFigures f, bool vswap = false) {
    auto found = check(f, false, vswap);
    return std::none_of(found.begin(), found.end(), vz::cfg_fails);
}

TEST(CfgValidate, TheShippedBasicSampleIsValid) {
    auto f = basic();
    EXPECT_EQ(texts(check(f, false)), std::vector<std::string>{});
}

struct Case {
    const char* figure;
    UbcPair value;
    const char* text;
};

TEST(CfgValidate, EachCheckFindsItsCaseAndItsFixMeetsIt) {
    const Case cases[] = {
        {"numproc", {240, 300}, "barrier should be equal to limit for numproc (currently, 240:300)"},
        {"vmguarpages", {33792, 40000}, "limit should be unlimited for vmguarpages (currently, 40000)"},
        {"kmemsize", {14790164, 14372700}, "barrier should be <= limit for kmemsize (currently, 14790164:14372700)"},
        {"physpages", {5, U}, "barrier should be 0 for physpages (currently, 5)"},
        {"numiptent", {128, U}, "barrier should be equal to limit for numiptent (currently, 128:unlimited)"},
        {"numfile", {500, 500},
         "numfile.bar should be >= max(32 x avnumproc, numtcpsock.bar + numothersock.bar + numpty.bar) = 5760 "
         "(currently, 500)"},
        {"dcachesize", {1000, 3000000}, "dcachesize.lim should be >= 384 x numfile.bar = 3575808 (currently, 3000000)"},
        {"kmemsize", {10000000, 14790164},
         "kmemsize.bar should be >= 40 KiB x avnumproc + dcachesize.lim = 10997760 (currently, 10000000)"},
        {"privvmpages", {30000, 69632}, "privvmpages.bar should be >= vmguarpages.bar = 33792 (currently, 30000)"},
        {"tcpsndbuf", {1720320, 1800000},
         "tcpsndbuf.lim-tcpsndbuf.bar should be >= 2.5 KiB x numtcpsock.bar = 921600 "
         "(currently, 1800000-1720320=79680)"},
        {"othersockbuf", {1126080, 1126080},
         "othersockbuf.lim-othersockbuf.bar should be >= 2.5 KiB x numothersock.bar = 921600 "
         "(currently, 1126080-1126080=0)"},
        {"tcprcvbuf", {1720320, 1720321},
         "tcprcvbuf.lim-tcprcvbuf.bar should be >= 2.5 KiB x numtcpsock.bar = 921600 (currently, 1720321-1720320=1)"},
        {"dgramrcvbuf", {1000, 262144}, "dgramrcvbuf.bar should be >= 32 KiB = 32768 (currently, 1000)"},
    };
    for (auto& c : cases) {
        SCOPED_TRACE(c.text);
        auto f = basic();
        f[c.figure] = c.value;
        auto found = check(f, false);
        ASSERT_EQ(texts(found), std::vector<std::string>{c.text});
        EXPECT_TRUE(vz::cfg_fails(found[0]));
        ASSERT_EQ(found[0].fix.size(), 1u);
        EXPECT_EQ(found[0].fix[0].first, c.figure);
        auto fixed = check(f, true);
        EXPECT_TRUE(valid(f)) << "the fix meets the check";
        EXPECT_EQ(f[c.figure], fixed[0].fix[0].second);
    }
}

TEST(CfgValidate, RepairsMoveTheLimitWithTheBarrierAndRaiseTheFigureABoundReads) {
    // A barrier raised keeps the room to its limit.
    auto f = basic();
    f["tcpsndbuf"] = {1000, 1000000};
    check(f, true);
    EXPECT_EQ(f["tcpsndbuf"], (UbcPair{65536, 1064536}));
    // numfile raised first, then the dcachesize limit it bounds, then the kmemsize barrier that one bounds.
    f = basic();
    f["numfile"] = {100000, 100000};
    auto found = check(f, true);
    EXPECT_EQ(f["numfile"], (UbcPair{100000, 100000}));
    EXPECT_EQ(f["dcachesize"], (UbcPair{3409920, 38400000}));
    EXPECT_EQ(f["kmemsize"], (UbcPair{7372800 + 38400000, 14790164 + 7372800 + 38400000 - 14372700}));
    EXPECT_TRUE(valid(f));
    // A recommendation is shown and repaired, but does not make the configuration invalid.
    f = basic();
    f["dgramrcvbuf"] = {65536, 65536};
    found = check(f, false);
    ASSERT_EQ(texts(found),
              std::vector<std::string>{"dgramrcvbuf.bar should be >= 129 KiB = 132096 (currently, 65536)"});
    EXPECT_EQ(found[0].severity, vz::CfgSeverity::Recommendation);
    EXPECT_TRUE(valid(f));
}

TEST(CfgValidate, UnlimitedStaysUnlimitedInTheArithmetic) {
    // An unlimited numproc asks for an unlimited kmemsize (the original's 40 KiB x LONG_MAX/2 wrapped around).
    auto f = basic();
    f["numproc"] = {U, U};
    f.erase("avnumproc");
    f["numfile"] = {U, U};
    f["dcachesize"] = {U, U};
    EXPECT_EQ(texts(check(f, false)),
              std::vector<std::string>{"kmemsize.bar should be >= 40 KiB x avnumproc + dcachesize.lim = unlimited "
                                       "(currently, 14372700)"});
    // Every figure unlimited, as ve-unlimited.conf-sample: valid. INT_MAX of 32-bit kernels is unlimited too.
    for (auto& [name, value] : f) value = {U, U};
    f["physpages"] = {0, 2147483647};
    f["numiptent"] = {2147483647, U};
    EXPECT_EQ(texts(check(f, false)), std::vector<std::string>{});
}

TEST(CfgValidate, MissingFiguresAreNamedAndNothingElseIsChecked) {
    auto f = basic();
    f.erase("kmemsize");
    f.erase("physpages");
    f.erase("avnumproc");  // optional: half of numproc
    f["numproc"] = {1, 2};
    auto found = check(f, true);
    EXPECT_EQ(texts(found),
              (std::vector<std::string>{"parameter kmemsize not found", "parameter physpages not found"}));
    EXPECT_TRUE(found[0].fix.empty());
    EXPECT_EQ(f["numproc"], (UbcPair{1, 2})) << "no repair";
    // A VSwap configuration needs its two figures only.
    CfgFigures v{{"physpages", {0, 65536}}};
    EXPECT_EQ(texts(check(v, false, true)), std::vector<std::string>{"parameter swappages not found"});
}

TEST(CfgValidate, VswapLimitsAreBoundByTheHost) {
    CfgFigures v{{"physpages", {10, 2000000}}, {"swappages", {0, 131072}}, {"diskspace", {2, 1}}};
    EXPECT_TRUE(vz::cfg_is_vswap(v));
    auto found = check(v, true, true);
    EXPECT_EQ(texts(found), (std::vector<std::string>{
                                "barrier should be 0 for physpages (currently, 10)",
                                "physpages.lim should be <= 1000000, this host's RAM in pages (currently, 2000000)",
                                "barrier should be <= limit for diskspace (currently, 2:1)"}));
    EXPECT_EQ(found[1].severity, vz::CfgSeverity::Warning);
    EXPECT_EQ(v["physpages"], (UbcPair{0, 1000000}));
    EXPECT_EQ(v["diskspace"], (UbcPair{2, 2}));
    v["swappages"] = {0, 300000};
    EXPECT_EQ(texts(check(v, false, true)),
              std::vector<std::string>{
                  "swappages.lim should be <= 250000, this host's swap in pages (currently, 300000)"});
    EXPECT_FALSE(vz::cfg_is_vswap(basic()));
}

// What a start needs (the original's 28): of a VSwap config RAM and swap, of another every beancounter but swap.
TEST(CfgValidate, StartNeedsWhatTheOriginalsStartNeeded) {
    using Names = std::vector<std::string_view>;
    EXPECT_EQ(vz::missing_for_start(basic()), Names{});
    auto f = basic();
    f.erase("numiptent");
    f.erase("kmemsize");
    f.erase("avnumproc");  // never needed
    EXPECT_EQ(vz::missing_for_start(f), (Names{"kmemsize", "numiptent"}));
    EXPECT_EQ(vz::missing_for_start({}).size(), 20u);
    EXPECT_EQ(vz::missing_for_start({{"physpages", {0, 65536}}}), Names{"swappages"});
    EXPECT_EQ(vz::missing_for_start({{"physpages", {0, 65536}}, {"swappages", {0, 0}}}), Names{});
}

// Any configuration, repaired, is valid: no repair breaks a check made before it.
TEST(CfgValidate, ARepairOfAnyConfigurationEndsValid) {
    std::mt19937_64 rng(20261207);
    auto number = [&]() -> uint64_t {
        switch (rng() % 8) {
            case 0: return U;
            case 1: return 2147483647;
            case 2: return 0;
            case 3: return rng() % 100;
            case 4: return rng() % 1000000000000;
            default: return rng() % 100000;
        }
    };
    for (int round = 0; round < 3000; ++round) {
        bool vswap = round % 4 == 0;
        CfgFigures f = basic();
        f["swappages"] = {0, 1000};
        for (auto& [name, value] : f)
            if (rng() % 3 == 0) value = {number(), number()};
        if (rng() % 2) f["diskspace"] = {number(), number()};
        if (rng() % 4 == 0) f.erase("avnumproc");
        check(f, true, vswap);
        EXPECT_TRUE(valid(f, vswap)) << "round " << round;
    }
}

TEST(CfgValidate, FiguresAreReadAsVzctlReadsThem) {
    auto global = std::make_shared<const vz::ConfFile>(
        vz::ConfFile::parse("NUMPROC=\"100\"\nKMEMSIZE=\"5M:6M\"\nDISKSPACE=\"1G:2G\"\n", "vz.conf"));
    vz::CtConfig cfg(0, global,
                     vz::ConfFile::parse("KMEMSIZE=\"1000:2000\"\nDCACHE=\"10:20\"\nIPTENTRIES=\"7\"\n", "x"));
    auto f = vz::cfg_figures(cfg);
    EXPECT_EQ(f["kmemsize"], (UbcPair{1000, 2000})) << "the file over vz.conf";
    EXPECT_EQ(f["numproc"], (UbcPair{100, 100})) << "vz.conf where the file is silent";
    EXPECT_EQ(f["dcachesize"], (UbcPair{10, 20})) << "the older key";
    EXPECT_EQ(f["numiptent"], (UbcPair{7, 7}));
    EXPECT_EQ(f["diskspace"], (UbcPair{1048576, 2097152})) << "KiB";
    EXPECT_FALSE(f.contains("physpages"));
    vz::CtConfig off(0, global, vz::ConfFile::parse("DISK_QUOTA=\"no\"\n", "x"));
    EXPECT_FALSE(vz::cfg_figures(off).contains("diskspace")) << "no quota, no disk figures";
}

}  // namespace
