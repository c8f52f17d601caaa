// vzubc's humanised numbers, percentage columns, -q/-c levels and thresholds, and the table it draws from them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../support/text.hpp"
#include "ubc/report.hpp"
#include "util/error.hpp"

namespace {

using vz::kUnlimited;
using vz::UbcLevel;
using vz::UbcRecord;
using vz::ubc_human;
using vz::ubc_percent;

constexpr uint64_t kIntMax = 2147483647;

using vztest::lines;

TEST(VzubcHuman, ZeroAndUnlimitedAreADashAlignedWithTheDigits) {
    EXPECT_EQ(ubc_human("numproc", 0, 4), "- ");
    EXPECT_EQ(ubc_human("numproc", kUnlimited, 4), "- ");
    EXPECT_EQ(ubc_human("physpages", kIntMax, 4), "- ");  // 32-bit kernels' unlimited
}

TEST(VzubcHuman, ItemsAndBytesKeepABlankWhereTheUnitLetterGoes) {
    EXPECT_EQ(ubc_human("numproc", 20, 4), "20 ");
    EXPECT_EQ(ubc_human("numproc", 1023, 4), "1023 ");
    EXPECT_EQ(ubc_human("numproc", 1500, 4), "1.46K");  // items are scaled by 1024 too, as the original did
    EXPECT_EQ(ubc_human("kmemsize", 1, 4), "1 ");
    EXPECT_EQ(ubc_human("", 7, 4), "7 ");  // the failcnt column
}

TEST(VzubcHuman, ThreeSignificantDigitsBelowAHundredWholeNumbersAbove) {
    EXPECT_EQ(ubc_human("kmemsize", 14372700, 4), "13.7M");
    EXPECT_EQ(ubc_human("kmemsize", 2 * 1024 * 1024, 4), "2M");
    EXPECT_EQ(ubc_human("kmemsize", 1536, 4), "1.5K");
    EXPECT_EQ(ubc_human("kmemsize", 99 * 1024 + 1000, 4), "100K");  // 99.98 rounds to 3 digits
    EXPECT_EQ(ubc_human("kmemsize", 100 * 1024, 4), "100K");
    EXPECT_EQ(ubc_human("kmemsize", 1024 * 1024 - 1, 4), "1023K");  // truncated, never 1024K
    EXPECT_EQ(ubc_human("kmemsize", 5ULL << 40, 4), "5T");
    EXPECT_EQ(ubc_human("kmemsize", 3ULL << 50, 4), "3P");
    EXPECT_EQ(ubc_human("kmemsize", 7ULL << 60, 4), "7E");
}

TEST(VzubcHuman, PageCountsAreShownInBytesOfThePageSize) {
    EXPECT_EQ(ubc_human("physpages", 1, 4), "4K");
    EXPECT_EQ(ubc_human("physpages", 65536, 4), "256M");
    EXPECT_EQ(ubc_human("swappages", 131072, 4), "512M");
    EXPECT_EQ(ubc_human("lockedpages", 300, 4), "1.17M");
    EXPECT_EQ(ubc_human("physpages", 1, 64), "64K");
    EXPECT_EQ(ubc_human("somethingpages", 256, 4), "1M");  // a name outside the table: by its suffix
}

TEST(VzubcHuman, EveryValueFitsItsFiveColumnField) {
    for (uint64_t v = 1; v < (1ULL << 62); v = v * 3 + 1)
        for (auto* res : {"numproc", "physpages", "kmemsize"})
            EXPECT_LE(ubc_human(res, v, 4).size(), 5u) << res << " " << v;
}

TEST(VzubcPercent, ZeroUnlimitedOrNoBaseIsADash) {
    EXPECT_EQ(ubc_percent(0, 100), "- ");
    EXPECT_EQ(ubc_percent(50, 0), "- ");  // barrier 0 of a vswap config
    EXPECT_EQ(ubc_percent(50, kUnlimited), "- ");
    EXPECT_EQ(ubc_percent(50, kIntMax), "- ");
    EXPECT_EQ(ubc_percent(4, 100000), "- ");  // 0.004% rounds to nothing
}

TEST(VzubcPercent, OneSignificantDigitBelowTenWholePercentsAbove) {
    EXPECT_EQ(ubc_percent(45, 100), "45%");
    EXPECT_EQ(ubc_percent(457, 1000), "45%");  // truncated like the original
    EXPECT_EQ(ubc_percent(100, 100), "100%");
    EXPECT_EQ(ubc_percent(2000, 1000), "200%");
    EXPECT_EQ(ubc_percent(53, 1000), "5%");
    EXPECT_EQ(ubc_percent(3, 1000), "0.3%");
    EXPECT_EQ(ubc_percent(1, 1000), "0.1%");
    EXPECT_EQ(ubc_percent(996, 10000), "10%");
    EXPECT_EQ(ubc_percent(960, 10000), "10%");  // never "1e+01%"
}

TEST(VzubcPercent, HugeSharesOfAReadFile) {
    // vzubc -f reads any numbers: held far past the barrier gives a percentage past 64 bits.
    EXPECT_EQ(ubc_percent(UINT64_MAX, 1), "1844674407370955161600%");
    EXPECT_EQ(ubc_percent(kUnlimited - 1, 2), "461168601842738790400%");
}

TEST(VzubcThresholds, DefaultsPercentagesAndTheHeldCap) {
    vz::UbcThresholds d;
    EXPECT_DOUBLE_EQ(d.held, 0.5);
    EXPECT_DOUBLE_EQ(d.maxheld, 0.8);
    auto p = vz::ubc_thresholds(50, 90);
    EXPECT_DOUBLE_EQ(p.held, 0.5);
    EXPECT_DOUBLE_EQ(p.maxheld, 0.9);
    auto capped = vz::ubc_thresholds(0.9, 0.7);
    EXPECT_DOUBLE_EQ(capped.held, 0.7);
    EXPECT_DOUBLE_EQ(capped.maxheld, 0.7);
    EXPECT_THROW(vz::ubc_thresholds(-1, 0.8), vz::Error);
}

UbcRecord rec(uint64_t held, uint64_t maxheld, uint64_t barrier, uint64_t limit, uint64_t failcnt = 0,
              const char* name = "numproc") {
    return UbcRecord{name, held, maxheld, barrier, limit, failcnt};
}

TEST(VzubcLevel, FailuresAndHeldAboveTheBarrierAreOver) {
    vz::UbcThresholds t;
    EXPECT_EQ(vz::ubc_level(rec(1, 1, 100, 100, 1), t), UbcLevel::Over);
    EXPECT_EQ(vz::ubc_level(rec(1, 1, kUnlimited, kUnlimited, 3), t), UbcLevel::Over);
    EXPECT_EQ(vz::ubc_level(rec(101, 101, 100, 200), t), UbcLevel::Over);
}

TEST(VzubcLevel, ThresholdsAreFractionsOfTheBarrierOrOfTheLimitWhenTheBarrierIsZero) {
    vz::UbcThresholds t;  // held 0.5, maxheld 0.8
    EXPECT_EQ(vz::ubc_level(rec(50, 50, 100, 100), t), UbcLevel::Normal);
    EXPECT_EQ(vz::ubc_level(rec(51, 51, 100, 100), t), UbcLevel::Near);
    EXPECT_EQ(vz::ubc_level(rec(10, 81, 100, 100), t), UbcLevel::Near);
    EXPECT_EQ(vz::ubc_level(rec(10, 80, 100, 100), t), UbcLevel::Normal);
    EXPECT_EQ(vz::ubc_level(rec(60, 60, 0, 100), t), UbcLevel::Near);
    EXPECT_EQ(vz::ubc_level(rec(40, 40, 0, 100), t), UbcLevel::Normal);
    EXPECT_EQ(vz::ubc_level(rec(1ULL << 40, 1ULL << 40, kUnlimited, kUnlimited), t), UbcLevel::Normal);
    auto strict = vz::ubc_thresholds(0.1, 0.2);
    EXPECT_EQ(vz::ubc_level(rec(11, 11, 100, 100), strict), UbcLevel::Near);
    EXPECT_EQ(vz::ubc_level(rec(5, 21, 100, 100), strict), UbcLevel::Near);
    EXPECT_EQ(vz::ubc_level(rec(5, 20, 100, 100), strict), UbcLevel::Normal);
}

vz::UbcBlock sample_block() {
    return vz::UbcBlock{"101",
                        {rec(2752512, 2965504, 14372700, 14790164, 0, "kmemsize"),
                         rec(18, 20, 20, 20, 7, "numproc"),           // failing
                         rec(300, 400, 0, 65536, 0, "physpages"),     // barrier 0: no Bar%
                         rec(12, 14, 20, 20, 0, "numfile"),           // near: 60% of the barrier
                         rec(1, 1, kUnlimited, kUnlimited, 0, "numpty")}};  // unlimited barrier
}

TEST(VzubcTable, LayoutOfTheReference) {
    auto l = lines(vz::render_ubc_table({sample_block()}, {}));
    ASSERT_EQ(l.size(), 8u);
    EXPECT_EQ(l[0], std::string(68, '-'));
    EXPECT_EQ(l[1], "CT 101       | HELD  Bar%  Lim%| MAXH  Bar%  Lim%| BAR | LIM | FAIL");
    EXPECT_EQ(l[2], "-------------+-----------------+-----------------+-----+-----+------");
    EXPECT_EQ(l[3], "     kmemsize|2.62M   19%   18%|2.83M   20%   20%|13.7M|14.1M|    - ");
    EXPECT_EQ(l[4], "      numproc|  18    90%   90%|  20   100%  100%|  20 |  20 |    7 ");
    EXPECT_EQ(l[5], "    physpages|1.17M    -   0.5%|1.56M    -   0.6%|   - | 256M|    - ");
    EXPECT_EQ(l[6], "      numfile|  12    60%   60%|  14    70%   70%|  20 |  20 |    - ");
    EXPECT_EQ(l[7], std::string(68, '-'));
    // Every line but the column titles is as wide as the rule (the original's "FAIL" title is one short).
    for (size_t i = 0; i < l.size(); ++i) EXPECT_EQ(l[i].size(), i == 1 ? 67u : 68u) << l[i];
}

TEST(VzubcTable, VerboseAddsUnlimitedBarriers) {
    vz::UbcTableOptions o;
    o.verbose = true;
    auto text = vz::render_ubc_table({sample_block()}, o);
    EXPECT_NE(text.find("       numpty|   1     -     - |   1     -     - |   - |   - |    - \n"), std::string::npos)
        << text;
}

TEST(VzubcTable, QuietShowsOnlyRowsPastTheThresholds) {
    vz::UbcTableOptions o;
    o.quiet = true;
    auto l = lines(vz::render_ubc_table({sample_block()}, o));
    ASSERT_EQ(l.size(), 6u) << vz::render_ubc_table({sample_block()}, o);
    EXPECT_NE(l[3].find("numproc|"), std::string::npos);
    EXPECT_NE(l[4].find("numfile|"), std::string::npos);
    // Raising -qh/-qm past numfile's 60%/70% leaves only the failing row.
    o.thresholds = vz::ubc_thresholds(65, 75);
    l = lines(vz::render_ubc_table({sample_block()}, o));
    ASSERT_EQ(l.size(), 5u);
    EXPECT_NE(l[3].find("numproc|"), std::string::npos);
    // Lowering them brings kmemsize (19% held, 20% maxheld of its barrier) in.
    o.thresholds = vz::ubc_thresholds(0.1, 0.15);
    auto text = vz::render_ubc_table({sample_block()}, o);
    EXPECT_NE(text.find("kmemsize|"), std::string::npos);
    EXPECT_EQ(text.find("physpages|"), std::string::npos);  // 0.5% of its limit
}

TEST(VzubcTable, QuietDropsBlocksWithNothingToShowAndSeparatesTheOthers) {
    vz::UbcBlock calm{"102", {rec(1, 1, 100, 100)}};
    vz::UbcTableOptions o;
    o.quiet = true;
    auto text = vz::render_ubc_table({calm, sample_block(), calm}, o);
    EXPECT_EQ(text.find("CT 102"), std::string::npos);
    auto both = vz::render_ubc_table({calm, sample_block()}, {});
    EXPECT_NE(both.find("|    - \n\n" + std::string(68, '-') + "\nCT 101 "), std::string::npos) << both;
}

TEST(VzubcTable, RelativeMarksTheFailColumn) {
    vz::UbcTableOptions o;
    o.relative = true;
    EXPECT_NE(vz::render_ubc_table({sample_block()}, o).find("| BAR | LIM |+FAIL\n"), std::string::npos);
}

TEST(VzubcTable, IncrementalAddsASignedHeldDeltaColumn) {
    vz::UbcTableOptions o;
    o.held_delta = [](const std::string&, const UbcRecord& r) -> std::optional<int64_t> {
        if (r.resource == "physpages") return -256;
        if (r.resource == "numproc") return 3;
        if (r.resource == "numpty") return 1;  // changed: shown although unlimited
        return std::nullopt;
    };
    auto l = lines(vz::render_ubc_table({sample_block()}, o));
    ASSERT_EQ(l.size(), 9u);
    EXPECT_EQ(l[0], std::string(75, '-'));
    EXPECT_EQ(l[1], "CT 101       | HELD  +/-    Bar%  Lim%| MAXH  Bar%  Lim%| BAR | LIM | FAIL");
    EXPECT_EQ(l[2], "-------------+------------------------+-----------------+-----+-----+------");
    EXPECT_EQ(l[4], "      numproc|  18     +3    90%   90%|  20   100%  100%|  20 |  20 |    7 ");
    EXPECT_EQ(l[5], "    physpages|1.17M    -1M    -   0.5%|1.56M    -   0.6%|   - | 256M|    - ");
    EXPECT_NE(l[7].find("numpty|"), std::string::npos);
    for (size_t i = 0; i < l.size(); ++i) EXPECT_EQ(l[i].size(), i == 1 ? 74u : 75u) << l[i];
}

TEST(VzubcTable, ColorMarksHeaderOverAndNearRows) {
    vz::UbcTableOptions o;
    o.color = true;
    auto l = lines(vz::render_ubc_table({sample_block()}, o));
    EXPECT_EQ(l[0].rfind("\033[1;32m", 0), 0u);
    EXPECT_NE(l[2].find("\033[0;39m"), std::string::npos);
    EXPECT_EQ(l[3].find('\033'), std::string::npos);                 // kmemsize: normal
    EXPECT_EQ(l[4].rfind("\033[1;31m      numproc|", 0), 0u);        // failing: red
    EXPECT_EQ(l[6].rfind("\033[1;33m      numfile|", 0), 0u);        // near: yellow
    EXPECT_TRUE(l[6].ends_with("\033[0;39m"));
}

TEST(VzubcTable, NothingToShowPrintsNothing) {
    EXPECT_EQ(vz::render_ubc_table({}, {}), "");
    vz::UbcTableOptions o;
    o.quiet = true;
    EXPECT_EQ(vz::render_ubc_table({vz::UbcBlock{"5", {rec(1, 1, 100, 100)}}}, o), "");
}

}  // namespace
