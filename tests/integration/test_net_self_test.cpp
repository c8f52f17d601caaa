// The network test harness itself (tests/support/test_net.hpp): NetRanges blackholes the test ranges and removes
// what it added, refuses a host that uses them, PeerLan's peer answers from 198.51.100.1 and 2001:db8:1::1 and
// listens, PeerBridge is a bare bridge, and nothing of them is left afterwards. Suites named Net* run one at a time
// (RESOURCE_LOCK net in tests/CMakeLists.txt).
#include <unistd.h>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "../support/test_net.hpp"

namespace vztest {
namespace {

class NetHarness : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, links, routes)";
    }
};

std::string trim_line(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

std::vector<std::string> blackholes() {
    std::vector<std::string> out;
    for (auto* cmd : {"ip -4 route show table main type blackhole", "ip -6 route show table main type blackhole"})
        for (auto& l : lines(net_must(cmd)))
            if (!l.empty()) out.push_back(trim_line(l));
    std::sort(out.begin(), out.end());
    return out;
}

// A NetRanges made and dropped, its failure (if any) reported.
void try_ranges() {
    try {
        NetRanges ranges;
    } catch (const std::exception&) {
    }
}

TEST_F(NetHarness, RangesAddAndRemoveTheBlackholes) {
    auto before = blackholes();
    {
        NetRanges ranges;
        for (auto& r : test_ranges())
            EXPECT_TRUE(NetRanges::blackhole_exists(r))
                << "no blackhole " << r << " metric 4000: " << joined(blackholes());
        // A packet to the ranges goes nowhere: the blackholes are what the host would use.
        for (auto* addr : {"198.51.100.77", "2001:db8:5::77"}) {
            auto got = net_run(std::string("ip route get ") + addr);
            EXPECT_NE(got.status, 0) << addr << " is routable: " << got.out;
            EXPECT_FALSE(host_ping(addr)) << addr << " answered";
        }
        EXPECT_EQ(blackholes().size(), before.size() + ranges.added().size()) << joined(blackholes());
        // One at a time: a second one in the same test fails at once (it would wait for its own lock).
        EXPECT_NONFATAL_FAILURE(try_ranges(), "another NetRanges is alive in this process");
    }
    EXPECT_EQ(blackholes(), before) << "the blackholes added for the test ranges are not removed again";
}

TEST_F(NetHarness, PeerAnswersAndNothingIsLeft) {
    auto neigh_before = proxy_neigh_entries();
    std::string dev, ns;
    {
        NetRanges ranges;
        PeerLan lan;
        dev = lan.host_dev();
        ns = lan.ns();
        EXPECT_LE(dev.size(), 15u) << dev;
        EXPECT_EQ(dev.rfind("vztl", 0), 0u) << dev;
        EXPECT_EQ(host_links_matching(dev), std::vector<std::string>{dev});
        EXPECT_EQ(netns_matching(ns), std::vector<std::string>{ns});

        EXPECT_TRUE(host_ping(PeerLan::kPeer4)) << "the peer does not answer at " << PeerLan::kPeer4;
        EXPECT_TRUE(host_ping(PeerLan::kPeer6)) << "the peer does not answer at " << PeerLan::kPeer6;
        EXPECT_TRUE(lan.ping(PeerLan::kHost4)) << "the host end does not answer the peer";
        EXPECT_TRUE(lan.ping(PeerLan::kHost6)) << "the host end does not answer the peer";

        auto addrs = lan.exec("ip addr show dev eth0");
        EXPECT_EQ(addrs.status, 0) << addrs.out;
        EXPECT_NE(addrs.out.find("198.51.100.1/24"), std::string::npos) << addrs.out;
        EXPECT_NE(addrs.out.find("2001:db8:1::1/64"), std::string::npos) << addrs.out;
        auto routes = lan.exec("ip route show default; ip -6 route show default");
        EXPECT_NE(routes.out.find("via 198.51.100.254 dev eth0"), std::string::npos) << routes.out;
        EXPECT_NE(routes.out.find("via 2001:db8:1::fe dev eth0"), std::string::npos) << routes.out;
        EXPECT_EQ(trim_line(net_must("sysctl -n net.ipv4.conf." + dev + ".forwarding")), "1");
        EXPECT_EQ(trim_line(net_must("sysctl -n net.ipv6.conf." + dev + ".forwarding")), "1");
        EXPECT_NE(routes_via(dev), std::vector<std::string>{}) << "no host route through " << dev;

        // TCP both ways through the peer's listener (busybox nc): over IPv4 and IPv6. The client's data comes late,
        // as on a busy host, after the listener's reply: the listener must not have closed by then.
        for (auto* addr : {PeerLan::kPeer4, PeerLan::kPeer6}) {
            auto& l = lan.listen_tcp(8080, "from the peer\n");
            auto sent = net_run(std::string("(sleep 0.5; echo from the host) | busybox nc -w 5 ") + addr + " 8080");
            EXPECT_EQ(sent.status, 0) << sent.out;
            EXPECT_EQ(sent.out, "from the peer\n") << addr;
            EXPECT_EQ(lan.listener_output(l), std::optional<std::string>("from the host\n")) << addr;
        }
        // A listener nobody connects to is killed with the namespace.
        lan.listen_tcp(8081);
    }
    EXPECT_EQ(host_links_matching(dev), std::vector<std::string>{}) << "the veth is left";
    EXPECT_EQ(netns_matching(ns), std::vector<std::string>{}) << "the namespace is left";
    EXPECT_EQ(routes_via(dev), std::vector<std::string>{}) << "routes are left";
    EXPECT_EQ(rules_with_iif(dev), std::vector<std::string>{}) << "rules are left";
    EXPECT_EQ(proxy_neigh_entries(), neigh_before);
    EXPECT_EQ(test_range_conflicts(), std::vector<std::string>{});
}

// A PeerLan failing half-way removes what it made (the namespace) and nothing else: its host end's name is taken.
void try_peer_lan() {
    try {
        PeerLan lan;
    } catch (const std::exception&) {
    }
}

TEST_F(NetHarness, PeerLanFailingHalfWayCleansUp) {
    auto last = net_unique_suffix();  // "<pid>x<n>": the next PeerLan will be "<pid>x<n+1>"
    auto x = last.find('x');
    auto next = last.substr(0, x + 1) + std::to_string(std::stoi(last.substr(x + 1)) + 1);
    auto taken = "vztl" + next;
    net_must("ip link add " + taken + " type bridge");
    struct Drop {
        std::string dev;
        ~Drop() { net_run("ip link del " + dev); }
    } drop{taken};
    EXPECT_NONFATAL_FAILURE(try_peer_lan(), "ip link add " + taken + " type veth");
    EXPECT_EQ(netns_matching("vzt-peer-" + next), std::vector<std::string>{}) << "the namespace is left";
    EXPECT_EQ(host_links_matching(taken), std::vector<std::string>{taken}) << "someone else's link was removed";
}

TEST_F(NetHarness, BridgeIsBareAndGoesAway) {
    std::string name;
    {
        PeerBridge br;
        name = br.name();
        EXPECT_EQ(name.rfind("vztb", 0), 0u) << name;
        EXPECT_LE(name.size(), 15u) << name;
        auto sys = "/sys/class/net/" + name + "/";
        EXPECT_EQ(trim_line(read_text(sys + "bridge/stp_state")), "0");
        EXPECT_EQ(trim_line(read_text(sys + "bridge/forward_delay")), "0");
        auto link = ip_json("addr show dev " + name);
        ASSERT_EQ(link.items.size(), 1u);
        auto& flags = link.items[0].members["flags"].items;
        EXPECT_TRUE(std::any_of(flags.begin(), flags.end(), [](const Json& f) { return f.text == "UP"; }));
        EXPECT_TRUE(link.items[0].members["addr_info"].items.empty()) << "the bridge has addresses";
    }
    EXPECT_EQ(host_links_matching(name), std::vector<std::string>{});
}

// A host address in a test range makes NetRanges fail (not skip), naming it, and add no blackhole.
std::string g_conflict_dev;  // EXPECT_NONFATAL_FAILURE's statement may not name locals


TEST_F(NetHarness, RangesRefuseAHostThatUsesThem) {
    NetLock lock;  // no other process's NetRanges meets the conflict made here
    auto before = blackholes();
    PeerBridge br;  // down below: an address on it routes nothing
    g_conflict_dev = br.name();
    net_must("ip link set " + g_conflict_dev + " down");
    net_must("ip addr add 198.51.100.9/32 dev " + g_conflict_dev);
    EXPECT_NONFATAL_FAILURE(try_ranges(),
        "address 198.51.100.9/32 on host device " + g_conflict_dev);
    EXPECT_EQ(blackholes(), before);
}

}  // namespace
}  // namespace vztest
