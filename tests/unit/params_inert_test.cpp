// What this version saves but applies nowhere (ParamDef::inert) is consistent: every live parameter either feeds a
// group of limits or is inert, and vzctl(8) names exactly the inert options and the enforced beancounters.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include "config/params.hpp"

namespace {

// The options ("--name") named in vzctl(8) between the line holding `from` and the line holding `to`.
std::set<std::string> man_options(const std::string& from, const std::string& to) {
    auto page = std::filesystem::path(__FILE__).parent_path() / "../../man/vzctl.8";
    std::ifstream in(page);
    EXPECT_TRUE(in) << "can't open " << page;
    std::set<std::string> out;
    bool inside = false;
    std::regex opt(R"(\\-\\-([a-z_]+))");
    for (std::string line; std::getline(in, line);) {
        if (!inside && line.find(from) != std::string::npos) inside = true;
        if (!inside) continue;
        for (std::sregex_iterator m(line.begin(), line.end(), opt), end; m != end; ++m) out.insert((*m)[1]);
        if (line.find(to) != std::string::npos) break;
    }
    EXPECT_TRUE(inside) << "no '" << from << "' in vzctl(8)";
    return out;
}

TEST(ParamTable, LiveParametersFeedAGroupOrAreInert) {
    for (auto& p : vz::params()) {
        if (p.apply == vz::Apply::Live && !p.conf_key.empty()) {
            EXPECT_TRUE(p.groups || p.inert) << "--" << p.option << " is live, applied by no group and not inert";
        }
    }
}

TEST(ParamTable, ManualNamesTheInertOptions) {
    std::set<std::string> inert;
    for (auto& p : vz::params())
        if (p.inert && p.kind != vz::Kind::Ubc) inert.insert(p.option);
    EXPECT_EQ(man_options("applied nowhere by this version yet", "and every beancounter not named above"), inert);
}

TEST(ParamTable, ManualNamesTheEnforcedBeancounters) {
    std::set<std::string> enforced;
    for (auto& p : vz::params())
        if (p.ubc && p.groups && p.apply == vz::Apply::Live) enforced.insert(p.option);
    EXPECT_EQ(man_options("After a beancounter that a cgroup enforces", "UB limits were set successfully"), enforced);
}

}  // namespace
