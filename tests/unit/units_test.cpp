// Value grammar of beancounters and sizes (reference 2.0): suffixes, fractions, unlimited, items, pages, clamping.
#include "config/units.hpp"

#include <gtest/gtest.h>

namespace {

using vz::kUnlimited;
using vz::parse_ubc_pair;
using vz::parse_ubc_value;
using vz::Unit;

constexpr uint64_t KiB = 1024, MiB = KiB * 1024, GiB = MiB * 1024, TiB = GiB * 1024;

TEST(Units, BinarySuffixesInBytes) {
    EXPECT_EQ(parse_ubc_value("7", Unit::Bytes), 7u);
    EXPECT_EQ(parse_ubc_value("7B", Unit::Bytes), 7u);
    EXPECT_EQ(parse_ubc_value("7b", Unit::Bytes), 7u);
    EXPECT_EQ(parse_ubc_value("3K", Unit::Bytes), 3 * KiB);
    EXPECT_EQ(parse_ubc_value("3k", Unit::Bytes), 3 * KiB);
    EXPECT_EQ(parse_ubc_value("3M", Unit::Bytes), 3 * MiB);
    EXPECT_EQ(parse_ubc_value("3g", Unit::Bytes), 3 * GiB);
    EXPECT_EQ(parse_ubc_value("3T", Unit::Bytes), 3 * TiB);
    EXPECT_EQ(parse_ubc_value("3P", Unit::Bytes), 3 * vz::page_size());
}

TEST(Units, FractionsAreAllowedWithAndWithoutSuffix) {
    EXPECT_EQ(parse_ubc_value("1.5K", Unit::Bytes), 1536u);
    EXPECT_EQ(parse_ubc_value("0.5G", Unit::Bytes), 512 * MiB);
    EXPECT_EQ(parse_ubc_value("2.2G", Unit::KiB), 2306868u);  // 2306867.2 KiB, rounded up
}

TEST(Units, PagesConvertSuffixedValuesAndKeepPlainOnes) {
    auto page = vz::page_size();
    EXPECT_EQ(parse_ubc_value("100", Unit::Pages), 100u);
    EXPECT_EQ(parse_ubc_value("256M", Unit::Pages), 256 * MiB / page);
    EXPECT_EQ(parse_ubc_value("1G", Unit::Pages), GiB / page);
    EXPECT_EQ(parse_ubc_value("5P", Unit::Pages), 5u);
    EXPECT_EQ(parse_ubc_value(std::to_string(3 * page) + "B", Unit::Pages), 3u);
}

TEST(Units, KibUnitConvertsSuffixes) {
    EXPECT_EQ(parse_ubc_value("10", Unit::KiB), 10u);
    EXPECT_EQ(parse_ubc_value("1M", Unit::KiB), 1024u);
    EXPECT_EQ(parse_ubc_value("2G", Unit::KiB), 2097152u);
}

TEST(Units, ItemsRefuseSuffixesAndFractions) {
    EXPECT_EQ(parse_ubc_value("240", Unit::Items), 240u);
    for (const char* bad : {"10K", "10M", "10P", "10B", "1.5"})
        EXPECT_FALSE(parse_ubc_value(bad, Unit::Items)) << bad;
    EXPECT_EQ(parse_ubc_value("unlimited", Unit::Items), kUnlimited);
}

TEST(Units, MalformedNumbersAreRefused) {
    for (const char* bad : {"", "K", "-1", "+1", " 1", "1 ", "1.2.3", ".5", "5.", "1KB", "1X", "0x10", "unlimitedK",
                            "Unlimited"})
        EXPECT_FALSE(parse_ubc_value(bad, Unit::Bytes)) << "'" << bad << "'";
}

TEST(Units, UnlimitedIsLongMax) {
    EXPECT_EQ(kUnlimited, 9223372036854775807ULL);
    EXPECT_EQ(parse_ubc_value("unlimited", Unit::Pages), kUnlimited);
    EXPECT_EQ(vz::format_ubc_value(kUnlimited), "unlimited");
}

TEST(Units, ValuesPastLongMaxClampWithNotice) {
    bool clamped = false;
    EXPECT_EQ(parse_ubc_value("9223372036854775807", Unit::Items, &clamped), kUnlimited);
    EXPECT_FALSE(clamped);
    EXPECT_EQ(parse_ubc_value("99999999999999999999", Unit::Items, &clamped), kUnlimited);
    EXPECT_TRUE(clamped);
    clamped = false;
    EXPECT_EQ(parse_ubc_value("9000000T", Unit::Bytes, &clamped), kUnlimited);
    EXPECT_TRUE(clamped);
    clamped = false;
    EXPECT_EQ(parse_ubc_value("1000T", Unit::Bytes, &clamped), 1000 * TiB);
    EXPECT_FALSE(clamped);
}

TEST(Units, PairsAndSingleValues) {
    EXPECT_EQ(parse_ubc_pair("5", Unit::Items), (vz::UbcPair{5, 5}));
    EXPECT_EQ(parse_ubc_pair("1:2", Unit::Items), (vz::UbcPair{1, 2}));
    EXPECT_EQ(parse_ubc_pair("1K:unlimited", Unit::Bytes), (vz::UbcPair{KiB, kUnlimited}));
    EXPECT_EQ(parse_ubc_pair("0:256M", Unit::Pages), (vz::UbcPair{0, 256 * MiB / vz::page_size()}));
    for (const char* bad : {"1:", ":1", "1:2:3", "1::2", "a:b", "1K:2", ""})
        EXPECT_FALSE(parse_ubc_pair(bad, Unit::Items)) << "'" << bad << "'";
}

TEST(Units, SavedFormIsSingleWhenEqual) {
    EXPECT_EQ(vz::format_ubc_pair({5, 5}), "5");
    EXPECT_EQ(vz::format_ubc_pair({1, 2}), "1:2");
    EXPECT_EQ(vz::format_ubc_pair({0, kUnlimited}), "0:unlimited");
    EXPECT_EQ(vz::format_ubc_pair({kUnlimited, kUnlimited}), "unlimited");
}

TEST(Units, PlainSizes) {
    EXPECT_EQ(vz::parse_size("10", MiB), 10 * MiB);
    EXPECT_EQ(vz::parse_size("10K", MiB), 10 * KiB);
    EXPECT_EQ(vz::parse_size("1.5", KiB), 1536u);
    EXPECT_FALSE(vz::parse_size("1.5", KiB, false));
    EXPECT_FALSE(vz::parse_size("unlimited", 1));
}

TEST(Units, UnsignedRangesAndYesNo) {
    EXPECT_EQ(vz::parse_uint("8", 8, 500000), 8u);
    EXPECT_FALSE(vz::parse_uint("7", 8, 500000));
    EXPECT_FALSE(vz::parse_uint("500001", 8, 500000));
    EXPECT_FALSE(vz::parse_uint("18446744073709551616"));
    EXPECT_FALSE(vz::parse_uint("1e3"));
    EXPECT_EQ(vz::parse_yes_no("yes"), true);
    EXPECT_EQ(vz::parse_yes_no("no"), false);
    EXPECT_FALSE(vz::parse_yes_no("Yes"));
    EXPECT_FALSE(vz::parse_yes_no("y"));
}

}  // namespace
