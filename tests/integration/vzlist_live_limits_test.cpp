// Limits in force: `vzctl set` without --save changes what the kernel enforces but not the config, and vzlist's
// .b/.l columns, its JSON, vzubc and vzubc --raw show the kernel's limits of a running container (and what VSwap
// derives from them); once it stops, the configured values again.
#include <sstream>

#include "live_ct_fixture.hpp"

namespace {

using namespace vztest;

constexpr const char* kUnlimited = "9223372036854775807";

class VzlistLiveLimits : public LiveCtTest {
protected:
    // `vzlist -H -o F1,F2,... 101` as the words of its one line.
    std::vector<std::string> shown(const std::vector<std::string>& fields, bool all = false) {
        std::string spec;
        for (auto& f : fields) spec += (spec.empty() ? "" : ",") + f;
        std::vector<std::string> args{"-H", "-o", spec};
        if (all) args.insert(args.begin(), "-a");
        else args.push_back(ct());
        auto r = vzlist_run(args);
        EXPECT_EQ(r.status, 0) << r.err;
        std::istringstream in(r.out);
        std::vector<std::string> words;
        for (std::string w; in >> w;) words.push_back(w);
        return words;
    }

    // Checks every (field, value) of `expect` in one listing.
    void expect_shown(const std::vector<std::pair<std::string, std::string>>& expect, const std::string& when,
                      bool all = false) {
        std::vector<std::string> fields;
        for (auto& e : expect) fields.push_back(e.first);
        auto words = shown(fields, all);
        ASSERT_EQ(words.size(), expect.size()) << when;
        for (size_t i = 0; i < expect.size(); ++i)
            EXPECT_EQ(words[i], expect[i].second) << when << ": " << expect[i].first;
    }

    // The barrier and limit columns of `resource` in vzubc --raw.
    static std::pair<std::string, std::string> raw_limits(const std::string& text, const std::string& resource) {
        for (auto& l : lines(text)) {
            std::istringstream in(l);
            std::vector<std::string> w;
            for (std::string x; in >> x;) w.push_back(x);
            if (!w.empty() && w[0].ends_with(":")) w.erase(w.begin());
            if (w.size() == 6 && w[0] == resource) return {w[3], w[4]};
        }
        return {};
    }
};

TEST_F(VzlistLiveLimits, SetWithoutSaveShowsTheLimitsInForce) {
    ASSERT_TRUE(start_ct());
    auto n = [](uint64_t v) { return std::to_string(v); };
    uint64_t ram = pages(256ULL << 20), swap = pages(512ULL << 20);
    // vswap-256m: the config's values are the ones in force; NUMPROC is unset and pids.max "max".
    std::vector<std::pair<std::string, std::string>> configured = {
        {"physpages.b", "0"}, {"physpages.l", n(ram)},         {"swappages.l", n(swap)},
        {"numproc.b", "-"},   {"numproc.l", "-"},              {"numpty.l", "-"},
        {"lockedpages.b", n(ram)}, {"lockedpages.l", n(ram)},  {"oomguarpages.l", kUnlimited},
        {"vmguarpages.b", n(ram + swap)},                      {"privvmpages.l", kUnlimited},
    };
    expect_shown(configured, "before set");

    auto conf_before = read_text(conf_path(kCt));
    auto set = run({"set", ct(), "--ram", "512M", "--swap", "128M", "--numproc", "40", "--numpty", "12"});
    ASSERT_EQ(set.status, 0) << set.out << set.err;
    ASSERT_EQ(read_text(conf_path(kCt)), conf_before) << "set without --save changed the config";
    ASSERT_EQ(memory_limit_bytes(), 512ULL << 20);
    ASSERT_EQ(swap_limit_bytes(), 128ULL << 20);
    ASSERT_EQ(pids_max(), 40u);

    uint64_t ram2 = pages(512ULL << 20), swap2 = pages(128ULL << 20);
    expect_shown({{"physpages.b", "0"},
                  {"physpages.l", n(ram2)},
                  {"swappages.b", "0"},
                  {"swappages.l", n(swap2)},
                  {"numproc.b", "40"},
                  {"numproc.l", "40"},
                  {"numpty.b", "12"},
                  {"numpty.l", "12"},
                  // VSwap derives from the RAM and swap in force.
                  {"lockedpages.b", n(ram2)},
                  {"lockedpages.l", n(ram2)},
                  {"oomguarpages.b", n(ram2)},
                  {"oomguarpages.l", kUnlimited},
                  {"vmguarpages.b", n(ram2 + swap2)},
                  {"privvmpages.l", kUnlimited},
                  // Not enforced: the config's (here: none).
                  {"kmemsize.l", "-"}},
                 "after set");

    auto json = vzlist_run({"-j", "-o", "ctid,physpages,numproc", ct()});
    EXPECT_EQ(json.status, 0) << json.err;
    EXPECT_NE(json.out.find("\"limit\": " + n(ram2) + ", \"failcnt\""), std::string::npos) << json.out;
    EXPECT_NE(json.out.find("\"barrier\": 40, \"limit\": 40"), std::string::npos) << json.out;

    auto raw = vzubc({"--raw", ct()});
    ASSERT_EQ(raw.status, 0) << raw.err;
    EXPECT_EQ(raw_limits(raw.out, "physpages"), (std::pair<std::string, std::string>{"0", n(ram2)})) << raw.out;
    EXPECT_EQ(raw_limits(raw.out, "swappages"), (std::pair<std::string, std::string>{"0", n(swap2)})) << raw.out;
    EXPECT_EQ(raw_limits(raw.out, "numproc"), (std::pair<std::string, std::string>{"40", "40"})) << raw.out;
    EXPECT_EQ(raw_limits(raw.out, "lockedpages"), (std::pair<std::string, std::string>{n(ram2), n(ram2)})) << raw.out;
    auto table = vzubc({ct()});
    ASSERT_EQ(table.status, 0) << table.err;
    bool found = false;
    for (auto& l : lines(table.out))
        if (l.find("    physpages|") == 0) {
            found = true;
            EXPECT_NE(l.find("| 512M|"), std::string::npos) << "LIM column: " << l;
        }
    EXPECT_TRUE(found) << table.out;

    // Stopped: the configured values again.
    auto stop = run({"stop", ct(), "--fast"});
    ASSERT_EQ(stop.status, 0) << stop.out << stop.err;
    configured.insert(configured.begin(), {"status", "stopped"});
    expect_shown(configured, "after stop", true);
}

}  // namespace
