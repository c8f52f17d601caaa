// NETDEV: host network devices moved into a container at start (--netdev_add live too) and back to the host at stop
// (--netdev_del live). Each test makes its own devices vztd<unique> and removes what is left of them: veth pairs
// (the peer vztq<unique> stays on the host), as the test host's kernel has no dummy driver; a virtual device like
// a dummy one, destroyed with the container's network namespace unless stop moves it back.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../support/runtime_fixture.hpp"
#include "../support/test_net.hpp"

namespace vztest {
namespace {

class NetDev : public RuntimeTest {
protected:
    NetRanges ranges_;
    std::vector<std::string> devs_;

    void TearDown() override {
        run({"stop", ct(), "--fast"}, {}, 60s);
        for (auto& d : devs_) {
            if (on_host(d)) net_run("ip link del dev " + d);
            if (on_host(peer_of(d))) net_run("ip link del dev " + peer_of(d));
        }
        RuntimeTest::TearDown();
    }

    // A name for a device of this test; made on the host (one end of a veth pair) when `make`.
    std::string dev(bool make = true) {
        auto name = "vztd" + net_unique_suffix();
        devs_.push_back(name);
        if (make) net_must("ip link add " + name + " type veth peer name " + peer_of(name));
        return name;
    }

    static std::string peer_of(const std::string& d) { return "vztq" + d.substr(4); }

    static bool on_host(const std::string& d) { return net_run("ip link show dev " + d).status == 0; }
    bool inside(const std::string& d) { return sh("ip link show dev " + d).status == 0; }
};

TEST_F(NetDev, StartMovesTheDeviceInAndStopBringsItBack) {
    auto d = dev();
    auto r = run({"set", ct(), "--netdev_add", d, "--save"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(conf_value("NETDEV"), d);
    ASSERT_TRUE(start_ct());

    EXPECT_TRUE(inside(d)) << sh("ip link").out;
    EXPECT_FALSE(on_host(d));

    r = run({"stop", ct()});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(on_host(d)) << "the device did not come back to the host";
    EXPECT_TRUE(nothing_left());

    // Again, and a kill (--fast) this time.
    ASSERT_TRUE(start_ct());
    EXPECT_TRUE(inside(d));
    r = run({"stop", ct(), "--fast"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(on_host(d)) << "the device did not come back to the host after stop --fast";
}

TEST_F(NetDev, LiveAddAndDelMoveTheDeviceInAndOut) {
    auto a = dev(), b = dev();
    ASSERT_TRUE(start_ct());
    EXPECT_FALSE(inside(a));

    auto r = run({"set", ct(), "--netdev_add", a, "--netdev_add", b, "--save"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(inside(a)) << sh("ip link").out;
    EXPECT_TRUE(inside(b));
    EXPECT_FALSE(on_host(a));
    EXPECT_FALSE(on_host(b));
    EXPECT_EQ(conf_value("NETDEV"), a + " " + b);

    r = run({"set", ct(), "--netdev_del", a, "--save"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_FALSE(inside(a));
    EXPECT_TRUE(on_host(a));
    EXPECT_TRUE(inside(b));
    EXPECT_EQ(conf_value("NETDEV"), b);

    // A device the host lacks: 104, nothing moved, nothing saved.
    auto missing = dev(false);
    r = run({"set", ct(), "--netdev_add", a, "--netdev_add", missing, "--save"});
    EXPECT_EQ(r.status, 104) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, missing)) << r.err;
    EXPECT_TRUE(on_host(a)) << "the device moved in before the failure was not moved back";
    EXPECT_EQ(conf_value("NETDEV"), b);

    r = run({"stop", ct()});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(on_host(b));
}

// A device moved in by a live --netdev_add without --save is the host's all the same: the stop brings it back (it
// used to stay in the container and die with its network namespace), and the record of it ends with the run.
TEST_F(NetDev, LiveAddWithoutSaveComesBackAtStop) {
    auto a = dev(), b = dev();
    ASSERT_TRUE(start_ct());
    auto r = run({"set", ct(), "--netdev_add", a, "--netdev_add", b});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(inside(a)) << sh("ip link").out;
    EXPECT_TRUE(inside(b));
    EXPECT_EQ(conf_value("NETDEV"), "") << "not saved";
    r = run({"set", ct(), "--netdev_del", b});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(on_host(b));

    r = run({"stop", ct(), "--fast"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(on_host(a)) << "the device added live did not come back to the host";
    EXPECT_FALSE(std::filesystem::exists(tmp_ / ("lock/" + ct() + ".netdev")))
        << "the run's record of live devices is left";

    // The next run does not take it again: it was never saved.
    ASSERT_TRUE(start_ct());
    EXPECT_FALSE(inside(a));
    EXPECT_TRUE(on_host(a));
}

TEST_F(NetDev, MissingDeviceFailsTheStartWith104AndUndoesTheMoves) {
    auto there = dev(), missing = dev(false);
    auto r = run({"set", ct(), "--netdev_add", there, "--netdev_add", missing, "--save"});
    ASSERT_EQ(r.status, 0) << r.err;

    r = run({"start", ct()});
    EXPECT_EQ(r.status, 104) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, missing)) << r.err;
    EXPECT_TRUE(on_host(there)) << "the device moved in before the failure was not moved back";
    EXPECT_TRUE(contains(status_line(), "down")) << status_line();
    EXPECT_TRUE(nothing_left_within());
}

TEST_F(NetDev, RefusedNamesAreRefusedAtSetTime) {
    for (const char* name : {"venet7", "tun0", "tap3", "lo"}) {
        auto r = run({"set", ct(), "--netdev_add", name, "--save"});
        EXPECT_EQ(r.status, 21) << name << ": " << r.out << r.err;
    }
    EXPECT_EQ(conf_value("NETDEV"), "");

    // Written into the config by hand: the config check refuses it before anything starts (21, as for any stored
    // value of the wrong form; netdev_start's own check, 104, is a backstop behind it).
    {
        std::ofstream conf(conf_path(kCt), std::ios::app);
        conf << "NETDEV=\"tun0\"\n";
    }
    auto r = run({"start", ct()});
    EXPECT_EQ(r.status, 21) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "tun0")) << r.err;
    EXPECT_TRUE(nothing_left_within());
}

}  // namespace
}  // namespace vztest
