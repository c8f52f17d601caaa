// vzmigrate's command line and the refusals that come before any connection: usage (1), a CT this node does not
// have (10), a locked CT (20), a suspended one (14). Nothing here reaches the network: every case stops before ssh
// runs (the network cases are NetMigrate's, migrate_test.cpp).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "cli_fixture.hpp"

namespace vztest {
namespace {

class VzmigrateCli : public CliTest {
protected:
    Result vzmigrate(const std::vector<std::string>& args) { return finish(start(VZMIGRATE_BIN, args)); }
};

TEST_F(VzmigrateCli, HelpAndUsageErrors) {
    for (auto* h : {"-h", "--help", "--usage"}) {
        auto r = vzmigrate({h});
        EXPECT_EQ(r.status, 0) << h;
        EXPECT_TRUE(contains(r.out, "Usage: vzmigrate")) << h << ": " << r.out;
        EXPECT_TRUE(contains(r.out, "--remove-area")) << r.out;
    }
    for (auto args : std::vector<std::vector<std::string>>{{},
                                                           {"host.example"},
                                                           {"-r", "maybe", "host.example", "101"},
                                                           {"--nodeps=disk", "host.example", "101"},
                                                           {"--no-such-option", "host.example", "101"},
                                                           {"-host", "101"},
                                                           {"user@", "101"},
                                                           {"host.example", "101", "extra"}}) {
        auto r = vzmigrate(args);
        EXPECT_EQ(r.status, 1) << testing::PrintToString(args) << ": " << r.err;
        EXPECT_TRUE(contains(r.err, "Error:")) << r.err;
    }
}

TEST_F(VzmigrateCli, CtMissingHereIs10) {
    auto r = vzmigrate({"host.example", "4711"});
    EXPECT_EQ(r.status, 10) << r.err;
    EXPECT_TRUE(contains(r.err, "CT 4711 does not exist")) << r.err;
    auto named = vzmigrate({"host.example", "nosuchname"});
    EXPECT_EQ(named.status, 10) << named.err;
}

TEST_F(VzmigrateCli, LockedCtIs20) {
    ASSERT_TRUE(create(4712));
    std::filesystem::create_directories(tmp_ / "lock");
    int fd = ::open(lock_path(4712).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::flock(fd, LOCK_EX), 0);
    auto r = vzmigrate({"host.example", "4712"});
    ::close(fd);
    EXPECT_EQ(r.status, 20) << r.err;
    EXPECT_TRUE(contains(r.err, "locked")) << r.err;
    // Once it is free, a run that fails later (no such destination) takes the stale lock over and leaves none.
    auto later = vzmigrate({"-s", "host.example", "4712"});
    EXPECT_EQ(later.status, 4) << later.err;
    EXPECT_FALSE(std::filesystem::exists(lock_path(4712)));
}

TEST_F(VzmigrateCli, SuspendedCtIsRefusedWithItsDumpKept) {
    ASSERT_TRUE(create(4713));
    write_text(tmp_ / "dump/Dump.4713/inventory.img", "");
    auto r = vzmigrate({"host.example", "4713"});
    EXPECT_EQ(r.status, 14) << r.err;
    EXPECT_TRUE(contains(r.err, "suspended")) << r.err;
    EXPECT_TRUE(std::filesystem::exists(tmp_ / "dump/Dump.4713/inventory.img"));
    EXPECT_TRUE(std::filesystem::exists(conf_path(4713)));
}

}  // namespace
}  // namespace vztest
