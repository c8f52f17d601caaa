#include "config/conf_file.hpp"

#include <gtest/gtest.h>

#include "util/error.hpp"

namespace {

TEST(ConfFile, RoundTripIsByteIdentical) {
    const std::string text =
        "# comment\n"
        "\n"
        "PHYSPAGES=\"0:256M\"\n"
        "  ONBOOT = yes  \n"
        "UNKNOWN_KEY=\"kept as is\" # trailing comment\n"
        "DESCRIPTION=\"say \\\"hi\\\"\"\n";
    auto f = vz::ConfFile::parse(text, "t.conf");
    EXPECT_EQ(f.render(), text);
    EXPECT_EQ(*f.get("ONBOOT"), "yes");
    EXPECT_EQ(*f.get("DESCRIPTION"), "say \"hi\"");
    EXPECT_EQ(*f.get("UNKNOWN_KEY"), "kept as is");
}

TEST(ConfFile, SetChangesOnlyThatLineAndAppendsNewKeys) {
    auto f = vz::ConfFile::parse("A=\"1\"\n# c\nB=2\n", "t.conf");
    EXPECT_TRUE(f.set("B", "3"));
    EXPECT_FALSE(f.set("A", "1"));
    EXPECT_TRUE(f.set("C", "x y"));
    EXPECT_EQ(f.render(), "A=\"1\"\n# c\nB=\"3\"\nC=\"x y\"\n");
}

TEST(ConfFile, FirstOccurrenceWinsWithWarning) {
    auto f = vz::ConfFile::parse("A=1\nA=2\n", "t.conf");
    EXPECT_EQ(*f.get("A"), "1");
    ASSERT_EQ(f.warnings().size(), 1u);
    EXPECT_NE(f.warnings()[0].find("t.conf:2"), std::string::npos);
}

TEST(ConfFile, MalformedLinesNameFileAndLine) {
    for (const char* bad : {"JUSTTEXT\n", "A=\"open\n", "1A=2\n", "A=\"x\" y\n"}) {
        try {
            vz::ConfFile::parse(std::string("OK=1\n") + bad, "bad.conf");
            ADD_FAILURE() << "accepted: " << bad;
        } catch (const vz::Error& e) {
            EXPECT_EQ(e.code(), vz::Exit::InvalidValue);
            EXPECT_EQ(std::string(e.what()).rfind("bad.conf:2: ", 0), 0u) << e.what();
        }
    }
}

TEST(ConfFile, ExpandVeid) {
    EXPECT_EQ(vz::expand_veid("/vz/root/$VEID/x/${VEID}", 101), "/vz/root/101/x/101");
}

}  // namespace
