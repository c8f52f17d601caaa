// The distribution's own network configuration of venet0: a Debian-family container gets venet0 stanzas in its
// /etc/network/interfaces (at start, and on a live --ipadd/--ipdel), so ifupdown inside (`systemctl restart
// networking`) keeps its addresses and default routes; another distribution gets the live configuration only, and
// a notice. Only the documentation ranges, blackholed by NetRanges for the test's life.
#include <filesystem>

#include "../support/debian_template.hpp"
#include "../support/test_net.hpp"

namespace vztest {
namespace {

namespace fs = std::filesystem;

class NetDebian : public RuntimeTest {
protected:
    NetRanges ranges_;
    static inline Shell made_;

    // Before any NetRanges of this suite: where the Debian mirror's address is in a test range, a first run (the
    // download) would be blackholed. The network-test lock keeps other processes' ranges away meanwhile.
    static void SetUpTestSuite() {
        if (fs::exists("/sys/fs/cgroup/pids/cgroup.procs"))
            made_ = make_debian_template("flock /run/lock/vztest-net.lock ");
    }

    void TearDown() override { run({"stop", ct(), "--fast"}, {}, 60s); }  // before NetRanges goes

    std::string interfaces() const { return try_read(private_path(kCt) + "/etc/network/interfaces").value_or(""); }

    // venet0's addresses and both default routes, as seen inside.
    ::testing::AssertionResult configured(const std::vector<std::string>& v4, const std::string& v6) {
        auto addrs = sh("ip addr show dev venet0").out;
        auto routes = sh("ip route").out;
        auto routes6 = sh("ip -6 route").out;
        bool ok = contains(addrs, "inet6 " + v6 + "/128") && contains(routes, "default dev venet0 scope link") &&
                  contains(routes6, "default dev venet0");
        for (auto& a : v4) ok = ok && contains(addrs, "inet " + a + "/32");
        if (ok) return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << "inside:\n" << addrs << routes << routes6;
    }
};

TEST_F(NetDebian, RestartNetworkingKeepsTheVenetAddresses) {
    if (!fs::exists("/sys/fs/cgroup/pids/cgroup.procs"))
        GTEST_SKIP() << "the Debian template boots with cgroup v1 only; this host has no v1 pids hierarchy";
    ASSERT_EQ(made_.status, 0) << "scripts/mktemplate-debian failed:\n" << made_.out;

    ASSERT_EQ(run({"destroy", ct()}).status, 0);  // the fixture's busybox one
    auto r = run({"create", ct(), "--ostemplate", debian_template_name(), "--config", "vswap-256m"}, {}, 300s);
    ASSERT_EQ(r.status, 0) << "create: " << r.out << r.err;
    r = run({"set", ct(), "--ipadd", "198.51.100.10", "--ipadd", "2001:db8::10", "--save"});
    ASSERT_EQ(r.status, 0) << r.err;
    r = run({"start", ct(), "--wait"}, {}, 180s);
    ASSERT_EQ(r.status, 0) << "start --wait: " << r.out << r.err;
    EXPECT_FALSE(contains(r.out + r.err, "network files were not written")) << r.out << r.err;

    auto text = interfaces();
    EXPECT_TRUE(contains(text, "source /etc/network/interfaces.d/*")) << text;
    EXPECT_TRUE(contains(text, "auto venet0\niface venet0 inet manual\n")) << text;
    EXPECT_TRUE(contains(text, "\tup ip addr replace 198.51.100.10/32 dev venet0\n")) << text;
    EXPECT_TRUE(contains(text, "\tup ip -6 addr replace 2001:db8::10/128 dev venet0 nodad\n")) << text;
    // At boot networking.service ran ifup on what vzctl had put there already.
    auto state = sh("systemctl is-active networking");
    EXPECT_EQ(trim(state.out), "active") << state.out << state.err << sh("systemctl status networking").out;

    r = sh("systemctl restart networking");
    ASSERT_EQ(r.status, 0) << r.out << r.err << sh("journalctl -u networking --no-pager | tail -n 20").out;
    EXPECT_TRUE(configured({"198.51.100.10"}, "2001:db8::10"));
    EXPECT_TRUE(eventually([] { return host_ping("198.51.100.10"); }, 5s));
    EXPECT_TRUE(eventually([] { return host_ping("2001:db8::10"); }, 5s));

    r = run({"set", ct(), "--ipadd", "198.51.100.11"});
    ASSERT_EQ(r.status, 0) << r.err;
    text = interfaces();
    EXPECT_TRUE(contains(text, "\tup ip addr replace 198.51.100.10/32 dev venet0\n"
                               "\tup ip addr replace 198.51.100.11/32 dev venet0\n"))
        << text;
    EXPECT_EQ(text.find("venet0 inet manual"), text.rfind("venet0 inet manual")) << "stanzas doubled:\n" << text;
    r = sh("systemctl restart networking");
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(configured({"198.51.100.10", "198.51.100.11"}, "2001:db8::10"));
    EXPECT_TRUE(eventually([] { return host_ping("198.51.100.11"); }, 5s));
    EXPECT_TRUE(eventually([] { return host_ping("198.51.100.10"); }, 5s));

    r = run({"set", ct(), "--ipdel", "all"});
    ASSERT_EQ(r.status, 0) << r.err;
    text = interfaces();
    EXPECT_FALSE(contains(text, "venet0")) << text;
    EXPECT_TRUE(contains(text, "source /etc/network/interfaces.d/*")) << text;
}

// The busybox template is no Debian: the addresses are there for the run, its files untouched, and start says so.
TEST_F(NetDebian, OtherDistributionGetsTheLiveConfigurationAndANotice) {
    ASSERT_EQ(run({"set", ct(), "--ipadd", "198.51.100.10", "--save"}).status, 0);
    auto r = run({"start", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "The distribution's network files were not written")) << r.out << r.err;
    ASSERT_TRUE(wait_booted());
    EXPECT_TRUE(contains(sh("ip addr show dev venet0").out, "inet 198.51.100.10/32"));
    EXPECT_TRUE(host_ping("198.51.100.10"));
    EXPECT_FALSE(fs::exists(private_path(kCt) + "/etc/network/interfaces"));
}

}  // namespace
}  // namespace vztest
