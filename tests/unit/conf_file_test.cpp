#include "config/conf_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "../support/temp_dir.hpp"
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

TEST(ConfFile, MissingFinalNewlineIsKeptUntilAKeyIsAppended) {
    auto f = vz::ConfFile::parse("A=1\nB=2", "t.conf");
    EXPECT_EQ(f.render(), "A=1\nB=2");
    f.set("A", "3");
    EXPECT_EQ(f.render(), "A=\"3\"\nB=2");
    f.set("C", "4");
    EXPECT_EQ(f.render(), "A=\"3\"\nB=2\nC=\"4\"\n");
}

TEST(ConfFile, SetChangesTheFirstOfRepeatedKeysOnly) {
    auto f = vz::ConfFile::parse("A=1\nA=2\n", "t.conf");
    f.set("A", "9");
    EXPECT_EQ(f.render(), "A=\"9\"\nA=2\n");
    EXPECT_EQ(f.keys(), (std::vector<std::string>{"A"}));
}

TEST(ConfFile, EraseRemovesEveryLineOfTheKey) {
    auto f = vz::ConfFile::parse("A=1\n# c\nB=2\nA=3\n", "t.conf");
    EXPECT_TRUE(f.erase("A"));
    EXPECT_FALSE(f.erase("A"));
    EXPECT_EQ(f.render(), "# c\nB=2\n");
    EXPECT_FALSE(f.has("A"));
}

TEST(ConfFile, QuotesAndBackslashesSurviveASaveAndLoad) {
    vztest::TempDir dir;
    const std::string value = "a \"quoted\" \\ back\\slash $VEID";
    auto f = vz::ConfFile::parse("# keep me\n", "t.conf");
    f.set("DESCRIPTION", value);
    f.save(dir / "t.conf");
    auto back = vz::ConfFile::load(dir / "t.conf");
    ASSERT_TRUE(back);
    EXPECT_EQ(*back->get("DESCRIPTION"), value);
    EXPECT_EQ(back->render(), f.render());
    // Nothing but the file itself is left in the directory.
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST(ConfFile, UnquotedValuesRunToTheEndOfTheLine) {
    auto f = vz::ConfFile::parse("NAMESERVER=inherit # the host's\nX=a\\ b\n", "t.conf");
    EXPECT_EQ(*f.get("NAMESERVER"), "inherit # the host's");
    EXPECT_EQ(*f.get("X"), "a b");
}

TEST(ConfFile, MissingFileIsNotAnError) { EXPECT_FALSE(vz::ConfFile::load("/nonexistent/dir/x.conf")); }

}  // namespace
