// vzlist options: which containers are listed, -1, -H, filters, JSON escaping, errors.
#include "../support/json.hpp"
#include "cli_fixture.hpp"

namespace {

using vztest::CliTest;
using vztest::contains;

class VzlistOptions : public CliTest {
protected:
    void SetUp() override {
        ASSERT_TRUE(create(101, "basic"));
        ASSERT_TRUE(create(102, "light"));
        ASSERT_TRUE(create(103, "vswap-256m"));
        set(101, {"--hostname", "www.example.com", "--name", "alpha", "--description", "web server"});
        set(102, {"--hostname", "db.example.org", "--name", "beta", "--description", "database"});
        set(103, {"--hostname", "mail.example.com", "--description", "say \"hi\""});
    }

    void set(unsigned ctid, std::vector<std::string> args) {
        args.insert(args.begin(), {"set", std::to_string(ctid)});
        args.push_back("--save");
        auto r = vzctl(args);
        ASSERT_EQ(r.status, 0) << r.err;
    }
};

TEST_F(VzlistOptions, WithNothingRunningOnlyTheHeaderIsPrinted) {
    auto r = vzlist({});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, "      CTID      NPROC STATUS    IP_ADDR         HOSTNAME\n");
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(vzlist({"-H"}).out, "");
    auto j = vzlist({"-j"});
    EXPECT_EQ(j.status, 0);
    auto doc = vztest::parse_json(j.out);
    ASSERT_TRUE(doc) << j.out;
    EXPECT_TRUE(doc->items.empty());
}

TEST_F(VzlistOptions, AllAndStoppedListEveryContainer) {
    const std::string all = "       101\n       102\n       103\n";
    EXPECT_EQ(vzlist({"-a", "-H", "-o", "ctid"}).out, all);
    EXPECT_EQ(vzlist({"-S", "-H", "-o", "ctid"}).out, all);
    EXPECT_EQ(vzlist({"-a", "-o", "ctid,status,hostname"}).out,
              "      CTID STATUS    HOSTNAME\n"
              "       101 stopped   www.example.com\n"
              "       102 stopped   db.example.org\n"
              "       103 stopped   mail.example.com\n");
}

TEST_F(VzlistOptions, StoppedContainerByIdOrNameIsPrinted) {
    auto r = vzlist({"102"});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out,
              "      CTID      NPROC STATUS    IP_ADDR         HOSTNAME\n"
              "       102          - stopped   -               db.example.org\n");
    // In CTID order, each once, however they were given.
    EXPECT_EQ(vzlist({"-H", "-o", "ctid", "beta", "101", "102"}).out, "       101\n       102\n");
}

TEST_F(VzlistOptions, UnknownContainerIsNotFound) {
    auto r = vzlist({"999"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(contains(r.err, "Container(s) not found")) << r.err;
    EXPECT_EQ(vzlist({"nosuchname"}).status, 1);
}

TEST_F(VzlistOptions, OnePrintsOneCtidPerLine) {
    EXPECT_EQ(vzlist({"-a", "-1"}).out, "       101\n       102\n       103\n");
    EXPECT_EQ(vzlist({"-1a"}).out, "       101\n       102\n       103\n");
    // The last of -o, -n and -1 sets the columns.
    EXPECT_EQ(vzlist({"-a", "-1", "-o", "hostname", "-H"}).out, "www.example.com\ndb.example.org\nmail.example.com\n");
}

TEST_F(VzlistOptions, FiltersAreShellGlobs) {
    EXPECT_EQ(vzlist({"-a", "-H", "-o", "ctid", "-h", "*.example.com"}).out, "       101\n       103\n");
    EXPECT_EQ(vzlist({"-a", "-H", "-o", "ctid", "-h", "db.*"}).out, "       102\n");
    EXPECT_EQ(vzlist({"-a", "-H", "-o", "ctid", "-N", "?eta"}).out, "       102\n");
    EXPECT_EQ(vzlist({"-a", "-H", "-o", "ctid", "--name_filter", "[ab]*"}).out, "       101\n       102\n");
    EXPECT_EQ(vzlist({"-a", "-H", "-o", "ctid", "-d", "*server"}).out, "       101\n");
    EXPECT_EQ(vzlist({"-a", "-H", "-o", "ctid", "-d", "web"}).out, "");
    // Without -a a filter still looks at running containers only.
    EXPECT_EQ(vzlist({"-H", "-o", "ctid", "-h", "*"}).out, "");
}

TEST_F(VzlistOptions, JsonEscapesQuotesInStrings) {
    auto r = vzlist({"-j", "-o", "ctid,description", "103"});
    EXPECT_EQ(r.status, 0) << r.err;
    auto doc = vztest::parse_json(r.out);
    ASSERT_TRUE(doc) << r.out;
    ASSERT_EQ(doc->items.size(), 1u);
    EXPECT_EQ(doc->items[0].members.at("description").text, "say \"hi\"");
}

TEST_F(VzlistOptions, SortingByAHiddenColumnAndByDcacheFailcnt) {
    EXPECT_EQ(vzlist({"-a", "-H", "-o", "ctid", "-s", "-numproc.b"}).out, "       101\n       102\n       103\n");
    EXPECT_EQ(vzlist({"-a", "-H", "-o", "ctid", "-s", "numproc.b"}).out, "       103\n       102\n       101\n");
    auto r = vzlist({"-a", "-s", "dcachesize.f"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(vztest::lines(r.out).size(), 4u) << r.out;
}

TEST_F(VzlistOptions, BadFieldsAreErrors) {
    for (std::vector<std::string> args : {std::vector<std::string>{"-o", "nosuch"}, {"-s", "nosuch"}, {"-o", ""},
                                          {"-j", "-o", "numproc.m"}}) {
        auto r = vzlist(args);
        EXPECT_EQ(r.status, 1) << args[1];
        EXPECT_EQ(r.out, "");
        EXPECT_TRUE(r.err.starts_with("Error: ")) << r.err;
    }
}

TEST_F(VzlistOptions, AnUnknownOptionIsNamedAloneBeforeTheUsage) {
    auto r = vzlist({"-a", "--bogus", "-x"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(r.err.starts_with("Error: Unrecognized option: --bogus\nUsage: vzlist")) << r.err;
}

TEST_F(VzlistOptions, GetoptStylesOfTheOriginal) {
    const std::string hosts = "www.example.com\ndb.example.org\nmail.example.com\n";
    EXPECT_EQ(vzlist({"-aHo", "hostname"}).out, hosts);
    EXPECT_EQ(vzlist({"-aHohostname"}).out, hosts);
    EXPECT_EQ(vzlist({"--all", "--no-header", "--output=hostname"}).out, hosts);
    EXPECT_EQ(vzlist({"-aH", "-o", "ctid", "-s", "-hostname"}).out, "       101\n       103\n       102\n");
    EXPECT_EQ(vzlist({"-aH", "-o", "ctid", "--sort", "-hostname"}).out, "       101\n       103\n       102\n");
    // An empty value is the option's value, as getopt gave it: not lost, the word after it no value.
    for (std::vector<std::string> args : {std::vector<std::string>{"-a", "-o", "", "-H"}, {"-aHo", ""},
                                          {"-a", "--output", "", "-H"}}) {
        auto r = vzlist(args);
        EXPECT_EQ(r.status, 1);
        EXPECT_TRUE(r.err.starts_with("Error: No fields given to -o\n")) << r.err;
    }
    EXPECT_EQ(vzlist({"-aH", "-o", "ctid", "-d", "", "-s", "ctid"}).out, "       101\n       102\n       103\n");
}

}  // namespace
