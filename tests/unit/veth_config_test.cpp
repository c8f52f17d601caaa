// The veth devices a container's NETIF describes (net/veth.hpp): fields, defaults, the tag of its host ends.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "config/conf_file.hpp"
#include "net/veth.hpp"

namespace {

vz::CtConfig config(const std::string& ct, const std::string& global = "VE_ROOT=\"/vz/root/$VEID\"\n") {
    return vz::CtConfig(101, std::make_shared<const vz::ConfFile>(vz::ConfFile::parse(global, "vz.conf")),
                        vz::ConfFile::parse(ct, "101.conf"));
}

TEST(VethConfig, FieldsOfEachDeviceAndTheFilterOnByDefault) {
    auto c = vz::net::veth_config(config(
        "NETIF=\"ifname=eth0,mac=00:18:51:AA:BB:CC,host_ifname=veth101.0,host_mac=00:18:51:AA:BB:CD,bridge=br0;"
        "ifname=eth1,mac_filter=off,future_key=x\"\n"));
    ASSERT_EQ(c.ctid, 101U);
    ASSERT_EQ(c.devs.size(), 2U);
    EXPECT_EQ(c.devs[0].ifname, "eth0");
    EXPECT_EQ(c.devs[0].mac, "00:18:51:AA:BB:CC");
    EXPECT_EQ(c.devs[0].host_ifname, "veth101.0");
    EXPECT_EQ(c.devs[0].host_mac, "00:18:51:AA:BB:CD");
    EXPECT_EQ(c.devs[0].bridge, "br0");
    EXPECT_TRUE(c.devs[0].mac_filter);
    // A hand-written device without a host name gets the one --netif_add would have made.
    EXPECT_EQ(c.devs[1].host_ifname, "veth101.1");
    EXPECT_TRUE(c.devs[1].bridge.empty());
    EXPECT_FALSE(c.devs[1].mac_filter);
}

TEST(VethConfig, NoNetifNoDevices) { EXPECT_TRUE(vz::net::veth_config(config("")).devs.empty()); }

// The tag tells the host ends of two installations' containers of one CTID apart (their VE_ROOTs differ).
TEST(VethConfig, TheTagFollowsTheRoot) {
    auto a = vz::net::veth_config(config(""));
    auto b = vz::net::veth_config(config("", "VE_ROOT=\"/other/root/$VEID\"\n"));
    EXPECT_EQ(a.tag.size(), 16U);
    EXPECT_NE(a.tag, b.tag);
    EXPECT_EQ(a.tag, vz::net::veth_config(config("")).tag);
}

}  // namespace
