#include "config/kinds.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>

#include <fmt/format.h>

#include "config/capabilities.hpp"
#include "config/units.hpp"

namespace vz {
namespace {

constexpr std::array kFeatures = {"sysfs", "nfs", "sit", "ipip", "ppp", "ipgre", "bridge", "nfsd"};

constexpr std::array kIptables = {
    "ip_tables", "iptable_filter", "iptable_mangle", "ipt_limit", "ipt_multiport", "ipt_tos", "ipt_TOS",
    "ipt_REJECT", "ipt_TCPMSS", "ipt_tcpmss", "ipt_ttl", "ipt_LOG", "ipt_length", "ip_conntrack",
    "ip_conntrack_ftp", "ip_conntrack_irc", "ipt_conntrack", "ipt_state", "ipt_helper", "iptable_nat",
    "ip_nat_ftp", "ip_nat_irc", "ipt_REDIRECT", "xt_mac", "ipt_recent", "ipt_owner"};

constexpr std::array kNetfilter = {"disabled", "stateless", "stateful", "full"};

constexpr std::array kLayouts = {"simfs", "ploop"};
constexpr std::array kPloopModes = {"expanded", "plain", "raw"};  // ploop:MODE

template <typename Arr>
bool contains(const Arr& a, std::string_view s) {
    return std::find(a.begin(), a.end(), s) != a.end();
}

bool printable(std::string_view s) {
    return std::none_of(s.begin(), s.end(), [](char c) { return c == '\n' || c == '\0'; });
}

// The kernel's limit of a host name (HOST_NAME_MAX): a longer one would be saved and then fail every start.
constexpr size_t kHostNameMax = 64;

bool valid_hostname(std::string_view s) {
    return !s.empty() && s.size() <= kHostNameMax && printable(s) &&
           std::none_of(s.begin(), s.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

bool valid_ct_name(std::string_view s) {
    if (s.empty() || s == "." || s == ".." || parse_uint(s)) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == ' ' || c == '-' || c == '+' || c == '_' ||
               c == '.';
    });
}

bool valid_domain(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
    });
}

bool valid_perm(std::string_view perm) {
    if (perm == "none") return true;
    if (perm.empty()) return false;
    return std::all_of(perm.begin(), perm.end(), [](char c) { return c == 'r' || c == 'w' || c == 'q'; });
}

bool valid_mask(std::string_view v, unsigned bits, bool auto_ok) {
    return v == "all" || (auto_ok && v == "auto") || parse_bitmap(v, bits).has_value();
}

// name:on|off; `known` says whether the name is one of the kind's (features skip unknown names with a warning).
bool valid_onoff(std::string_view e, bool (*known)(std::string_view)) {
    auto c = e.find(':');
    if (c == std::string_view::npos || c == 0) return false;
    auto state = e.substr(c + 1);
    return (state == "on" || state == "off") && (!known || known(to_lower(std::string(e.substr(0, c)))));
}

bool known_capability(std::string_view lower_name) { return find_capability(lower_name) != nullptr; }

bool valid_devnode(std::string_view e) {
    auto c = e.rfind(':');
    if (c == std::string_view::npos) return false;
    auto name = e.substr(0, c);
    // A name is one word of printable characters: the list is space- or comma-separated, and a NUL would cut the path
    // that is looked up short of the name that is stored.
    auto printable = [](char ch) { return ch > ' ' && ch < 0x7f && ch != ','; };
    return !name.empty() && name.front() != '/' && name.find("..") == std::string_view::npos &&
           std::ranges::all_of(name, printable) && valid_perm(e.substr(c + 1));
}

// Loop devices (block major 7) would reach host files, so no container gets them.
bool valid_device(std::string_view e) {
    auto parts = split(e, ":");
    return parts.size() == 4 && (parts[0] == "b" || parts[0] == "c") && parse_uint(parts[1], 0, 4095) &&
           (parts[2] == "all" || parse_uint(parts[2], 0, 1048575)) && valid_perm(parts[3]) && !loop_device(e);
}

bool valid_meminfo(std::string_view v) {
    if (v == "none") return true;
    auto c = v.find(':');
    auto mode = v.substr(0, c);
    return c != std::string_view::npos && (mode == "pages" || mode == "privvmpages") &&
           parse_uint(v.substr(c + 1), 1).has_value();
}

bool valid_layout(std::string_view v) {
    auto c = v.find(':');
    auto base = v.substr(0, c);
    if (c == std::string_view::npos) return contains(kLayouts, base);
    return base == "ploop" && contains(kPloopModes, v.substr(c + 1));
}

template <typename Names>
std::vector<std::string> on_off(const Names& names) {
    std::vector<std::string> out;
    for (std::string_view n : names)
        for (auto* state : {":on", ":off"}) out.push_back(std::string(n) + state);
    return out;
}

bool valid_netif_spec(std::string_view spec) {
    auto f = netif_spec_fields(spec);
    if (f.size() > 5 || !valid_ifname(f[0])) return false;
    f.resize(5);
    return (f[1].empty() || canonical_mac(f[1])) && (f[2].empty() || valid_ifname(f[2])) &&
           (f[3].empty() || canonical_mac(f[3])) && (f[4].empty() || valid_ifname(f[4]));
}

bool valid_netif_field(std::string_view key, std::string_view v) {
    if (key == "mac" || key == "host_mac") return canonical_mac(v).has_value();
    if (key == "mac_filter") return v == "on" || v == "off";
    return valid_ifname(v);
}

// One stored NETIF device: key=value fields, the veth options' values checked by their own rules. Unknown keys
// are kept: a newer vzctl may have written them.
bool valid_stored_netif(std::string_view dev) {
    bool named = false;
    for (auto& kv : split(dev, ",")) {
        auto eq = kv.find('=');
        if (eq == std::string::npos) return false;
        auto key = kv.substr(0, eq);
        auto* field = find_param(key);
        if (key == "ifname") named = valid_ifname(kv.substr(eq + 1));
        else if (field && field->kind == Kind::NetifField && !valid_netif_field(key, kv.substr(eq + 1))) return false;
    }
    return named;
}

bool valid_number_kind(const ParamDef& p, std::string_view v) {
    switch (p.kind) {
        case Kind::Ubc: return parse_ubc_pair(v, p.ubc->unit).has_value();
        case Kind::VswapSize: return v == "unlimited" || parse_size(v, 1).has_value();
        case Kind::Uint: return parse_uint(v).has_value();
        case Kind::Float: return parse_double(v).value_or(-1) >= 0;
        case Kind::Cpuunits: return parse_uint(v, 8, 500000).has_value();
        case Kind::Cpulimit:
            return v.ends_with('%') ? parse_uint(v.substr(0, v.size() - 1), 0, 100).has_value()
                                    : parse_uint(v, 0, 100000).has_value();
        case Kind::DiskSpace: return disk_pair(v, Unit::KiB).has_value();
        case Kind::DiskInodes: return disk_pair(v, Unit::Items).has_value();
        case Kind::Ioprio: return parse_uint(v, 0, 7).has_value();
        case Kind::Iolimit: return v == "unlimited" || parse_size(v, 1ULL << 20, false).has_value();
        case Kind::Iopslimit: return v == "unlimited" || parse_uint(v, 0, INT_MAX).has_value();
        default: return false;
    }
}

}  // namespace

bool valid_netdev(std::string_view d) {
    return valid_ifname(d) && !d.starts_with("venet") && !d.starts_with("tun") && !d.starts_with("tap") &&
           !d.starts_with("lo");
}

bool valid_value(const ParamDef& p, std::string_view v) {
    switch (p.kind) {
        case Kind::YesNo: return parse_yes_no(v).has_value();
        case Kind::Text: return printable(v);
        case Kind::Path: return !v.empty() && v.front() == '/' && printable(v);
        case Kind::CtName: return valid_ct_name(v);
        case Kind::Hostname: return valid_hostname(v);
        case Kind::IpAdd: return canonical_ip(v).has_value();
        case Kind::IpDel: return v == "all" || canonical_ip(v);
        case Kind::Nameserver: return v == "inherit" || canonical_ip(v);
        case Kind::Searchdomain: return v == "inherit" || valid_domain(v);
        case Kind::NetdevAdd:
        case Kind::NetdevDel: return valid_netdev(v);
        case Kind::NetifAdd: return valid_netif_spec(v);
        case Kind::NetifDel: return v == "all" || valid_ifname(v);
        case Kind::NetifSelect: return valid_ifname(v);
        case Kind::NetifField: return valid_netif_field(p.netif_key, v);
        case Kind::Cpumask: return valid_mask(v, kCpumaskBits, true);
        case Kind::Nodemask: return valid_mask(v, kNodemaskBits, false);
        case Kind::Meminfo: return valid_meminfo(v);
        case Kind::Netfilter: return contains(kNetfilter, v);
        case Kind::Iptables: return !v.empty();  // unknown modules are skipped with a warning, not refused
        case Kind::Capability: return valid_onoff(v, known_capability);
        case Kind::Features: return valid_onoff(v, nullptr);
        case Kind::Devnodes: return valid_devnode(v);
        case Kind::Devices: return valid_device(v);
        case Kind::PciAdd:
        case Kind::PciDel: return canonical_pci(v).has_value();
        case Kind::Layout: return valid_layout(v);
        case Kind::UserPasswd: return !v.empty() && v.front() != ':' && v.find(':') != std::string_view::npos;
        default: return valid_number_kind(p, v);
    }
}

bool valid_stored(const ParamDef& p, std::string_view value) {
    switch (p.kind) {
        // Stored as plain integers; the other spellings of the command line (N%, sizes, unlimited) are converted.
        case Kind::Cpulimit:
        case Kind::Iolimit:
        case Kind::Iopslimit: return parse_uint(value) && valid_value(p, value);
        case Kind::Layout: return value.find(':') == std::string_view::npos && valid_value(p, value);
        case Kind::NetifAdd:
            return std::ranges::all_of(split(value, ";"), valid_stored_netif);
        case Kind::IpAdd:
        case Kind::Nameserver:
        case Kind::Searchdomain:
        case Kind::NetdevAdd:
        case Kind::Iptables:
        case Kind::Capability:
        case Kind::Features:
        case Kind::Devnodes:
        case Kind::Devices:
        case Kind::PciAdd:
            return std::ranges::all_of(split(value, " "), [&](const std::string& item) { return valid_value(p, item); });
        default: return valid_value(p, value);
    }
}

ValueWords value_words(const ParamDef& p) {
    switch (p.kind) {
        case Kind::YesNo: return {{"yes", "no"}};
        case Kind::Netfilter: return {{kNetfilter.begin(), kNetfilter.end()}};
        case Kind::Iptables: return {{kIptables.begin(), kIptables.end()}, ','};
        case Kind::Capability: return {on_off(capability_names()), ','};
        case Kind::Features: return {on_off(kFeatures), ','};
        case Kind::Layout: {
            ValueWords w{{kLayouts.begin(), kLayouts.end()}};
            for (auto* mode : kPloopModes) w.words.push_back(std::string("ploop:") + mode);
            return w;
        }
        case Kind::NetifField:
            if (p.netif_key == "mac_filter") return {{"on", "off"}};
            return {};
        case Kind::Cpumask: return {{"all", "auto"}};
        case Kind::Nodemask: return {{"all"}};
        case Kind::Meminfo: return {{"none"}};
        case Kind::IpDel:
        case Kind::NetifDel: return {{"all"}};
        case Kind::Nameserver:
        case Kind::Searchdomain: return {{"inherit"}};
        case Kind::Ubc:
        case Kind::VswapSize:
        case Kind::Iolimit:
        case Kind::Iopslimit: return {{"unlimited"}};
        default: return {};
    }
}

std::string accepted_form(const ParamDef& p) {
    switch (p.kind) {
        case Kind::Ubc:
            switch (p.ubc->unit) {
                case Unit::Items: return "an integer number of items, or barrier:limit, or unlimited";
                case Unit::Pages: return "pages, or a size with K/M/G/T suffix, as V or barrier:limit, or unlimited";
                default: return "bytes, or a size with K/M/G/T/P suffix, as V or barrier:limit, or unlimited";
            }
        case Kind::VswapSize: return "a size in bytes with optional K/M/G/T suffix, or unlimited";
        case Kind::YesNo: return "yes or no";
        case Kind::Uint: return "a non-negative integer";
        case Kind::Float: return "a non-negative number";
        case Kind::Path: return "an absolute path";
        case Kind::CtName: return "letters, digits, space and -+_. (not only digits)";
        case Kind::Hostname: return "a host name without blanks, at most 64 characters";
        case Kind::IpAdd: return "an IPv4 or IPv6 address with optional /prefix";
        case Kind::IpDel: return "an IP address or all";
        case Kind::Cpuunits: return "an integer from 8 to 500000";
        case Kind::Cpulimit: return "N (percent of one CPU) or N% (percent of the host, N <= 100)";
        case Kind::Cpumask: return "all, auto, or a list like 0-2,7";
        case Kind::Nodemask: return "all or a list like 0-1";
        case Kind::Meminfo: return "none, pages:N or privvmpages:N";
        case Kind::Netfilter: return "disabled, stateless, stateful or full";
        case Kind::DiskSpace: return "soft[:hard] in KiB, or sizes with K/M/G/T suffix";
        case Kind::DiskInodes: return "soft[:hard] inode counts";
        case Kind::Capability: return "name:on or name:off, comma separated";
        case Kind::Features: return "name:on or name:off, comma separated";
        case Kind::Devnodes: return "name:[r][w][q] or name:none, name relative to /dev";
        case Kind::Devices: return "b|c:major:minor|all:[r][w][q] or ...:none";
        case Kind::PciAdd:
        case Kind::PciDel: return "[domain:]bus:slot.func in hex";
        case Kind::Ioprio: return "an integer from 0 to 7";
        case Kind::Iolimit: return "N (MB/s), N with B/K/M/G suffix, or unlimited";
        case Kind::Iopslimit: return "a non-negative integer or unlimited";
        case Kind::Layout: return "simfs or ploop[:expanded|plain|raw]";
        case Kind::NetifAdd: return "ifname[,mac,host_ifname,host_mac,bridge]";
        case Kind::NetifDel: return "an interface name or all";
        case Kind::NetifSelect: return "an interface name";
        case Kind::NetifField:
            return p.netif_key == "mac_filter" ? "on or off"
                   : (p.netif_key == "mac" || p.netif_key == "host_mac") ? "a MAC address XX:XX:XX:XX:XX:XX"
                                                                         : "an interface name";
        case Kind::NetdevAdd:
        case Kind::NetdevDel: return "a host network interface name";
        case Kind::Nameserver: return "an IP address or inherit";
        case Kind::Searchdomain: return "a domain name or inherit";
        case Kind::Iptables: return "iptables module names";
        case Kind::UserPasswd: return "user:password";
        case Kind::Text: return "text";
    }
    return "a valid value";
}

std::optional<std::string> canonical_ip(std::string_view s) {
    auto slash = s.find('/');
    std::string addr(s.substr(0, slash));
    unsigned char buf[16];
    char text[INET6_ADDRSTRLEN];
    int af = addr.find(':') != std::string::npos ? AF_INET6 : AF_INET;
    if (::inet_pton(af, addr.c_str(), buf) != 1) return std::nullopt;
    ::inet_ntop(af, buf, text, sizeof text);
    std::string out = text;
    if (slash != std::string_view::npos) {
        auto prefix = parse_uint(s.substr(slash + 1), 0, af == AF_INET ? 32 : 128);
        if (!prefix) return std::nullopt;
        out += "/" + std::to_string(*prefix);
    }
    return out;
}

std::optional<std::string> canonical_mac(std::string_view s) {
    auto parts = split(s, ":");
    if (parts.size() != 6 || s.size() != 17) return std::nullopt;
    std::string out;
    for (auto& p : parts) {
        if (p.size() != 2 || !std::isxdigit(static_cast<unsigned char>(p[0])) ||
            !std::isxdigit(static_cast<unsigned char>(p[1])))
            return std::nullopt;
        if (!out.empty()) out += ':';
        out += to_upper(p);
    }
    return out;
}

std::optional<std::string> canonical_pci(std::string_view s) {
    unsigned dom = 0, bus = 0, slot = 0, func = 0;
    std::string str(s);
    char tail = 0;
    if (std::sscanf(str.c_str(), "%x:%x:%x.%x%c", &dom, &bus, &slot, &func, &tail) == 4) {
    } else if (dom = 0; std::sscanf(str.c_str(), "%x:%x.%x%c", &bus, &slot, &func, &tail) == 3) {
    } else {
        return std::nullopt;
    }
    if (dom > 0xffff || bus > 0xff || slot > 0x1f || func > 7) return std::nullopt;
    return fmt::format("{:04x}:{:02x}:{:02x}.{}", dom, bus, slot, func);
}

std::optional<std::string> disk_pair(std::string_view s, Unit unit) {
    auto colon = s.find(':');
    auto soft = parse_ubc_value(s.substr(0, colon), unit);
    if (!soft || *soft == kUnlimited || s.starts_with("unlimited")) return std::nullopt;
    auto hard = soft;
    if (colon != std::string_view::npos) {
        auto h = s.substr(colon + 1);
        if (h == "unlimited") return std::nullopt;
        hard = parse_ubc_value(h, unit);
    }
    if (!hard) return std::nullopt;
    return std::to_string(*soft) + ":" + std::to_string(*hard);
}

bool valid_ifname(std::string_view s) {
    return !s.empty() && s.size() < 16 && std::none_of(s.begin(), s.end(), [](char c) {
        return c == '/' || c == ',' || c == ';' || c == '=' || c == ':' || std::isspace(static_cast<unsigned char>(c));
    });
}

std::vector<std::string> netif_spec_fields(std::string_view spec) {
    std::vector<std::string> f;
    size_t start = 0;
    for (;;) {
        auto c = spec.find(',', start);
        f.emplace_back(spec.substr(start, c == std::string_view::npos ? std::string_view::npos : c - start));
        if (c == std::string_view::npos) return f;
        start = c + 1;
    }
}

bool loop_device(std::string_view device_entry) {
    auto parts = split(device_entry, ":");
    return parts.size() > 1 && parts[0] == "b" && parse_uint(parts[1]) == 7u;
}

bool known_feature(std::string_view lower_name) { return contains(kFeatures, lower_name); }

bool known_iptables_module(std::string_view name) { return contains(kIptables, name); }

}  // namespace vz
