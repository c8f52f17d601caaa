// Generated from the field table: three running containers with different live figures (RAM and swap set without
// --save, numproc barriers and limits, numpty, processes, a fork loop against pids.max), and for every beancounter
// field (resource x {held, .m, .b, .l, .f}) `vzlist -s F` must list them in the order of F's values as vzlist
// shows them (nulls first, numbers as numbers, ties by CTID), `-s -F` in the reverse order of values; with the
// column shown in the same listing, and with it hidden (four listings per field; in the VM each takes a while).
#include <algorithm>
#include <sstream>

#include "fields.hpp"
#include "live_ct_fixture.hpp"

namespace {

using namespace vztest;
using vzlist::Value;

// CT 101 is the fixture's (vswap-256m).
struct Ct {
    unsigned id;
    const char* sample;
    std::vector<std::string> live_set;  // `vzctl set` without --save: the kernel's limits, not the config's
    const char* numproc;                // --numproc B:L, saved
    const char* load;                   // processes to leave running (or to have run) in it
};

// Barriers in one order, limits in the reverse one; RAM and swap in force in neither CTID nor config order.
const std::vector<Ct> kCts = {
    {101, "vswap-256m", {"--ram", "768M", "--swap", "3G", "--numpty", "20"}, "30:60",
     "for i in 1 2 3 4; do sleep 3600 & done"},
    {102, "vswap-1g", {"--ram", "384M"}, "45",
     // Up to the limit of 45, so that forks fail; the short sleeps end, the long ones stay.
     "for i in $(seq 8); do sleep 3600 & done; for i in $(seq 60); do sleep 2 & done; true"},
    {103, "vswap-512m", {"--numpty", "5"}, "10:90", "for i in $(seq 12); do sleep 1 & done; wait"},
};

using Row = std::pair<unsigned, Value>;

// "CTID VALUE" lines of `vzlist -H -o ctid,F`; "-" is null.
std::vector<Row> rows_of(const std::string& out) {
    std::vector<Row> rows;
    for (auto& l : lines(out)) {
        std::istringstream in(l);
        std::string id, v;
        in >> id >> v;
        rows.emplace_back(static_cast<unsigned>(std::stoul(id)),
                          v == "-" ? Value(std::monostate{}) : Value(static_cast<int64_t>(std::stoll(v))));
    }
    return rows;
}

std::vector<unsigned> ids_of(const std::vector<Row>& rows) {
    std::vector<unsigned> ids;
    for (auto& r : rows) ids.push_back(r.first);
    return ids;
}

// The CTIDs in the order of the values, ties by CTID.
std::vector<unsigned> expected_order(std::vector<Row> rows, bool descending) {
    std::sort(rows.begin(), rows.end(), [&](auto& a, auto& b) {
        if (a.second != b.second) return descending ? b.second < a.second : a.second < b.second;
        return a.first < b.first;
    });
    return ids_of(rows);
}

std::string describe(const std::vector<Row>& rows) {
    std::string s;
    for (auto& [id, v] : rows) {
        s += std::to_string(id) + "=";
        s += std::holds_alternative<int64_t>(v) ? std::to_string(std::get<int64_t>(v)) : std::string("-");
        s += " ";
    }
    return s;
}

class VzlistLiveSort : public LiveCtTest {
protected:
    void SetUp() override {
        LiveCtTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        for (auto& c : kCts) {
            if (c.id != kCt) {
                ASSERT_TRUE(create_ct(c.id, c.sample));
            }
            auto id = std::to_string(c.id);
            auto save = run({"set", id, "--numproc", c.numproc, "--save"});
            ASSERT_EQ(save.status, 0) << save.out << save.err;
            ASSERT_TRUE(start_id(c.id));
            std::vector<std::string> set{"set", id};
            set.insert(set.end(), c.live_set.begin(), c.live_set.end());
            auto live = run(set);
            ASSERT_EQ(live.status, 0) << live.out << live.err;
        }
        // The load last: a container at its pids.max could not run the commands above. 102's fork loop leaves it
        // at its limit until the short sleeps end; the listings below must not see them go.
        for (auto& c : kCts) run({"exec", std::to_string(c.id), c.load});
        ASSERT_TRUE(eventually([&] { return rows_of(shown("numproc")).at(1).second < Value(int64_t{20}); }, 10s))
            << shown("numproc");
    }

    // `vzlist -H -o ctid -s KEY`: the order of a sort by a column not shown.
    std::vector<unsigned> hidden_order(const std::string& key) {
        auto r = vzlist({"-H", "-o", "ctid", "-s", key});
        EXPECT_EQ(r.status, 0) << key << ": " << r.err;
        std::vector<unsigned> ids;
        for (auto& l : lines(r.out)) ids.push_back(static_cast<unsigned>(std::stoul(l)));
        return ids;
    }

    std::string shown(const std::string& field, const std::vector<std::string>& more = {}) {
        std::vector<std::string> args{"-H", "-o", "ctid," + field};
        args.insert(args.end(), more.begin(), more.end());
        auto r = vzlist(args);
        EXPECT_EQ(r.status, 0) << field << ": " << r.err;
        return r.out;
    }
};

TEST_F(VzlistLiveSort, TheLiveFiguresTellComparatorsApart) {
    std::vector<unsigned> by_ctid;
    for (auto& c : kCts) by_ctid.push_back(c.id);
    ASSERT_EQ(ids_of(rows_of(shown("numproc"))), by_ctid) << "all three run";
    // Values in an order other than the CTIDs', and barrier order not limit order.
    for (auto* f : {"numproc", "numproc.m", "numproc.b", "numproc.l", "numproc.f", "physpages.l", "swappages.l",
                    "numpty.l", "lockedpages.b", "vmguarpages.b"}) {
        auto rows = rows_of(shown(f));
        EXPECT_NE(expected_order(rows, false), by_ctid) << f << ": " << describe(rows);
    }
    EXPECT_NE(expected_order(rows_of(shown("numproc.b")), false), expected_order(rows_of(shown("numproc.l")), false));
    EXPECT_GT(std::get<int64_t>(rows_of(shown("numproc.f")).at(1).second), 0) << "102's fork loop failed no fork";
}

TEST_F(VzlistLiveSort, EveryBeancounterFieldSortsByItsLiveValueBothWays) {
    // Values by CTID, to compare two listings in different orders.
    auto by_id = [](std::vector<Row> rows) {
        std::sort(rows.begin(), rows.end(), [](auto& a, auto& b) { return a.first < b.first; });
        return rows;
    };
    int fields = 0;
    for (auto& f : vzlist::fields()) {
        if (f.ubc_index < 0) continue;
        ++fields;
        // In time order: the column shown by the listing that sorts (its values are the ones sorted) upwards, the
        // column hidden both ways, shown again downwards. The hidden orders are checked against the values of the
        // two shown listings around them when those agree (a live figure such as physpages may move between two
        // listings; then listed again: before, both hidden orders, after).
        auto up_rows = rows_of(shown(f.name, {"-s", f.name}));
        auto up = hidden_order(f.name), down = hidden_order("-" + f.name);
        auto down_rows = rows_of(shown(f.name, {"-s", "-" + f.name}));
        for (auto* rows : {&up_rows, &down_rows}) {
            bool descending = rows == &down_rows;
            ASSERT_EQ(rows->size(), kCts.size()) << (descending ? "-" : "") << f.name;
            EXPECT_EQ(ids_of(*rows), expected_order(*rows, descending))
                << "-s " << (descending ? "-" : "") << f.name << ": " << describe(*rows);
        }
        auto before = up_rows;
        bool compared = false;
        for (int attempt = 0; attempt < 5 && !compared; ++attempt) {
            if (attempt > 0) {
                before = rows_of(shown(f.name));
                up = hidden_order(f.name);
                down = hidden_order("-" + f.name);
                down_rows = rows_of(shown(f.name));
            }
            if (by_id(down_rows) != by_id(before)) continue;
            compared = true;
            EXPECT_EQ(up, expected_order(before, false)) << "-s " << f.name << " hidden: " << describe(before);
            EXPECT_EQ(down, expected_order(before, true)) << "-s -" << f.name << " hidden: " << describe(before);
        }
        EXPECT_TRUE(compared) << f.name << " changed between every two listings";
    }
    // Every listed resource, five fields each.
    size_t listed = 0;
    for (auto& r : vz::ubc_resources()) listed += vz::ubc_listed(r);
    EXPECT_EQ(fields, static_cast<int>(listed * 5));
}

}  // namespace
