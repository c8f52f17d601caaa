// The version in `criu --version` output and its comparison with the minimum (src/lib/cpt/criu.cpp).
#include "cpt/criu.hpp"

#include <gtest/gtest.h>

namespace {

using vz::cpt::CriuVersion;
using vz::cpt::kCriuMinimum;
using vz::cpt::parse_criu_version;

TEST(CriuVersion, ParsesWhatCriuPrints) {
    EXPECT_EQ(parse_criu_version("Version: 4.2.1\n"), (CriuVersion{4, 2, 1}));
    EXPECT_EQ(parse_criu_version("Version: 3.17.1\n"), (CriuVersion{3, 17, 1}));
    EXPECT_EQ(parse_criu_version("Version: 4.0\nGitID: v4.0-12-gabcdef\n"), (CriuVersion{4, 0, 0}));
    EXPECT_EQ(parse_criu_version("Warn: something\nVersion:\t10.1.22 (beta)\n"), (CriuVersion{10, 1, 22}));
}

TEST(CriuVersion, RefusesWhatIsNoVersion) {
    for (auto text : {"", "criu: command not found\n", "Version: 4\n", "Version: 4.2.1.5\n", "Version: 4..1\n",
                      "Version: 4.2.\n", "Version: x.y\n", "Version: -4.2\n", "version: 4.2\n", "Version:\n"})
        EXPECT_FALSE(parse_criu_version(text)) << text;
}

TEST(CriuVersion, ComparesNumerically) {
    EXPECT_LT((CriuVersion{3, 17, 1}), kCriuMinimum);
    EXPECT_LT((CriuVersion{4, 1, 9}), kCriuMinimum);
    EXPECT_GE((CriuVersion{4, 2, 0}), kCriuMinimum);
    EXPECT_GE((CriuVersion{4, 10, 0}), kCriuMinimum);  // not text: 4.10 is newer than 4.2
    EXPECT_GE((CriuVersion{5, 0, 0}), kCriuMinimum);
    EXPECT_LT((CriuVersion{4, 2, 1}), (CriuVersion{4, 2, 2}));
}

TEST(CriuVersion, PrintsAsCriuDoes) {
    EXPECT_EQ((CriuVersion{4, 2, 1}).str(), "4.2.1");
    EXPECT_EQ(kCriuMinimum.str(), "4.2");
}

}  // namespace
