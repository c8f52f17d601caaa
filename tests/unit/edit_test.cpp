// Rules of apply_changes beyond one value per kind (reference 2.x): host-relative cpulimit, vswap rounding,
// incremental lists, merges; and what validate_config says about a bad stored value.
#include "config/edit.hpp"

#include <gtest/gtest.h>

#include "util/error.hpp"

namespace {

std::string apply(const std::string& setup, std::vector<std::pair<std::string, std::string>> opts,
                  const std::string& key, unsigned ncpus = 1) {
    auto conf = vz::ConfFile::parse(setup, "t.conf");
    std::vector<vz::Change> ch;
    for (auto& [o, v] : opts) ch.push_back({vz::find_param(o), v});
    vz::EditContext ctx;
    ctx.ctid = 101;
    ctx.ncpus = ncpus;
    vz::apply_changes(conf, ch, ctx);
    return conf.get(key) ? *conf.get(key) : "<unset>";
}

TEST(Edit, CpulimitPercentOfHostIsMultipliedByCpuCount) {
    EXPECT_EQ(apply("", {{"cpulimit", "25%"}}, "CPULIMIT", 4), "100");
    EXPECT_EQ(apply("", {{"cpulimit", "250"}}, "CPULIMIT", 4), "250");
}

TEST(Edit, RamAndSwapAreRoundedUpToPagesWithZeroBarrier) {
    auto page = vz::page_size();
    EXPECT_EQ(apply("", {{"ram", std::to_string(page + 1)}}, "PHYSPAGES"), "0:2");
    EXPECT_EQ(apply("", {{"swap", "1G"}}, "SWAPPAGES"), "0:" + std::to_string((1ULL << 30) / page));
    EXPECT_EQ(apply("", {{"ram", "unlimited"}}, "PHYSPAGES"), "0:unlimited");
    // Near 2^64 bytes: all the pages, not a sum wrapped to 0.
    EXPECT_EQ(apply("", {{"ram", "18446744073709549568"}}, "PHYSPAGES"),
              "0:" + std::to_string(18446744073709549568ULL / page + 1));
}

TEST(Edit, ShortSpellingsAndClampingOfBeancounters) {
    EXPECT_EQ(apply("", {{"numproc", "240:240"}}, "NUMPROC"), "240");
    EXPECT_EQ(apply("", {{"kmemsize", "1M:2M"}}, "KMEMSIZE"), "1048576:2097152");
    EXPECT_EQ(apply("", {{"numfile", "99999999999999999999"}}, "NUMFILE"), "unlimited");
}

TEST(Edit, IpAddressesAreIncrementalAndCanonical) {
    EXPECT_EQ(apply("IP_ADDRESS=\"198.51.100.1\"\n", {{"ipadd", "198.51.100.2"}, {"ipadd", "2001:DB8::0:1"}}, "IP_ADDRESS"),
              "198.51.100.1 198.51.100.2 2001:db8::1");
    // Re-adding an address with a new prefix replaces it; 0.0.0.0 is ignored.
    EXPECT_EQ(apply("IP_ADDRESS=\"198.51.100.1 198.51.100.2\"\n", {{"ipadd", "198.51.100.1/24"}, {"ipadd", "0.0.0.0"}},
                    "IP_ADDRESS"),
              "198.51.100.2 198.51.100.1/24");
    EXPECT_EQ(apply("IP_ADDRESS=\"198.51.100.1 198.51.100.2\"\n", {{"ipdel", "all"}}, "IP_ADDRESS"), "");
}

TEST(Edit, NameserverReplacesTheWholeListEachCommand) {
    EXPECT_EQ(apply("NAMESERVER=\"198.51.100.53\"\n", {{"nameserver", "198.51.100.1"}, {"nameserver", "198.51.100.2"}},
                    "NAMESERVER"),
              "198.51.100.1 198.51.100.2");
}

TEST(Edit, NetifAddRefusesAMadeUpHostNameTooLongToLoad) {
    // veth<CTID>.<digits of the device name> must fit in 15 characters, or the saved NETIF fails the next load.
    auto netif = apply("", {{"netif_add", "eth1234567"}}, "NETIF");
    EXPECT_NE(netif.find(",host_ifname=veth101.1234567,"), std::string::npos) << netif;
    EXPECT_THROW(apply("", {{"netif_add", "eth12345678"}}, "NETIF"), vz::Error);
    auto conf = vz::ConfFile::parse("", "t.conf");
    vz::Change add{vz::find_param("netif_add"), "eth0"};
    vz::EditContext ctx;
    ctx.ctid = 2000000000;
    EXPECT_THROW(vz::apply_changes(conf, {&add, 1}, ctx), vz::Error);
    add.value = "eth0,,veth2e9.0";
    vz::apply_changes(conf, {&add, 1}, ctx);
    ASSERT_TRUE(conf.get("NETIF"));
    EXPECT_NO_THROW(vz::validate_config(conf));
}

TEST(Edit, CapabilitiesMergeByNameLaterWins) {
    EXPECT_EQ(apply("CAPABILITY=\"CHOWN:off NET_ADMIN:on\"\n", {{"capability", "net_admin:off,sys_time:on"}},
                    "CAPABILITY"),
              "CHOWN:off NET_ADMIN:off SYS_TIME:on");
}

TEST(Edit, VmOvercommitZeroRemovesTheKey) {
    EXPECT_EQ(apply("VM_OVERCOMMIT=\"1.5\"\n", {{"vm_overcommit", "0"}}, "VM_OVERCOMMIT"), "<unset>");
}

TEST(Edit, VethFieldWithoutIfnameIsASyntaxError) {
    auto conf = vz::ConfFile::parse("", "t.conf");
    std::vector<vz::Change> ch{{vz::find_param("bridge"), "br0"}};
    try {
        vz::apply_changes(conf, ch, {});
        ADD_FAILURE() << "accepted --bridge without --ifname";
    } catch (const vz::Error& e) {
        EXPECT_EQ(e.code(), vz::Exit::InvalidSyntax);
    }
}

TEST(Edit, ValidateConfigNamesFileAndKey) {
    for (const char* bad : {"KMEMSIZE=\"lots\"\n", "NUMPROC=\"10K\"\n", "CPUUNITS=\"7\"\n", "ONBOOT=\"maybe\"\n",
                            "DCACHE=\"x\"\n", "IP_ADDRESS=\"198.51.100.1 nonsense\"\n"}) {
        try {
            vz::validate_config(vz::ConfFile::parse(bad, "/etc/vz/conf/101.conf"));
            ADD_FAILURE() << "accepted " << bad;
        } catch (const vz::Error& e) {
            EXPECT_EQ(e.code(), vz::Exit::InvalidValue);
            std::string key(bad, std::string_view(bad).find('='));
            EXPECT_EQ(std::string(e.what()).rfind("/etc/vz/conf/101.conf: " + key + "=", 0), 0u) << e.what();
        }
    }
}

TEST(Edit, ValidateConfigAcceptsSuffixesAndUnknownKeys) {
    EXPECT_NO_THROW(vz::validate_config(vz::ConfFile::parse(
        "PHYSPAGES=\"0:256M\"\nDISKSPACE=\"2G:2.2G\"\nSOMETHING_ELSE=\"x y\"\nNUMPROC=\"unlimited\"\n", "t.conf")));
}

}  // namespace
