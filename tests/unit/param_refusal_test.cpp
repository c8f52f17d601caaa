// Generated from THE parameter table: every row's bad values (its kind's example plus more_invalid) are refused
// both on the command line (apply_changes, exit 21 naming the option) and in a loaded config file (validate_config,
// exit 21 naming the file and the key), so the two paths can't drift apart again.
#include <gtest/gtest.h>

#include "../support/kind_examples.hpp"
#include "../support/messages.hpp"
#include "config/edit.hpp"
#include "util/error.hpp"

namespace {

const char* const kOrigin = "/etc/vz/conf/101.conf";

std::string test_name(const testing::TestParamInfo<size_t>& info) {
    std::string name = vz::params()[info.param].option;
    for (auto& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return name;
}

// The values every path must refuse for this row; none for kinds that skip unknown names with a warning.
std::vector<std::string> bad_values(const vz::ParamDef& p) {
    const auto& e = vztest::required_example(p);
    std::vector<std::string> out;
    if (e.invalid) out.push_back(*e.invalid);
    if (auto it = vztest::more_invalid().find(p.kind); it != vztest::more_invalid().end())
        out.insert(out.end(), it->second.begin(), it->second.end());
    return out;
}

// nullopt when the command line accepts `value`, else the refusal.
std::optional<vz::Error> cli_refusal(const vz::ParamDef& p, const std::string& value) {
    const auto& e = vztest::required_example(p);
    auto conf = vz::ConfFile::parse(e.setup, kOrigin);
    std::vector<vz::Change> changes;
    for (auto& [option, v] : e.before) changes.push_back({vz::find_param(option), v});
    changes.push_back({&p, value});
    vz::EditContext ctx;
    ctx.ctid = 101;
    ctx.ncpus = 4;
    try {
        vz::apply_changes(conf, changes, ctx);
        return std::nullopt;
    } catch (const vz::Error& err) {
        return err;
    }
}

// nullopt when a config file holding `value` under p's key loads, else the refusal.
std::optional<vz::Error> load_refusal(const vz::ParamDef& p, const std::string& value) {
    auto conf = vz::ConfFile::parse(vztest::required_example(p).setup, kOrigin);
    conf.set(p.conf_key, vztest::stored_spelling(p, value));
    try {
        vz::validate_config(conf);
        return std::nullopt;
    } catch (const vz::Error& err) {
        return err;
    }
}

TEST(ParamRefusal, NamesSkippedWithAWarningAreAcceptedByBoth) {
    for (auto& p : vz::params()) {
        if (vztest::required_example(p).invalid) continue;  // this kind refuses unknown names
        EXPECT_FALSE(cli_refusal(p, "no_such_name")) << "--" << p.option;
        EXPECT_FALSE(load_refusal(p, "no_such_name")) << p.conf_key;
    }
}

class ParamRefusal : public testing::TestWithParam<size_t> {
protected:
    const vz::ParamDef& row() const { return vz::params()[GetParam()]; }
};

TEST_P(ParamRefusal, CommandLineAndConfigFileRefuseTheSameValues) {
    const auto& p = row();
    for (auto& bad : bad_values(p)) {
        auto cli = cli_refusal(p, bad);
        ASSERT_TRUE(cli) << "--" << p.option << " accepted '" << bad << "'";
        EXPECT_EQ(cli->code(), vz::Exit::InvalidValue) << cli->what();
        EXPECT_TRUE(vztest::mentions_option(cli->what(), p.option)) << cli->what();
        if (p.conf_key.empty()) continue;  // never saved: no config file holds it
        auto load = load_refusal(p, bad);
        ASSERT_TRUE(load) << kOrigin << ": " << p.conf_key << "=\"" << vztest::stored_spelling(p, bad)
                          << "\" was accepted, --" << p.option << " refuses '" << bad << "'";
        EXPECT_EQ(load->code(), vz::Exit::InvalidValue) << load->what();
        EXPECT_EQ(std::string(load->what()).rfind(std::string(kOrigin) + ": " + p.conf_key + "=", 0), 0u)
            << load->what();
    }
}

INSTANTIATE_TEST_SUITE_P(EveryParameter, ParamRefusal, testing::Range<size_t>(0, vz::params().size()), test_name);

}  // namespace
