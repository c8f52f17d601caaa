// vzctl create / status / destroy as a user sees them: the worked example, status lines, a missing
// template, and what destroy leaves behind.
#include <filesystem>

#include "../support/runtime_pty.hpp"
#include "cli_fixture.hpp"

namespace {

using vztest::CliTest;
using vztest::contains;
namespace fs = std::filesystem;

TEST_F(CliTest, CreateSetAndListShowTheVswapLimitsInPages) {
    ASSERT_TRUE(create(101, "vswap-256m"));
    EXPECT_TRUE(fs::is_regular_file(private_path(101) + "/bin/sh"));
    auto set = vzctl({"set", "101", "--cpulimit", "50", "--cpus", "2", "--save"});
    ASSERT_EQ(set.status, 0) << set.err;
    EXPECT_EQ(set.out, "CT configuration saved to " + conf_path(101) + "\n");

    auto r = vzlist({"-a", "-o", "ctid,physpages.l,swappages.l,cpulimit,cpus"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out,
              "      CTID    PHYSP.L    SWAPP.L  CPULIM  CPUS\n"
              "       101      65536     131072      50     2\n");
    EXPECT_EQ(r.err, "");
}

TEST_F(CliTest, CreateWritesPathsTemplateAndSampleIntoTheConfig) {
    ASSERT_TRUE(create(101, "vswap-512m"));
    auto conf = vztest::read_text(conf_path(101));
    EXPECT_TRUE(contains(conf, "\nOSTEMPLATE=\"tiny\"\n")) << conf;
    EXPECT_TRUE(contains(conf, "\nORIGIN_SAMPLE=\"vswap-512m\"\n")) << conf;
    EXPECT_TRUE(contains(conf, "\nVE_PRIVATE=\"" + tmp_ / "private/$VEID\"\n")) << conf;
    EXPECT_TRUE(contains(conf, "\nVE_ROOT=\"" + tmp_ / "root/$VEID\"\n")) << conf;
}

// At a terminal, create shows how far the template unpack is (bytes and percent, on stderr); in a script (no
// terminal) nothing of it appears, on stdout or stderr.
TEST_F(CliTest, CreateShowsUnpackProgressOnlyOnATerminal) {
    vztest::PtySession s({VZCTL_BIN, "create", "101", "--ostemplate", "tiny"}, {"VZ_CONFDIR=" + confdir_}, 24, 80);
    auto status = s.wait(std::chrono::seconds(60));
    ASSERT_TRUE(status) << s.screen();
    ASSERT_EQ(*status, 0) << s.screen();
    EXPECT_TRUE(contains(s.screen(), "\rUnpacking tiny.tar.zst: 100% (")) << s.screen();
    EXPECT_TRUE(contains(s.screen(), " B of ")) << s.screen();
    EXPECT_TRUE(contains(s.screen(), "Container private area was created")) << s.screen();

    auto r = vzctl({"create", "102", "--ostemplate", "tiny"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_FALSE(contains(r.out + r.err, "Unpacking")) << r.out << r.err;
    EXPECT_FALSE(contains(r.out + r.err, "%")) << r.out << r.err;
}

TEST_F(CliTest, StatusOfExistingAndMissingContainers) {
    ASSERT_TRUE(create(101));
    auto r = vzctl({"status", "101"});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, "CTID 101 exist unmounted down\n");
    r = vzctl({"status", "102"});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, "CTID 102 deleted unmounted down\n");
    EXPECT_EQ(r.err, "");
}

TEST_F(CliTest, MissingTemplateListsTheAvailableOnesAndLeavesNothing) {
    auto r = vzctl({"create", "103", "--ostemplate", "nosuch", "--config", "vswap-256m", "--name", "ghost"});
    EXPECT_EQ(r.status, 91);
    EXPECT_TRUE(contains(r.err, "nosuch")) << r.err;
    EXPECT_TRUE(contains(r.err, "tiny")) << r.err;
    EXPECT_TRUE(contains(r.err, "other")) << r.err;
    EXPECT_FALSE(fs::exists(conf_path(103)));
    EXPECT_FALSE(fs::exists(private_path(103)));
    EXPECT_FALSE(fs::exists(lock_path(103)));
    EXPECT_FALSE(fs::exists(names_dir() + "/ghost"));
    if (fs::exists(tmp_ / "private"))
        for (auto& e : fs::directory_iterator(tmp_ / "private")) ADD_FAILURE() << "left behind: " << e.path();
    EXPECT_EQ(vzctl({"status", "103"}).out, "CTID 103 deleted unmounted down\n");
}

TEST_F(CliTest, UnreadableTemplateFailsAndLeavesNothing) {
    vztest::write_text(tmp_ / "template/cache/broken.tar.zst", "this is not an archive\n");
    auto r = vzctl({"create", "104", "--ostemplate", "broken"});
    EXPECT_NE(r.status, 0);
    EXPECT_TRUE(r.err.starts_with("Error: ")) << r.err;
    EXPECT_FALSE(fs::exists(conf_path(104)));
    EXPECT_FALSE(fs::exists(private_path(104)));
    EXPECT_FALSE(fs::exists(lock_path(104)));
    if (fs::exists(tmp_ / "private"))
        for (auto& e : fs::directory_iterator(tmp_ / "private")) ADD_FAILURE() << "left behind: " << e.path();
}

TEST_F(CliTest, CreateRefusesAnExistingContainer) {
    ASSERT_TRUE(create(101));
    auto before = vztest::read_text(conf_path(101));
    EXPECT_EQ(vzctl({"create", "101", "--ostemplate", "tiny"}).status, 44);
    EXPECT_EQ(vzctl({"create", "101", "--ostemplate", "tiny", "--config", "basic"}).status, 82);
    EXPECT_EQ(vztest::read_text(conf_path(101)), before);
    EXPECT_TRUE(fs::is_regular_file(private_path(101) + "/bin/sh"));
}

TEST_F(CliTest, DestroyRenamesConfigRemovesPrivateAreaAndName) {
    ASSERT_TRUE(create(101));
    ASSERT_EQ(vzctl({"set", "101", "--name", "web", "--save"}).status, 0);
    ASSERT_TRUE(fs::is_symlink(names_dir() + "/web"));
    auto conf = vztest::read_text(conf_path(101));

    auto r = vzctl({"destroy", "101"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "Destroying container private area: " + private_path(101))) << r.out;
    EXPECT_FALSE(fs::exists(conf_path(101)));
    ASSERT_TRUE(fs::exists(conf_path(101) + ".destroyed"));
    EXPECT_EQ(vztest::read_text(conf_path(101) + ".destroyed"), conf);
    EXPECT_FALSE(fs::exists(private_path(101)));
    EXPECT_FALSE(fs::exists(fs::symlink_status(names_dir() + "/web")));
    EXPECT_FALSE(fs::exists(lock_path(101)));
    for (auto& e : fs::directory_iterator(tmp_ / "private")) ADD_FAILURE() << "left behind: " << e.path();
    EXPECT_EQ(vzctl({"status", "101"}).out, "CTID 101 deleted unmounted down\n");
    EXPECT_EQ(vzlist({"-a", "-H", "-o", "ctid"}).out, "");
}

TEST_F(CliTest, DestroyOfAMissingContainerFails) {
    auto r = vzctl({"destroy", "105"});
    EXPECT_EQ(r.status, 14);
    EXPECT_TRUE(contains(r.err, "Container config file does not exist")) << r.err;
}

}  // namespace
