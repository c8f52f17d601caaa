// Every shipped sample, and a config in the original OpenVZ form, makes a container without a single warning.
#include <filesystem>

#include "cli_fixture.hpp"

namespace {

using vztest::CliTest;
namespace fs = std::filesystem;

TEST_F(CliTest, EveryShippedSampleCreatesWithoutWarnings) {
    unsigned ctid = 200;
    std::vector<std::string> names;
    for (auto& e : fs::directory_iterator(std::string(SOURCE_DIR) + "/etc/samples")) {
        auto leaf = e.path().filename().string();
        ASSERT_TRUE(leaf.starts_with("ve-") && leaf.ends_with(".conf-sample")) << leaf;
        names.push_back(leaf.substr(3, leaf.size() - 3 - 12));
    }
    std::sort(names.begin(), names.end());
    ASSERT_GE(names.size(), 9u);
    for (auto& name : names) {
        ++ctid;
        auto r = vzctl({"create", std::to_string(ctid), "--ostemplate", "tiny", "--config", name});
        EXPECT_EQ(r.status, 0) << name << ": " << r.err;
        EXPECT_EQ(r.err, "") << name;
        auto l = vzlist({"-H", "-o", "origin_sample", std::to_string(ctid)});
        EXPECT_EQ(l.out, name + "\n");
        EXPECT_EQ(l.err, "");
        auto s = vzctl({"set", std::to_string(ctid), "--cpus", "1", "--save"});
        EXPECT_EQ(s.status, 0) << name << ": " << s.err;
        EXPECT_EQ(s.err, "") << name;
    }
}

TEST_F(CliTest, ClassicBasicSampleWithAllBeancountersLoadsCleanly) {
    fs::copy(std::string(SOURCE_DIR) + "/tests/fixtures/ve-openvz-basic.conf-sample",
             confdir_ + "/conf/ve-openvz-basic.conf-sample");
    auto r = vzctl({"create", "101", "--ostemplate", "tiny", "--config", "openvz-basic"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    auto l = vzlist({"-a", "-o", "ctid,vswap,numproc.b,privvmpages.l,physpages.l,dcachesize.b,diskspace.h"});
    EXPECT_EQ(l.status, 0);
    EXPECT_EQ(l.err, "");
    EXPECT_EQ(l.out,
              "      CTID VSWAP    NPROC.B  PRIVVMP.L    PHYSP.L DCACHESZ.B   DSPACE.H\n"
              "       101    no        240      69632 2147483647    3409920    1153024\n");
    auto s = vzctl({"set", "101", "--numproc", "300", "--save"});
    EXPECT_EQ(s.status, 0) << s.err;
    EXPECT_EQ(s.err, "");
}

TEST_F(CliTest, ShippedBasicSampleIsNotVswapAndVswapSamplesAre) {
    ASSERT_TRUE(create(101, "basic"));
    ASSERT_TRUE(create(102, "vswap-1g"));
    ASSERT_TRUE(create(103, "unlimited"));
    // The samples keep sizes with suffixes ("0:1G", "2G:2.2G"); vzlist shows pages and KiB.
    auto l = vzlist({"-a", "-H", "-o", "ctid,vswap,physpages.l,diskspace.s,diskspace.h,diskinodes.h"});
    EXPECT_EQ(l.out,
              "       101    no 9223372036854775807    2097152    2306868     144179\n"
              "       102   yes     262144    2097152    2306868     144179\n"
              "       103    no 9223372036854775807          -          -          -\n");
}

}  // namespace
