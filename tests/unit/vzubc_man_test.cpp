// The resource table of vzubc(8) says, per cgroup version, what vz::ubc_support says, for every beancounter row.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "ubc/collect.hpp"

namespace {

struct ManRow {
    std::string name, v1, v2, unit;
};

std::vector<ManRow> man_rows() {
    auto page = std::filesystem::path(__FILE__).parent_path() / "../../man/vzubc.8";
    std::ifstream in(page);
    EXPECT_TRUE(in) << "can't open " << page;
    std::regex re(R"(^(\w+) +(enforced|accounted|unavailable) +(enforced|accounted|unavailable) +(\w+)$)");
    std::vector<ManRow> rows;
    std::smatch m;
    for (std::string line; std::getline(in, line);)
        if (std::regex_match(line, m, re)) rows.push_back({m[1], m[2], m[3], m[4]});
    return rows;
}

const char* unit_name(vz::Unit u) {
    switch (u) {
        case vz::Unit::Pages: return "pages";
        case vz::Unit::Bytes: return "bytes";
        case vz::Unit::Items: return "items";
        case vz::Unit::KiB: return "KiB";
    }
    return "?";
}

TEST(VzubcManual, ResourceTableMatchesTheLibrary) {
    auto rows = man_rows();
    std::vector<const vz::UbcResource*> listed;
    for (auto& r : vz::ubc_resources())
        if (vz::ubc_listed(r)) listed.push_back(&r);
    ASSERT_EQ(listed.size(), 21u);
    ASSERT_EQ(rows.size(), listed.size());
    for (size_t i = 0; i < rows.size(); ++i) {
        auto& r = *listed[i];
        EXPECT_EQ(rows[i].name, r.name);
        EXPECT_EQ(rows[i].v1, vz::ubc_support(r, vz::CgroupMode::V1)) << r.name;
        EXPECT_EQ(rows[i].v2, vz::ubc_support(r, vz::CgroupMode::V2)) << r.name;
        EXPECT_EQ(rows[i].unit, unit_name(r.unit)) << r.name;
    }
}

}  // namespace
