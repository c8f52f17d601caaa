// Several vzctl set --save at once on one container: each waits its turn (exit 9 means "locked, try again") and
// no update is lost.
#include <map>

#include "cli_fixture.hpp"

namespace {

using vztest::CliTest;

TEST_F(CliTest, ConcurrentSavesOfDifferentKeysAreAllKept) {
    ASSERT_TRUE(create(101));
    const std::vector<std::vector<std::string>> sets{
        {"--cpuunits", "1234", "CPUUNITS=\"1234\""},   {"--bootorder", "7", "BOOTORDER=\"7\""},
        {"--ioprio", "3", "IOPRIO=\"3\""},             {"--hostname", "h.example", "HOSTNAME=\"h.example\""},
        {"--description", "d8", "DESCRIPTION=\"d8\""}, {"--quotatime", "99", "QUOTATIME=\"99\""},
        {"--iopslimit", "55", "IOPSLIMIT=\"55\""},     {"--cpus", "3", "CPUS=\"3\""}};
    // A lost update needs an unlucky interleaving, so the race is run several times on a fresh config.
    const auto pristine = vztest::read_text(conf_path(101));
    for (int round = 0; round < 20; ++round) {
        vztest::write_text(conf_path(101), pristine);
        std::map<size_t, vztest::Running> running;
        auto launch = [&](size_t i) {
            running[i] = start(VZCTL_BIN, {"set", "101", sets[i][0], sets[i][1], "--save"});
        };
        for (size_t i = 0; i < sets.size(); ++i) launch(i);
        int retries = 0;
        while (!running.empty()) {
            auto it = running.begin();
            auto r = finish(it->second);
            size_t i = it->first;
            running.erase(it);
            if (r.status == 9 && ++retries < 10000) {
                launch(i);
                continue;
            }
            EXPECT_EQ(r.status, 0) << sets[i][0] << ": " << r.err;
        }
        auto conf = vztest::read_text(conf_path(101));
        for (auto& s : sets)
            EXPECT_NE(conf.find("\n" + s[2] + "\n"), std::string::npos) << "round " << round << ": lost " << s[0];
        if (HasFailure()) break;
    }
}

}  // namespace
