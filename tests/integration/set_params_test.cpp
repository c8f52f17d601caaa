// Generated from THE parameter table: every `vzctl set` parameter, under each of its spellings, saves its kind's
// example value in the canonical form, and its invalid example is refused with exit 21 naming the option.
#include <filesystem>

#include "../support/kind_examples.hpp"
#include "../support/messages.hpp"
#include "cli_fixture.hpp"
#include "config/conf_file.hpp"

namespace {

using vztest::contains;
namespace fs = std::filesystem;

std::vector<size_t> set_rows() {
    std::vector<size_t> rows;
    for (size_t i = 0; i < vz::params().size(); ++i)
        if (vz::params()[i].cmds & vz::kSet) rows.push_back(i);
    return rows;
}

// Every way to write the option: --name, its aliases, -x.
std::vector<std::string> spellings(const vz::ParamDef& p) {
    std::vector<std::string> out{"--" + p.option};
    for (auto& a : vz::split(p.aliases, " ")) out.push_back("--" + a);
    if (p.short_opt) out.push_back(std::string("-") + p.short_opt);
    return out;
}

class SetOption : public vztest::CliTest, public testing::WithParamInterface<size_t> {
protected:
    const vz::ParamDef& row() const { return vz::params()[GetParam()]; }
    const vztest::Example& example() const { return vztest::required_example(row()); }

    // A stopped container whose config is the vswap-256m sample plus the example's setup lines.
    std::string fresh_config() {
        auto text = vztest::read_text(confdir_ + "/conf/ve-vswap-256m.conf-sample") + example().setup;
        vztest::write_text(conf_path(101), text);
        fs::create_directories(private_path(101));
        return text;
    }

    vztest::Result set(const std::string& spelling, const std::string& value) {
        std::vector<std::string> args{"set", "101"};
        for (auto& [option, v] : example().before) args.insert(args.end(), {"--" + option, v});
        args.insert(args.end(), {spelling, value, "--save"});
        return vzctl(args);
    }
};

TEST_P(SetOption, ExampleIsSavedInCanonicalFormUnderEverySpelling) {
    const auto& p = row();
    const auto& e = example();
    for (auto& spelling : spellings(p)) {
        auto before = fresh_config();
        auto r = set(spelling, e.valid);
        if (p.apply == vz::Apply::NotSaved) {
            // Acts on the container, never on its config (on a stopped one in a temporary container, which this
            // config-only container can't run: StoppedPassword has the real thing).
            EXPECT_NE(r.status, 0) << spelling << ": " << r.err;
            EXPECT_EQ(vztest::read_text(conf_path(101)), before);
            continue;
        }
        ASSERT_EQ(r.status, 0) << spelling << " " << e.valid << ": " << r.err;
        auto conf = vz::ConfFile::load(conf_path(101));
        ASSERT_TRUE(conf);
        ASSERT_TRUE(conf->has(p.conf_key)) << spelling;
        EXPECT_EQ(*conf->get(p.conf_key), e.stored) << spelling << " " << e.valid;
        // The next command reads and validates what was saved.
        auto next = vzctl({"set", "101", "--bootorder", "1", "--save"});
        EXPECT_EQ(next.status, 0) << spelling << ": the saved config does not load: " << next.err;
    }
}

TEST_P(SetOption, InvalidExampleIsRefusedNamingTheOption) {
    const auto& p = row();
    const auto& e = example();
    auto before = fresh_config();
    if (!e.invalid) {
        // This kind skips unknown names with a warning.
        auto r = set("--" + p.option, "no_such_name");
        EXPECT_EQ(r.status, 0) << r.err;
        EXPECT_TRUE(contains(r.err, "WARNING")) << r.err;
        EXPECT_TRUE(contains(r.err, "no_such_name")) << r.err;
        EXPECT_FALSE(contains(vztest::read_text(conf_path(101)), "no_such_name"));
        return;
    }
    auto r = set("--" + p.option, *e.invalid);
    if (p.apply == vz::Apply::NotSaved) {
        EXPECT_NE(r.status, 0) << r.err;  // 21 by the reference; the "needs a running CT" check comes first (31)
    } else {
        EXPECT_EQ(r.status, 21) << r.err;
        EXPECT_TRUE(vztest::mentions_option(r.err, p.option)) << r.err;
    }
    EXPECT_EQ(vztest::read_text(conf_path(101)), before);
}

std::string test_name(const testing::TestParamInfo<size_t>& info) {
    std::string name = vz::params()[info.param].option;
    for (auto& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return name;
}

INSTANTIATE_TEST_SUITE_P(EverySetParameter, SetOption, testing::ValuesIn(set_rows()), test_name);

}  // namespace
