// The JSON reader the vzlist tests rely on must reject what is not JSON, or those tests could not fail.
#include "../support/json.hpp"

#include <gtest/gtest.h>

namespace {

TEST(JsonCheck, AcceptsDocumentsAndDecodesStrings) {
    auto j = vztest::parse_json(R"( [ {"a": "q\"n\nu\u0001", "b": [1, -2.5e3, true, false, null], "c": {}} ] )");
    ASSERT_TRUE(j);
    ASSERT_EQ(j->items.size(), 1u);
    auto& o = j->items[0];
    EXPECT_EQ(o.keys, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(o.members.at("a").text, std::string("q\"n\nu\x01"));
    EXPECT_EQ(o.members.at("b").items[1].number, -2500);
    EXPECT_TRUE(o.members.at("b").items[2].boolean);
    EXPECT_EQ(o.members.at("b").items[4].type, vztest::Json::Type::Null);
}

TEST(JsonCheck, RejectsWhatIsNotJson) {
    for (const char* bad : {"", "[", "[1,]", "{\"a\" 1}", "{\"a\": \"x\"y\"}", "[\"a\nb\"]", "[01]", "[1.]",
                            "{a: 1}", "['x']", "[1] [2]", "[\"\\x\"]", "[nul]", "[-]", "{\"a\": 1,}"})
        EXPECT_FALSE(vztest::parse_json(bad)) << bad;
}

}  // namespace
