// veth devices (NETIF): pairs made at start and live, bridge ports, mac_filter, errors (130) and cleanup. Every
// device on test bridges (PeerBridge) and test addresses in 203.0.113.0/24 set from inside the containers; the
// containers' host ends are named veth101.N / veth102.N (vzctl's made-up names) or vzth<unique>.
#include <signal.h>

#include "../support/runtime_fixture.hpp"
#include "../support/test_net.hpp"

namespace vztest {
namespace {

struct LinkInfo {
    bool exists = false;
    std::string master, address, alias;
    bool up = false;
};

// One host link as `ip -j -d link show` reports it.
LinkInfo host_link(const std::string& name) {
    LinkInfo info;
    if (net_run("ip link show dev " + shell_quote(name)).status != 0) return info;
    auto j = ip_json("link show dev " + shell_quote(name));
    if (j.items.empty()) return info;
    auto& l = j.items[0];
    info.exists = true;
    info.master = json_str(l, "master");
    info.address = json_str(l, "address");
    info.alias = json_str(l, "ifalias");
    if (auto it = l.members.find("flags"); it != l.members.end())
        for (auto& f : it->second.items) info.up = info.up || f.text == "UP";
    return info;
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

class NetVeth : public RuntimeTest {
protected:
    static constexpr const char* kCt2 = "102";
    static constexpr const char* kAddr1 = "203.0.113.21";
    static constexpr const char* kAddr2 = "203.0.113.22";

    void TearDown() override {
        if (made2_) {
            run({"stop", kCt2, "--fast"}, {}, 60s);
            run({"destroy", kCt2}, {}, 60s);
        }
        RuntimeTest::TearDown();
        // Whatever a failure left: the containers' host ends go before the bridges do.
        for (auto& l : host_links_matching("veth101.")) net_run("ip link del " + l);
        for (auto& l : host_links_matching("veth102.")) net_run("ip link del " + l);
    }

    void create2() {
        auto r = run({"create", kCt2, "--ostemplate", "busybox", "--config", "vswap-256m"});
        ASSERT_EQ(r.status, 0) << r.err;
        made2_ = true;
    }

    // A container with eth0 on `bridge`, started, its address set from inside (as on OpenVZ).
    void start_on_bridge(const std::string& ctid, const std::string& bridge, const std::string& addr,
                         const std::vector<std::string>& more = {}) {
        std::vector<std::string> args{"set", ctid, "--netif_add", "eth0,,,," + bridge};
        args.insert(args.end(), more.begin(), more.end());
        args.push_back("--save");
        auto r = run(args);
        ASSERT_EQ(r.status, 0) << r.out << r.err;
        r = run({"start", ctid});
        ASSERT_EQ(r.status, 0) << r.out << r.err;
        r = run({"exec2", ctid, "ip addr add " + addr + "/24 dev eth0 && ip link set eth0 up"});
        ASSERT_EQ(r.status, 0) << r.out << r.err;
    }

    bool ping_from(const std::string& ctid, const std::string& addr, int count = 1) {
        return run({"exec2", ctid, "ping -c " + std::to_string(count) + " -W 1 " + addr + " >/dev/null 2>&1"})
                   .status == 0;
    }

    std::string ct_mac(const std::string& ctid, const std::string& dev) {
        return trim(run({"exec2", ctid, "cat /sys/class/net/" + dev + "/address"}).out);
    }

    NetRanges ranges_;
    PeerBridge br_;
    bool made2_ = false;
};

TEST_F(NetVeth, StartMakesThePairOnTheBridgeAndStopRemovesIt) {
    auto r = run({"set", ct(), "--netif_add", "eth0,,,," + br_.name(), "--save"});
    ASSERT_EQ(r.status, 0) << r.err;
    // The made-up names and MACs: veth<CTID>.<digits of the name>, OUI 00:18:51.
    auto netif = conf_value("NETIF");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(netif, m,
                                  std::regex("^ifname=eth0,mac=(00:18:51:[0-9A-F:]{8}),host_ifname=veth101\\.0,"
                                             "host_mac=(00:18:51:[0-9A-F:]{8}),bridge=" + br_.name() + "$")))
        << netif;
    std::string mac = m[1], host_mac = m[2];
    EXPECT_NE(mac, host_mac);

    r = run({"start", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto host = host_link("veth101.0");
    ASSERT_TRUE(host.exists) << joined(host_links_matching("veth"));
    EXPECT_EQ(host.master, br_.name());
    EXPECT_TRUE(host.up);
    EXPECT_EQ(host.address, lower(host_mac));
    EXPECT_TRUE(contains(host.alias, "vzctl CT 101 eth0 ")) << host.alias;
    EXPECT_EQ(ct_mac(ct(), "eth0"), lower(mac));
    EXPECT_TRUE(contains(run({"exec2", ct(), "cat /sys/class/net/eth0/flags"}).out, "0x1")) << "eth0 is not up";
    // mac_filter (default on): the port is locked, does not learn, gets no unknown-unicast floods, and the
    // container's MAC has a static entry on it.
    auto port = net_must("bridge -d link show dev veth101.0");
    EXPECT_TRUE(contains(port, "locked on")) << port;
    EXPECT_TRUE(contains(port, "learning off")) << port;
    EXPECT_TRUE(contains(port, "flood off")) << port;
    auto fdb = net_must("bridge fdb show dev veth101.0");
    EXPECT_TRUE(contains(fdb, lower(mac) + " master " + br_.name() + " static")) << fdb;

    r = run({"stop", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(host_links_matching("veth101.").empty()) << joined(host_links_matching("veth101."));
    // And the next start makes it again.
    r = run({"start", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(host_link("veth101.0").exists);
}

TEST_F(NetVeth, TwoContainersTalkAndMacFilterStopsAChangedMac) {
    create2();
    start_on_bridge(ct(), br_.name(), kAddr1);
    start_on_bridge(kCt2, br_.name(), kAddr2);
    EXPECT_TRUE(eventually([&] { return ping_from(ct(), kAddr2); }, 10s)) << "101 can't reach 102";
    EXPECT_TRUE(ping_from(kCt2, kAddr1)) << "102 can't reach 101";

    // A MAC changed inside 101 gets nowhere: its frames are dropped at the locked port.
    auto r = run({"exec2", ct(), "ip link set eth0 address 00:18:51:aa:bb:cc"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_FALSE(ping_from(ct(), kAddr2, 3)) << "a container with another MAC reached its neighbour";
    EXPECT_FALSE(ping_from(kCt2, kAddr1, 2)) << "the neighbour reached a container with another MAC";

    // With mac_filter off (live) it does.
    r = run({"set", ct(), "--ifname", "eth0", "--mac_filter", "off", "--save"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(eventually([&] { return ping_from(ct(), kAddr2); }, 10s)) << "mac_filter=off still filters";
    auto port = net_must("bridge -d link show dev veth101.0");
    EXPECT_TRUE(contains(port, "locked off")) << port;
    EXPECT_TRUE(contains(port, "learning on")) << port;
}

TEST_F(NetVeth, MacFilterOffAtStartLetsAChangedMacThrough) {
    create2();
    start_on_bridge(ct(), br_.name(), kAddr1, {"--ifname", "eth0", "--mac_filter", "off"});
    start_on_bridge(kCt2, br_.name(), kAddr2);
    EXPECT_TRUE(contains(conf_value("NETIF"), "mac_filter=off")) << conf_value("NETIF");
    EXPECT_TRUE(eventually([&] { return ping_from(ct(), kAddr2); }, 10s)) << "101 can't reach 102";
    auto r = run({"exec2", ct(), "ip link set eth0 address 00:18:51:aa:bb:cc"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(eventually([&] { return ping_from(ct(), kAddr2); }, 10s)) << "mac_filter=off dropped the new MAC";
}

TEST_F(NetVeth, LiveAddChangeAndDelete) {
    ASSERT_TRUE(start_ct());
    PeerBridge br2;
    auto r = run({"set", ct(), "--netif_add", "eth1,,,," + br_.name(), "--save"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto host = host_link("veth101.1");
    ASSERT_TRUE(host.exists) << joined(host_links_matching("veth"));
    EXPECT_EQ(host.master, br_.name());
    EXPECT_TRUE(host.up);
    EXPECT_FALSE(ct_mac(ct(), "eth1").empty());

    // Fields of a running device: new host name, another bridge, the container-side MAC.
    auto new_host = "vzth" + net_unique_suffix();
    r = run({"set", ct(), "--ifname", "eth1", "--host_ifname", new_host, "--bridge", br2.name(), "--mac",
             "00:18:51:12:34:56", "--host_mac", "00:18:51:12:34:57", "--save"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_FALSE(host_link("veth101.1").exists);
    host = host_link(new_host);
    ASSERT_TRUE(host.exists);
    EXPECT_EQ(host.master, br2.name());
    EXPECT_TRUE(host.up);
    EXPECT_EQ(host.address, "00:18:51:12:34:57");
    EXPECT_EQ(ct_mac(ct(), "eth1"), "00:18:51:12:34:56");
    auto fdb = net_must("bridge fdb show dev " + new_host);
    EXPECT_TRUE(contains(fdb, "00:18:51:12:34:56 master " + br2.name() + " static")) << fdb;
    EXPECT_TRUE(contains(net_must("bridge -d link show dev " + new_host), "locked on"));

    r = run({"set", ct(), "--netif_add", "eth2", "--save"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(host_link("veth101.2").exists);
    EXPECT_TRUE(host_link("veth101.2").master.empty());

    r = run({"set", ct(), "--netif_del", "eth1", "--save"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_FALSE(host_link(new_host).exists);
    EXPECT_NE(run({"exec2", ct(), "test -e /sys/class/net/eth1"}).status, 0) << "eth1 is still in the container";
    EXPECT_TRUE(host_link("veth101.2").exists);

    r = run({"set", ct(), "--netif_del", "all", "--save"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(host_links_matching("veth101.").empty()) << joined(host_links_matching("veth101."));
    EXPECT_NE(run({"exec2", ct(), "test -e /sys/class/net/eth2"}).status, 0) << "eth2 is still in the container";
}

TEST_F(NetVeth, AMissingBridgeFailsTheStartWith130AndLeavesNothing) {
    auto missing = "vztn" + net_unique_suffix();
    auto r = run({"set", ct(), "--netif_add", "eth0,,,," + missing, "--save"});
    ASSERT_EQ(r.status, 0) << r.err;
    r = run({"start", ct()});
    EXPECT_EQ(r.status, 130) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "Bridge " + missing + " for eth0 of CT 101 does not exist")) << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_TRUE(host_links_matching("veth101.").empty()) << joined(host_links_matching("veth101."));
    EXPECT_TRUE(ct_cgroups_left().empty()) << joined(ct_cgroups_left());

    // Live, on a running container: refused with 130 too, nothing made, nothing saved.
    r = run({"set", ct(), "--netif_del", "all", "--save"});
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_TRUE(start_ct());
    r = run({"set", ct(), "--netif_add", "eth0,,,," + missing, "--save"});
    EXPECT_EQ(r.status, 130) << r.out << r.err;
    EXPECT_TRUE(host_links_matching("veth101.").empty()) << joined(host_links_matching("veth101."));
    EXPECT_EQ(conf_value("NETIF"), "");
}

// A host-side name another device has: 130, and that device (no host end of ours: it has no vzctl alias) is left
// alone, also by the cleanups before and after the start.
TEST_F(NetVeth, AHostNameInUseFailsTheStartAndItsOwnerIsLeftAlone) {
    net_must("ip link add veth101.0 type bridge");
    struct Del {
        ~Del() { net_run("ip link del veth101.0"); }
    } del;
    auto r = run({"set", ct(), "--netif_add", "eth0,,,," + br_.name(), "--save"});
    ASSERT_EQ(r.status, 0) << r.err;
    r = run({"start", ct()});
    EXPECT_EQ(r.status, 130) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "the host already has a device veth101.0")) << r.err;
    EXPECT_TRUE(contains(net_must("ip -d link show dev veth101.0"), "bridge"));
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_TRUE(ct_cgroups_left().empty()) << joined(ct_cgroups_left());
}

TEST_F(NetVeth, AKilledMonitorThenStopLeavesNoVeth) {
    start_on_bridge(ct(), br_.name(), kAddr1);
    auto init = init_pid();
    ASSERT_TRUE(init);
    pid_t monitor = parent_of(*init);
    ASSERT_EQ(comm_of(monitor), "vzmonitor");
    ASSERT_EQ(::kill(monitor, SIGKILL), 0);
    ASSERT_TRUE(eventually([&] { return !process_alive(monitor); }, 5s));
    EXPECT_TRUE(host_link("veth101.0").exists);
    auto r = run({"stop", ct()});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(host_links_matching("veth101.").empty()) << joined(host_links_matching("veth101."));
    // And a start after all that works.
    r = run({"start", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(host_link("veth101.0").master, br_.name());
}

// suspend and resume of a container with a veth device on a bridge: CT 102 on the same bridge holds a TCP connection
// to a listener in CT 101 across the dump and the restore, and it goes on (CRIU's established-connection repair).
// The host end is gone while it is suspended and back after as start makes it (name, bridge, MAC, alias, the
// mac_filter's locked port and static entry); eth0 inside keeps its MAC and address; no "vzr" end is left on the
// host. For the default (unprivileged) container and a privileged one.
class NetVethSuspend : public NetVeth {
protected:
    void suspend_and_resume_keep_a_connection();
};

TEST_F(NetVethSuspend, Unprivileged) { suspend_and_resume_keep_a_connection(); }

TEST_F(NetVethSuspend, Privileged) {
    ASSERT_TRUE(make_privileged());
    suspend_and_resume_keep_a_connection();
}

void NetVethSuspend::suspend_and_resume_keep_a_connection() {
    create2();
    start_on_bridge(ct(), br_.name(), kAddr1);
    start_on_bridge(kCt2, br_.name(), kAddr2);
    ASSERT_EQ(sh(held_listener_command(7005)).status, 0);
    ASSERT_TRUE(eventually([&] { return contains(sh("netstat -ltn").out, ":7005"); }, 5s)) << sh("netstat -ltn").out;
    // The client in CT 102: what is appended to /tmp/msgs goes over the one connection.
    auto client = run({"exec2", kCt2,
                       std::string("touch /tmp/msgs; setsid sh -c 'tail -f /tmp/msgs | nc ") + kAddr1 +
                           " 7005' < /dev/null > /dev/null 2>&1 &"});
    ASSERT_EQ(client.status, 0) << client.out << client.err;
    auto say = [&](const std::string& line) { return run({"exec2", kCt2, "echo " + line + " >> /tmp/msgs"}).status; };
    ASSERT_EQ(say("before"), 0);
    ASSERT_TRUE(eventually([&] { return contains(sh("cat /tmp/got").out, "before"); }, 5s)) << sh("cat /tmp/got").out;
    auto mac = ct_mac(ct(), "eth0");
    auto held = host_link("veth101.0");
    ASSERT_TRUE(held.exists);

    auto r = run({"suspend", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_FALSE(host_link("veth101.0").exists);
    EXPECT_EQ(say("meanwhile"), 0);
    r = run({"resume", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(host_links_matching("vzr101").empty()) << joined(host_links_matching("vzr101"));
    auto host = host_link("veth101.0");
    EXPECT_EQ(host.master, br_.name());
    EXPECT_TRUE(host.up);
    EXPECT_EQ(host.address, held.address);
    EXPECT_EQ(host.alias, held.alias);
    auto port = net_must("bridge -d link show dev veth101.0");
    EXPECT_TRUE(contains(port, "locked on")) << port;
    EXPECT_TRUE(contains(net_must("bridge fdb show dev veth101.0"), mac + " master " + br_.name() + " static"));
    EXPECT_EQ(ct_mac(ct(), "eth0"), mac);
    EXPECT_TRUE(contains(sh("ip addr show dev eth0").out, std::string("inet ") + kAddr1 + "/24"));
    EXPECT_TRUE(ping_from(kCt2, kAddr1, 1));
    EXPECT_EQ(say("after"), 0);
    // The client's retransmission of "meanwhile" backed off while the CT was away (1, 2, 4, 8 s...): on a loaded
    // host a long suspend puts the next try, and "after" behind it, seconds past the resume.
    EXPECT_TRUE(eventually([&] { return contains(sh("cat /tmp/got").out, "after"); }, 30s))
        << "the connection did not survive: " << sh("cat /tmp/got").out;
    EXPECT_EQ(sh("cat /tmp/got").out, "before\nmeanwhile\nafter\n");

    r = run({"stop", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(host_links_matching("veth101.").empty()) << joined(host_links_matching("veth101."));
}

// Nothing reaches a restored container's veth device while CRIU restores it: the host end stays down until CRIU has
// put the sockets back (a bridge port merely disabled would not do: the bridge enables it when CRIU brings eth0 up and
// the carrier comes; a client's retransmission then got a reset from the container's kernel, which had no socket
// yet, and the connection was lost: NetVethSuspend.Unprivileged on a loaded host). The CRIU wrapper samples the
// port's state every 10 ms while the restore runs.
TEST_F(NetVethSuspend, TheBridgeForwardsNothingToItWhileCriuRestoresIt) {
    start_on_bridge(ct(), br_.name(), kAddr1);
    auto r = run({"suspend", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto states = tmp_ / "port-states";
    // A sample counts if CRIU still ran after it was taken (vzctl unlocks once CRIU has ended).
    wrap_criu("case \" $* \" in *\" restore \"*) criu=$$; (while :; do "
              "s=$(/usr/sbin/bridge -d link show dev veth101.0 2>&1 | head -1); kill -0 $criu 2>/dev/null || break; "
              "echo \"$s\" >> " + states + "; sleep 0.01; done) & ;; esac\n");
    r = run({"resume", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto seen = read_text(states);
    EXPECT_TRUE(contains(seen, "state disabled")) << seen;
    EXPECT_FALSE(contains(seen, "state forwarding")) << seen;
    EXPECT_TRUE(contains(net_must("bridge -d link show dev veth101.0"), "state forwarding"));
}

// The network lock of chkpnt --suspend for a veth device: its bridge port is disabled (the bridge forwards nothing to or
// from the frozen container: CT 102's ping goes unanswered) and forwards again after --resume, as it was (locked,
// its static entry). And --suspend, --dump, --kill then restore works with the port disabled during the dump, and
// disabled again while CRIU restores.
TEST_F(NetVethSuspend, StepsLockTheBridgePort) {
    create2();
    start_on_bridge(ct(), br_.name(), kAddr1);
    start_on_bridge(kCt2, br_.name(), kAddr2);
    ASSERT_TRUE(ping_from(kCt2, kAddr1));
    auto mac = ct_mac(ct(), "eth0");

    auto port_state = [] { return net_run("bridge -d link show dev veth101.0").out; };
    auto r = run({"chkpnt", ct(), "--suspend"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(port_state(), "state disabled")) << port_state() << r.err;
    EXPECT_FALSE(ping_from(kCt2, kAddr1));
    r = run({"chkpnt", ct(), "--resume"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto host = host_link("veth101.0");
    EXPECT_TRUE(host.up);
    EXPECT_EQ(host.master, br_.name());
    EXPECT_TRUE(contains(port_state(), "state forwarding")) << port_state();
    EXPECT_TRUE(contains(port_state(), "locked on")) << port_state();
    EXPECT_TRUE(contains(net_must("bridge fdb show dev veth101.0"), mac + " master " + br_.name() + " static"));
    EXPECT_TRUE(eventually([&] { return ping_from(kCt2, kAddr1); }, 10s));

    for (auto* step : {"--suspend", "--dump", "--kill"}) {
        r = run({"chkpnt", ct(), step});
        ASSERT_EQ(r.status, 0) << step << ": " << r.out << r.err;
    }
    // Disabled again while CRIU restores (a wrapper of CRIU's records the port's state), forwarding after.
    auto during = tmp_ / "port-during-restore";
    record_at_restore("bridge -d link show dev veth101.0", during);
    r = run({"restore", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(read_text(during), "state disabled")) << read_text(during);
    EXPECT_TRUE(contains(port_state(), "state forwarding")) << port_state();
    EXPECT_TRUE(eventually([&] { return ping_from(kCt2, kAddr1); }, 10s));
}

}  // namespace
}  // namespace vztest
