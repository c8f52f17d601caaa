// What scripts and panels name, checked against literal lists taken from the original's manual pages
// (tests/fixtures/original/), not against our own tables: every vzlist field with its header, every option of
// vzctl set, every vzctl command. A field, option or command dropped or renamed in our tables fails here.
#include <regex>
#include <set>

#include "cli_fixture.hpp"

namespace {

using vztest::CliTest;
using vztest::lines;

// The fixture's lines, comments and blank lines left out.
std::vector<std::string> fixture(const std::string& name) {
    std::vector<std::string> out;
    for (auto& l : lines(vztest::read_text(std::string(SOURCE_DIR) + "/tests/fixtures/original/" + name)))
        if (!l.empty() && l[0] != '#') out.push_back(l);
    return out;
}

std::string joined(const std::set<std::string>& names) {
    std::string out;
    for (auto& n : names) out += " " + n;
    return out;
}

// The names in `want` that `have` lacks.
std::set<std::string> missing(const std::vector<std::string>& want, const std::set<std::string>& have) {
    std::set<std::string> out;
    for (auto& w : want)
        if (!have.contains(w)) out.insert(w);
    return out;
}

class OriginalLists : public CliTest {};

// vzlist -L prints "name header" per field: the same pairs as the original's, no more, no fewer.
TEST_F(OriginalLists, VzlistHasEveryFieldOfTheOriginalWithItsHeader) {
    auto r = vzlist({"-L"});
    ASSERT_EQ(r.status, 0) << r.err;
    std::set<std::string> ours;
    std::regex pair(R"(^(\S+)\s+(\S+)\s*$)");
    for (auto& l : lines(r.out)) {
        std::smatch m;
        ASSERT_TRUE(std::regex_match(l, m, pair)) << "not a field line: '" << l << "'";
        ours.insert(m[1].str() + " " + m[2].str());
    }
    auto theirs = fixture("vzlist-fields");
    ASSERT_EQ(theirs.size(), 144u);
    EXPECT_EQ(joined(missing(theirs, ours)), "") << "fields (name header) of the original that vzlist -L lacks";
    std::set<std::string> theirs_set(theirs.begin(), theirs.end());
    std::vector<std::string> ours_list(ours.begin(), ours.end());
    EXPECT_EQ(joined(missing(ours_list, theirs_set)), "") << "fields of ours the original does not have";
}

// Every option of the original's vzctl set is one of ours (--help is the only one we add).
TEST_F(OriginalLists, VzctlSetTakesEveryOptionOfTheOriginal) {
    auto r = vzctl({"set", "--help"});
    ASSERT_EQ(r.status, 0) << r.err;
    std::set<std::string> ours;
    std::regex option(R"(^  (?:-\w,)?(--[\w-]+(?:,--[\w-]+)*))");
    for (auto& l : lines(r.out)) {
        std::smatch m;
        if (!std::regex_search(l, m, option)) continue;
        std::string names = m[1].str();
        for (size_t at = 0; at != std::string::npos;) {
            auto comma = names.find(',', at);
            ours.insert(names.substr(at, comma == std::string::npos ? comma : comma - at));
            at = comma == std::string::npos ? comma : comma + 1;
        }
    }
    auto theirs = fixture("vzctl-set-options");
    ASSERT_EQ(theirs.size(), 84u);
    EXPECT_EQ(joined(missing(theirs, ours)), "") << "options of the original's vzctl set that ours lacks";
    std::set<std::string> theirs_set(theirs.begin(), theirs.end());
    theirs_set.insert("--help");
    std::vector<std::string> ours_list(ours.begin(), ours.end());
    EXPECT_EQ(joined(missing(ours_list, theirs_set)), "") << "options of ours the original does not have";
}

// Every command of the original is one of ours.
TEST_F(OriginalLists, VzctlHasEveryCommandOfTheOriginal) {
    auto r = vzctl({"--help"});
    ASSERT_EQ(r.status, 0) << r.err;
    std::set<std::string> ours;
    bool in_commands = false;
    std::regex command(R"(^  ([a-z0-9-]+)(?:, ([a-z0-9-]+))?(?:\s|$))");
    for (auto& l : lines(r.out)) {
        if (l == "Subcommands:") {
            in_commands = true;
            continue;
        }
        std::smatch m;
        if (!in_commands || !std::regex_search(l, m, command)) continue;
        ours.insert(m[1].str());
        if (m[2].matched) ours.insert(m[2].str());
    }
    auto theirs = fixture("vzctl-commands");
    ASSERT_EQ(theirs.size(), 31u);
    EXPECT_EQ(joined(missing(theirs, ours)), "") << "commands of the original that ours lacks";
    std::set<std::string> theirs_set(theirs.begin(), theirs.end());
    std::vector<std::string> ours_list(ours.begin(), ours.end());
    EXPECT_EQ(joined(missing(ours_list, theirs_set)), "") << "commands of ours the original does not have";
}

}  // namespace
