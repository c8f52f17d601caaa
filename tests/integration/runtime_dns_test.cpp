// What vzctl writes in a container for --nameserver, --searchdomain and --hostname: /etc/resolv.conf and /etc/hosts,
// at start and on `set` while it runs, read back from inside; files created from the host belong to the container's
// root; and a container whose /etc, /etc/resolv.conf or /etc/hosts is a symlink to a host path gets its own files
// written while the host's stay untouched.
#include <sys/stat.h>

#include <filesystem>
#include <sstream>

#include "../support/runtime_fixture.hpp"
#include "fs/ct_files.hpp"

namespace {

using namespace vztest;
namespace fs = std::filesystem;

class RuntimeDns : public RuntimeTest {
protected:
    std::string inside(const std::string& path) {
        auto r = sh("cat " + path);
        EXPECT_EQ(r.status, 0) << path << ": " << r.err;
        return r.out;
    }
    // "uid:gid" of `path` as the container sees it.
    std::string owner_inside(const std::string& path) {
        auto r = sh("ls -ln " + path);
        auto w = split_words(r.out);
        return w.size() > 3 ? w[2] + ":" + w[3] : r.out + r.err;
    }
    static std::vector<std::string> split_words(const std::string& s) {
        std::vector<std::string> out;
        std::istringstream in(s);
        for (std::string w; in >> w;) out.push_back(w);
        return out;
    }
    void set_conf(const std::string& lines) { write_text(conf_path(kCt), read_text(conf_path(kCt)) + lines); }
    std::string priv() { return private_path(kCt); }
};

const std::string kMarker(vz::kHostsMarker);

TEST_F(RuntimeDns, StartWritesResolvConfAndHosts) {
    write_text(priv() + "/etc/resolv.conf", "nameserver 1.1.1.1\noptions ndots:3\n");
    fs::remove(priv() + "/etc/hosts");
    auto r = run({"set", ct(), "--nameserver", "198.51.100.1", "--nameserver", "2001:db8::1", "--searchdomain",
                  "example.com corp.example", "--hostname", "ct101.example.com", "--save"});
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_TRUE(start_ct());
    EXPECT_EQ(inside("/etc/resolv.conf"),
              "nameserver 198.51.100.1\nnameserver 2001:db8::1\noptions ndots:3\nsearch example.com corp.example\n");
    EXPECT_EQ(inside("/etc/hosts"), "127.0.0.1\tlocalhost\n" + kMarker + "\n127.0.1.1 ct101.example.com ct101\n");
    EXPECT_EQ(trim(inside("/etc/hostname")), "ct101.example.com");
    // Created from the host: the container's root owns it (on disk 0, seen through the user namespace as 0).
    EXPECT_EQ(owner_inside("/etc/hosts"), "0:0");
    struct stat st {};
    ASSERT_EQ(::stat((priv() + "/etc/hosts").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 0u);
    EXPECT_EQ(st.st_mode & 07777, 0644u);
}

TEST_F(RuntimeDns, LiveSetRewritesTheFiles) {
    set_conf("HOSTNAME=\"first.example\"\n");
    ASSERT_TRUE(start_ct());
    auto r = run({"set", ct(), "--nameserver", "198.51.100.53", "--searchdomain", "live.example"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto resolv = inside("/etc/resolv.conf");
    EXPECT_NE(resolv.find("nameserver 198.51.100.53\n"), std::string::npos) << resolv;
    EXPECT_NE(resolv.find("search live.example\n"), std::string::npos) << resolv;
    EXPECT_EQ(conf_value("NAMESERVER"), "");  // not saved without --save
    r = run({"set", ct(), "--hostname", "second.example", "--save"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto hosts = inside("/etc/hosts");
    EXPECT_NE(hosts.find(kMarker + "\n127.0.1.1 second.example second\n"), std::string::npos) << hosts;
    EXPECT_EQ(hosts.find("first"), std::string::npos) << hosts;
    EXPECT_EQ(trim(inside("/etc/hostname")), "second.example");
    EXPECT_EQ(trim(sh("hostname").out), "second.example");
    EXPECT_EQ(conf_value("HOSTNAME"), "second.example");
}

TEST_F(RuntimeDns, InheritCopiesTheHostsEntries) {
    auto host = vz::parse_resolv_conf(try_read("/etc/resolv.conf").value_or(""));
    if (host.nameservers.empty()) GTEST_SKIP() << "the host's /etc/resolv.conf names no server";
    write_text(priv() + "/etc/resolv.conf", "nameserver 203.0.113.9\n");
    auto r = run({"set", ct(), "--nameserver", "inherit", "--save"});
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_TRUE(start_ct());
    auto ct = vz::parse_resolv_conf(inside("/etc/resolv.conf"));
    EXPECT_EQ(ct.nameservers, host.nameservers);
}

TEST_F(RuntimeDns, StoppedSetChangesOnlyTheConfig) {
    write_text(priv() + "/etc/resolv.conf", "nameserver 203.0.113.9\n");
    auto r = run({"set", ct(), "--nameserver", "198.51.100.7", "--save"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(read_text(priv() + "/etc/resolv.conf"), "nameserver 203.0.113.9\n");
    EXPECT_EQ(conf_value("NAMESERVER"), "198.51.100.7");
}

// Symlinks the container's root planted: /etc/resolv.conf to a host file by its absolute path, /etc/hosts to one by
// ../../.., and (second test) /etc itself to a host directory. The host's files keep their content through start
// and live set; the container reads what was configured.
TEST_F(RuntimeDns, HostileSymlinksLeaveTheHostUntouched) {
    auto canary_resolv = tmp_ / "canary-resolv", canary_hosts = tmp_ / "canary-hosts";
    write_text(canary_resolv, "host resolv\n");
    write_text(canary_hosts, "host hosts\n");
    fs::remove(priv() + "/etc/resolv.conf");
    fs::remove(priv() + "/etc/hosts");
    fs::create_symlink(canary_resolv, priv() + "/etc/resolv.conf");
    fs::create_symlink("../../../../../../../../../../.." + canary_hosts, priv() + "/etc/hosts");
    set_conf("NAMESERVER=\"198.51.100.1\"\nSEARCHDOMAIN=\"example.com\"\nHOSTNAME=\"evil.example\"\n");
    ASSERT_TRUE(start_ct());
    EXPECT_EQ(read_text(canary_resolv), "host resolv\n");
    EXPECT_EQ(read_text(canary_hosts), "host hosts\n");
    EXPECT_EQ(inside("/etc/resolv.conf"), "search example.com\nnameserver 198.51.100.1\n");
    EXPECT_NE(inside("/etc/hosts").find("127.0.1.1 evil.example evil\n"), std::string::npos);
    // Again while it runs, with the links planted anew from inside.
    ASSERT_EQ(sh("rm -f /etc/resolv.conf /etc/hosts && ln -s " + canary_resolv + " /etc/resolv.conf && ln -s "
                 "../../../../../../../../../.." + canary_hosts + " /etc/hosts").status, 0);
    auto r = run({"set", ct(), "--nameserver", "198.51.100.2", "--hostname", "evil2.example"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(read_text(canary_resolv), "host resolv\n");
    EXPECT_EQ(read_text(canary_hosts), "host hosts\n");
    EXPECT_EQ(inside("/etc/resolv.conf"), "search example.com\nnameserver 198.51.100.2\n");
    EXPECT_NE(inside("/etc/hosts").find("127.0.1.1 evil2.example evil2\n"), std::string::npos);
}

TEST_F(RuntimeDns, HostileEtcSymlinkLeavesTheHostUntouched) {
    // The container's /etc moves to the path a host directory has, and /etc becomes a link to that path.
    auto host_etc = tmp_ / "host-etc";
    write_text(host_etc + "/resolv.conf", "host resolv\n");
    write_text(host_etc + "/hosts", "host hosts\n");
    fs::create_directories(fs::path(priv() + host_etc).parent_path());
    fs::rename(priv() + "/etc", priv() + host_etc);
    fs::create_symlink("../../../../../../../../.." + host_etc, priv() + "/etc");
    set_conf("NAMESERVER=\"198.51.100.1\"\nHOSTNAME=\"evil.example\"\n");
    ASSERT_TRUE(start_ct());
    auto r = run({"set", ct(), "--nameserver", "198.51.100.3", "--hostname", "evil3.example"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(read_text(host_etc + "/resolv.conf"), "host resolv\n");
    EXPECT_EQ(read_text(host_etc + "/hosts"), "host hosts\n");
    EXPECT_NE(read_text(priv() + host_etc + "/resolv.conf").find("nameserver 198.51.100.3\n"), std::string::npos);
    EXPECT_NE(inside("/etc/hosts").find("127.0.1.1 evil3.example evil3\n"), std::string::npos);
}

}  // namespace
