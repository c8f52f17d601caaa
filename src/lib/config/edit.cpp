#include "config/edit.hpp"

#include <arpa/inet.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <array>
#include <climits>
#include <map>

#include "config/capabilities.hpp"
#include "util/error.hpp"

namespace vz {
namespace {

constexpr unsigned kCpumaskBits = 4096;
constexpr unsigned kNodemaskBits = 1024;

constexpr std::array kFeatures = {"sysfs", "nfs", "sit", "ipip", "ppp", "ipgre", "bridge", "nfsd"};

constexpr std::array kIptables = {
    "ip_tables", "iptable_filter", "iptable_mangle", "ipt_limit", "ipt_multiport", "ipt_tos", "ipt_TOS",
    "ipt_REJECT", "ipt_TCPMSS", "ipt_tcpmss", "ipt_ttl", "ipt_LOG", "ipt_length", "ip_conntrack",
    "ip_conntrack_ftp", "ip_conntrack_irc", "ipt_conntrack", "ipt_state", "ipt_helper", "iptable_nat",
    "ip_nat_ftp", "ip_nat_irc", "ipt_REDIRECT", "xt_mac", "ipt_recent", "ipt_owner"};

constexpr std::array kNetfilter = {"disabled", "stateless", "stateful", "full"};

template <typename Arr>
bool contains(const Arr& a, std::string_view s) {
    return std::find(a.begin(), a.end(), s) != a.end();
}

[[noreturn]] void bad(const ParamDef& p, std::string_view value) {
    fail(Exit::InvalidValue, "invalid value for --{}: '{}' (expected {})", p.option, value, accepted_form(p));
}

bool printable(std::string_view s) {
    return std::none_of(s.begin(), s.end(), [](char c) { return c == '\n' || c == '\0'; });
}

bool valid_ct_name(std::string_view s) {
    if (s.empty() || s == "." || s == ".." || parse_uint(s)) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == ' ' || c == '-' || c == '+' || c == '_' ||
               c == '.';
    });
}

bool valid_ifname(std::string_view s) {
    return !s.empty() && s.size() < 16 && std::none_of(s.begin(), s.end(), [](char c) {
        return c == '/' || c == ',' || c == ';' || c == '=' || c == ':' || std::isspace(static_cast<unsigned char>(c));
    });
}

bool valid_domain(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
    });
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

std::optional<std::string> pair_value(std::string_view s, Unit unit) {
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

// name:on|off entries, merged by name (later wins); `norm` maps a name to its stored spelling or "" if unknown.
template <typename Norm>
std::string merge_onoff(const std::string* old, std::string_view arg, const ParamDef& p, Norm norm,
                        std::vector<std::string>& warnings) {
    std::vector<std::pair<std::string, std::string>> entries;
    if (old)
        for (auto& e : split(*old, " ")) {
            auto c = e.find(':');
            if (c != std::string::npos) entries.emplace_back(e.substr(0, c), e.substr(c + 1));
        }
    for (auto& e : split(arg, ", ")) {
        auto c = e.find(':');
        if (c == std::string::npos) bad(p, arg);
        auto state = e.substr(c + 1);
        if (state != "on" && state != "off") bad(p, arg);
        auto name = norm(e.substr(0, c));
        if (name.empty()) {
            if (p.kind == Kind::Features) {
                warnings.push_back(fmt::format("unknown feature '{}' skipped", e.substr(0, c)));
                continue;
            }
            bad(p, arg);
        }
        auto it = std::find_if(entries.begin(), entries.end(), [&](auto& x) { return x.first == name; });
        if (it != entries.end()) it->second = state;
        else entries.emplace_back(name, state);
    }
    std::vector<std::string> out;
    for (auto& [n, s] : entries) out.push_back(n + ":" + s);
    return join(out, " ");
}

// Entries keyed by the text before the last ':' (devnodes "name:perm", devices "c:1:3:rw").
std::string merge_keyed(const std::string* old, const std::string& entry) {
    auto key = entry.substr(0, entry.rfind(':'));
    std::vector<std::string> out;
    bool replaced = false;
    if (old)
        for (auto& e : split(*old, " ")) {
            if (e.substr(0, e.rfind(':')) == key) {
                if (!replaced) out.push_back(entry);
                replaced = true;
            } else {
                out.push_back(e);
            }
        }
    if (!replaced) out.push_back(entry);
    return join(out, " ");
}

bool valid_perm(std::string_view perm) {
    if (perm == "none") return true;
    if (perm.empty()) return false;
    return std::all_of(perm.begin(), perm.end(), [](char c) { return c == 'r' || c == 'w' || c == 'q'; });
}

std::string devnode_entry(const ParamDef& p, std::string_view arg, const EditContext& ctx) {
    auto c = arg.rfind(':');
    if (c == std::string_view::npos) bad(p, arg);
    auto name = arg.substr(0, c);
    auto perm = arg.substr(c + 1);
    if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos || !valid_perm(perm))
        bad(p, arg);
    struct stat st;
    auto path = ctx.dev_root + "/" + std::string(name);
    if (::stat(path.c_str(), &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
        fail(Exit::InvalidValue, "invalid value for --devnodes: {} is not a device node", path);
    if (S_ISBLK(st.st_mode) && major(st.st_rdev) == 7)
        fail(Exit::InvalidValue, "--devnodes: loop devices (major 7) can't be given to a container");
    return std::string(arg);
}

std::string device_entry(const ParamDef& p, std::string_view arg) {
    auto parts = split(arg, ":");
    if (parts.size() != 4 || (parts[0] != "b" && parts[0] != "c") || !parse_uint(parts[1], 0, 4095) ||
        (parts[2] != "all" && !parse_uint(parts[2], 0, 1048575)) || !valid_perm(parts[3]))
        bad(p, arg);
    if (parts[0] == "b" && parts[1] == "7")
        fail(Exit::InvalidValue, "--devices: loop devices (major 7) can't be given to a container");
    return std::string(arg);
}

// One NETIF device: ordered key=value fields.
using NetifDev = std::vector<std::pair<std::string, std::string>>;

std::vector<NetifDev> parse_netif(const std::string* v) {
    std::vector<NetifDev> devs;
    if (!v) return devs;
    for (auto& d : split(*v, ";")) {
        NetifDev dev;
        for (auto& kv : split(d, ",")) {
            auto eq = kv.find('=');
            if (eq == std::string::npos) continue;
            dev.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
        }
        if (!dev.empty()) devs.push_back(std::move(dev));
    }
    return devs;
}

std::string format_netif(const std::vector<NetifDev>& devs) {
    std::vector<std::string> out;
    for (auto& d : devs) {
        std::vector<std::string> kv;
        for (auto& [k, v] : d) kv.push_back(k + "=" + v);
        out.push_back(join(kv, ","));
    }
    return join(out, ";");
}

std::string* netif_field(NetifDev& d, const std::string& key) {
    for (auto& [k, v] : d)
        if (k == key) return &v;
    return nullptr;
}

void set_netif_field(NetifDev& d, const std::string& key, const std::string& value) {
    if (auto* f = netif_field(d, key)) *f = value;
    else d.emplace_back(key, value);
}

std::string generated_mac(const std::string& ifname, unsigned ctid, const std::string& salt) {
    uint64_t h = 1469598103934665603ULL;  // FNV-1a
    for (char c : fmt::format("{}:{}:{}", ifname, ctid, salt)) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    return fmt::format("00:18:51:{:02X}:{:02X}:{:02X}", (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff);
}

std::string netif_add(const ParamDef& p, const std::string* old, std::string_view arg, const EditContext& ctx) {
    auto devs = parse_netif(old);
    for (auto& spec : split(arg, " ")) {
        auto f = std::vector<std::string>();
        size_t start = 0;
        for (;;) {  // keep empty fields: "eth0,,veth1"
            auto c = spec.find(',', start);
            f.push_back(spec.substr(start, c == std::string::npos ? std::string::npos : c - start));
            if (c == std::string::npos) break;
            start = c + 1;
        }
        if (f.size() > 5 || !valid_ifname(f[0])) bad(p, spec);
        f.resize(5);
        for (auto& d : devs)
            if (*netif_field(d, "ifname") == f[0])
                fail(Exit::InvalidValue, "--netif_add: the container already has a device {}", f[0]);
        std::string digits;
        for (char c : f[0])
            if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
        NetifDev d{{"ifname", f[0]}};
        auto mac = f[1].empty() ? generated_mac(f[0], ctx.ctid, ctx.host_id) : canonical_mac(f[1]).value_or("");
        auto host_if = f[2].empty() ? fmt::format("veth{}.{}", ctx.ctid, digits.empty() ? "0" : digits) : f[2];
        auto host_mac =
            f[3].empty() ? generated_mac(f[0], ctx.ctid, ctx.host_id + "/host") : canonical_mac(f[3]).value_or("");
        if (mac.empty() || host_mac.empty() || !valid_ifname(host_if) || (!f[4].empty() && !valid_ifname(f[4])))
            bad(p, spec);
        d.emplace_back("mac", mac);
        d.emplace_back("host_ifname", host_if);
        d.emplace_back("host_mac", host_mac);
        if (!f[4].empty()) d.emplace_back("bridge", f[4]);
        devs.push_back(std::move(d));
    }
    return format_netif(devs);
}

std::string list_add_ips(const ParamDef& p, const std::string* old, std::string_view arg) {
    auto list = old ? split(*old, " ") : std::vector<std::string>{};
    for (auto& a : split(arg, " ")) {
        auto ip = canonical_ip(a);
        if (!ip) bad(p, a);
        auto addr = ip->substr(0, ip->find('/'));
        if (addr == "0.0.0.0" || addr == "::") continue;
        std::erase_if(list, [&](const std::string& x) { return x.substr(0, x.find('/')) == addr; });
        list.push_back(*ip);
    }
    return join(list, " ");
}

std::string list_del_ips(const ParamDef& p, const std::string* old, std::string_view arg) {
    if (arg == "all") return "";
    auto list = old ? split(*old, " ") : std::vector<std::string>{};
    for (auto& a : split(arg, " ")) {
        auto ip = canonical_ip(a);
        if (!ip) bad(p, a);
        auto addr = ip->substr(0, ip->find('/'));
        std::erase_if(list, [&](const std::string& x) { return x.substr(0, x.find('/')) == addr; });
    }
    return join(list, " ");
}

std::string list_add(const std::string* old, const std::string& item) {
    auto list = old ? split(*old, " ") : std::vector<std::string>{};
    if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
    return join(list, " ");
}

std::string list_del(const std::string* old, const std::string& item) {
    auto list = old ? split(*old, " ") : std::vector<std::string>{};
    std::erase(list, item);
    return join(list, " ");
}

// The new config value for a plain (non-merging) parameter; nullopt = remove the key.
std::optional<std::string> plain_value(const ParamDef& p, std::string_view v, const EditContext& ctx,
                                       std::vector<std::string>& warnings) {
    switch (p.kind) {
        case Kind::Ubc: {
            bool clamped = false;
            auto pair = parse_ubc_pair(v, p.ubc->unit, &clamped);
            if (!pair) bad(p, v);
            if (clamped) warnings.push_back(fmt::format("--{}: value too large, set to unlimited", p.option));
            return format_ubc_pair(*pair);
        }
        case Kind::VswapSize: {
            if (v == "unlimited") return "0:unlimited";
            auto bytes = parse_size(v, 1);
            if (!bytes) bad(p, v);
            return "0:" + std::to_string((*bytes + page_size() - 1) / page_size());
        }
        case Kind::YesNo:
            if (!parse_yes_no(v)) bad(p, v);
            return std::string(v);
        case Kind::Uint:
            if (!parse_uint(v)) bad(p, v);
            return std::string(v);
        case Kind::Float: {
            auto d = parse_double(v);
            if (!d || *d < 0) bad(p, v);
            if (*d == 0) return std::nullopt;
            return fmt::format("{:g}", *d);
        }
        case Kind::Text:
            if (!printable(v)) bad(p, v);
            return std::string(v);
        case Kind::Path:
            if (v.empty() || v.front() != '/' || !printable(v)) bad(p, v);
            return std::string(v);
        case Kind::CtName:
            if (!valid_ct_name(v)) bad(p, v);
            return std::string(v);
        case Kind::Hostname:
            if (v.empty() || !printable(v) ||
                std::any_of(v.begin(), v.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); }))
                bad(p, v);
            return std::string(v);
        case Kind::Cpuunits:
            if (!parse_uint(v, 8, 500000)) bad(p, v);
            return std::string(v);
        case Kind::Cpulimit: {
            if (v.ends_with('%')) {
                auto n = parse_uint(v.substr(0, v.size() - 1), 0, 100);
                if (!n) bad(p, v);
                return std::to_string(*n * ctx.ncpus);
            }
            if (!parse_uint(v, 0, 100000)) bad(p, v);
            return std::string(v);
        }
        case Kind::Cpumask: {
            if (v == "all" || v == "auto") return std::string(v);
            auto m = parse_bitmap(v, kCpumaskBits);
            if (!m) bad(p, v);
            return format_bitmap(*m);
        }
        case Kind::Nodemask: {
            if (v == "all") return std::string(v);
            auto m = parse_bitmap(v, kNodemaskBits);
            if (!m) bad(p, v);
            return format_bitmap(*m);
        }
        case Kind::Meminfo: {
            if (v == "none") return std::string(v);
            auto c = v.find(':');
            auto mode = v.substr(0, c);
            if (c == std::string_view::npos || (mode != "pages" && mode != "privvmpages") ||
                !parse_uint(v.substr(c + 1), 1))
                bad(p, v);
            return std::string(v);
        }
        case Kind::Netfilter:
            if (!contains(kNetfilter, v)) bad(p, v);
            return std::string(v);
        case Kind::DiskSpace:
        case Kind::DiskInodes: {
            auto r = pair_value(v, p.kind == Kind::DiskSpace ? Unit::KiB : Unit::Items);
            if (!r) bad(p, v);
            return r;
        }
        case Kind::Ioprio:
            if (!parse_uint(v, 0, 7)) bad(p, v);
            return std::string(v);
        case Kind::Iolimit: {
            if (v == "unlimited") return "0";
            auto bytes = parse_size(v, 1ULL << 20, false);
            if (!bytes) bad(p, v);
            if (*bytes > INT_MAX) {
                warnings.push_back(fmt::format("--iolimit: {} is more than the maximum, set to {} bytes/s", v, INT_MAX));
                *bytes = INT_MAX;
            }
            return std::to_string(*bytes);
        }
        case Kind::Iopslimit:
            if (v == "unlimited") return "0";
            if (!parse_uint(v, 0, INT_MAX)) bad(p, v);
            return std::string(v);
        case Kind::Layout: {
            auto c = v.find(':');
            auto base = v.substr(0, c);
            auto mode = c == std::string_view::npos ? std::string_view{} : v.substr(c + 1);
            if (base == "simfs" && c == std::string_view::npos) return "simfs";
            if (base == "ploop" && (mode.empty() || mode == "expanded" || mode == "plain" || mode == "raw"))
                return "ploop";
            bad(p, v);
        }
        default:
            break;
    }
    bad(p, v);
}

}  // namespace

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

std::vector<std::string> apply_changes(ConfFile& conf, std::span<const Change> changes, const EditContext& ctx) {
    std::vector<std::string> warnings;
    // Options that replace a whole list collect every occurrence of this command first.
    std::map<const ParamDef*, std::vector<std::string>> whole_lists;
    std::string selected_if;
    for (auto& ch : changes) {
        const ParamDef& p = *ch.def;
        const std::string& key = p.conf_key;
        const std::string* old = conf.get(key);
        const std::string& v = ch.value;
        switch (p.kind) {
            case Kind::UserPasswd:
                if (v.find(':') == std::string::npos || v.front() == ':') bad(p, v);
                break;
            case Kind::IpAdd: conf.set(key, list_add_ips(p, old, v)); break;
            case Kind::IpDel: conf.set(key, list_del_ips(p, old, v)); break;
            case Kind::Nameserver:
            case Kind::Searchdomain:
                for (auto& item : split(v, " ,")) {
                    bool ok = item == "inherit" ||
                              (p.kind == Kind::Nameserver ? canonical_ip(item).has_value() : valid_domain(item));
                    if (!ok) bad(p, item);
                    whole_lists[&p].push_back(p.kind == Kind::Nameserver && item != "inherit" ? *canonical_ip(item)
                                                                                              : item);
                }
                conf.set(key, join(whole_lists[&p], " "));
                break;
            case Kind::Iptables: {
                for (auto& item : split(v, " ,")) {
                    if (!contains(kIptables, item)) {
                        warnings.push_back(fmt::format("unknown iptables module '{}' skipped", item));
                        continue;
                    }
                    whole_lists[&p].push_back(item);
                }
                conf.set(key, join(whole_lists[&p], " "));
                break;
            }
            case Kind::NetdevAdd:
            case Kind::NetdevDel:
                for (auto& dev : split(v, " ,")) {
                    if (!valid_ifname(dev) || dev.starts_with("venet") || dev.starts_with("tun") ||
                        dev.starts_with("tap") || dev.starts_with("lo"))
                        bad(p, dev);
                    conf.set(key, p.kind == Kind::NetdevAdd ? list_add(conf.get(key), dev) : list_del(conf.get(key), dev));
                }
                break;
            case Kind::PciAdd:
            case Kind::PciDel: {
                auto pci = canonical_pci(v);
                if (!pci) bad(p, v);
                conf.set(key, p.kind == Kind::PciAdd ? list_add(old, *pci) : list_del(old, *pci));
                break;
            }
            case Kind::Capability:
                conf.set(key, merge_onoff(old, v, p,
                                          [](const std::string& n) {
                                              auto l = to_lower(n);
                                              return find_capability(l) ? to_upper(l) : std::string();
                                          },
                                          warnings));
                break;
            case Kind::Features:
                conf.set(key, merge_onoff(old, v, p,
                                          [](const std::string& n) {
                                              auto l = to_lower(n);
                                              return contains(kFeatures, l) ? l : std::string();
                                          },
                                          warnings));
                break;
            case Kind::Devnodes:
                for (auto& e : split(v, " ,")) conf.set(key, merge_keyed(conf.get(key), devnode_entry(p, e, ctx)));
                break;
            case Kind::Devices:
                for (auto& e : split(v, " ,")) conf.set(key, merge_keyed(conf.get(key), device_entry(p, e)));
                break;
            case Kind::NetifAdd: conf.set(key, netif_add(p, old, v, ctx)); break;
            case Kind::NetifDel: {
                if (v == "all") {
                    conf.set(key, "");
                    break;
                }
                auto devs = parse_netif(old);
                auto n = devs.size();
                std::erase_if(devs, [&](NetifDev& d) { return *netif_field(d, "ifname") == v; });
                if (n == devs.size()) fail(Exit::InvalidValue, "--netif_del: the container has no device {}", v);
                conf.set(key, format_netif(devs));
                break;
            }
            case Kind::NetifSelect: {
                auto devs = parse_netif(old);
                if (std::none_of(devs.begin(), devs.end(), [&](NetifDev& d) { return *netif_field(d, "ifname") == v; }))
                    fail(Exit::InvalidValue, "--ifname: the container has no device {}", v);
                selected_if = v;
                break;
            }
            case Kind::NetifField: {
                if (selected_if.empty()) fail(Exit::InvalidSyntax, "--{} needs --ifname before it", p.option);
                std::optional<std::string> val;
                if (p.netif_key == "mac" || p.netif_key == "host_mac") val = canonical_mac(v);
                else if (p.netif_key == "mac_filter") val = (v == "on" || v == "off") ? std::optional(v) : std::nullopt;
                else if (valid_ifname(v)) val = v;
                if (!val) bad(p, v);
                auto devs = parse_netif(old);
                for (auto& d : devs)
                    if (*netif_field(d, "ifname") == selected_if) set_netif_field(d, p.netif_key, *val);
                conf.set(key, format_netif(devs));
                break;
            }
            default: {
                auto nv = plain_value(p, v, ctx, warnings);
                if (nv) conf.set(key, *nv);
                else conf.erase(key);
            }
        }
    }
    return warnings;
}

void validate_config(const ConfFile& conf) {
    for (auto& key : conf.keys()) {
        const ParamDef* p = find_param_by_key(key);
        if (!p) continue;
        const std::string& v = *conf.get(key);
        if (v.empty()) continue;
        bool ok = true;
        switch (p->kind) {
            case Kind::Ubc: ok = parse_ubc_pair(v, p->ubc->unit).has_value(); break;
            case Kind::YesNo: ok = parse_yes_no(v).has_value(); break;
            case Kind::Uint:
            case Kind::Cpulimit:
            case Kind::Iolimit:
            case Kind::Iopslimit: ok = parse_uint(v).has_value(); break;
            case Kind::Float: ok = parse_double(v).has_value(); break;
            case Kind::Cpuunits: ok = parse_uint(v, 8, 500000).has_value(); break;
            case Kind::Ioprio: ok = parse_uint(v, 0, 7).has_value(); break;
            case Kind::Netfilter: ok = contains(kNetfilter, v); break;
            case Kind::DiskSpace: ok = pair_value(v, Unit::KiB).has_value(); break;
            case Kind::DiskInodes: ok = pair_value(v, Unit::Items).has_value(); break;
            case Kind::Cpumask: ok = v == "all" || v == "auto" || parse_bitmap(v, kCpumaskBits).has_value(); break;
            case Kind::Nodemask: ok = v == "all" || parse_bitmap(v, kNodemaskBits).has_value(); break;
            case Kind::IpAdd:
                for (auto& ip : split(v, " ")) ok = ok && canonical_ip(ip).has_value();
                break;
            default: break;
        }
        if (!ok)
            fail(Exit::InvalidValue, "{}: {}=\"{}\": expected {}", conf.origin(), key, v, accepted_form(*p));
    }
}

}  // namespace vz
