// vzctl accepts the command lines getopt_long accepted: values starting with '-', attached values, short options,
// global flags before or after the command.
#include <filesystem>
#include <tuple>

#include "cli_fixture.hpp"

namespace {

using vztest::CliTest;
using vztest::contains;

TEST_F(CliTest, ValuesAndOptionOrderAsGetoptAllowed) {
    ASSERT_TRUE(create(101));
    auto ok = [&](std::vector<std::string> args, const std::string& line) {
        auto r = vzctl(args);
        EXPECT_EQ(r.status, 0) << args.back() << ": " << r.err;
        EXPECT_TRUE(contains(vztest::read_text(conf_path(101)), "\n" + line + "\n")) << line;
    };
    ok({"set", "101", "--description", "-starts-with-dash", "--save"}, "DESCRIPTION=\"-starts-with-dash\"");
    ok({"set", "101", "--save", "--description=x=y"}, "DESCRIPTION=\"x=y\"");
    ok({"set", "101", "-p", "300", "--save"}, "NUMPROC=\"300\"");
    ok({"set", "101", "-p400:500", "--save"}, "NUMPROC=\"400:500\"");
    ok({"set", "101", "--save", "--numfile", "10", "-n", "20"}, "NUMFILE=\"20\"");  // the last one wins
    ok({"set", "101", "--ipadd", "198.51.100.1", "--save", "--ip", "198.51.100.2"}, "IP_ADDRESS=\"198.51.100.1 198.51.100.2\"");
}

TEST_F(CliTest, GlobalFlagsBeforeOrAfterTheCommand) {
    ASSERT_TRUE(create(101));
    for (std::vector<std::string> args : {std::vector<std::string>{"--quiet", "set", "101", "--cpus", "2", "--save"},
                                          {"set", "--quiet", "101", "--cpus", "3", "--save"},
                                          {"set", "101", "--cpus", "4", "--save", "--quiet"}}) {
        auto r = vzctl(args);
        EXPECT_EQ(r.status, 0) << r.err;
        EXPECT_EQ(r.out, "");
    }
    EXPECT_TRUE(contains(vztest::read_text(conf_path(101)), "\nCPUS=\"4\"\n"));
    auto v = vzctl({"--version"});
    EXPECT_EQ(v.status, 0);
    EXPECT_TRUE(v.out.starts_with("vzctl version ")) << v.out;
}

// vz.conf's LOG_LEVEL decides what reaches LOGFILE, VERBOSE what reaches the terminal unless --verbose or --quiet
// says otherwise, as in the original. The probe is a level-1 message: a create removing what an interrupted one left.
TEST_F(CliTest, LogLevelAndVerboseFromVzConf) {
    auto base = vztest::read_text(confdir_ + "/vz.conf") + "LOGGING=\"yes\"\nLOGFILE=\"" + tmp_ / "vzctl.log" + "\"\n";
    const std::string detail = "left by an interrupted command";
    auto log_text = [&] { return std::filesystem::exists(tmp_ / "vzctl.log") ? vztest::read_text(tmp_ / "vzctl.log") : ""; };
    unsigned ctid = 100;
    // `vzctl [flags] create CTID` with `settings` appended to vz.conf, over a leftover of an interrupted create;
    // returns the command's output and what it added to the log.
    auto run = [&](const std::string& settings, std::vector<std::string> flags) {
        vztest::write_text(confdir_ + "/vz.conf", base + settings);
        auto id = std::to_string(++ctid);
        std::filesystem::create_directories(tmp_ / ("private/." + id + ".create.abcdef"));
        auto before = log_text();
        flags.insert(flags.end(), {"create", id, "--ostemplate", "tiny"});
        auto r = vzctl(flags);
        EXPECT_EQ(r.status, 0) << settings << r.err;
        EXPECT_FALSE(std::filesystem::exists(tmp_ / ("private/." + id + ".create.abcdef")));
        auto after = log_text();
        return std::pair{r.out + r.err, after.substr(before.size())};
    };

    auto [out, log] = run("LOG_LEVEL=\"0\"\nVERBOSE=\"0\"\n", {});
    EXPECT_TRUE(contains(log, "vzctl : CT 101 : Creating container private area")) << log;
    EXPECT_FALSE(contains(log, detail)) << log;
    EXPECT_FALSE(contains(out, detail)) << out;

    std::tie(out, log) = run("LOG_LEVEL=\"1\"\nVERBOSE=\"0\"\n", {});
    EXPECT_TRUE(contains(log, detail)) << log;
    EXPECT_FALSE(contains(out, detail)) << out;

    std::tie(out, log) = run("LOG_LEVEL=\"0\"\nVERBOSE=\"1\"\n", {});
    EXPECT_FALSE(contains(log, detail)) << log;
    EXPECT_TRUE(contains(out, detail)) << out;

    std::tie(out, log) = run("VERBOSE=\"1\"\n", {"--quiet"});
    EXPECT_EQ(out, "");
    std::tie(out, log) = run("VERBOSE=\"-1\"\n", {"--verbose"});
    EXPECT_TRUE(contains(out, detail)) << out;

    // -1: errors only, in either place.
    std::tie(out, log) = run("LOG_LEVEL=\"-1\"\nVERBOSE=\"-1\"\n", {});
    EXPECT_EQ(out, "");
    EXPECT_EQ(log, "");
    auto r = vzctl({"start", "999"});
    EXPECT_EQ(r.status, 14);
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(contains(vztest::read_text(tmp_ / "vzctl.log"), "CT 999 : Error: Container config file does not exist"));

    // A bad level is named and the default used; the command goes on.
    std::tie(out, log) = run("LOG_LEVEL=\"loud\"\n", {});
    EXPECT_TRUE(contains(out, "WARNING: bad LOG_LEVEL value 'loud' in vz.conf")) << out;
    EXPECT_TRUE(contains(log, "Creating container private area")) << log;
    EXPECT_FALSE(contains(log, detail)) << log;
}

}  // namespace
