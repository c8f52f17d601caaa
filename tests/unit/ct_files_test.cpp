// fs/ct_files: the texts vzctl writes in a container's /etc/resolv.conf and /etc/hosts, computed from the old ones,
// and the writes that stay inside the container's tree.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../support/temp_dir.hpp"
#include "config/conf_file.hpp"
#include "fs/ct_files.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"

namespace {

namespace fs = std::filesystem;
using List = std::optional<std::vector<std::string>>;

struct ResolvCase {
    const char* name;
    const char* old;
    List servers;
    List search;
    const char* want;
};

const ResolvCase kResolv[] = {
    {"EmptyFileGetsBoth", "", List{{"10.0.0.1", "10.0.0.2"}}, List{{"example.com", "corp"}},
     "search example.com corp\nnameserver 10.0.0.1\nnameserver 10.0.0.2\n"},
    {"ServersReplacedInPlaceOptionsKept", "# by dhcp\nnameserver 1.1.1.1\noptions ndots:2\nnameserver 8.8.8.8\n",
     List{{"10.0.0.1"}}, std::nullopt, "# by dhcp\nnameserver 10.0.0.1\noptions ndots:2\n"},
    {"SearchAndDomainReplacedServersKept", "domain old.org\nnameserver 1.1.1.1\nsearch a b\n", std::nullopt,
     List{{"new.org"}}, "search new.org\nnameserver 1.1.1.1\n"},
    {"NothingGivenNothingChanged", "nameserver 1.1.1.1\nsearch x\n", std::nullopt, std::nullopt,
     "nameserver 1.1.1.1\nsearch x\n"},
    {"EmptyListsChangeNothing", "nameserver 1.1.1.1\n", List{std::vector<std::string>{}},
     List{std::vector<std::string>{}}, "nameserver 1.1.1.1\n"},
    {"LastLineWithoutNewline", "options rotate\nnameserver 1.1.1.1", List{{"2001:db8::1"}}, std::nullopt,
     "options rotate\nnameserver 2001:db8::1\n"},
    {"IndentedKeysAreKeys", "  nameserver 1.1.1.1\n\tsearch q\n", List{{"9.9.9.9"}}, List{{"w"}},
     "nameserver 9.9.9.9\nsearch w\n"},
    {"ASimilarWordIsNoKey", "nameservers 1.1.1.1\n", List{{"9.9.9.9"}}, std::nullopt,
     "nameservers 1.1.1.1\nnameserver 9.9.9.9\n"},
};

class ResolvConfText : public testing::TestWithParam<ResolvCase> {};

TEST_P(ResolvConfText, ReplacesTheConfiguredLinesOnly) {
    auto& c = GetParam();
    EXPECT_EQ(vz::resolv_conf_text(c.old, c.servers, c.search), c.want);
}

INSTANTIATE_TEST_SUITE_P(Cases, ResolvConfText, testing::ValuesIn(kResolv),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(ResolvConfParse, ServersInOrderAndTheLastSearchOrDomain) {
    auto e = vz::parse_resolv_conf(
        "# comment\nnameserver 10.255.255.53\nsearch a.org b.org\nnameserver 1.1.1.1 # second\ndomain c.org\n"
        "nameserver\noptions edns0\n");
    EXPECT_EQ(e.nameservers, (std::vector<std::string>{"10.255.255.53", "1.1.1.1"}));
    EXPECT_EQ(e.search, (std::vector<std::string>{"c.org"}));
    EXPECT_TRUE(vz::parse_resolv_conf("").nameservers.empty());
}

struct HostsCase {
    const char* name;
    std::string old;
    const char* hostname;
    const char* ip;
    const char* previous;
    std::string want;
};

const std::string M = std::string(vz::kHostsMarker) + "\n";

const HostsCase kHosts[] = {
    {"EmptyFileGetsLocalhostAndTheName", "", "ct101.example.com", "", "",
     "127.0.0.1\tlocalhost\n" + M + "127.0.1.1 ct101.example.com ct101\n"},
    {"FirstAddressIsUsed", "127.0.0.1 localhost\n", "web", "10.1.2.3", "",
     "127.0.0.1 localhost\n" + M + "10.1.2.3 web\n"},
    {"OldMarkedLineReplaced", "127.0.0.1 localhost\n" + M + "127.0.1.1 old.example.com old\n", "new.example.com", "",
     "", "127.0.0.1 localhost\n" + M + "127.0.1.1 new.example.com new\n"},
    {"DebianTemplateLineOfThePreviousNameReplaced",
     "127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n\n::1     localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\n",
     "ct.example.com", "", "debian",
     "127.0.0.1\tlocalhost\n\n::1     localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\n" + M +
         "127.0.1.1 ct.example.com ct\n"},
    {"ALineNamingTheNewNameIsNotDoubled", "127.0.0.1 localhost\n198.51.100.7 box.example.com box\n", "box.example.com",
     "", "", "127.0.0.1 localhost\n" + M + "127.0.1.1 box.example.com box\n"},
    {"LocalhostLinesKeptEvenIfTheyNameTheHost", "127.0.0.1 localhost box\n::1 localhost ip6-localhost\n", "box", "",
     "", "127.0.0.1 localhost box\n::1 localhost ip6-localhost\n" + M + "127.0.1.1 box\n"},
    {"LocalhostAsHostNameGetsNoLine", M + "127.0.1.1 old\n", "localhost", "", "", "127.0.0.1\tlocalhost\n"},
    {"OtherEntriesAndCommentsKept", "# static\n127.0.0.1 localhost\n10.0.0.5 db\n", "app", "", "",
     "# static\n127.0.0.1 localhost\n10.0.0.5 db\n" + M + "127.0.1.1 app\n"},
    {"AWordInACommentIsNoName", "127.0.0.1 localhost\n10.0.0.5 db # was app\n", "app", "", "",
     "127.0.0.1 localhost\n10.0.0.5 db # was app\n" + M + "127.0.1.1 app\n"},
};

class HostsText : public testing::TestWithParam<HostsCase> {};

TEST_P(HostsText, OneLineForTheHostName) {
    auto& c = GetParam();
    EXPECT_EQ(vz::hosts_text(c.old, c.hostname, c.ip, c.previous), c.want);
}

INSTANTIATE_TEST_SUITE_P(Cases, HostsText, testing::ValuesIn(kHosts),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(HostsText, ApplyingTwiceChangesNothing) {
    auto once = vz::hosts_text("127.0.0.1 localhost\n", "a.b.c", "10.0.0.1");
    EXPECT_EQ(vz::hosts_text(once, "a.b.c", "10.0.0.1", "a.b.c"), once);
}

// --- writes in a tree ---------------------------------------------------------------------------------------------

struct Tree {
    vztest::TempDir tmp;
    std::string root = tmp / "root";
    std::string canary = tmp / "canary";
    vz::Fd fd;
    Tree() {
        fs::create_directories(root + "/etc");
        vztest::write_text(canary, "host\n");
        fd = vz::Fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    }
    size_t entries(const std::string& dir) const {
        return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
    }
};

TEST(WriteInRoot, CreatesTheFileWithTheModeGiven) {
    Tree t;
    vz::write_in_root(t.fd.get(), "/etc/resolv.conf", "nameserver 10.0.0.1\n", "CT 101");
    EXPECT_EQ(vztest::read_text(t.root + "/etc/resolv.conf"), "nameserver 10.0.0.1\n");
    struct stat st;
    ASSERT_EQ(::stat((t.root + "/etc/resolv.conf").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0644u);
    EXPECT_EQ(t.entries(t.root + "/etc"), 1u);  // no temporary left
}

TEST(WriteInRoot, KeepsTheOldModeAndOwner) {
    Tree t;
    auto file = t.root + "/etc/hosts";
    vztest::write_text(file, "old\n");
    ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
    ASSERT_EQ(::chown(file.c_str(), 1234, 5678), 0);
    vz::write_in_root(t.fd.get(), "etc/hosts", "new\n", "CT 101");
    struct stat st;
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    EXPECT_EQ(st.st_uid, 1234u);
    EXPECT_EQ(st.st_gid, 5678u);
    EXPECT_EQ(vztest::read_text(file), "new\n");
}

// A symlink as the last component is replaced by the file (documented in ct_files.hpp); symlinks on the way, and
// the old content read through a link, resolve inside the tree: the host's file is never touched.
TEST(WriteInRoot, HostileSymlinksStayInTheTree) {
    Tree t;
    fs::create_directories(t.root + "/real");
    fs::create_symlink(t.canary, t.root + "/etc/resolv.conf");                  // absolute, to the host's file
    fs::create_symlink("../../../../../../.." + t.canary, t.root + "/etc/hosts");  // climbing out
    fs::create_directory_symlink("../../../../../../..", t.root + "/up");
    const char* paths[] = {"/etc/resolv.conf", "/etc/hosts", "/up/canary", "../../../canary"};
    for (auto p : paths) EXPECT_EQ(vz::read_in_root(t.fd.get(), p, "CT 101"), std::nullopt) << p;
    for (auto p : paths) vz::write_in_root(t.fd.get(), p, "ct\n", "CT 101");
    EXPECT_EQ(vztest::read_text(t.canary), "host\n");
    EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(t.root + "/etc/resolv.conf")));
    EXPECT_EQ(vztest::read_text(t.root + "/etc/hosts"), "ct\n");
    EXPECT_EQ(vztest::read_text(t.root + "/canary"), "ct\n");  // "/up" is the tree's root, "../../.." too
}

TEST(WriteInRoot, ReadsThroughALinkInsideTheTree) {
    Tree t;
    fs::create_directories(t.root + "/run/systemd/resolve");
    vztest::write_text(t.root + "/run/systemd/resolve/stub-resolv.conf", "nameserver 127.0.0.53\noptions edns0\n");
    fs::create_symlink("../run/systemd/resolve/stub-resolv.conf", t.root + "/etc/resolv.conf");
    EXPECT_EQ(vz::read_in_root(t.fd.get(), "/etc/resolv.conf", "CT 101"), "nameserver 127.0.0.53\noptions edns0\n");
}

TEST(WriteInRoot, NotARegularFileIsNotRead) {
    Tree t;
    ASSERT_EQ(::mkfifo((t.root + "/etc/resolv.conf").c_str(), 0644), 0);
    EXPECT_EQ(vz::read_in_root(t.fd.get(), "/etc/resolv.conf", "CT 101"), std::nullopt);  // would block if opened
}

TEST(WriteInRoot, ADirectoryInTheWayFailsAndLeavesNoTemporary) {
    Tree t;
    fs::create_directories(t.root + "/etc/hosts/x");
    try {
        vz::write_in_root(t.fd.get(), "/etc/hosts", "x\n", "CT 101");
        FAIL() << "no error";
    } catch (const vz::Error& e) {
        EXPECT_NE(std::string(e.what()).find("/etc/hosts in CT 101"), std::string::npos) << e.what();
    }
    EXPECT_EQ(t.entries(t.root + "/etc"), 1u);
}

TEST(WriteInRoot, MissingDirectoryFails) {
    Tree t;
    EXPECT_THROW(vz::write_in_root(t.fd.get(), "/nope/hosts", "x\n", "CT 101"), vz::Error);
}

// --- /etc/network/interfaces of a Debian-family container ---

const std::string kMark = std::string(vz::kInterfacesMarker) + "\n";
const std::string kLo = "# The loopback network interface\nauto lo\niface lo inet loopback\n";
const std::string kBoth = kMark +
                          "auto venet0\n"
                          "iface venet0 inet manual\n"
                          "\tup ip link set dev venet0 up\n"
                          "\tup ip addr replace 198.51.100.10/32 dev venet0\n"
                          "\tup ip route replace default dev venet0 scope link\n"
                          "\tdown ip link set dev venet0 down\n"
                          "\n"
                          "iface venet0 inet6 manual\n"
                          "\tup ip -6 addr replace 2001:db8::10/64 dev venet0 nodad\n"
                          "\tup ip -6 route replace default dev venet0\n";

TEST(DebianInterfaces, AddsTheStanzasAfterTheRest) {
    EXPECT_EQ(vz::debian_interfaces_text(kLo, {"198.51.100.10", "2001:db8::10/64"}), kLo + "\n" + kBoth);
    EXPECT_EQ(vz::debian_interfaces_text("", {"198.51.100.10", "2001:db8::10/64"}), kBoth);
}

TEST(DebianInterfaces, IPv4OnlyAndIPv6Only) {
    auto v4 = vz::debian_interfaces_text("", {"198.51.100.10", "198.51.100.11/24"});
    EXPECT_NE(v4.find("\tup ip addr replace 198.51.100.10/32 dev venet0\n"
                      "\tup ip addr replace 198.51.100.11/24 dev venet0\n"
                      "\tup ip route replace default dev venet0 scope link\n"),
              std::string::npos)
        << v4;
    EXPECT_EQ(v4.find("inet6"), std::string::npos) << v4;
    auto v6 = vz::debian_interfaces_text("", {"2001:db8::10"});
    EXPECT_NE(v6.find("iface venet0 inet manual\n\tup ip link set dev venet0 up\n\tdown ip link set dev venet0 down\n"),
              std::string::npos)
        << v6;
    EXPECT_NE(v6.find("\tup ip -6 addr replace 2001:db8::10/128 dev venet0 nodad\n"), std::string::npos) << v6;
    EXPECT_EQ(v6.find("route replace default dev venet0 scope link"), std::string::npos) << v6;
}

TEST(DebianInterfaces, ReplacesInPlaceAndApplyingTwiceChangesNothing) {
    auto eth = "\n# a second device\nauto eth1\niface eth1 inet dhcp\n";
    auto old = kLo + "\n" + kBoth + eth;
    auto once = vz::debian_interfaces_text(old, {"198.51.100.11"});
    EXPECT_EQ(once, kLo + "\n" + vz::debian_interfaces_text("", {"198.51.100.11"}) + eth);
    EXPECT_EQ(vz::debian_interfaces_text(once, {"198.51.100.11"}), once);
    EXPECT_EQ(vz::debian_interfaces_text(old, {"198.51.100.10", "2001:db8::10/64"}), old);
}

TEST(DebianInterfaces, RemovingAllAddressesLeavesNoVenetStanza) {
    auto eth = "# a second device\nauto eth1\niface eth1 inet dhcp\n";
    EXPECT_EQ(vz::debian_interfaces_text(kLo + "\n" + kBoth + "\n" + eth, {}), kLo + "\n" + eth);
    EXPECT_EQ(vz::debian_interfaces_text(kLo + "\n" + kBoth, {}), kLo);
    EXPECT_EQ(vz::debian_interfaces_text(kLo, {}), kLo);
}

// What the original's scripts wrote (venet0 and one venet0:N alias stanza per address, no marker) is replaced;
// the names go from auto lines that name other devices too.
TEST(DebianInterfaces, TheOriginalsAliasStanzasAreReplaced) {
    auto old = kLo +
               "\n"
               "auto venet0 eth1\n"
               "iface venet0 inet manual\n"
               "\tup ifconfig venet0 up\n"
               "\tup route add default dev venet0\n"
               "\tdown route del default dev venet0\n"
               "\tdown ifconfig venet0 down\n"
               "\n"
               "iface venet0 inet6 manual\n"
               "\tup route -A inet6 add default dev venet0\n"
               "\n"
               "auto venet0:0\n"
               "iface venet0:0 inet static\n"
               "\taddress 198.51.100.10\n"
               "\tnetmask 255.255.255.255\n"
               "\n"
               "iface eth1 inet dhcp\n";
    auto got = vz::debian_interfaces_text(old, {"198.51.100.10"});
    EXPECT_EQ(got, kLo + "\nauto eth1\n\n" + vz::debian_interfaces_text("", {"198.51.100.10"}) +
                       "\niface eth1 inet dhcp\n");
    EXPECT_EQ(got.find("venet0:0"), std::string::npos) << got;
    EXPECT_EQ(got.find("ifconfig"), std::string::npos) << got;
}

// Which trees get the file: the template's name first, the tree when the name tells nothing.
vz::CtConfig ct_with(const std::string& ostemplate) {
    auto ct = ostemplate.empty() ? "" : "OSTEMPLATE=\"" + ostemplate + "\"\n";
    return vz::CtConfig(101, std::make_shared<const vz::ConfFile>(vz::ConfFile::parse("", "vz.conf")),
                        vz::ConfFile::parse(ct, "101.conf"));
}

TEST(WriteCtNetwork, TheTemplateNameOrTheTreeTellsTheDistribution) {
    const std::vector<std::string> addrs{"198.51.100.10"};
    Tree t;
    fs::create_directories(t.root + "/etc/network");
    auto file = t.root + "/etc/network/interfaces";
    EXPECT_TRUE(vz::write_ct_network(ct_with("debian-12-x86_64"), t.root, addrs));
    EXPECT_EQ(vztest::read_text(file), vz::debian_interfaces_text("", addrs));
    EXPECT_TRUE(vz::write_ct_network(ct_with("ubuntu-22.04"), t.root, {}));
    EXPECT_EQ(vztest::read_text(file), "");
    EXPECT_FALSE(vz::write_ct_network(ct_with("centos-7-x86_64"), t.root, addrs));
    EXPECT_EQ(vztest::read_text(file), "");
    // No OSTEMPLATE, or one naming no distribution: /etc/debian_version and /etc/network/interfaces decide.
    EXPECT_FALSE(vz::write_ct_network(ct_with(""), t.root, addrs));
    vztest::write_text(t.root + "/etc/debian_version", "12.8\n");
    EXPECT_TRUE(vz::write_ct_network(ct_with("mine"), t.root, addrs));
    EXPECT_EQ(vztest::read_text(file), vz::debian_interfaces_text("", addrs));
    // A Debian template whose tree has no /etc/network: nothing written.
    Tree bare;
    EXPECT_FALSE(vz::write_ct_network(ct_with("debian-12-x86_64"), bare.root, addrs));
    EXPECT_FALSE(fs::exists(bare.root + "/etc/network"));
}

}  // namespace
