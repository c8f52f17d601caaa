// vzctl accepts the command lines getopt_long accepted: values starting with '-', attached values, short options,
// global flags before or after the command.
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

}  // namespace
