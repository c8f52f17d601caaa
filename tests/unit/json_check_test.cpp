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

TEST(JsonCheck, StringsAreUtf8) {
    auto j = vztest::parse_json("[\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"]");
    ASSERT_TRUE(j);
    EXPECT_EQ(j->items[0].text, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    // A lone continuation byte, a Latin-1 byte, a cut sequence, an overlong '/', a surrogate, past U+10FFFF.
    for (const char* bad : {"[\"\x80\"]", "[\"caf\xe9\"]", "[\"\xe2\x82\"]", "[\"\xc0\xaf\"]",
                            "[\"\xed\xa0\x80\"]", "[\"\xf4\x90\x80\x80\"]"})
        EXPECT_FALSE(vztest::parse_json(bad)) << bad;
}

}  // namespace
