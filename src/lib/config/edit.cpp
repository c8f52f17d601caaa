#include "config/edit.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <climits>
#include <map>

#include "config/capabilities.hpp"
#include "config/kinds.hpp"
#include "util/strings.hpp"
#include "util/error.hpp"

namespace vz {
namespace {

[[noreturn]] void bad(const ParamDef& p, std::string_view value) {
    fail(Exit::InvalidValue, "invalid value for --{}: '{}' (expected {})", p.option, value, accepted_form(p));
}

void check(const ParamDef& p, std::string_view value) {
    if (!valid_value(p, value)) bad(p, value);
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
        if (!valid_value(p, e)) bad(p, arg);
        auto c = e.find(':');
        auto state = e.substr(c + 1);
        auto name = norm(e.substr(0, c));
        if (name.empty()) {  // only features: unknown capabilities are invalid
            warnings.push_back(fmt::format("unknown feature '{}' skipped", e.substr(0, c)));
            continue;
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

std::string devnode_entry(const ParamDef& p, std::string_view arg, const EditContext& ctx) {
    check(p, arg);
    auto name = arg.substr(0, arg.rfind(':'));
    struct stat st;
    auto path = ctx.dev_root + "/" + std::string(name);
    if (::stat(path.c_str(), &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
        fail(Exit::InvalidValue, "invalid value for --devnodes: {} is not a device node", path);
    if (S_ISBLK(st.st_mode) && major(st.st_rdev) == 7)
        fail(Exit::InvalidValue, "--devnodes: loop devices (major 7) can't be given to a container");
    return std::string(arg);
}

std::string device_entry(const ParamDef& p, std::string_view arg) {
    if (loop_device(arg)) fail(Exit::InvalidValue, "--devices: loop devices (major 7) can't be given to a container");
    check(p, arg);
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
    uint64_t h = fnv1a(fmt::format("{}:{}:{}", ifname, ctid, salt));
    return fmt::format("00:18:51:{:02X}:{:02X}:{:02X}", (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff);
}

std::string netif_add(const ParamDef& p, const std::string* old, std::string_view arg, const EditContext& ctx) {
    auto devs = parse_netif(old);
    for (auto& spec : split(arg, " ")) {
        check(p, spec);
        auto f = netif_spec_fields(spec);
        f.resize(5);
        for (auto& d : devs)
            if (*netif_field(d, "ifname") == f[0])
                fail(Exit::InvalidValue, "--netif_add: the container already has a device {}", f[0]);
        std::string digits;
        for (char c : f[0])
            if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
        NetifDev d{{"ifname", f[0]}};
        auto mac = f[1].empty() ? generated_mac(f[0], ctx.ctid, ctx.host_id) : *canonical_mac(f[1]);
        auto host_if = f[2].empty() ? fmt::format("veth{}.{}", ctx.ctid, digits.empty() ? "0" : digits) : f[2];
        // The made-up name of a long CTID or device name can pass IFNAMSIZ: saved, the config would not load.
        if (!valid_ifname(host_if))
            fail(Exit::InvalidValue,
                 "--netif_add: the host interface name {} would be longer than 15 characters; name it: {},,NAME",
                 host_if, f[0]);
        auto host_mac = f[3].empty() ? generated_mac(f[0], ctx.ctid, ctx.host_id + "/host") : *canonical_mac(f[3]);
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
        check(p, a);
        auto ip = canonical_ip(a);
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
        check(p, a);
        auto ip = canonical_ip(a);
        if (!ip) bad(p, a);  // "all" stands alone
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
    check(p, v);
    switch (p.kind) {
        case Kind::Ubc: {
            bool clamped = false;
            auto pair = parse_ubc_pair(v, p.ubc->unit, &clamped);
            if (clamped) warnings.push_back(fmt::format("--{}: value too large, set to unlimited", p.option));
            return format_ubc_pair(*pair);
        }
        case Kind::VswapSize: {
            if (v == "unlimited") return "0:unlimited";
            // Rounded up to whole pages; (bytes + page - 1) would wrap near 2^64 to a limit of 0.
            auto bytes = *parse_size(v, 1);
            return "0:" + std::to_string(bytes / page_size() + (bytes % page_size() != 0));
        }
        case Kind::Float:
            if (*parse_double(v) == 0) return std::nullopt;
            return fmt::format("{:g}", *parse_double(v));
        case Kind::Cpulimit:
            if (v.ends_with('%')) return std::to_string(*parse_uint(v.substr(0, v.size() - 1)) * ctx.ncpus);
            return std::string(v);
        case Kind::Cpumask:
        case Kind::Nodemask:
            if (v == "all" || v == "auto") return std::string(v);
            return format_bitmap(*parse_bitmap(v, p.kind == Kind::Cpumask ? kCpumaskBits : kNodemaskBits));
        case Kind::DiskSpace:
        case Kind::DiskInodes: return disk_pair(v, p.kind == Kind::DiskSpace ? Unit::KiB : Unit::Items);
        case Kind::Iolimit: {
            if (v == "unlimited") return "0";
            auto bytes = *parse_size(v, 1ULL << 20, false);
            if (bytes > INT_MAX) {
                warnings.push_back(fmt::format("--iolimit: {} is more than the maximum, set to {} bytes/s", v, INT_MAX));
                bytes = INT_MAX;
            }
            return std::to_string(bytes);
        }
        case Kind::Iopslimit: return v == "unlimited" ? "0" : std::string(v);
        case Kind::Layout: return std::string(v.substr(0, v.find(':')));  // the ploop mode is a create-time choice
        default: return std::string(v);
    }
}

// What one command's changes share: options that replace a whole list collect every occurrence first; the NETIF
// field options change the device --ifname selected last.
struct EditState {
    const EditContext& ctx;
    std::vector<std::string> warnings;
    std::map<const ParamDef*, std::vector<std::string>> whole_lists;
    std::string selected_if;
};

// A change of a list: addresses, name servers, host devices, PCI, capabilities, features, device nodes. False
// when `p` is not a list.
bool apply_list(ConfFile& conf, const ParamDef& p, const std::string& v, EditState& st) {
    const std::string& key = p.conf_key;
    const std::string* old = conf.get(key);
    switch (p.kind) {
        case Kind::IpAdd: conf.set(key, list_add_ips(p, old, v)); return true;
        case Kind::IpDel: conf.set(key, list_del_ips(p, old, v)); return true;
        case Kind::Nameserver:
        case Kind::Searchdomain:
            for (auto& item : split(v, " ,")) {
                check(p, item);
                st.whole_lists[&p].push_back(p.kind == Kind::Nameserver && item != "inherit" ? *canonical_ip(item)
                                                                                          : item);
            }
            conf.set(key, join(st.whole_lists[&p], " "));
            return true;
        case Kind::Iptables: {
            for (auto& item : split(v, " ,")) {
                if (!known_iptables_module(item)) {
                    st.warnings.push_back(fmt::format("unknown iptables module '{}' skipped", item));
                    continue;
                }
                st.whole_lists[&p].push_back(item);
            }
            conf.set(key, join(st.whole_lists[&p], " "));
            return true;
        }
        case Kind::NetdevAdd:
        case Kind::NetdevDel:
            for (auto& dev : split(v, " ,")) {
                check(p, dev);
                conf.set(key, p.kind == Kind::NetdevAdd ? list_add(conf.get(key), dev) : list_del(conf.get(key), dev));
            }
            return true;
        case Kind::PciAdd:
        case Kind::PciDel: {
            check(p, v);
            auto pci = canonical_pci(v);
            conf.set(key, p.kind == Kind::PciAdd ? list_add(old, *pci) : list_del(old, *pci));
            return true;
        }
        case Kind::Capability:
            conf.set(key, merge_onoff(old, v, p,
                                      [](const std::string& n) {
                                          auto l = to_lower(n);
                                          return find_capability(l) ? to_upper(l) : std::string();
                                      },
                                      st.warnings));
            return true;
        case Kind::Features:
            conf.set(key, merge_onoff(old, v, p,
                                      [](const std::string& n) {
                                          auto l = to_lower(n);
                                          return known_feature(l) ? l : std::string();
                                      },
                                      st.warnings));
            return true;
        case Kind::Devnodes:
            for (auto& e : split(v, " ,")) conf.set(key, merge_keyed(conf.get(key), devnode_entry(p, e, st.ctx)));
            return true;
        case Kind::Devices:
            for (auto& e : split(v, " ,")) conf.set(key, merge_keyed(conf.get(key), device_entry(p, e)));
            return true;
        default: return false;
    }
}

// A change of the NETIF devices or of a field of one. False when `p` is none of these.
bool apply_netif(ConfFile& conf, const ParamDef& p, const std::string& v, EditState& st) {
    const std::string& key = p.conf_key;
    const std::string* old = conf.get(key);
    switch (p.kind) {
        case Kind::NetifAdd: conf.set(key, netif_add(p, old, v, st.ctx)); return true;
        case Kind::NetifDel: {
            if (v == "all") {
                conf.set(key, "");
                return true;
            }
            check(p, v);
            auto devs = parse_netif(old);
            auto n = devs.size();
            std::erase_if(devs, [&](NetifDev& d) { return *netif_field(d, "ifname") == v; });
            if (n == devs.size()) fail(Exit::InvalidValue, "--netif_del: the container has no device {}", v);
            conf.set(key, format_netif(devs));
            return true;
        }
        case Kind::NetifSelect: {
            check(p, v);
            auto devs = parse_netif(old);
            if (std::none_of(devs.begin(), devs.end(), [&](NetifDev& d) { return *netif_field(d, "ifname") == v; }))
                fail(Exit::InvalidValue, "--ifname: the container has no device {}", v);
            st.selected_if = v;
            return true;
        }
        case Kind::NetifField: {
            if (st.selected_if.empty()) fail(Exit::InvalidSyntax, "--{} needs --ifname before it", p.option);
            check(p, v);
            auto val = p.netif_key == "mac" || p.netif_key == "host_mac" ? *canonical_mac(v) : std::string(v);
            auto devs = parse_netif(old);
            for (auto& d : devs)
                if (*netif_field(d, "ifname") == st.selected_if) set_netif_field(d, p.netif_key, val);
            conf.set(key, format_netif(devs));
            return true;
        }
        default: return false;
    }
}

}  // namespace

std::vector<std::string> apply_changes(ConfFile& conf, std::span<const Change> changes, const EditContext& ctx) {
    EditState st{ctx, {}, {}, {}};
    for (auto& ch : changes) {
        const ParamDef& p = *ch.def;
        if (p.kind == Kind::UserPasswd) {
            check(p, ch.value);
            continue;
        }
        if (apply_list(conf, p, ch.value, st) || apply_netif(conf, p, ch.value, st)) continue;
        auto nv = plain_value(p, ch.value, ctx, st.warnings);
        if (nv) conf.set(p.conf_key, *nv);
        else conf.erase(p.conf_key);
    }
    return st.warnings;
}

std::vector<BadValue> bad_values(const ConfFile& conf) {
    std::vector<BadValue> out;
    for (auto& key : conf.keys()) {
        const ParamDef* p = find_param_by_key(key);
        const std::string& v = *conf.get(key);
        if (!p || v.empty() || valid_stored(*p, v)) continue;
        out.push_back({p, fmt::format("{}: {}=\"{}\": expected {}", conf.origin(), key, v, accepted_form(*p))});
    }
    return out;
}

void validate_config(const ConfFile& conf) {
    auto bad = bad_values(conf);
    if (!bad.empty()) throw Error(Exit::InvalidValue, bad.front().message);
}

}  // namespace vz
