#include "net/veth.hpp"

#include <linux/if.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>

#include "net/arp.hpp"
#include "net/netlink.hpp"
#include "net/venet.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/scope.hpp"
#include "util/strings.hpp"

namespace vz::net {
namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// "XX:XX:XX:XX:XX:XX" (as the config stores it); nullopt for anything else.
std::optional<Mac> parse_mac(const std::string& s) {
    if (s.size() != 17) return std::nullopt;
    Mac m{};
    for (size_t i = 0; i < 6; ++i) {
        int hi = hex_digit(s[i * 3]), lo = hex_digit(s[i * 3 + 1]);
        if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':')) return std::nullopt;
        m[i] = static_cast<uint8_t>(hi * 16 + lo);
    }
    return m;
}

std::string alias_prefix(const VethConfig& c) { return fmt::format("vzctl CT {} ", c.ctid); }

std::string alias_of(const VethConfig& c, const VethDev& d) { return alias_prefix(c) + d.ifname + " " + c.tag; }

// The container-side name of a host end of this container's, by its alias; nullopt for any other link.
std::optional<std::string> ours(const Link& l, const VethConfig& c) {
    auto prefix = alias_prefix(c), suffix = " " + c.tag;
    if (l.alias.size() <= prefix.size() + suffix.size() || !l.alias.starts_with(prefix) || !l.alias.ends_with(suffix))
        return std::nullopt;
    return l.alias.substr(prefix.size(), l.alias.size() - prefix.size() - suffix.size());
}

const Link* find_link(const std::vector<Link>& links, const std::string& name) {
    for (auto& l : links)
        if (l.name == name) return &l;
    return nullptr;
}

// The index of the device's bridge (0: it has none); fails when it is missing or is no bridge.
int bridge_index(const std::vector<Link>& links, const VethConfig& c, const VethDev& d) {
    if (d.bridge.empty()) return 0;
    auto* br = find_link(links, d.bridge);
    if (!br) fail(Exit::Veth, "Bridge {} for {} of CT {} does not exist", d.bridge, d.ifname, c.ctid);
    if (br->kind != "bridge") fail(Exit::Veth, "{} (for {} of CT {}) is not a bridge", d.bridge, d.ifname, c.ctid);
    return br->index;
}

// mac_filter on the host end's bridge port (see veth.hpp); `old_mac`: an entry of an earlier MAC to drop.
void set_filter(Netlink& h, int host_idx, const VethConfig& c, const VethDev& d, const Mac& mac,
                const std::optional<Mac>& old_mac) {
    if (d.bridge.empty()) return;
    if (old_mac && *old_mac != mac) h.del_fdb(host_idx, *old_mac);
    if (!d.mac_filter) {
        h.del_fdb(host_idx, mac);
        if (int rc = h.set_bridge_port(host_idx, {{IFLA_BRPORT_LOCKED, 0},
                                                  {IFLA_BRPORT_LEARNING, 1},
                                                  {IFLA_BRPORT_UNICAST_FLOOD, 1}});
            rc)
            fail(Exit::Veth, "can't unlock the bridge port {} of CT {}: {}", d.host_ifname, c.ctid, errno_text(rc));
        return;
    }
    // The entry first: a locked port without it would drop the container's frames meanwhile.
    if (int rc = h.add_fdb(host_idx, mac); rc)
        fail(Exit::Veth, "can't add the bridge entry of {} (CT {}) on {}: {}", d.ifname, c.ctid, d.host_ifname,
             errno_text(rc));
    if (int rc = h.set_bridge_port(host_idx, {{IFLA_BRPORT_LEARNING, 0},
                                              {IFLA_BRPORT_UNICAST_FLOOD, 0},
                                              {IFLA_BRPORT_LOCKED, 1}});
        rc)
        fail(Exit::Veth, "can't lock the bridge port {} of CT {} for mac_filter (Linux 5.18 or later needed): {}",
             d.host_ifname, c.ctid, errno_text(rc));
}

// The container end's MAC: the configured one, else the one the kernel chose (of the device `name`, where that end
// is named otherwise for now).
Mac ct_mac(Netlink& ct, const VethConfig& c, const VethDev& d, const std::string& name = {}) {
    if (auto m = parse_mac(d.mac)) return *m;
    auto links = ct.links();
    auto* l = find_link(links, name.empty() ? d.ifname : name);
    if (!l || !l->mac) fail(Exit::Veth, "CT {} has no {} any more", c.ctid, d.ifname);
    return *l->mac;
}

void check_free_name(const std::vector<Link>& links, const VethConfig& c, const VethDev& d) {
    if (find_link(links, d.host_ifname))
        fail(Exit::Veth, "Can't create {} of CT {}: the host already has a device {}", d.ifname, c.ctid,
             d.host_ifname);
}

// One pair, up, on its bridge and filtered; undone when anything fails. With `peer_name` set (a restore) the
// container's end stays on the host under that name, down, for CRIU to move in; without `host_up` the host end
// stays down too (the restore's network lock, lifted by veth_lock).
void make_dev(Netlink& h, Netlink* ct, const VethConfig& c, const VethDev& d, int netns_fd,
              const std::string& peer_name = {}, bool host_up = true) {
    auto links = h.links();
    int br = bridge_index(links, c, d);
    check_free_name(links, c, d);
    VethEnd here{d.host_ifname, parse_mac(d.host_mac), 0, -1};
    VethEnd peer{peer_name.empty() ? d.ifname : peer_name, parse_mac(d.mac), 0, ct ? netns_fd : -1};
    if (int rc = h.add_veth(here, peer); rc)
        fail(Exit::Veth, "Can't create {} of CT {} (host end {}): {}", d.ifname, c.ctid, d.host_ifname,
             errno_text(rc));
    int host_idx = h.index_of(d.host_ifname);
    ScopeGuard undo([&h, host_idx] { h.del_link(host_idx); });
    Netlink& peer_side = ct ? *ct : h;
    int ct_idx = peer_side.index_of(peer.name);
    if (!host_idx || !ct_idx) fail(Exit::Veth, "the new {} of CT {} disappeared", d.ifname, c.ctid);
    if (int rc = h.set_alias(host_idx, alias_of(c, d)); rc)
        fail(Exit::Veth, "can't name the owner of {} (CT {}): {}", d.host_ifname, c.ctid, errno_text(rc));
    if (br) {
        if (int rc = h.set_master(host_idx, br); rc)
            fail(Exit::Veth, "can't add {} of CT {} to bridge {}: {}", d.host_ifname, c.ctid, d.bridge,
                 errno_text(rc));
        set_filter(h, host_idx, c, d, ct_mac(peer_side, c, d, peer.name), std::nullopt);
    }
    std::vector<std::pair<Netlink*, int>> up;
    if (host_up) up.emplace_back(&h, host_idx);
    if (ct) up.emplace_back(ct, ct_idx);
    for (auto [nl, idx] : up)
        if (int rc = nl->set_flags(idx, IFF_UP, IFF_UP); rc)
            fail(Exit::Veth, "can't bring up {} of CT {}: {}", d.ifname, c.ctid, errno_text(rc));
    undo.release();
}

const VethDev* find_dev(const VethConfig& c, const std::string& ifname) {
    for (auto& d : c.devs)
        if (d.ifname == ifname) return &d;
    return nullptr;
}

// A device that exists already: what differs from its configuration changed.
void change_dev(Netlink& h, Netlink& ct, const VethConfig& c, const VethDev& d, const VethDev* old,
                const Link& host) {
    auto links = h.links();
    int idx = host.index;
    if (host.name != d.host_ifname) {
        check_free_name(links, c, d);
        h.set_flags(idx, 0, IFF_UP);
        int rc = h.set_name(idx, d.host_ifname);
        h.set_flags(idx, IFF_UP, IFF_UP);
        if (rc)
            fail(Exit::Veth, "can't rename {} of CT {} to {}: {}", host.name, c.ctid, d.host_ifname, errno_text(rc));
    }
    if (auto m = parse_mac(d.host_mac); m && host.mac != m && (!old || old->host_mac != d.host_mac))
        if (int rc = h.set_mac(idx, *m); rc)
            fail(Exit::Veth, "can't set the MAC of {} (CT {}): {}", d.host_ifname, c.ctid, errno_text(rc));
    std::optional<Mac> old_mac = old ? parse_mac(old->mac) : std::nullopt;
    bool mac_changed = false;
    if (auto m = parse_mac(d.mac); m && (!old || old->mac != d.mac)) {
        int ct_idx = ct.index_of(d.ifname);
        if (!ct_idx) fail(Exit::Veth, "CT {} has no {} any more", c.ctid, d.ifname);
        if (int rc = ct.set_mac(ct_idx, *m); rc)
            fail(Exit::Veth, "can't set the MAC of {} in CT {}: {}", d.ifname, c.ctid, errno_text(rc));
        mac_changed = true;
    }
    int br = bridge_index(links, c, d);
    bool moved = host.master != br;
    if (moved)
        if (int rc = h.set_master(idx, br); rc)
            fail(Exit::Veth, "can't move {} of CT {} to bridge {}: {}", d.host_ifname, c.ctid,
                 d.bridge.empty() ? "(none)" : d.bridge, errno_text(rc));
    if (moved || mac_changed || !old || old->mac_filter != d.mac_filter)
        set_filter(h, idx, c, d, ct_mac(ct, c, d), moved ? std::nullopt : old_mac);
}

}  // namespace

std::string host_end_tag(const CtConfig& cfg) { return fmt::format("{:016x}", fnv1a(cfg.ve_root())); }

VethConfig veth_config(const CtConfig& cfg) {
    VethConfig c;
    c.ctid = cfg.ctid();
    c.tag = host_end_tag(cfg);
    for (auto& dev : split(cfg.get_or("NETIF", ""), ";")) {
        VethDev d;
        for (auto& kv : split(dev, ",")) {
            auto eq = kv.find('=');
            if (eq == std::string::npos) continue;
            auto key = kv.substr(0, eq), v = kv.substr(eq + 1);
            if (key == "ifname") d.ifname = v;
            else if (key == "mac") d.mac = v;
            else if (key == "host_ifname") d.host_ifname = v;
            else if (key == "host_mac") d.host_mac = v;
            else if (key == "bridge") d.bridge = v;
            else if (key == "mac_filter") d.mac_filter = v != "off";
        }
        if (d.ifname.empty()) continue;
        if (d.host_ifname.empty()) {  // a hand-written NETIF: the name set would have made
            std::string digits;
            for (char ch : d.ifname)
                if (std::isdigit(static_cast<unsigned char>(ch))) digits += ch;
            d.host_ifname = fmt::format("veth{}.{}", c.ctid, digits.empty() ? "0" : digits);
        }
        c.devs.push_back(std::move(d));
    }
    return c;
}

void veth_start(const VethConfig& c, int netns_fd) {
    if (c.devs.empty()) return;
    Netlink h;
    Netlink ct(netns_fd);
    ScopeGuard undo([&c] { veth_cleanup(c); });
    for (auto& d : c.devs) make_dev(h, &ct, c, d, netns_fd);
    undo.release();
}

std::string veth_restore_peer(unsigned ctid, size_t i) {
    if (i >= 26) fail(Exit::Veth, "CT {} has more than 26 veth devices: it can't be restored", ctid);
    return fmt::format("vzr{}{}", ctid, static_cast<char>('a' + i));
}

std::vector<std::pair<std::string, std::string>> veth_prepare_restore(const VethConfig& c,
                                                                      const std::vector<std::string>& ifnames) {
    std::vector<std::pair<std::string, std::string>> out;
    if (ifnames.empty()) return out;
    Netlink h;
    ScopeGuard undo([&c] { veth_cleanup(c); });
    for (auto& d : c.devs)
        if (std::find(ifnames.begin(), ifnames.end(), d.ifname) == ifnames.end())
            log::warn("{} of CT {} is not in the dump: it comes with the next start", d.ifname, c.ctid);
    for (auto& name : ifnames) {
        auto* d = find_dev(c, name);
        if (!d) fail(Exit::Veth, "The dump of CT {} has the veth device {}, which NETIF no longer names", c.ctid, name);
        auto peer = veth_restore_peer(c.ctid, out.size());
        make_dev(h, nullptr, c, *d, -1, peer, false);
        out.emplace_back(name, peer);
    }
    undo.release();
    return out;
}

void veth_announce(const std::vector<std::string>& ifnames, int netns_fd) {
    if (ifnames.empty()) return;
    try {
        in_netns(netns_fd, [&] {
            Netlink ct;
            auto links = ct.links();
            auto addrs = ct.addrs(AF_INET);
            for (auto& a : ct.addrs(AF_INET6)) addrs.push_back(a);
            for (auto& name : ifnames) {
                auto* l = find_link(links, name);
                if (!l || !l->mac || !(l->flags & IFF_UP)) continue;
                for (auto& [index, a] : addrs)
                    if (index == l->index && !announce(index, *l->mac, a))
                        log::warn("can't announce {} on {}: {}", a.str(), name, errno_text(errno));
            }
        });
    } catch (const Error& e) {
        log::warn("{}", e.what());
    }
}

void veth_change(const VethConfig& before, const VethConfig& c, int netns_fd) {
    Netlink h;
    Netlink ct(netns_fd);
    auto links = h.links();
    for (auto& l : links)
        if (auto name = ours(l, c); name && !find_dev(c, *name)) {
            if (int rc = h.del_link(l.index); rc && rc != ENODEV)
                fail(Exit::Veth, "can't remove {} of CT {} (host end {}): {}", *name, c.ctid, l.name,
                     errno_text(rc));
            log::info("Removed {} (host end {})", *name, l.name);
        }
    for (auto& d : c.devs) {
        auto host = std::find_if(links.begin(), links.end(), [&](const Link& l) { return ours(l, c) == d.ifname; });
        if (host == links.end()) {
            make_dev(h, &ct, c, d, netns_fd);
            log::info("Created {} (host end {})", d.ifname, d.host_ifname);
        } else {
            change_dev(h, ct, c, d, find_dev(before, d.ifname), *host);
        }
    }
}

void veth_lock(const VethConfig& c, bool lock) {
    Netlink h;
    for (auto& l : h.links()) {
        if (!ours(l, c)) continue;
        if (!(l.flags & IFF_UP)) {
            // A host end left down by veth_prepare_restore: it forwards nothing (a disabled state would not stick:
            // the bridge enables a port when its carrier comes). Up at the unlock, the bridge forwards on it again.
            if (lock) continue;
            if (int rc = h.set_flags(l.index, IFF_UP, IFF_UP); rc)
                fail(Exit::Veth, "can't bring up {} of CT {}: {}", l.name, c.ctid, errno_text(rc));
            // The bridge forwards on it once the kernel's link watch has seen the carrier, up to a second later:
            // waited for (2 s at most), or the announcement that follows a restore would be dropped at the port.
            auto state = "/sys/class/net/" + l.name + "/brport/state";
            for (int i = 0; l.master && i < 200; ++i) {
                if (read_file(state).value_or("").starts_with(std::to_string(BR_STATE_FORWARDING))) break;
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
            continue;
        }
        if (!l.master) {
            if (lock) log::warn("{} of CT {} is on no bridge: its network is not locked", l.name, c.ctid);
            continue;
        }
        uint8_t state = lock ? BR_STATE_DISABLED : BR_STATE_FORWARDING;  // without STP, blocking does not stick
        if (int rc = h.set_bridge_port_state(l.index, state); rc && lock) {
            veth_lock(c, false);
            fail(Exit::Checkpoint, "can't lock the network of CT {} (bridge port {} disabled): {}", c.ctid, l.name,
                 errno_text(rc));
        }
    }
}

void veth_cleanup(const VethConfig& c) {
    Netlink h;
    for (auto& l : h.links())
        if (ours(l, c)) h.del_link(l.index);
}

std::vector<std::pair<std::string, std::string>> host_ends(const CtConfig& cfg, const std::vector<Link>& links) {
    auto c = veth_config(cfg);
    auto venet = venet_alias(c.ctid, c.tag);
    std::vector<std::pair<std::string, std::string>> out;
    for (auto& l : links) {
        if (l.alias == venet) out.emplace_back(l.name, kVenetDev);
        else if (auto inside = ours(l, c)) out.emplace_back(l.name, *inside);
    }
    return out;
}

}  // namespace vz::net
