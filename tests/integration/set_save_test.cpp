// vzctl set on a stopped container: what --save writes (and only that), what needs --save, names, --applyconfig.
#include <sys/stat.h>

#include <filesystem>

#include "cli_fixture.hpp"

namespace {

using vztest::CliTest;
using vztest::contains;
using vztest::lines;
namespace fs = std::filesystem;

TEST_F(CliTest, SaveRewritesOnlyTheChangedLinesAndAppendsNewKeys) {
    ASSERT_TRUE(create(101));
    // Hand-edited content that a save must keep byte for byte.
    auto original = vztest::read_text(conf_path(101)) +
                    "\n# my own comment, \"quoted\"\n"
                    "  CUSTOM_KEY = unquoted value  \n"
                    "CPULIMIT=\"25\"\n"
                    "#CPUS=\"8\"\n";
    vztest::write_text(conf_path(101), original);
    auto r = vzctl({"set", "101", "--cpulimit", "50", "--hostname", "ct101.example.com", "--numproc", "100:200",
                    "--cpuunits", "1000", "--save"});
    ASSERT_EQ(r.status, 0) << r.err;

    auto before = lines(original);
    auto after = lines(vztest::read_text(conf_path(101)));
    ASSERT_EQ(after.size(), before.size() + 2);
    for (size_t i = 0; i < before.size(); ++i) {
        if (before[i] == "CPULIMIT=\"25\"") EXPECT_EQ(after[i], "CPULIMIT=\"50\"");
        else EXPECT_EQ(after[i], before[i]) << "line " << i + 1;  // CPUUNITS="1000" was already so
    }
    EXPECT_EQ(after[before.size()], "HOSTNAME=\"ct101.example.com\"");
    EXPECT_EQ(after[before.size() + 1], "NUMPROC=\"100:200\"");
}

// What this version saves but applies nowhere says so, in one line naming the options, every time; what it applies
// does not.
TEST_F(CliTest, InertParametersSaySavedNotApplied) {
    auto r = vzctl({"create", "102", "--ostemplate", "tiny", "--config", "vswap-256m", "--ipadd", "198.51.100.7",
                    "--diskinodes", "1000"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_FALSE(contains(r.err, "not applied")) << r.err;  // disk limits are applied (ct/disk.hpp)

    ASSERT_TRUE(create(101));
    r = vzctl({"set", "101", "--diskspace", "1G:2G", "--numtcpsock", "100", "--cpuunits", "2000", "--diskspace",
               "2G:3G", "--meminfo", "none", "--save"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "saved; not applied by this version: --numtcpsock --meminfo\n")) << r.err;
    auto conf = vztest::read_text(conf_path(101));
    EXPECT_TRUE(contains(conf, "DISKSPACE=\"2097152:3145728\"")) << conf;
    EXPECT_TRUE(contains(conf, "NUMTCPSOCK=\"100\"")) << conf;

    r = vzctl({"set", "101", "--cpuunits", "3000", "--numproc", "50", "--hostname", "a.example", "--ipadd",
               "198.51.100.8", "--save"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_FALSE(contains(r.err, "not applied")) << r.err;
}

// Second-level quota lives in a ploop image's ext4 (disk_test.cpp): on simfs it is refused with 65
// (VZ_ERROR_SET_USER_QUOTA), nothing saved; 0 (off) is accepted.
TEST_F(CliTest, QuotaugidlimitIsRefusedOnSimfs) {
    ASSERT_TRUE(create(101));
    auto before = vztest::read_text(conf_path(101));
    auto r = vzctl({"set", "101", "--quotaugidlimit", "100", "--cpuunits", "2000", "--save"});
    EXPECT_EQ(r.status, 65) << r.err;
    EXPECT_EQ(r.err, "Error: Second-level quota (--quotaugidlimit) needs the ploop layout; CT 101 is on simfs\n");
    EXPECT_EQ(vztest::read_text(conf_path(101)), before);
    r = vzctl({"set", "101", "--quotaugidlimit", "0", "--save"});
    EXPECT_EQ(r.status, 0) << r.err;
    auto conf = vztest::read_text(conf_path(101));
    EXPECT_TRUE(contains(conf, "QUOTAUGIDLIMIT=\"0\"")) << conf;
}

TEST_F(CliTest, SaveWithoutChangesLeavesTheFileAlone) {
    ASSERT_TRUE(create(101));
    ASSERT_EQ(vzctl({"set", "101", "--cpus", "2", "--save"}).status, 0);
    struct stat before {};
    ASSERT_EQ(::stat(conf_path(101).c_str(), &before), 0);
    auto r = vzctl({"set", "101", "--cpus", "2", "--save"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_FALSE(contains(r.out, "saved")) << r.out;
    struct stat after {};
    ASSERT_EQ(::stat(conf_path(101).c_str(), &after), 0);
    EXPECT_EQ(after.st_ino, before.st_ino) << "the config was rewritten";
}

TEST_F(CliTest, RuntimeParameterWithoutSaveOnStoppedContainerFails) {
    ASSERT_TRUE(create(101));
    auto conf = vztest::read_text(conf_path(101));
    auto r = vzctl({"set", "101", "--cpus", "3"});
    EXPECT_EQ(r.status, 31);
    EXPECT_TRUE(contains(r.err, "not running")) << r.err;
    EXPECT_EQ(vztest::read_text(conf_path(101)), conf);
}

TEST_F(CliTest, ConfigOnlyParameterWithoutSaveWarnsAndSavesNothing) {
    ASSERT_TRUE(create(101));
    auto conf = vztest::read_text(conf_path(101));
    auto r = vzctl({"set", "101", "--onboot", "yes"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "WARNING")) << r.err;
    EXPECT_EQ(vztest::read_text(conf_path(101)), conf);
}

TEST_F(CliTest, NameNeedsSave) {
    ASSERT_TRUE(create(101));
    auto r = vzctl({"set", "101", "--name", "web"});
    EXPECT_EQ(r.status, 131);
    EXPECT_FALSE(fs::exists(fs::symlink_status(names_dir() + "/web")));
}

TEST_F(CliTest, NameLinksAndResolvesAndConflicts) {
    ASSERT_TRUE(create(101));
    ASSERT_TRUE(create(102));
    ASSERT_EQ(vzctl({"set", "101", "--name", "web", "--save"}).status, 0);
    EXPECT_EQ(fs::read_symlink(names_dir() + "/web"), fs::path(conf_path(101)));
    EXPECT_EQ(vzctl({"status", "web"}).out, "CTID 101 exist unmounted down\n");

    auto conf102 = vztest::read_text(conf_path(102));
    auto r = vzctl({"set", "102", "--name", "web", "--save"});
    EXPECT_EQ(r.status, 131);
    EXPECT_TRUE(contains(r.err, "web")) << r.err;
    EXPECT_EQ(vztest::read_text(conf_path(102)), conf102);
    EXPECT_EQ(fs::read_symlink(names_dir() + "/web"), fs::path(conf_path(101)));

    // Renaming moves the link.
    ASSERT_EQ(vzctl({"set", "web", "--name", "www", "--save"}).status, 0);
    EXPECT_FALSE(fs::exists(fs::symlink_status(names_dir() + "/web")));
    EXPECT_EQ(fs::read_symlink(names_dir() + "/www"), fs::path(conf_path(101)));
    EXPECT_TRUE(contains(vztest::read_text(conf_path(101)), "\nNAME=\"www\"\n"));
}

TEST_F(CliTest, CreateWithATakenNameFails) {
    ASSERT_TRUE(create(101));
    ASSERT_EQ(vzctl({"set", "101", "--name", "web", "--save"}).status, 0);
    auto r = vzctl({"create", "102", "--ostemplate", "tiny", "--name", "web"});
    EXPECT_EQ(r.status, 131);
    EXPECT_FALSE(fs::exists(conf_path(102)));
    EXPECT_FALSE(fs::exists(private_path(102)));
}

TEST_F(CliTest, ApplyconfigTakesLimitsButKeepsIdentity) {
    ASSERT_TRUE(create(101, "vswap-256m"));
    ASSERT_EQ(vzctl({"set", "101", "--hostname", "keep.example", "--ipadd", "198.51.100.7", "--save"}).status, 0);
    auto before = lines(vztest::read_text(conf_path(101)));

    auto r = vzctl({"set", "101", "--applyconfig", "vswap-512m", "--save"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto after = lines(vztest::read_text(conf_path(101)));
    ASSERT_EQ(after.size(), before.size());
    std::vector<std::string> changed;
    for (size_t i = 0; i < before.size(); ++i)
        if (before[i] != after[i]) changed.push_back(after[i]);
    EXPECT_EQ(changed, (std::vector<std::string>{"PHYSPAGES=\"0:512M\"", "SWAPPAGES=\"0:1G\"",
                                                 "ORIGIN_SAMPLE=\"vswap-512m\""}));

    auto l = vzlist({"-a", "-H", "-o", "physpages.l,swappages.l,hostname,ip"});
    EXPECT_EQ(l.out, "    131072     262144 keep.example                     198.51.100.7\n");
}

TEST_F(CliTest, ApplyconfigOfAMissingSampleFails) {
    ASSERT_TRUE(create(101));
    auto conf = vztest::read_text(conf_path(101));
    EXPECT_EQ(vzctl({"set", "101", "--applyconfig", "nosuch", "--save"}).status, 109);
    EXPECT_EQ(vzctl({"set", "101", "--applyconfig", "../vz", "--save"}).status, 109);
    EXPECT_EQ(vztest::read_text(conf_path(101)), conf);
}

// The host (CT 0): set records its settings in 0.conf (vzcpucheck counts its CPUUNITS) and says, as for an inert
// parameter, that this version applies none of them; what makes no sense for the host is refused, as is every other
// command.
TEST_F(CliTest, TheHostsSettingsAreRecordedAndSaidNotApplied) {
    auto host_conf = confdir_ + "/conf/0.conf";
    auto r = vzctl({"set", "0", "--cpuunits", "3000"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "not applied by this version, and not saved without --save: --cpuunits\n")) << r.err;
    EXPECT_FALSE(fs::exists(host_conf));
    r = vzctl({"set", "0", "--cpuunits", "2500", "--save"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "saved; not applied by this version: --cpuunits\n")) << r.err;
    EXPECT_EQ(vztest::read_text(host_conf), "CPUUNITS=\"2500\"\n");
    for (std::vector<std::string> args : {std::vector<std::string>{"set", "0", "--userpasswd", "root:secret"},
                                          {"set", "0", "--name", "host", "--save"},
                                          {"set", "0", "--reset_ub"},
                                          {"start", "0"}}) {
        r = vzctl(args);
        EXPECT_EQ(r.status, 21) << args[2] << ": " << r.err;
    }
    EXPECT_EQ(vztest::read_text(host_conf), "CPUUNITS=\"2500\"\n");
}

}  // namespace
