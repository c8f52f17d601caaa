// Example values for every value Kind of the parameter table: the only hand-written part of the generated
// parameter tests. Each example says what the option accepts, what the config then holds, what it refuses, and
// how to make random valid values (for the generated vzlist sort test).
#pragma once

#include <stdexcept>

#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "config/params.hpp"
#include "config/units.hpp"

namespace vztest {

using Rng = std::mt19937;

struct Example {
    std::string setup;  // config text the change is applied to
    std::vector<std::pair<std::string, std::string>> before;  // options given first: (option, value)
    std::string valid;
    std::string stored;  // the config value after `valid`; rows without a config key store nothing
    // A value refused with exit 21; nullopt for kinds that skip unknown names with a warning instead.
    std::optional<std::string> invalid;
    std::string (*random)(const vz::ParamDef&, Rng&) = nullptr;  // random valid values; nullptr: `valid`
};

namespace examples_detail {

inline uint64_t pick(Rng& rng, uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); }

// Numbers of very different magnitudes, so a text comparison would order them differently from a numeric one.
inline std::string number(Rng& rng) {
    uint64_t scale = 1;
    for (auto e = pick(rng, 0, 6); e > 0; --e) scale *= 10;
    return std::to_string(scale + pick(rng, 0, scale * 9));
}

inline std::string word(Rng& rng) {
    std::string w;
    for (auto n = pick(rng, 2, 8); n > 0; --n) w += static_cast<char>('a' + pick(rng, 0, 25));
    return w;
}

template <size_t N>
std::string one_of(Rng& rng, const char* const (&choices)[N]) {
    return choices[pick(rng, 0, N - 1)];
}

inline std::string ubc_side(const vz::ParamDef& p, Rng& rng) {
    if (pick(rng, 0, 7) == 0) return "unlimited";
    if (p.ubc->unit != vz::Unit::Items && pick(rng, 0, 3) == 0) return std::to_string(pick(rng, 1, 900)) + "K";
    return number(rng);
}

inline std::string onoff_list(Rng& rng, std::initializer_list<const char*> names) {
    std::vector<const char*> all(names);
    std::string out;
    for (auto n = pick(rng, 1, 3); n > 0; --n) {
        if (!out.empty()) out += ",";
        out += std::string(all[pick(rng, 0, all.size() - 1)]) + (pick(rng, 0, 1) ? ":on" : ":off");
    }
    return out;
}

inline std::string random_ubc(const vz::ParamDef& p, Rng& rng) { return ubc_side(p, rng) + ":" + ubc_side(p, rng); }
inline std::string random_yesno(const vz::ParamDef&, Rng& rng) { return pick(rng, 0, 1) ? "yes" : "no"; }
inline std::string random_uint(const vz::ParamDef&, Rng& rng) { return number(rng); }
inline std::string random_float(const vz::ParamDef&, Rng& rng) {
    static const char* const kValues[] = {"0", "0.5", "1", "1.5", "2.75", "10", "12.5"};
    return one_of(rng, kValues);
}
inline std::string random_text(const vz::ParamDef&, Rng& rng) { return word(rng) + " " + word(rng); }
inline std::string random_path(const vz::ParamDef&, Rng& rng) { return "/" + word(rng) + "/" + word(rng) + "/$VEID"; }
inline std::string random_name(const vz::ParamDef&, Rng& rng) { return word(rng) + "-" + word(rng); }
inline std::string random_hostname(const vz::ParamDef&, Rng& rng) { return word(rng) + ".example.com"; }
inline std::string random_ips(const vz::ParamDef&, Rng& rng) {
    std::string out;
    for (auto n = pick(rng, 1, 3); n > 0; --n) {
        if (!out.empty()) out += " ";
        out += pick(rng, 0, 1) ? "198.51.100." + std::to_string(pick(rng, 1, 254))
                               : "2001:db8::" + std::to_string(pick(rng, 1, 9999));
    }
    return out;
}
inline std::string random_nameserver(const vz::ParamDef&, Rng& rng) {
    return pick(rng, 0, 4) == 0 ? "inherit" : "198.51.100." + std::to_string(pick(rng, 1, 254));
}
inline std::string random_domain(const vz::ParamDef&, Rng& rng) { return word(rng) + ".example"; }
inline std::string random_cpuunits(const vz::ParamDef&, Rng& rng) { return std::to_string(pick(rng, 8, 500000)); }
inline std::string random_cpulimit(const vz::ParamDef&, Rng& rng) {
    return pick(rng, 0, 3) == 0 ? std::to_string(pick(rng, 0, 100)) + "%" : std::to_string(pick(rng, 0, 800));
}
inline std::string random_netfilter(const vz::ParamDef&, Rng& rng) {
    static const char* const kModes[] = {"disabled", "stateless", "stateful", "full"};
    return one_of(rng, kModes);
}
inline std::string random_disk(const vz::ParamDef&, Rng& rng) { return number(rng) + ":" + number(rng); }
inline std::string random_capability(const vz::ParamDef&, Rng& rng) {
    return onoff_list(rng, {"chown", "net_admin", "sys_time", "mknod", "SYS_ADMIN", "kill"});
}
inline std::string random_features(const vz::ParamDef&, Rng& rng) {
    return onoff_list(rng, {"sysfs", "nfs", "sit", "ipip", "ppp", "bridge"});
}
inline std::string random_ioprio(const vz::ParamDef&, Rng& rng) { return std::to_string(pick(rng, 0, 7)); }
inline std::string random_iolimit(const vz::ParamDef&, Rng& rng) { return std::to_string(pick(rng, 0, 2000)); }
inline std::string random_iopslimit(const vz::ParamDef&, Rng& rng) { return std::to_string(pick(rng, 0, 100000)); }
inline std::string random_layout(const vz::ParamDef&, Rng& rng) { return pick(rng, 0, 1) ? "simfs" : "ploop"; }

inline const char* const kNetifEth0 = "ifname=eth0,mac=00:18:51:00:00:01,host_ifname=veth101.0,host_mac=00:18:51:00:00:02";
inline const char* const kNetifEth1 = "ifname=eth1,mac=00:18:51:00:00:03,host_ifname=veth101.1,host_mac=00:18:51:00:00:04";

inline std::string netif_setup(bool both) {
    return std::string("NETIF=\"") + kNetifEth0 + (both ? std::string(";") + kNetifEth1 : std::string()) + "\"\n";
}

}  // namespace examples_detail

inline const std::map<vz::Kind, Example>& kind_examples() {
    using K = vz::Kind;
    namespace d = examples_detail;
    static const std::map<vz::Kind, Example> table = [] {
        auto pages = [](uint64_t bytes) { return std::to_string(bytes / vz::page_size()); };
        std::map<vz::Kind, Example> t;
        t[K::Ubc] = {"", {}, "100:unlimited", "100:unlimited", "1:2:3", d::random_ubc};
        t[K::VswapSize] = {"", {}, "256M", "0:" + pages(256ULL << 20), "256X", nullptr};
        t[K::YesNo] = {"", {}, "yes", "yes", "maybe", d::random_yesno};
        t[K::Uint] = {"", {}, "42", "42", "-1", d::random_uint};
        t[K::Float] = {"", {}, "1.50", "1.5", "-1", d::random_float};
        t[K::Text] = {"", {}, "some text", "some text", "two\nlines", d::random_text};
        t[K::Path] = {"", {}, "/vz/x/$VEID", "/vz/x/$VEID", "relative/x", d::random_path};
        t[K::CtName] = {"", {}, "web-1.example", "web-1.example", "bad/name", d::random_name};
        t[K::Hostname] = {"", {}, "ct.example.com", "ct.example.com", "has blank", d::random_hostname};
        t[K::IpAdd] = {"", {}, "198.51.100.1 2001:DB8:0::1/64", "198.51.100.1 2001:db8::1/64", "198.51.100.300", d::random_ips};
        t[K::IpDel] = {"IP_ADDRESS=\"198.51.100.1 198.51.100.2/24\"\n", {}, "198.51.100.1", "198.51.100.2/24", "198.51.100", nullptr};
        t[K::Nameserver] = {"", {}, "198.51.100.53", "198.51.100.53", "dns.example", d::random_nameserver};
        t[K::Searchdomain] = {"", {}, "example.com", "example.com", "bad/domain", d::random_domain};
        t[K::NetdevAdd] = {"", {}, "eth5", "eth5", "venet0", nullptr};
        t[K::NetdevDel] = {"NETDEV=\"eth5 eth6\"\n", {}, "eth5", "eth6", "lo", nullptr};
        t[K::NetifAdd] = {"", {}, "eth1,00:18:51:aa:bb:01,veth101.1,00:18:51:aa:bb:02,br0",
                          "ifname=eth1,mac=00:18:51:AA:BB:01,host_ifname=veth101.1,host_mac=00:18:51:AA:BB:02,bridge=br0",
                          "eth1,not-a-mac", nullptr};
        t[K::NetifDel] = {d::netif_setup(true), {}, "eth0", d::kNetifEth1, "eth9", nullptr};
        t[K::NetifSelect] = {d::netif_setup(false), {}, "eth0", d::kNetifEth0, "eth9", nullptr};
        t[K::Cpuunits] = {"", {}, "1000", "1000", "7", d::random_cpuunits};
        t[K::Cpulimit] = {"", {}, "50", "50", "101%", d::random_cpulimit};
        t[K::Cpumask] = {"", {}, "7,0-2", "0-2,7", "3-1", nullptr};
        // --nodemask is refused without --cpumask.
        t[K::Nodemask] = {"", {{"cpumask", "0-3"}}, "0,1", "0-1", "x", nullptr};
        t[K::Meminfo] = {"", {}, "pages:1000", "pages:1000", "pages:0", nullptr};
        t[K::Netfilter] = {"", {}, "full", "full", "stateful2", d::random_netfilter};
        t[K::Iptables] = {"", {}, "iptable_filter,ipt_REJECT", "iptable_filter ipt_REJECT", std::nullopt, nullptr};
        t[K::DiskSpace] = {"", {}, "2G:2.2G", "2097152:2306868", "unlimited", d::random_disk};
        t[K::DiskInodes] = {"", {}, "131072", "131072:131072", "1K", d::random_disk};
        t[K::Capability] = {"", {}, "net_admin:on,SYS_TIME:off", "NET_ADMIN:on SYS_TIME:off", "setveid:on",
                            d::random_capability};
        t[K::Features] = {"", {}, "nfs:on,bridge:off", "nfs:on bridge:off", "nfs:maybe", d::random_features};
        t[K::Devnodes] = {"", {}, "null:rw", "null:rw", "null:x", nullptr};
        t[K::Devices] = {"", {}, "c:10:200:rw", "c:10:200:rw", "b:7:0:rw", nullptr};
        t[K::PciAdd] = {"", {}, "00:1f.3", "0000:00:1f.3", "zz:1f.3", nullptr};
        t[K::PciDel] = {"PCI=\"0000:00:1f.3 0000:01:00.0\"\n", {}, "1:00.0", "0000:00:1f.3", "1:00.9", nullptr};
        t[K::Ioprio] = {"", {}, "7", "7", "8", d::random_ioprio};
        t[K::Iolimit] = {"", {}, "10", std::to_string(10ULL << 20), "1.5", d::random_iolimit};
        t[K::Iopslimit] = {"", {}, "500", "500", "-3", d::random_iopslimit};
        t[K::Layout] = {"", {}, "ploop:expanded", "ploop", "zfs", d::random_layout};
        t[K::UserPasswd] = {"", {}, "root:secret", "", "nocolon", nullptr};
        return t;
    }();
    return table;
}

// --mac, --host_ifname, ... differ in what they accept, so they have one example each.
inline const std::map<std::string, Example>& netif_field_examples() {
    namespace d = examples_detail;
    static const std::map<std::string, Example> table = [] {
        const std::vector<std::pair<std::string, std::string>> select{{"ifname", "eth0"}};
        auto setup = d::netif_setup(false);
        std::map<std::string, Example> t;
        t["mac"] = {setup, select, "00:18:51:0a:0b:0c",
                    "ifname=eth0,mac=00:18:51:0A:0B:0C,host_ifname=veth101.0,host_mac=00:18:51:00:00:02",
                    "00:18:51:0a:0b", nullptr};
        t["host_mac"] = {setup, select, "00:18:51:0a:0b:0d",
                         "ifname=eth0,mac=00:18:51:00:00:01,host_ifname=veth101.0,host_mac=00:18:51:0A:0B:0D",
                         "0018510a0b0d", nullptr};
        t["host_ifname"] = {setup, select, "vethx.0",
                            "ifname=eth0,mac=00:18:51:00:00:01,host_ifname=vethx.0,host_mac=00:18:51:00:00:02",
                            "bad,name", nullptr};
        t["bridge"] = {setup, select, "br1", std::string(d::kNetifEth0) + ",bridge=br1", "br/1", nullptr};
        t["mac_filter"] = {setup, select, "off", std::string(d::kNetifEth0) + ",mac_filter=off", "maybe", nullptr};
        return t;
    }();
    return table;
}

// More values of each kind that the command line and a loaded config must both refuse, beyond the examples'
// `invalid`: the edges where the two once differed (ranges, forms never checked on load).
inline const std::map<vz::Kind, std::vector<std::string>>& more_invalid() {
    using K = vz::Kind;
    static const std::map<vz::Kind, std::vector<std::string>> table = {
        {K::Ubc, {"lots", "-5", "1:x"}},
        {K::VswapSize, {"-1"}},
        {K::Uint, {"abc", "1.5"}},
        {K::Path, {"x/$VEID"}},
        {K::CtName, {"123"}},
        {K::IpAdd, {"198.51.100.1/33", "nonsense"}},
        {K::Nameserver, {"inherit2"}},
        {K::Cpuunits, {"500001", "x"}},
        {K::Cpulimit, {"100001", "-1", "50x", "1000%"}},
        {K::Cpumask, {"x", "5000"}},
        {K::Meminfo, {"pages", "bogus:5", "pages:x", "privvmpages:-1", "nonesuch"}},
        {K::Netfilter, {"FULL"}},
        {K::DiskSpace, {"1G:unlimited", "x"}},
        {K::Capability, {"chown", "chown:maybe"}},
        {K::Features, {"nfs"}},
        {K::Devnodes, {"/dev/null:rw", "../x:rw", "null:", std::string("null\0x:rw", 9), "nu\x01ll:rw"}},
        {K::Devices, {"c:abc:3:rw", "x:1:3:rw", "c:1:3:rx", "c:1:3", "c:4096:0:rw", "b:07:0:rw"}},
        {K::PciAdd, {"00:20.0"}},
        {K::Ioprio, {"-1", "x"}},
        {K::Iolimit, {"fast"}},
        {K::Iopslimit, {"3000000000"}},
        {K::Layout, {"simfs:plain", "ploop:fast", "ploop:"}},
    };
    return table;
}

// How a config file holds the value `v` of row `p`: the veth options write one field of a NETIF device.
inline std::string stored_spelling(const vz::ParamDef& p, const std::string& v) {
    return p.kind == vz::Kind::NetifField ? "ifname=eth0," + p.netif_key + "=" + v : v;
}

// Options whose example needs a config of its own: --quotaugidlimit is refused on simfs (set_save_test.cpp).
inline const std::map<std::string, Example>& option_examples() {
    static const std::map<std::string, Example> table = {
        {"quotaugidlimit", {"VE_LAYOUT=\"ploop\"\n", {}, "42", "42", "-1", examples_detail::random_uint}}};
    return table;
}

// The example of a parameter row, or nullptr when its kind (or veth field) has none yet.
inline const Example* example_for(const vz::ParamDef& p) {
    if (auto it = option_examples().find(p.option); it != option_examples().end()) return &it->second;
    if (p.kind == vz::Kind::NetifField) {
        auto it = netif_field_examples().find(p.netif_key);
        return it == netif_field_examples().end() ? nullptr : &it->second;
    }
    auto it = kind_examples().find(p.kind);
    return it == kind_examples().end() ? nullptr : &it->second;
}

// The example of a row; a row whose kind has none is a test failure (the table grew a kind without one).
inline const Example& required_example(const vz::ParamDef& p) {
    auto* e = example_for(p);
    if (!e) throw std::runtime_error("no example for --" + p.option);
    return *e;
}

// A random value `p` accepts (its example's value when the kind has no generator).
inline std::string random_value(const vz::ParamDef& p, Rng& rng) {
    const Example* e = example_for(p);
    if (!e) return {};
    return e->random ? e->random(p, rng) : e->valid;
}

}  // namespace vztest
