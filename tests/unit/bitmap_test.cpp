// CPU and NUMA node bitmaps ("all" or "0-2,7"): parsing and the canonical saved text.
#include <gtest/gtest.h>

#include "config/units.hpp"

namespace {

std::vector<unsigned> set_bits(const std::vector<bool>& map) {
    std::vector<unsigned> out;
    for (unsigned i = 0; i < map.size(); ++i)
        if (map[i]) out.push_back(i);
    return out;
}

TEST(Bitmap, ListsAndRanges) {
    auto m = vz::parse_bitmap("0-2,7", 16);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->size(), 16u);
    EXPECT_EQ(set_bits(*m), (std::vector<unsigned>{0, 1, 2, 7}));
    EXPECT_EQ(set_bits(*vz::parse_bitmap("5", 16)), (std::vector<unsigned>{5}));
    EXPECT_EQ(set_bits(*vz::parse_bitmap("3-3", 16)), (std::vector<unsigned>{3}));
}

TEST(Bitmap, AllSetsEveryBit) {
    auto m = vz::parse_bitmap("all", 8);
    ASSERT_TRUE(m);
    EXPECT_EQ(set_bits(*m), (std::vector<unsigned>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(Bitmap, RefusesBadLists) {
    for (const char* bad : {"", "3-1", "16", "0-16", "a", "1-", "-1", "1,x", "ALL", "1.5"})
        EXPECT_FALSE(vz::parse_bitmap(bad, 16)) << "'" << bad << "'";
}

TEST(Bitmap, CanonicalText) {
    auto canon = [](const char* s) { return vz::format_bitmap(*vz::parse_bitmap(s, 4096)); };
    EXPECT_EQ(canon("7,0-2"), "0-2,7");
    EXPECT_EQ(canon("1,2,3"), "1-3");
    EXPECT_EQ(canon("0-1,1-2"), "0-2");
    EXPECT_EQ(canon("4095"), "4095");
    EXPECT_EQ(canon("0,2,4"), "0,2,4");
    EXPECT_EQ(vz::format_bitmap(std::vector<bool>(4, true)), "0-3");
    EXPECT_EQ(vz::format_bitmap(std::vector<bool>(4, false)), "");
}

}  // namespace
