// The boot service's order and decisions (ct/boot.hpp): the init script's `vzlist -s-bootorder` (highest BOOTORDER
// first, unset last, ties by ascending CTID) and which containers start.
#include <gtest/gtest.h>

#include "ct/boot.hpp"

namespace {

std::vector<unsigned> ids(const std::vector<vz::BootEntry>& entries) {
    std::vector<unsigned> out;
    for (auto& e : entries) out.push_back(e.ctid);
    return out;
}

TEST(BootOrder, HighestFirstUnsetLastTiesByCtid) {
    std::vector<vz::BootEntry> e = {
        {105, true, std::nullopt, {}}, {101, true, 10, {}}, {103, true, 30, {}},
        {102, true, 10, {}},           {104, true, std::nullopt, {}}, {106, true, 0, {}},
    };
    vz::sort_boot_order(e);
    EXPECT_EQ(ids(e), (std::vector<unsigned>{103, 101, 102, 106, 104, 105}));
}

TEST(BootOrder, WhoStarts) {
    std::set<unsigned> ran{102};
    EXPECT_EQ(vz::boot_skip_reason({101, true, {}, {}}, ran), "");
    EXPECT_EQ(vz::boot_skip_reason({102, false, {}, {}}, ran), "ONBOOT=no");
    EXPECT_EQ(vz::boot_skip_reason({102, std::nullopt, {}, {}}, ran), "");
    EXPECT_NE(vz::boot_skip_reason({103, std::nullopt, {}, {}}, ran), "");
    EXPECT_EQ(vz::boot_skip_reason({101, std::nullopt, {}, "bad ONBOOT value 'maybe'"}, ran),
              "bad ONBOOT value 'maybe'");
}

}  // namespace
