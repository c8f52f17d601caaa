// Generated from THE parameter table: every row takes its kind's example value through apply_changes, a saved and
// reloaded config file and validate_config, and refuses its kind's invalid value with exit 21 naming the option.
#include <gtest/gtest.h>

#include "../support/kind_examples.hpp"
#include "../support/messages.hpp"
#include "../support/temp_dir.hpp"
#include "config/edit.hpp"
#include "util/error.hpp"

namespace {

vz::EditContext context() {
    vz::EditContext ctx;
    ctx.ctid = 101;
    ctx.ncpus = 4;
    ctx.host_id = "test-host";
    ctx.dev_root = "/dev";
    return ctx;
}

std::vector<vz::Change> changes(const vz::ParamDef& p, const vztest::Example& e, const std::string& value) {
    std::vector<vz::Change> out;
    for (auto& [option, v] : e.before) out.push_back({vz::find_param(option), v});
    out.push_back({&p, value});
    return out;
}

std::string test_name(const testing::TestParamInfo<size_t>& info) {
    std::string name = vz::params()[info.param].option;
    for (auto& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return name;
}

TEST(ParamExamples, EveryRowsKindHasAnExample) {
    for (auto& p : vz::params())
        EXPECT_NE(vztest::example_for(p), nullptr)
            << "--" << p.option << ": its value kind has no example in tests/support/kind_examples.hpp";
}

TEST(ParamExamples, RowsThatSaveNameAConfigKey) {
    for (auto& p : vz::params())
        EXPECT_EQ(p.conf_key.empty(), p.apply == vz::Apply::NotSaved) << "--" << p.option;
}

class ParamRow : public testing::TestWithParam<size_t> {
protected:
    const vz::ParamDef& row() const { return vz::params()[GetParam()]; }
    const vztest::Example& example() const { return vztest::required_example(row()); }
};

TEST_P(ParamRow, ValidValueIsSavedReloadedAndValid) {
    const auto& p = row();
    const auto& e = example();
    vztest::TempDir dir;
    auto path = dir / "101.conf";
    auto conf = vz::ConfFile::parse(e.setup, path);
    auto warnings = vz::apply_changes(conf, changes(p, e, e.valid), context());
    EXPECT_TRUE(warnings.empty()) << warnings.front();
    conf.save(path);

    auto reloaded = vz::ConfFile::load(path);
    ASSERT_TRUE(reloaded);
    EXPECT_TRUE(reloaded->warnings().empty());
    EXPECT_NO_THROW(vz::validate_config(*reloaded));
    if (p.conf_key.empty()) {
        EXPECT_EQ(vztest::read_text(path), e.setup) << "--" << p.option << " must not be saved";
        return;
    }
    ASSERT_TRUE(reloaded->has(p.conf_key)) << p.conf_key;
    EXPECT_EQ(*reloaded->get(p.conf_key), e.stored) << "--" << p.option << " " << e.valid;
}

TEST_P(ParamRow, InvalidValueIsRefusedNamingTheOption) {
    const auto& p = row();
    const auto& e = example();
    auto conf = vz::ConfFile::parse(e.setup, "101.conf");
    if (!e.invalid) {
        // This kind skips unknown names with a warning instead of failing.
        auto warnings = vz::apply_changes(conf, changes(p, e, "no_such_name"), context());
        EXPECT_EQ(warnings.size(), 1u);
        EXPECT_EQ(conf.get(p.conf_key) ? *conf.get(p.conf_key) : "", "");
        return;
    }
    try {
        vz::apply_changes(conf, changes(p, e, *e.invalid), context());
        ADD_FAILURE() << "--" << p.option << " accepted '" << *e.invalid << "'";
    } catch (const vz::Error& err) {
        EXPECT_EQ(err.code(), vz::Exit::InvalidValue) << err.what();
        EXPECT_TRUE(vztest::mentions_option(err.what(), p.option)) << err.what();
    }
}

INSTANTIATE_TEST_SUITE_P(EveryParameter, ParamRow, testing::Range<size_t>(0, vz::params().size()), test_name);

}  // namespace
