// NETFILTER (vzctl(8) --netfilter): a container's netfilter tables are its network namespace's own, so every mode
// but disabled lets it use them; disabled makes its seccomp filter refuse what changes them, for init's processes
// (runscript runs as init) and for those of exec alike. tests/helpers/nf_probe, copied into the container as
// /bin/nfprobe, says which calls were refused; the host's nft(8), copied in with its libraries, makes a real table.
// No address is given to the container: its namespace has only lo. The host's ruleset is only ever listed.
#include <filesystem>

#include "../support/runtime_fixture.hpp"
#include "../support/test_net.hpp"

namespace vztest {
namespace {

constexpr const char* kAttempts[] = {"netlink", "ipt", "ip6t", "arpt", "ebt"};

class NetFilter : public RuntimeTest {
protected:
    void SetUp() override {
        RuntimeTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        std::filesystem::copy_file(NF_PROBE, tmp_ / ("private/" + ct() + "/bin/nfprobe"));
    }

    void TearDown() override {
        run({"stop", ct(), "--fast"}, {}, 60s);
        RuntimeTest::TearDown();
    }

    ::testing::AssertionResult set_mode(const std::string& mode) {
        auto r = run({"set", ct(), "--netfilter", mode, "--save"});
        if (r.status != 0) return ::testing::AssertionFailure() << "set --netfilter " << mode << ": " << r.err;
        return ::testing::AssertionSuccess();
    }

    // The host's `nft`, the shared libraries it loads (ldd) and the loader, in /nft of the container's root (a
    // fresh directory: nothing is written through a symlink of the template). kNft runs it there. Empty when done,
    // else why not.
    static constexpr const char* kNft = "/nft/ld.so --library-path /nft /nft/nft";

    std::string copy_host_nft() {
        auto ldd = net_run("ldd /usr/sbin/nft");
        if (ldd.status != 0) return "no /usr/sbin/nft on the host: " + ldd.out;
        std::vector<std::string> files{"/usr/sbin/nft"};
        for (auto& l : lines(ldd.out)) {
            auto at = l.find('/');
            if (at == std::string::npos) continue;
            files.push_back(l.substr(at, l.find(' ', at) - at));
        }
        auto dir = tmp_ / ("private/" + ct() + "/nft");
        std::error_code ec;
        if (!std::filesystem::create_directory(dir, ec)) return "can't make " + dir + ": " + ec.message();
        for (auto& f : files) {
            auto name = std::filesystem::path(f).filename().string();
            if (name.starts_with("ld-linux")) name = "ld.so";
            std::filesystem::copy_file(std::filesystem::canonical(f), dir + "/" + name, ec);
            if (ec) return "copying " + f + ": " + ec.message();
        }
        return {};
    }

    // The probe's line for `what`, from the output of a run of it.
    static std::string line_of(const std::string& out, const std::string& what) {
        for (auto& l : lines(out))
            if (l.starts_with(what + ": ")) return l;
        return what + ": (no line)";
    }
};

TEST_F(NetFilter, DisabledRefusesNetlinkAndTableReplacementInExecAndRunscript) {
    ASSERT_TRUE(set_mode("disabled"));
    EXPECT_EQ(conf_value("NETFILTER"), "disabled");
    // runscript on a stopped container: the command runs as the container's init, under init's filter.
    auto script = tmp_ / "probe.sh";
    write_text(script, "#!/bin/sh\n/bin/nfprobe\n");
    auto r = run({"runscript", ct(), script});
    ASSERT_EQ(r.status, 0) << r.err;
    for (auto* what : kAttempts) EXPECT_EQ(line_of(r.out, what), std::string(what) + ": refused") << "runscript";

    ASSERT_TRUE(start_ct());
    r = run({"exec", ct(), "/bin/nfprobe"});
    ASSERT_EQ(r.status, 0) << r.err;
    for (auto* what : kAttempts) EXPECT_EQ(line_of(r.out, what), std::string(what) + ": refused") << "exec";
    // The rest of the network still works: a plain netlink socket (ip(8)) and a raw socket open.
    r = run({"exec", ct(), "ip link show lo >/dev/null && echo ok"});
    EXPECT_EQ(r.out, "ok\n") << r.err;
}

TEST_F(NetFilter, FullAndTheDefaultAllowNetfilterInsideTheContainer) {
    for (const char* mode : {"", "full", "stateful", "stateless"}) {
        SCOPED_TRACE(std::string("NETFILTER ") + (*mode ? mode : "(sample's default)"));
        if (*mode) {
            ASSERT_TRUE(set_mode(mode));
        }
        ASSERT_TRUE(start_ct());
        auto r = run({"exec", ct(), "/bin/nfprobe"});
        ASSERT_EQ(r.status, 0) << r.err;
        for (auto* what : kAttempts) {
            EXPECT_TRUE(line_of(r.out, what).starts_with(std::string(what) + ": allowed")) << line_of(r.out, what);
        }
        ASSERT_EQ(run({"stop", ct(), "--fast"}).status, 0);
    }
}

TEST_F(NetFilter, NftMakesATableInsideWithFullAndTheHostsRulesetStaysTheSame) {
    if (auto why = copy_host_nft(); !why.empty()) GTEST_SKIP() << why;
    auto before = net_run("/usr/sbin/nft list ruleset");
    ASSERT_EQ(before.status, 0) << before.out;
    ASSERT_TRUE(set_mode("full"));
    ASSERT_TRUE(start_ct());
    auto nft = std::string(kNft);
    auto r = run({"exec", ct(), nft + " add table ip vztest_t && " + nft + " add chain ip vztest_t c && " + nft +
                                    " list tables"});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "table ip vztest_t")) << r.out;
    auto after = net_run("/usr/sbin/nft list ruleset");
    EXPECT_EQ(after.out, before.out);
    EXPECT_FALSE(contains(after.out, "vztest_t"));
    ASSERT_EQ(run({"stop", ct(), "--fast"}).status, 0);

    // The same with NETFILTER=disabled: nft can't talk to the kernel, nothing is made.
    ASSERT_TRUE(set_mode("disabled"));
    ASSERT_TRUE(start_ct());
    r = run({"exec", ct(), std::string(kNft) + " add table ip vztest_t"});
    EXPECT_NE(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out + r.err, "Operation not permitted")) << r.out << r.err;
    EXPECT_EQ(net_run("/usr/sbin/nft list ruleset").out, before.out);
}

TEST_F(NetFilter, TheGlobalConfigurationsNetfilterIsIgnoredWithAWarning) {
    // The sample's NETFILTER line out of the container's file, disabled in vz.conf: the default still applies.
    std::string kept;
    for (auto& l : lines(read_text(conf_path(kCt))))
        if (!l.starts_with("NETFILTER=")) kept += l + "\n";
    write_text(conf_path(kCt), kept);
    replace_text(confdir_ + "/vz.conf", read_text(confdir_ + "/vz.conf") + "NETFILTER=\"disabled\"\n");
    auto r = run({"start", ct()});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.out + r.err, "NETFILTER in the global configuration is ignored")) << r.out << r.err;
    ASSERT_TRUE(wait_booted());
    r = run({"exec", ct(), "/bin/nfprobe"});
    EXPECT_TRUE(line_of(r.out, "netlink").starts_with("netlink: allowed")) << r.out << r.err;
}

TEST_F(NetFilter, AChangeOnARunningContainerWaitsForTheRestart) {
    ASSERT_TRUE(start_ct());
    auto r = run({"set", ct(), "--netfilter", "disabled", "--save"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.out + r.err, "take effect at the next start")) << r.out << r.err;
    EXPECT_FALSE(contains(r.out + r.err, "not applied by this version")) << r.out << r.err;
}

}  // namespace
}  // namespace vztest
