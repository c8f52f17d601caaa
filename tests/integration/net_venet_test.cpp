// venet: a container's routed addresses (IP_ADDRESS) on venet0, reached from the host and from a peer LAN through
// proxy ARP/NDP, changed live, refused when taken, and nothing of them left on the host after a stop, a killed
// monitor or a failed start. Only the documentation ranges, blackholed by NetRanges for the test's life.
#include <signal.h>

#include <thread>

#include "../support/runtime_fixture.hpp"
#include "../support/test_net.hpp"

namespace vztest {
namespace {

constexpr const char* kHostEnd = "venet101";

class NetVenet : public RuntimeTest {
protected:
    NetRanges ranges_;
    std::vector<std::string> extra_cts_;
    std::optional<TcpClient> client_;

    // A TCP connection from a client on the host to a listener in the container on `port` (held_listener_command),
    // open until the test ends.
    void hold_connection(const std::string& addr, int port) {
        ASSERT_EQ(sh(held_listener_command(port)).status, 0);
        auto p = ":" + std::to_string(port);
        ASSERT_TRUE(eventually([&] { return contains(sh("netstat -ltn").out, p); }, 5s)) << sh("netstat -ltn").out;
        client_.emplace(tmp_ / "client.in", addr, port);
    }
    // Sends a line over the held connection; true when the listener got it.
    bool delivered(const std::string& line) {
        client_->send(line);
        return eventually([&] { return contains(sh("cat /tmp/got").out, line); }, 10s);
    }

    void TearDown() override {
        client_.reset();
        // Before NetRanges goes: a container must never send to the ranges without their blackholes.
        for (auto& id : extra_cts_) {
            run({"stop", id, "--fast"}, {}, 60s);
            run({"destroy", id}, {}, 60s);
        }
        run({"stop", ct(), "--fast"}, {}, 60s);
    }

    ::testing::AssertionResult start_with(const std::vector<std::string>& addrs) {
        std::vector<std::string> args{"set", ct()};
        for (auto& a : addrs) args.insert(args.end(), {"--ipadd", a});
        args.push_back("--save");
        auto r = run(args);
        if (r.status != 0) return ::testing::AssertionFailure() << "set --ipadd: " << r.err;
        return start_ct();
    }

    // What the host holds for the container: its host end, routes over it, rules naming it, proxy entries.
    std::string host_state(const std::string& host_end = kHostEnd) {
        std::string out;
        for (auto& l : host_links_matching(host_end))
            if (l == host_end) out += "link " + l + "; ";
        for (auto& r : routes_via(host_end))
            if (!contains(r, "fe80::") && !contains(r, "ff00::")) out += "route " + r + "; ";
        if (auto r = rules_with_iif(host_end); !r.empty()) out += "rules " + joined(r) + "; ";
        return out;
    }

    std::string proxies_of(const std::string& addr) {
        std::string out;
        for (auto& p : proxy_neigh_entries())
            if (p.find(addr + " ") == 0) out += p + "; ";
        return out;
    }

    // The peer's count of ICMP echo requests received (/proc/net/snmp or snmp6 in its namespace).
    static uint64_t echos_received(const PeerLan& lan, bool v6) {
        auto text = lan.exec(v6 ? "cat /proc/net/snmp6" : "cat /proc/net/snmp").out;
        if (v6) {
            for (auto& l : lines(text))
                if (l.starts_with("Icmp6InEchos")) return std::stoull(trim(l.substr(12)));
            return 0;
        }
        // Two "Icmp:" lines: the names, then the values.
        std::vector<std::string> names, values;
        for (auto& l : lines(text)) {
            if (!l.starts_with("Icmp: ")) continue;
            (names.empty() ? names : values) = pieces(l.substr(6), ' ');
        }
        for (size_t i = 0; i < names.size() && i < values.size(); ++i)
            if (names[i] == "InEchos") return std::stoull(values[i]);
        return 0;
    }
};

TEST_F(NetVenet, StartGivesVenet0AndTheHostReachesIt) {
    ASSERT_TRUE(start_with({"198.51.100.10", "2001:db8::10"}));

    auto addrs = sh("ip addr show dev venet0");
    EXPECT_TRUE(contains(addrs.out, "inet 198.51.100.10/32")) << addrs.out;
    EXPECT_TRUE(contains(addrs.out, "inet6 2001:db8::10/128")) << addrs.out;
    EXPECT_TRUE(contains(addrs.out, "NOARP")) << addrs.out;
    EXPECT_EQ(trim(sh("ip route").out), "default dev venet0 scope link");
    EXPECT_TRUE(contains(sh("ip -6 route").out, "default dev venet0")) << sh("ip -6 route").out;
    EXPECT_TRUE(contains(sh("ip addr show dev lo").out, "UP")) << "the loopback is down";

    EXPECT_TRUE(host_ping("198.51.100.10"));
    EXPECT_TRUE(host_ping("2001:db8::10"));
    EXPECT_EQ(trim(vzlist_run({"-H", "-o", "ctid,ip"}).out), "101 198.51.100.10 2001:db8::10");
    auto json = vzlist_run({"-j", ct()}).out;
    EXPECT_TRUE(contains(json, R"("ip": ["198.51.100.10", "2001:db8::10"])")) << json;

    auto held = host_state();
    EXPECT_TRUE(contains(held, "link venet101")) << held;
    EXPECT_TRUE(contains(held, "198.51.100.10")) << held;

    auto r = run({"stop", ct()});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(host_state(), "");
    EXPECT_FALSE(host_ping("198.51.100.10"));
    // The configured addresses of a stopped container.
    EXPECT_EQ(trim(vzlist_run({"-H", "-a", "-o", "ctid,ip"}).out), "101 198.51.100.10 2001:db8::10");
}

// A peer on the host's LAN reaches the container through the host's proxy ARP/NDP entry (NEIGHBOUR_DEVS=detect:
// the device of the host's route to the address), both ways, ping and TCP.
TEST_F(NetVenet, PeerReachesTheContainerThroughProxyEntries) {
    PeerLan lan;
    // IPv6 is forwarded only where the incoming device forwards (the host's all.forwarding stays 0).
    net_run("sysctl -qw net.ipv6.conf." + lan.host_dev() + ".force_forwarding=1");
    ASSERT_TRUE(start_with({"198.51.100.10", "2001:db8:1::10"}));

    EXPECT_NE(proxies_of("198.51.100.10").find(lan.host_dev()), std::string::npos) << joined(proxy_neigh_entries());
    EXPECT_NE(proxies_of("2001:db8:1::10").find(lan.host_dev()), std::string::npos) << joined(proxy_neigh_entries());
    EXPECT_TRUE(lan.ping("198.51.100.10"));
    EXPECT_TRUE(lan.ping("2001:db8:1::10"));
    EXPECT_EQ(sh("ping -c 1 -W 2 198.51.100.1 >/dev/null").status, 0);

    // TCP from the container to a listener in the peer's namespace.
    auto& l = lan.listen_tcp(7001);
    auto r = sh("echo hello-from-ct | nc -w 3 198.51.100.1 7001");
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(eventually([&] { return contains(lan.listener_output(l).value_or(""), "hello-from-ct"); }, 20s))
        << lan.listener_output(l).value_or("(none)");

    ASSERT_EQ(run({"stop", ct(), "--fast"}).status, 0);
    EXPECT_EQ(proxies_of("198.51.100.10"), "");
    EXPECT_EQ(proxies_of("2001:db8:1::10"), "");
    EXPECT_EQ(host_state(), "");
}

// Anti-spoofing: packets from venet101 with a source that is not one of the container's addresses never leave
// the host. The peer counts the echo requests it receives.
TEST_F(NetVenet, ContainerCannotSendFromAnotherAddress) {
    PeerLan lan;
    net_run("sysctl -qw net.ipv6.conf." + lan.host_dev() + ".force_forwarding=1");
    ASSERT_TRUE(start_with({"198.51.100.10", "2001:db8:1::10"}));
    ASSERT_EQ(sh("ip addr add 198.51.100.99/32 dev venet0 && ip -6 addr add 2001:db8:1::99/128 dev venet0").status,
              0);

    for (bool v6 : {false, true}) {
        auto own = v6 ? "2001:db8:1::10" : "198.51.100.10";
        auto spoofed = v6 ? "2001:db8:1::99" : "198.51.100.99";
        auto peer = v6 ? "2001:db8:1::1" : "198.51.100.1";
        auto before = echos_received(lan, v6);
        sh(std::string("ping -c 3 -W 1 -I ") + spoofed + " " + peer + " >/dev/null");
        EXPECT_EQ(echos_received(lan, v6), before) << "spoofed echo requests from " << spoofed << " got through";
        before = echos_received(lan, v6);
        EXPECT_EQ(sh(std::string("ping -c 3 -W 1 -I ") + own + " " + peer + " >/dev/null").status, 0);
        EXPECT_EQ(echos_received(lan, v6), before + 3) << "the container's own address " << own;
    }
}

// --ipadd and --ipdel on a running container change only what they name: a TCP connection to another of its
// addresses carries on across both.
TEST_F(NetVenet, LiveIpaddIpdelKeepTheOtherConnections) {
    ASSERT_TRUE(start_with({"198.51.100.10"}));
    hold_connection("198.51.100.10", 7002);
    ASSERT_TRUE(delivered("first"));

    auto r = run({"set", ct(), "--ipadd", "198.51.100.11", "--ipadd", "2001:db8::11"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "Adding IP address(es): 198.51.100.11 2001:db8::11")) << r.out;
    EXPECT_TRUE(host_ping("198.51.100.11"));
    EXPECT_TRUE(host_ping("2001:db8::11"));
    EXPECT_EQ(trim(vzlist_run({"-H", "-o", "ip"}).out), "198.51.100.10 198.51.100.11 2001:db8::11");

    r = run({"set", ct(), "--ipdel", "198.51.100.11"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "Deleting IP address(es): 198.51.100.11")) << r.out;
    EXPECT_FALSE(host_ping("198.51.100.11"));
    EXPECT_TRUE(host_ping("2001:db8::11"));
    EXPECT_FALSE(contains(sh("ip addr").out, "198.51.100.11"));

    EXPECT_TRUE(delivered("second")) << "the connection to 198.51.100.10 did not survive: " << sh("cat /tmp/got").out;

    // --ipdel all empties venet0; the config (never saved) still has its one address.
    r = run({"set", ct(), "--ipdel", "all"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_FALSE(host_ping("198.51.100.10"));
    EXPECT_FALSE(host_ping("2001:db8::11"));
    for (auto& route : routes_via(kHostEnd)) EXPECT_FALSE(contains(route, "proto 118")) << route;
    EXPECT_EQ(conf_value("IP_ADDRESS"), "198.51.100.10");
}

// suspend and resume of a container with venet addresses: a TCP connection from a client on the host, open across
// the dump and the restore, goes on (CRIU's established-connection repair); venet0 inside comes back with its
// addresses (CRIU moves in the container's end of a pair made on the host first), the host's routes, rules and
// proxy entries are gone while it is suspended and back after, and nothing is left after the stop. For the default,
// unprivileged container (CRIU can't make the pair itself from inside its user namespace) and a privileged one.
class NetVenetSuspend : public NetVenet {
protected:
    void suspend_and_resume_keep_a_connection();
};

TEST_F(NetVenetSuspend, Unprivileged) { suspend_and_resume_keep_a_connection(); }

TEST_F(NetVenetSuspend, Privileged) {
    ASSERT_TRUE(make_privileged());
    suspend_and_resume_keep_a_connection();
}

void NetVenetSuspend::suspend_and_resume_keep_a_connection() {
    ASSERT_TRUE(start_with({"198.51.100.10", "2001:db8::10"}));
    hold_connection("198.51.100.10", 7003);
    ASSERT_TRUE(delivered("before"));
    auto held = host_state();

    auto r = run({"suspend", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(host_state(), "");
    EXPECT_EQ(proxies_of("198.51.100.10"), "");
    r = run({"resume", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(host_state(), held);
    EXPECT_FALSE(contains(sh("ip link").out, "vzr101")) << "the pair's end kept its name on the host";
    auto addrs = sh("ip addr show dev venet0").out;
    EXPECT_TRUE(contains(addrs, "inet 198.51.100.10/32")) << addrs;
    EXPECT_TRUE(contains(addrs, "inet6 2001:db8::10/128")) << addrs;
    EXPECT_EQ(trim(sh("ip route").out), "default dev venet0 scope link");
    EXPECT_TRUE(host_ping("198.51.100.10"));
    EXPECT_TRUE(host_ping("2001:db8::10"));

    EXPECT_TRUE(delivered("after")) << "the connection did not survive: " << sh("cat /tmp/got").out;
    EXPECT_TRUE(client_->alive());
    ASSERT_EQ(run({"stop", ct()}).status, 0);
    EXPECT_EQ(host_state(), "");
}

// venet0 and veth devices side by side: a live --netif_add and --netif_del leave venet0 alone (the venet host end
// is no veth device of the container's, whatever its alias says).
TEST_F(NetVenet, VethChangesLeaveVenetAlone) {
    PeerBridge bridge;
    ASSERT_TRUE(start_with({"198.51.100.10"}));
    auto r = run({"set", ct(), "--netif_add", "eth0,,,," + bridge.name()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_FALSE(contains(r.out, "venet0")) << r.out;
    EXPECT_TRUE(host_ping("198.51.100.10"));
    r = run({"set", ct(), "--netif_del", "all"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(host_ping("198.51.100.10"));
    EXPECT_TRUE(contains(sh("ip addr show dev venet0").out, "198.51.100.10"));
}

// A stopped container's set only saves; the next start brings the addresses.
TEST_F(NetVenet, SavedOnAStoppedContainerAppliedAtStart) {
    auto r = run({"set", ct(), "--ipadd", "198.51.100.30", "--save"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(host_state(), "");
    ASSERT_TRUE(start_ct());
    EXPECT_TRUE(host_ping("198.51.100.30"));
}

// The same address on two running containers: the second start is refused with 78 and leaves nothing behind;
// so is a live --ipadd of an address another container holds, or one the host holds.
TEST_F(NetVenet, AnAddressInUseIsRefused) {
    ASSERT_TRUE(start_with({"198.51.100.10"}));
    extra_cts_.push_back("102");
    ASSERT_EQ(run({"create", "102", "--ostemplate", "busybox", "--config", "vswap-256m"}).status, 0);
    ASSERT_EQ(run({"set", "102", "--ipadd", "198.51.100.10", "--save"}).status, 0);

    auto r = run({"start", "102"});
    EXPECT_EQ(r.status, 78) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "198.51.100.10")) << r.err;
    EXPECT_TRUE(contains(r.err, "CT 101")) << r.err;
    EXPECT_EQ(trim(run({"status", "102"}).out), "CTID 102 exist unmounted down");
    EXPECT_EQ(host_state("venet102"), "");
    EXPECT_TRUE(host_ping("198.51.100.10"));  // the first container's address untouched

    ASSERT_EQ(run({"set", "102", "--ipdel", "all", "--ipadd", "198.51.100.12", "--save"}).status, 0);
    ASSERT_EQ(run({"start", "102"}).status, 0);
    r = run({"set", "102", "--ipadd", "198.51.100.10"});
    EXPECT_EQ(r.status, 78) << r.out << r.err;
    PeerLan lan;  // holds 198.51.100.254 on the host
    r = run({"set", "102", "--ipadd", "198.51.100.254"});
    EXPECT_EQ(r.status, 78) << r.out << r.err;
    EXPECT_EQ(trim(vzlist_run({"-H", "-o", "ctid,ip"}).out), "101 198.51.100.10\n       102 198.51.100.12");
}

// A reboot inside restarts the container under the same monitor: venet0 is made again.
TEST_F(NetVenet, RebootInsideBringsTheAddressesBack) {
    ASSERT_TRUE(start_with({"198.51.100.10"}));
    auto first = init_pid();
    ASSERT_TRUE(first);
    sh("reboot");
    ASSERT_TRUE(eventually(
        [&] {
            auto now = init_pid();
            return now && *now != *first && host_ping("198.51.100.10");
        },
        30s))
        << host_state();
    EXPECT_EQ(rules_with_iif(kHostEnd).size(), 3u) << joined(rules_with_iif(kHostEnd));
}

// kill -9 of the monitor, then the container's processes die: the next vzctl command on it (stop) removes what
// the host held for it.
TEST_F(NetVenet, KilledMonitorThenStopLeavesNothing) {
    PeerLan lan;
    ASSERT_TRUE(start_with({"198.51.100.10"}));
    auto init = init_pid();
    ASSERT_TRUE(init);
    pid_t monitor = parent_of(*init);
    ASSERT_EQ(comm_of(monitor), "vzmonitor");
    ASSERT_EQ(::kill(monitor, SIGKILL), 0);
    ASSERT_EQ(::kill(*init, SIGKILL), 0);
    ASSERT_TRUE(eventually([&] { return ct_procs().empty(); }, 10s));
    // The leftovers are there now, unless a start of another test's CT 101 (another config directory) running at
    // the same time removed them already: its cleanup also removes proxy entries no container is routed to.
    if (proxies_of("198.51.100.10").empty())
        std::printf("note: the proxy entry was removed before the stop, by another test's start\n");

    auto r = run({"stop", ct()});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(host_state(), "");
    EXPECT_EQ(proxies_of("198.51.100.10"), "");
    EXPECT_TRUE(nothing_left_within());
}

// ERROR_ON_ARPFAIL=yes: an address (IPv4 or IPv6) that another machine on the LAN answers for is refused (34),
// nothing left.
// Otherwise the container's address is announced there (gratuitous ARP), unless SKIP_ARPDETECT=yes.
TEST_F(NetVenet, ArpProbeAndAnnouncement) {
    PeerLan lan;
    ASSERT_EQ(lan.exec("sysctl -qw net.ipv4.conf.eth0.arp_accept=1").status, 0);
    auto conf = read_text(confdir_ + "/vz.conf");
    replace_text(confdir_ + "/vz.conf", conf + "ERROR_ON_ARPFAIL=\"yes\"\n");
    ASSERT_EQ(run({"set", ct(), "--ipadd", "198.51.100.1", "--save"}).status, 0);
    auto r = run({"start", ct()});
    EXPECT_EQ(r.status, 34) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "198.51.100.1") && contains(r.err, lan.host_dev())) << r.err;
    EXPECT_EQ(host_state(), "");
    EXPECT_EQ(proxies_of("198.51.100.1"), "");
    EXPECT_TRUE(nothing_left_within());

    // The same for IPv6, a neighbour solicitation that the peer answers (the original probed IPv4 only).
    ASSERT_EQ(run({"set", ct(), "--ipdel", "all", "--ipadd", PeerLan::kPeer6, "--save"}).status, 0);
    r = run({"start", ct()});
    EXPECT_EQ(r.status, 34) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, PeerLan::kPeer6) && contains(r.err, lan.host_dev())) << r.err;
    EXPECT_EQ(host_state(), "");
    EXPECT_EQ(proxies_of(PeerLan::kPeer6), "");
    EXPECT_TRUE(nothing_left_within());

    // Free addresses: probed, then announced; the peer learns the IPv4 one without ever asking.
    ASSERT_EQ(run({"set", ct(), "--ipdel", "all", "--ipadd", "198.51.100.10", "--ipadd", "2001:db8:1::10", "--save"})
                  .status,
              0);
    ASSERT_TRUE(start_ct());
    auto host_mac = trim(read_text("/sys/class/net/" + lan.host_dev() + "/address"));
    EXPECT_TRUE(eventually([&] { return contains(lan.exec("ip neigh show 198.51.100.10").out, host_mac); }, 3s))
        << lan.exec("ip neigh show").out;
    ASSERT_EQ(run({"stop", ct(), "--fast"}).status, 0);

    replace_text(confdir_ + "/vz.conf", conf + "SKIP_ARPDETECT=\"yes\"\n");
    ASSERT_EQ(run({"set", ct(), "--ipdel", "all", "--ipadd", "198.51.100.11", "--save"}).status, 0);
    ASSERT_TRUE(start_ct());
    std::this_thread::sleep_for(300ms);  // what an announcement would need to arrive; nothing must
    EXPECT_FALSE(contains(lan.exec("ip neigh show 198.51.100.11").out, "lladdr")) << lan.exec("ip neigh show").out;
}

// A start that fails after the network was set up undoes it: here the template has no init.
TEST_F(NetVenet, FailedStartLeavesNoNetwork) {
    PeerLan lan;
    ASSERT_EQ(run({"set", ct(), "--ipadd", "198.51.100.10", "--save"}).status, 0);
    auto priv = tmp_ / "private/101";
    for (auto* init : {"/sbin/init", "/etc/init", "/bin/init"}) ::unlink((priv + init).c_str());
    auto r = run({"start", ct()});
    EXPECT_EQ(r.status, 47) << r.out << r.err;
    EXPECT_EQ(host_state(), "");
    EXPECT_EQ(proxies_of("198.51.100.10"), "");
    EXPECT_TRUE(nothing_left_within());
}

// A restore that fails (CRIU refuses: a wrapper) takes away what it set up on the host, the network lock included,
// and the next resume with the real CRIU succeeds.
TEST_F(NetVenetSuspend, AFailedRestoreLeavesNoLock) {
    ASSERT_TRUE(start_with({"198.51.100.10", "2001:db8::10"}));
    auto held = host_state();
    ASSERT_EQ(run({"suspend", ct()}).status, 0);
    auto original = wrap_criu("echo 'Error (fake): refused' >&2\nexit 1\n");
    auto r = run({"resume", ct()});
    EXPECT_EQ(r.status, 17) << r.out << r.err;
    EXPECT_EQ(net_run("ip rule list pref 999; ip -6 rule list pref 999").out, "");
    EXPECT_EQ(host_state(), "");
    EXPECT_EQ(proxies_of("198.51.100.10"), "");
    replace_text(confdir_ + "/vz.conf", original);
    r = run({"resume", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(host_state(), held);
    EXPECT_TRUE(host_ping("198.51.100.10"));
}

// The sub-modes vzmigrate uses, one step each: --suspend freezes the container and locks its network (nothing
// reaches it: a ping from the host goes unanswered, the client's line waits in its retransmissions), --dump leaves
// it frozen and locked, --resume lifts the lock and thaws it (the line arrives, the connection carries on); and
// --suspend, --dump, --kill then restore: the same connection again, restored from the dump, and a line sent
// between the dump and the kill arrives after the restore. The lock's policy rules are gone after --resume and
// after --kill, in force while CRIU restores, and gone after the restore.
TEST_F(NetVenetSuspend, StepsLockTheNetworkAndKeepTheConnection) {
    ASSERT_TRUE(start_with({"198.51.100.10", "2001:db8::10"}));
    hold_connection("198.51.100.10", 7006);
    ASSERT_TRUE(delivered("before"));
    auto held = host_state();
    auto lock_rules = [] { return net_run("ip rule list pref 999; ip -6 rule list pref 999").out; };
    auto dump = tmp_ / ("dump/Dump." + ct());

    auto r = run({"chkpnt", ct(), "--suspend"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(lock_rules(), "iif venet101 blackhole")) << lock_rules();
    EXPECT_TRUE(contains(lock_rules(), "to 198.51.100.10 blackhole")) << lock_rules();
    EXPECT_FALSE(host_ping("198.51.100.10"));
    EXPECT_FALSE(host_ping("2001:db8::10"));
    client_->send("meanwhile");
    r = run({"chkpnt", ct(), "--dump"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_FALSE(host_ping("198.51.100.10"));
    r = run({"chkpnt", ct(), "--resume"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(lock_rules(), "");
    EXPECT_EQ(host_state(), held);
    EXPECT_TRUE(eventually([&] { return contains(sh("cat /tmp/got").out, "meanwhile"); }, 20s))
        << "the line sent while it was locked did not arrive: " << sh("cat /tmp/got").out;
    EXPECT_TRUE(host_ping("198.51.100.10"));
    std::filesystem::remove_all(dump);

    for (auto* step : {"--suspend", "--dump", "--kill"}) {
        r = run({"chkpnt", ct(), step});
        ASSERT_EQ(r.status, 0) << step << ": " << r.out << r.err;
        // After the dump: unlocked, the frozen container's kernel would take the line (and acknowledge it) into a
        // socket the dump no longer sees, and the restored one would never get it.
        if (std::string(step) == "--dump") client_->send("frozen");
    }
    EXPECT_EQ(lock_rules(), "");
    EXPECT_EQ(host_state(), "");
    // The restore locks the network again until CRIU has put the socket back: a retransmission of "frozen" that
    // reached the container's kernel before would get a reset. A wrapper of CRIU's records the rules it ran with.
    auto during = tmp_ / "lock-during-restore";
    record_at_restore("ip rule list pref 999; ip -6 rule list pref 999", during);
    r = run({"restore", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(read_text(during), "to 198.51.100.10 blackhole")) << read_text(during);
    EXPECT_TRUE(contains(read_text(during), "iif venet101 blackhole")) << read_text(during);
    EXPECT_EQ(lock_rules(), "");
    EXPECT_EQ(host_state(), held);
    EXPECT_TRUE(delivered("after")) << "the connection did not survive: " << sh("cat /tmp/got").out;
    EXPECT_EQ(sh("cat /tmp/got").out, "before\nmeanwhile\nfrozen\nafter\n");
    EXPECT_TRUE(client_->alive());
}

// vzmigrate --online's handover, once the copy runs on the destination: the frozen container's addresses leave
// this host (routes, source rules, proxy entries, the lock's rules for them; the host end and the lock's rules for
// what comes from it stay), so that the host routes them elsewhere at once; the rollback's takeback brings them back
// locked (twice is once), and --resume finds the host as it was, the connection carrying on with a line sent
// meanwhile. A container whose network is not locked keeps its addresses (16).
TEST_F(NetVenetSuspend, HandoverGivesTheAddressesUpAndTakebackBringsThemBack) {
    ASSERT_TRUE(start_with({"198.51.100.10", "2001:db8::10"}));
    hold_connection("198.51.100.10", 7007);
    ASSERT_TRUE(delivered("before"));
    auto held = host_state();
    auto proxies = proxies_of("198.51.100.10") + proxies_of("2001:db8::10");
    auto lock_rules = [] { return net_run("ip rule list pref 999; ip -6 rule list pref 999").out; };

    auto r = run({"__migrate", "handover", ct()});
    EXPECT_EQ(r.status, 16) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "The network of CT 101 is not locked")) << r.err;
    EXPECT_EQ(host_state(), held);

    ASSERT_EQ(run({"chkpnt", ct(), "--suspend"}).status, 0);
    auto locked = host_state();
    r = run({"__migrate", "handover", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto given = host_state();
    EXPECT_TRUE(contains(given, "link venet101")) << given;
    EXPECT_FALSE(contains(given, "route")) << given;
    EXPECT_FALSE(contains(given, "198.51.100.10")) << given;
    EXPECT_FALSE(contains(given, "2001:db8::10")) << given;
    EXPECT_EQ(proxies_of("198.51.100.10") + proxies_of("2001:db8::10"), "");
    EXPECT_TRUE(contains(lock_rules(), "iif venet101 blackhole")) << lock_rules();
    EXPECT_FALSE(contains(lock_rules(), "198.51.100.10")) << lock_rules();
    EXPECT_FALSE(contains(lock_rules(), "2001:db8::10")) << lock_rules();
    auto route = net_run("ip route get 198.51.100.10 2>&1");
    EXPECT_FALSE(contains(route.out, "venet101")) << route.out;
    client_->send("meanwhile");

    for (int i = 0; i < 2; ++i) {
        r = run({"__migrate", "takeback", ct()});
        ASSERT_EQ(r.status, 0) << r.out << r.err;
        EXPECT_TRUE(contains(lock_rules(), "to 198.51.100.10 blackhole")) << lock_rules();
        EXPECT_TRUE(contains(lock_rules(), "to 2001:db8::10 blackhole")) << lock_rules();
        EXPECT_EQ(host_state(), locked);
    }
    EXPECT_FALSE(host_ping("198.51.100.10"));
    r = run({"chkpnt", ct(), "--resume"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(lock_rules(), "");
    EXPECT_EQ(host_state(), held);
    EXPECT_EQ(proxies_of("198.51.100.10") + proxies_of("2001:db8::10"), proxies);
    EXPECT_TRUE(eventually([&] { return contains(sh("cat /tmp/got").out, "meanwhile"); }, 30s))
        << "the line sent while the addresses were away did not arrive: " << sh("cat /tmp/got").out;
    EXPECT_TRUE(host_ping("198.51.100.10"));
    EXPECT_TRUE(host_ping("2001:db8::10"));
}

}  // namespace
}  // namespace vztest
