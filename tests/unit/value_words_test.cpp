// The words the shell completion offers for a parameter's value (vz::value_words) are values the parameter takes:
// `vzctl set` accepts each as it is completed, items of a list one at a time.
#include <gtest/gtest.h>

#include "config/kinds.hpp"
#include "config/params.hpp"

namespace {

TEST(ValueWords, EveryOfferedWordIsAValidValue) {
    unsigned offered = 0;
    for (auto& p : vz::params()) {
        for (auto& w : vz::value_words(p).words) {
            EXPECT_TRUE(vz::valid_value(p, w)) << "--" << p.option << " " << w;
            ++offered;
        }
    }
    EXPECT_GT(offered, 0u);
}

TEST(ValueWords, KindsWithFewValuesOfferThemAll) {
    auto words = [](const char* option) { return vz::value_words(*vz::find_param(option)).words; };
    EXPECT_EQ(words("onboot"), (std::vector<std::string>{"yes", "no"}));
    EXPECT_EQ(words("layout"),
              (std::vector<std::string>{"simfs", "ploop", "ploop:expanded", "ploop:plain", "ploop:raw"}));
    EXPECT_EQ(words("netfilter"), (std::vector<std::string>{"disabled", "stateless", "stateful", "full"}));
    EXPECT_EQ(words("mac_filter"), (std::vector<std::string>{"on", "off"}));
    EXPECT_EQ(vz::value_words(*vz::find_param("capability")).separator, ',');
    EXPECT_TRUE(words("hostname").empty());
}

}  // namespace
