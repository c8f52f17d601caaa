// Bad input on the command line and in config files: the exit codes of the reference and messages that say where.
#include <filesystem>

#include "../support/messages.hpp"
#include "cli_fixture.hpp"

namespace {

using vztest::CliTest;
using vztest::contains;
namespace fs = std::filesystem;

// Every file below the config directory, to prove a refused command wrote nothing.
std::vector<std::string> tree(const std::string& dir) {
    std::vector<std::string> out;
    for (auto& e : fs::recursive_directory_iterator(dir)) out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

TEST_F(CliTest, PathLikeAndOutOfRangeCtidsAreRefused) {
    ASSERT_TRUE(create(101));
    auto before = tree(tmp_.path());
    for (const char* id : {"../../etc", "101/../1", "-5", "2147483645", "0x65", "1e3", "0101", ""}) {
        for (std::vector<std::string> cmd : {std::vector<std::string>{"create", id, "--ostemplate", "tiny"},
                                             std::vector<std::string>{"set", id, "--cpus", "1", "--save"},
                                             std::vector<std::string>{"destroy", id},
                                             std::vector<std::string>{"status", id}}) {
            auto r = vzctl(cmd);
            EXPECT_EQ(r.status, 21) << cmd[0] << " '" << id << "': " << r.err;
            EXPECT_TRUE(r.err.starts_with("Error: ")) << r.err;
        }
    }
    auto after = tree(tmp_.path());
    std::erase_if(after, [](const std::string& p) { return contains(p, "/run/"); });
    std::erase_if(before, [](const std::string& p) { return contains(p, "/run/"); });
    EXPECT_EQ(after, before);
}

TEST_F(CliTest, HighestCtidIsAccepted) {
    ASSERT_TRUE(create(2147483644));
    EXPECT_EQ(vzctl({"status", "2147483644"}).out, "CTID 2147483644 exist unmounted down\n");
}

TEST_F(CliTest, UnknownOptionOrCommandIsASyntaxError) {
    ASSERT_TRUE(create(101));
    auto conf = vztest::read_text(conf_path(101));
    auto r = vzctl({"set", "101", "--bogus", "1", "--save"});
    EXPECT_EQ(r.status, 20);
    // One line naming the first word it can't place, as the original's getopt did (not every extra word backwards).
    EXPECT_EQ(r.err, "Error: Unrecognized option: --bogus\n");
    r = vzctl({"start", "101", "extra", "--bogus"});
    EXPECT_EQ(r.status, 20);
    EXPECT_EQ(r.err, "Error: Unexpected argument: extra\n");
    EXPECT_EQ(vzctl({"set", "101", "--save", "--cpus"}).status, 20);
    EXPECT_EQ(vzctl({"frobnicate", "101"}).status, 20);
    EXPECT_EQ(vzctl({}).status, 20);
    EXPECT_EQ(vztest::read_text(conf_path(101)), conf);
}

TEST_F(CliTest, BadValuesAreRefusedAndNothingIsSaved) {
    ASSERT_TRUE(create(101));
    auto conf = vztest::read_text(conf_path(101));
    const std::vector<std::vector<std::string>> bad{
        {"--numproc", "10K"}, {"--ram", "lots"},          {"--cpuunits", "7"},         {"--cpulimit", "101%"},
        {"--onboot", "Yes"},  {"--ipadd", "198.51.100.256"}, {"--description", "a\nb"},   {"--diskspace", "unlimited"},
        {"--cpus", "-1"},     {"--kmemsize", "1:2:3"},    {"--capability", "setveid:on"}, {"--name", "a/b"},
        // sethostname(2) takes at most 64 characters: a longer name saved would fail every start.
        {"--hostname", std::string(57, 'a') + ".example"}, {"--hostname", "has blank"}};
    for (auto& opt : bad) {
        auto r = vzctl({"set", "101", "--cpus", "3", opt[0], opt[1], "--save"});
        EXPECT_EQ(r.status, 21) << opt[0] << " " << opt[1] << ": " << r.err;
        EXPECT_TRUE(vztest::mentions_option(r.err, opt[0].substr(2))) << r.err;
    }
    EXPECT_EQ(vztest::read_text(conf_path(101)), conf);
    EXPECT_EQ(vzctl({"set", "101", "--hostname", std::string(56, 'a') + ".example", "--save"}).status, 0);
}

TEST_F(CliTest, MalformedConfigLineNamesFileAndLine) {
    ASSERT_TRUE(create(101));
    auto conf = vztest::read_text(conf_path(101));
    auto line = vztest::lines(conf).size() + 1;
    vztest::write_text(conf_path(101), conf + "THIS LINE IS BROKEN\n");
    auto r = vzctl({"set", "101", "--cpus", "2", "--save"});
    EXPECT_EQ(r.status, 21);
    EXPECT_TRUE(contains(r.err, conf_path(101) + ":" + std::to_string(line) + ":")) << r.err;
    EXPECT_EQ(vztest::read_text(conf_path(101)), conf + "THIS LINE IS BROKEN\n");
}

TEST_F(CliTest, UnterminatedQuoteNamesFileAndLine) {
    ASSERT_TRUE(create(101));
    vztest::write_text(conf_path(101), "# top\nHOSTNAME=\"open\n");
    auto r = vzctl({"set", "101", "--cpus", "2", "--save"});
    EXPECT_EQ(r.status, 21);
    EXPECT_TRUE(contains(r.err, conf_path(101) + ":2:")) << r.err;
}

TEST_F(CliTest, BadValueInConfigNamesFileAndKey) {
    ASSERT_TRUE(create(101));
    vztest::write_text(conf_path(101), vztest::read_text(conf_path(101)) + "NUMPROC=\"many\"\n");
    auto r = vzctl({"set", "101", "--cpus", "2", "--save"});
    EXPECT_EQ(r.status, 21);
    EXPECT_TRUE(contains(r.err, conf_path(101) + ": NUMPROC=\"many\"")) << r.err;
}

// ctid.conf(5): a name set twice keeps its first value, and a warning names the later line, in vz.conf as in a CT's
// file, once per command although a command reads vz.conf more than once.
TEST_F(CliTest, ANameSetTwiceKeepsTheFirstValueAndIsWarnedOfOnce) {
    auto global = confdir_ + "/vz.conf";
    auto text = vztest::read_text(global);
    auto again = vztest::lines(text).size() + 1;
    vztest::write_text(global, text + "DEF_OSTEMPLATE=\"other\"\n");
    auto warning = global + ":" + std::to_string(again) + ": DEF_OSTEMPLATE is set again";
    auto times = [](const std::string& in, const std::string& what) {
        size_t n = 0;
        for (auto at = in.find(what); at != std::string::npos; at = in.find(what, at + 1)) ++n;
        return n;
    };

    auto r = vzctl({"create", "101", "--config", "vswap-256m"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(times(r.err, warning), 1u) << r.err;
    EXPECT_TRUE(contains(vztest::read_text(conf_path(101)), "OSTEMPLATE=\"tiny\"\n"));

    auto conf = vztest::read_text(conf_path(101));
    auto line = vztest::lines(conf).size() + 1;
    vztest::write_text(conf_path(101), conf + "OSTEMPLATE=\"other\"\n");
    r = vzctl({"set", "101", "--cpuunits", "500", "--save"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(times(r.err, warning), 1u) << r.err;
    EXPECT_EQ(times(r.err, conf_path(101) + ":" + std::to_string(line) + ": OSTEMPLATE is set again"), 1u) << r.err;

    r = vzlist({"-H", "-o", "ctid"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(times(r.err, warning), 1u) << r.err;
}

TEST_F(CliTest, BeancounterFilesAreReadOrRefusedNamingTheLine) {
    // vzubc -f reads outside data: a malformed line is refused, any 64-bit numbers are shown.
    vztest::write_text(tmp_ / "bad.ubc", "Version: 2.5\n       uid  resource held maxheld barrier limit failcnt\n"
                                         "      101:  kmemsize 1 2 x 4 5\n");
    auto bad = vzubc({"-f", tmp_ / "bad.ubc"});
    EXPECT_EQ(bad.status, 1);
    EXPECT_TRUE(contains(bad.err, "malformed line 3")) << bad.err;

    vztest::write_text(tmp_ / "big.ubc", "Version: 2.5\n"
                                         "      101:  kmemsize 18446744073709551615 18446744073709551615 1 1 0\n"
                                         "            numproc 9223372036854775808 0 1 1 18446744073709551615\n");
    auto table = vzubc({"-f", tmp_ / "big.ubc", "-v"});
    EXPECT_EQ(table.status, 0) << table.err;
    EXPECT_TRUE(contains(table.out, "1844674407370955161600%")) << table.out;
    // -i twice: the second run computes the change of held from the first's.
    for (int run = 0; run < 2; ++run) {
        auto inc = vzubc({"-f", tmp_ / "big.ubc", "-i", "-id", tmp_ / "store"});
        EXPECT_EQ(inc.status, 0) << inc.err;
    }

    // Rows before any uid: --raw prints them so that -f reads them back.
    vztest::write_text(tmp_ / "bare.ubc", "            numproc 1 2 3 4 5\n");
    auto raw = vzubc({"-f", tmp_ / "bare.ubc", "--raw"});
    ASSERT_EQ(raw.status, 0) << raw.err;
    vztest::write_text(tmp_ / "again.ubc", raw.out);
    auto again = vzubc({"-f", tmp_ / "again.ubc", "--raw"});
    EXPECT_EQ(again.status, 0) << again.err;
    EXPECT_EQ(again.out, raw.out);
}

}  // namespace
