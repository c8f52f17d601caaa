// vzlist's field table and renderers on in-memory records: the field set, text layout, JSON escaping.
#include <gtest/gtest.h>

#include <set>

#include "../support/json.hpp"
#include "fields.hpp"
#include "config/beancounters.hpp"
#include "listing.hpp"

namespace {

vzlist::Record record(unsigned ctid, const std::string& description) {
    auto global = std::make_shared<const vz::ConfFile>();
    auto ct = vz::ConfFile::parse("HOSTNAME=\"h.example\"\n", "t.conf");
    ct.set("DESCRIPTION", description);  // in memory only: the file format has no newline escape
    vzlist::Record r;
    r.ctid = ctid;
    r.cfg.emplace(ctid, global, std::move(ct));
    return r;
}

std::vector<const vzlist::Field*> columns(std::initializer_list<const char*> names) {
    std::vector<const vzlist::Field*> out;
    for (auto* n : names) out.push_back(vzlist::find_field(n));
    return out;
}

TEST(VzlistTable, AllNamesOfTheReferenceOnceEach) {
    std::set<std::string> names;
    for (auto& f : vzlist::fields()) EXPECT_TRUE(names.insert(f.name).second) << f.name;
    EXPECT_EQ(names.size(), 144u);
    for (auto& res : vz::ubc_resources()) {
        if (!vz::ubc_listed(res)) continue;
        for (const char* suffix : {"", ".m", ".b", ".l", ".f"})
            EXPECT_TRUE(names.contains(std::string(res.name) + suffix)) << res.name << suffix;
    }
}

TEST(VzlistRender, JsonEscapesQuotesBackslashesAndNewlines) {
    const std::string desc = "say \"hi\"\\\nbye\ttab\x01";
    auto text = vzlist::render_json({record(101, desc)}, columns({"ctid", "description"}));
    auto doc = vztest::parse_json(text);
    ASSERT_TRUE(doc) << text;
    ASSERT_EQ(doc->items.size(), 1u);
    EXPECT_EQ(doc->items[0].members.at("description").text, desc);
    EXPECT_EQ(doc->items[0].members.at("ctid").number, 101);
}

TEST(VzlistRender, JsonIsUtf8EvenForLatin1Configs) {
    // UTF-8 passes as it is; a byte that starts no UTF-8 character is taken as Latin-1 ("caf\xe9" is "café").
    EXPECT_EQ(vzlist::json_string("caf\xc3\xa9 \xe2\x82\xac"), "\"caf\xc3\xa9 \xe2\x82\xac\"");
    EXPECT_EQ(vzlist::json_string("caf\xe9"), "\"caf\xc3\xa9\"");
    EXPECT_EQ(vzlist::json_string("\xe2\x82!"), "\"\xc3\xa2\xc2\x82!\"");  // a cut sequence: byte by byte
    auto text = vzlist::render_json({record(101, "caf\xe9 \xff\xfe")}, columns({"description"}));
    auto doc = vztest::parse_json(text);
    ASSERT_TRUE(doc) << text;
    EXPECT_EQ(doc->items[0].members.at("description").text, "caf\xc3\xa9 \xc3\xbf\xc3\xbe");
}

TEST(VzlistRender, EmptyJsonListIsAnEmptyArray) {
    auto doc = vztest::parse_json(vzlist::render_json({}, columns({"ctid"})));
    ASSERT_TRUE(doc);
    EXPECT_EQ(doc->type, vztest::Json::Type::Array);
    EXPECT_TRUE(doc->items.empty());
}

TEST(VzlistRender, TextHasDashForMissingValuesAndNoTrailingBlanks) {
    std::vector<vzlist::Record> rs;
    rs.push_back(record(7, "x"));
    auto text = vzlist::render_text(rs, columns({"ctid", "name", "hostname"}), {});
    EXPECT_EQ(text,
              "      CTID NAME                             HOSTNAME\n"
              "         7 -                                h.example\n");
}

TEST(VzlistRender, TrimCutsTextColumnsExceptTheLast) {
    std::vector<vzlist::Record> rs;
    rs.push_back(record(7, std::string(40, 'd')));
    auto trimmed = vzlist::render_text(rs, columns({"description", "ctid"}), {false, true});
    EXPECT_EQ(trimmed, std::string(32, 'd') + "          7\n");
    auto full = vzlist::render_text(rs, columns({"description", "ctid"}), {false, false});
    EXPECT_EQ(full, std::string(40, 'd') + "          7\n");
}

}  // namespace
