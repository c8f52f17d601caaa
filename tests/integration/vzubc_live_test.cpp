// vzubc on a running container: a fork loop against --numproc shows up as numproc failures in the raw beancounter
// file and in the table; the raw text reads back through -f unchanged; -r counts only new failures.
#include <sstream>

#include "../support/runtime_fixture.hpp"

namespace {

using namespace vztest;

class Vzubc : public RuntimeTest {
protected:
    Result vzubc(const std::vector<std::string>& args) { return run(args, {}, 60s, BUILD_DIR "/src/vzubc/vzubc"); }

    // The words of the first line of `text` whose resource column is `resource`, without the "<uid>:" word.
    static std::vector<std::string> raw_row(const std::string& text, const std::string& resource) {
        for (auto& l : lines(text)) {
            std::istringstream in(l);
            std::vector<std::string> words;
            for (std::string w; in >> w;) words.push_back(w);
            if (!words.empty() && words[0].ends_with(":")) words.erase(words.begin());
            if (!words.empty() && words[0] == resource) return words;
        }
        return {};
    }

    // The '|'-separated cells of the table row of `resource`, blanks trimmed.
    static std::vector<std::string> table_row(const std::string& text, const std::string& resource) {
        for (auto& l : lines(text)) {
            std::vector<std::string> cells;
            size_t pos = 0;
            for (;;) {
                auto bar = l.find('|', pos);
                cells.push_back(trim(l.substr(pos, bar == std::string::npos ? std::string::npos : bar - pos)));
                if (bar == std::string::npos) break;
                pos = bar + 1;
            }
            if (cells.size() == 6 && cells[0] == resource) return cells;
        }
        return {};
    }
};

TEST_F(Vzubc, NumprocFailuresOfAForkLoopShowInTheRawFileAndTheTable) {
    ASSERT_TRUE(start_ct());
    auto set = run({"set", ct(), "--numproc", "20", "--save"});
    ASSERT_EQ(set.status, 0) << set.out << set.err;
    ASSERT_EQ(pids_max(), 20U);
    // The loop's shell fails once the 20 processes are used up; its exit status does not matter here.
    // The sleepers outlive the test (teardown stops the container): held must not change between the readings
    // below, which under emulation are seconds apart.
    run({"exec", ct(), "for i in $(seq 40); do sleep 1000 </dev/null >/dev/null 2>&1 & done"});
    ASSERT_GT(pids_failures(), 0U) << "the fork loop did not hit the limit";

    auto raw = vzubc({"--raw", ct()});
    ASSERT_EQ(raw.status, 0) << raw.err;
    EXPECT_EQ(lines(raw.out).at(0), "Version: 2.5");
    EXPECT_NE(raw.out.find("\n      101:  kmemsize "), std::string::npos) << raw.out;
    auto numproc = raw_row(raw.out, "numproc");
    ASSERT_EQ(numproc.size(), 6u) << raw.out;
    EXPECT_EQ(numproc[3], "20") << "barrier";
    EXPECT_EQ(numproc[4], "20") << "limit";
    EXPECT_GT(std::stoull(numproc[5]), 0u) << "failcnt: " << raw.out;
    EXPECT_GE(std::stoull(numproc[2]), std::stoull(numproc[1])) << "maxheld below held";

    auto table = vzubc({ct()});
    ASSERT_EQ(table.status, 0) << table.err;
    EXPECT_NE(table.out.find("CT 101       | HELD  Bar%  Lim%| MAXH  Bar%  Lim%| BAR | LIM | FAIL\n"),
              std::string::npos)
        << table.out;
    auto row = table_row(table.out, "numproc");
    ASSERT_EQ(row.size(), 6u) << table.out;
    EXPECT_EQ(row[3], "20") << "BAR";
    EXPECT_NE(row[5], "-") << "FAIL: " << table.out;
    EXPECT_GT(std::stoull(row[5]), 0u) << table.out;
    // -q keeps the failing row.
    auto quiet = vzubc({"-q", ct()});
    EXPECT_EQ(table_row(quiet.out, "numproc"), row) << quiet.out;

    // The saved raw text reads back through -f: the same numbers, and the same table.
    write_text(tmp_ / "ubc.raw", raw.out);
    auto again = vzubc({"-f", tmp_ / "ubc.raw", "--raw"});
    ASSERT_EQ(again.status, 0) << again.err;
    EXPECT_EQ(again.out, raw.out);
    auto from_file = vzubc({"-f", tmp_ / "ubc.raw", ct()});
    EXPECT_EQ(table_row(from_file.out, "numproc"), table_row(vzubc({"-f", tmp_ / "ubc.raw"}).out, "numproc"));
    EXPECT_EQ(table_row(from_file.out, "numproc")[5], numproc[5]);

    // -r: the first run counts every failure, the next one only new ones.
    auto store = tmp_ / "store";
    auto first = vzubc({"-f", tmp_ / "ubc.raw", "-r", "-rd", store, ct()});
    EXPECT_EQ(table_row(first.out, "numproc")[5], numproc[5]) << first.out << first.err;
    EXPECT_NE(first.out.find("| BAR | LIM |+FAIL\n"), std::string::npos);
    auto second = vzubc({"-f", tmp_ / "ubc.raw", "-r", "-rd", store, ct()});
    EXPECT_EQ(table_row(second.out, "numproc")[5], "-") << second.out << second.err;

    // Unknown containers are errors that name them.
    auto unknown = vzubc({"--raw", "4242"});
    EXPECT_EQ(unknown.status, 1);
    EXPECT_NE(unknown.err.find("4242"), std::string::npos) << unknown.err;
    EXPECT_EQ(unknown.out, "");

    auto stop = run({"stop", ct(), "--fast"});
    EXPECT_EQ(stop.status, 0) << stop.out << stop.err;
    // A stopped container has no beancounters: a warning, nothing printed.
    auto stopped = vzubc({ct()});
    EXPECT_EQ(stopped.status, 0) << stopped.err;
    EXPECT_EQ(stopped.out, "");
    EXPECT_NE(stopped.err.find("Container 101 is not running"), std::string::npos) << stopped.err;
    auto destroy = run({"destroy", ct()});
    EXPECT_EQ(destroy.status, 0) << destroy.out << destroy.err;
    EXPECT_TRUE(nothing_left());
}

}  // namespace
