// Every field of vzlist's field table, as the user gets it: in -L, as a text column, and as JSON.
#include <fmt/format.h>

#include <sstream>

#include "../support/json.hpp"
#include "cli_fixture.hpp"
#include "fields.hpp"

namespace {

using vztest::CliTest;
using vztest::lines;

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(' ');
    auto e = s.find_last_not_of(' ');
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<std::string> tokens(const std::string& line) {
    std::vector<std::string> out;
    std::istringstream in(line);
    for (std::string t; in >> t;) out.push_back(t);
    return out;
}

class VzlistFields : public CliTest {
protected:
    void SetUp() override {
        ASSERT_TRUE(create(101, "basic"));
        ASSERT_EQ(vzctl({"set", "101", "--hostname", "h.example", "--ipadd", "198.51.100.1", "--ipadd", "198.51.100.2",
                         "--description", "desc", "--name", "web", "--features", "nfs:on", "--capability",
                         "net_admin:off", "--onboot", "yes", "--vm_overcommit", "1.5", "--save"})
                      .status,
                  0);
    }
};

TEST_F(VzlistFields, ListNamesEveryFieldWithItsHeader) {
    auto r = vzlist({"-L"});
    EXPECT_EQ(r.status, 0);
    // The original's "%-15s %-15s" per field; trailing blanks do not count.
    auto got = lines(r.out);
    ASSERT_EQ(got.size(), vzlist::fields().size());
    for (size_t i = 0; i < got.size(); ++i) {
        auto& f = vzlist::fields()[i];
        auto expected = fmt::format("{:<15} {:<15}", f.name, f.header);
        EXPECT_EQ(got[i] + std::string(expected.size() - std::min(expected.size(), got[i].size()), ' '), expected);
    }
}

TEST_F(VzlistFields, EveryFieldRendersAsAColumn) {
    for (auto& f : vzlist::fields()) {
        auto r = vzlist({"-a", "-o", f.name});
        EXPECT_EQ(r.status, 0) << f.name << ": " << r.err;
        EXPECT_EQ(r.err, "") << f.name;
        auto ls = lines(r.out);
        ASSERT_EQ(ls.size(), 2u) << f.name << ":\n" << r.out;
        EXPECT_EQ(trim(ls[0]), f.header) << f.name;
        EXPECT_NE(trim(ls[1]), "") << f.name;
        for (auto& l : ls) EXPECT_FALSE(l.ends_with(" ")) << f.name << ": trailing blank in '" << l << "'";

        // Between two other columns every value, even an empty one, is one token.
        r = vzlist({"-a", "-o", "ctid," + f.name + ",ctid"});
        EXPECT_EQ(r.status, 0) << f.name << ": " << r.err;
        ls = lines(r.out);
        ASSERT_EQ(ls.size(), 2u) << f.name << ":\n" << r.out;
        EXPECT_EQ(tokens(ls[0]), (std::vector<std::string>{"CTID", f.header, "CTID"})) << f.name;
        auto row = tokens(ls[1]);
        ASSERT_EQ(row.size(), 3u) << f.name << ": '" << ls[1] << "'";
        EXPECT_EQ(row[0], "101");
        EXPECT_EQ(row[2], "101");
        for (auto& l : ls) EXPECT_FALSE(l.ends_with(" ")) << f.name << ": trailing blank in '" << l << "'";
    }
}

TEST_F(VzlistFields, EveryJsonFieldIsValidJsonAndSuffixedOnesAreRefused) {
    for (auto& f : vzlist::fields()) {
        auto r = vzlist({"-a", "-j", "-o", f.name});
        if (!f.in_json) {
            EXPECT_EQ(r.status, 1) << f.name;
            EXPECT_EQ(r.out, "") << f.name;
            EXPECT_TRUE(r.err.starts_with("Error: ")) << f.name << ": " << r.err;
            continue;
        }
        EXPECT_EQ(r.status, 0) << f.name << ": " << r.err;
        auto doc = vztest::parse_json(r.out);
        ASSERT_TRUE(doc) << f.name << ": not JSON:\n" << r.out;
        ASSERT_EQ(doc->type, vztest::Json::Type::Array) << f.name;
        ASSERT_EQ(doc->items.size(), 1u) << f.name;
        EXPECT_EQ(doc->items[0].keys, std::vector<std::string>{f.name}) << f.name;
    }
}

TEST_F(VzlistFields, DefaultJsonHoldsEveryUnsuffixedFieldOnce) {
    auto r = vzlist({"-a", "-j"});
    EXPECT_EQ(r.status, 0) << r.err;
    auto doc = vztest::parse_json(r.out);
    ASSERT_TRUE(doc) << r.out;
    ASSERT_EQ(doc->items.size(), 1u);
    const auto& ct = doc->items[0];
    std::vector<std::string> expected;
    for (auto& f : vzlist::fields())
        if (f.in_json) expected.push_back(f.name);
    EXPECT_EQ(ct.keys, expected);
    EXPECT_EQ(ct.members.at("ctid").number, 101);
    EXPECT_EQ(ct.members.at("hostname").text, "h.example");
    ASSERT_EQ(ct.members.at("ip").items.size(), 2u);
    EXPECT_EQ(ct.members.at("ip").items[1].text, "198.51.100.2");
    EXPECT_EQ(ct.members.at("numproc").members.at("barrier").number, 240);
    // What a stopped container's text columns print as "-" is null, not 0.
    EXPECT_EQ(ct.members.at("numproc").members.at("held").type, vztest::Json::Type::Null);
    EXPECT_EQ(ct.members.at("numproc").members.at("maxheld").type, vztest::Json::Type::Null);
    EXPECT_EQ(ct.members.at("numproc").members.at("failcnt").type, vztest::Json::Type::Null);
    EXPECT_EQ(ct.members.at("diskspace").members.at("usage").type, vztest::Json::Type::Null);
    EXPECT_EQ(ct.members.at("uptime").type, vztest::Json::Type::Null);
    EXPECT_EQ(ct.members.at("laverage").type, vztest::Json::Type::Null);
    EXPECT_EQ(ct.members.at("diskspace").members.at("softlimit").number, 2097152);
    EXPECT_TRUE(ct.members.at("onboot").boolean);
    EXPECT_FALSE(ct.members.at("vswap").boolean);
    EXPECT_EQ(ct.members.at("vm_overcommit").number, 1.5);
    EXPECT_TRUE(ct.members.at("features").members.at("nfs").boolean);
    EXPECT_FALSE(ct.members.at("capability").members.at("net_admin").boolean);
    EXPECT_EQ(ct.members.at("status").text, "stopped");
}

}  // namespace
