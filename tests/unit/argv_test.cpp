// getopt_long compatibility rewrite: the forms scripts used with the original tools become forms CLI11 parses.
#include "util/argv.hpp"

#include <gtest/gtest.h>

namespace {

using Args = std::vector<std::string>;

// The option syntax of vzlist: -o -s -h -N -d take a value, the other letters are flags.
vz::OptionSyntax vzlist_like() {
    vz::OptionSyntax s;
    s.long_takes_value = [](const std::string& n) {
        return n == "output" || n == "sort" || n == "hostname" || n == "name_filter" || n == "description";
    };
    s.short_takes_value = [](char c) { return std::string("oshNd").find(c) != std::string::npos; };
    s.short_known = [](char c) { return std::string("aSonHtjL1shNd").find(c) != std::string::npos; };
    return s;
}

Args norm(const Args& in) { return vz::normalize_argv(in, vzlist_like()); }

TEST(Argv, ShortOptionTakesNextWordEvenWithDash) {
    EXPECT_EQ(norm({"-s", "-numproc"}), (Args{"-s-numproc"}));
    EXPECT_EQ(norm({"-s", "numproc", "101"}), (Args{"-snumproc", "101"}));
}

TEST(Argv, ValueOptionAtEndOfFlagCluster) {
    EXPECT_EQ(norm({"-Hto", "ctid"}), (Args{"-Htoctid"}));
    EXPECT_EQ(norm({"-aHs", "-cpulimit", "-a"}), (Args{"-aHs-cpulimit", "-a"}));
}

TEST(Argv, LongOptionTakesNextWordStartingWithDash) {
    EXPECT_EQ(norm({"--description", "-x-"}), (Args{"--description=-x-"}));
    EXPECT_EQ(norm({"--sort", "-numproc", "-a"}), (Args{"--sort=-numproc", "-a"}));
    EXPECT_EQ(norm({"--output", "ctid"}), (Args{"--output=ctid"}));
}

TEST(Argv, AttachedFormsStayAsTheyAre) {
    EXPECT_EQ(norm({"--output=ctid,hostname"}), (Args{"--output=ctid,hostname"}));
    EXPECT_EQ(norm({"-octid", "-a"}), (Args{"-octid", "-a"}));
    EXPECT_EQ(norm({"-s-numproc"}), (Args{"-s-numproc"}));
}

TEST(Argv, CombinedFlagsAndPlainWordsStayAsTheyAre) {
    EXPECT_EQ(norm({"-aH", "101"}), (Args{"-aH", "101"}));
    EXPECT_EQ(norm({"-a1j"}), (Args{"-a1j"}));
    EXPECT_EQ(norm({"--all", "--json", "101"}), (Args{"--all", "--json", "101"}));
}

TEST(Argv, FlagsDoNotSwallowTheNextWord) {
    EXPECT_EQ(norm({"-a", "-H"}), (Args{"-a", "-H"}));
    EXPECT_EQ(norm({"--all", "-o", "ctid"}), (Args{"--all", "-octid"}));
    // An unknown letter ends the cluster: nothing is joined.
    EXPECT_EQ(norm({"-Hx", "ctid"}), (Args{"-Hx", "ctid"}));
}

TEST(Argv, ValueOptionLastOnTheLineIsLeftForTheParserToReport) {
    EXPECT_EQ(norm({"-a", "-o"}), (Args{"-a", "-o"}));
    EXPECT_EQ(norm({"--sort"}), (Args{"--sort"}));
}

TEST(Argv, AnEmptyValueStaysAWordOfItsOwn) {
    EXPECT_EQ(norm({"-o", "", "-H"}), (Args{"-o", "", "-H"}));
    EXPECT_EQ(norm({"-Ho", ""}), (Args{"-Ho", ""}));
    EXPECT_EQ(norm({"--description", "", "-a"}), (Args{"--description", "", "-a"}));
}

TEST(Argv, DoubleDashEndsOptions) {
    EXPECT_EQ(norm({"-a", "--", "-s", "x"}), (Args{"-a", "--", "-s", "x"}));
}

}  // namespace
