// Generated from the field table: six containers carry random values for every config key, and for every field F
// `vzlist -s F` must list them in the order of F's value as the test works it out from those configs (nulls
// first, numbers as numbers, ties by CTID), `-s -F` in the reverse order of values.
#include <filesystem>
#include <sstream>

#include "../support/kind_examples.hpp"
#include "cli_fixture.hpp"
#include "config/edit.hpp"
#include "vzlist_model.hpp"

namespace {

using vztest::CliTest;
using vzlist::Value;
namespace fs = std::filesystem;

// CTIDs of different lengths, so a textual CTID tie-break would be caught.
const std::vector<unsigned> kIds{101, 102, 150, 1000, 99999, 2000000000};

// The first row of each config key owns it (--ipadd, not --ipdel; the beancounter, not --ram).
bool owns_key(const vz::ParamDef& p) { return !p.conf_key.empty() && vz::find_param_by_key(p.conf_key) == &p; }

std::string saved(int64_t v) { return v == INT64_MAX ? "unlimited" : std::to_string(v); }

std::vector<unsigned> first_column(const std::string& out) {
    std::vector<unsigned> ids;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) ids.push_back(static_cast<unsigned>(std::stoul(line)));
    return ids;
}

class VzlistSort : public CliTest {
protected:
    void SetUp() override {
        vztest::Rng rng(20240611);
        global_ = *vz::ConfFile::load(confdir_ + "/vz.conf");
        for (size_t i = 0; i < kIds.size(); ++i) confs_.push_back(random_config(kIds[i], i, rng));
        for (auto& res : vz::ubc_resources()) cross_barriers_and_limits(std::string(res.conf_key), rng);
        for (size_t i = 0; i < kIds.size(); ++i) write(kIds[i], confs_[i]);
    }

    vztest::ConfigView view(size_t i) const { return {kIds[i], &confs_[i], &global_}; }

    // The CTIDs in the order of `model`'s values, ties by CTID.
    std::vector<unsigned> expected_order(const vztest::FieldModel& model, bool descending) const {
        std::vector<std::pair<Value, unsigned>> rows;
        for (size_t i = 0; i < kIds.size(); ++i) rows.emplace_back(model(view(i)), kIds[i]);
        std::sort(rows.begin(), rows.end(), [&](auto& a, auto& b) {
            if (a.first != b.first) return descending ? b.first < a.first : a.first < b.first;
            return a.second < b.second;
        });
        std::vector<unsigned> ids;
        for (auto& r : rows) ids.push_back(r.second);
        return ids;
    }

    vz::ConfFile global_;
    std::vector<vz::ConfFile> confs_;

private:
    vz::ConfFile random_config(unsigned ctid, size_t index, vztest::Rng& rng) {
        vz::EditContext ctx;
        ctx.ctid = ctid;
        ctx.ncpus = 4;
        ctx.host_id = "sort-test";
        auto conf = vz::ConfFile::parse("", conf_path(ctid));
        size_t k = 0;
        for (auto& p : vz::params()) {
            if (!owns_key(p)) continue;
            // Every key is missing from one container, so nulls take part in every order.
            if ((++k + index) % kIds.size() == 0) continue;
            auto value = vztest::random_value(p, rng);
            if (p.kind == vz::Kind::Path) value = tmp_.path() + value;
            vz::apply_changes(conf, std::vector<vz::Change>{{&p, value}}, ctx);
        }
        return conf;
    }

    // Deal the random barriers and limits of one beancounter out again so that the containers' barrier order is a
    // shuffle and their limit order its exact reverse: a comparator that reads .l for .b is then always caught.
    void cross_barriers_and_limits(const std::string& key, vztest::Rng& rng) {
        std::vector<size_t> holders;
        std::vector<int64_t> barriers, limits;
        for (size_t i = 0; i < confs_.size(); ++i) {
            if (auto* v = confs_[i].get(key)) {
                auto [b, l] = vztest::model_detail::pair_of(*v);
                holders.push_back(i);
                barriers.push_back(b);
                limits.push_back(l);
            }
        }
        std::sort(barriers.begin(), barriers.end());
        std::sort(limits.rbegin(), limits.rend());
        auto order = holders;
        do std::shuffle(order.begin(), order.end(), rng);
        while (holders.size() > 2 && (order == holders || std::equal(order.begin(), order.end(), holders.rbegin())));
        for (size_t j = 0; j < order.size(); ++j)
            confs_[order[j]].set(key, saved(barriers[j]) + ":" + saved(limits[j]));
    }

    void write(unsigned ctid, const vz::ConfFile& conf) {
        conf.save(conf_path(ctid));
        vztest::ConfigView v{ctid, &conf, &global_};
        fs::create_directories(vz::expand_veid(*v.get("VE_PRIVATE"), ctid));
        if (auto* name = conf.get("NAME")) {
            fs::create_directories(names_dir());
            fs::create_symlink(conf_path(ctid), names_dir() + "/" + *name);
        }
    }
};

TEST_F(VzlistSort, GeneratedDataCanTellComparatorsApart) {
    auto models = vztest::field_models();
    for (auto& res : vz::ubc_resources()) {
        if (!vz::ubc_listed(res)) continue;
        std::string name(res.name);
        EXPECT_NE(expected_order(models.at(name + ".b"), false), expected_order(models.at(name + ".l"), false)) << name;
        EXPECT_NE(expected_order(models.at(name + ".b"), false), kIds) << name;
    }
    // Numbers of different lengths: ordering them as text would give other orders.
    int textual_differs = 0;
    for (auto& f : vzlist::fields()) {
        auto as_text = [&](const vztest::ConfigView& v) -> Value {
            auto x = models.at(f.name)(v);
            if (auto* i = std::get_if<int64_t>(&x)) return std::to_string(*i);
            return x;
        };
        textual_differs += expected_order(as_text, false) != expected_order(models.at(f.name), false);
    }
    EXPECT_GT(textual_differs, 20);
}

TEST_F(VzlistSort, EveryFieldSortsByItsValueBothWays) {
    auto models = vztest::field_models();
    ASSERT_EQ(vzlist({"-a", "-H", "-o", "ctid"}).out.size(), 11 * kIds.size()) << "all containers are listed";
    // Each field both ways, one of them with its column shown and the other with it hidden (the sort key's data
    // is collected even when its column is not shown), taking turns: every field's order is checked both ways and
    // each way with the column shown and hidden, in two listings per field (the sanitizer run pays for each).
    bool shown_up = true;
    for (auto& f : vzlist::fields()) {
        auto model = models.find(f.name);
        if (model == models.end()) {
            ADD_FAILURE() << "field " << f.name << " has no model in vzlist_model.hpp";
            continue;
        }
        for (bool descending : {false, true}) {
            auto key = (descending ? "-" : "") + f.name;
            auto expected = expected_order(model->second, descending);
            if (descending != shown_up) {
                auto shown = vzlist({"-a", "-H", "-t", "-o", "ctid," + f.name, "-s", key});
                EXPECT_EQ(shown.status, 0) << key << ": " << shown.err;
                EXPECT_EQ(first_column(shown.out), expected) << "-s " << key << ":\n" << shown.out;
            } else {
                auto hidden = vzlist({"-a", "-H", "-o", "ctid", "-s", key});
                EXPECT_EQ(hidden.status, 0) << key << ": " << hidden.err;
                EXPECT_EQ(first_column(hidden.out), expected) << "-s " << key << " without the column";
            }
        }
        shown_up = !shown_up;
    }
}

}  // namespace
