#include "net/venet.hpp"

#include <fcntl.h>
#include <linux/fib_rules.h>
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <linux/if.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "net/arp.hpp"
#include "net/netlink.hpp"
#include "net/veth.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/log.hpp"
#include "util/scope.hpp"
#include "util/strings.hpp"

namespace vz::net {
namespace {

// kPrefLock: the network lock of a frozen container (venet_lock), before every other rule of ours.
constexpr uint32_t kPrefLock = 999, kPrefAllow = 1000, kPrefDeny = 1001, kPrefNop = 1002;
constexpr int kFamilies[] = {AF_INET, AF_INET6};

// Both ends' MAC: locally administered, from the CTID (each host end differs from every other).
Mac venet_mac(unsigned ctid) {
    return Mac{0x02, 0x76, static_cast<uint8_t>(ctid >> 24), static_cast<uint8_t>(ctid >> 16),
               static_cast<uint8_t>(ctid >> 8), static_cast<uint8_t>(ctid)};
}

std::optional<unsigned> ctid_of_host_end(const std::string& name) {
    if (!name.starts_with("venet") || name.size() == 5) return std::nullopt;
    auto id = parse_uint(name.substr(5), 1, UINT32_MAX);
    if (!id) return std::nullopt;
    return static_cast<unsigned>(*id);
}

// A per-device sysctl of the host; false when the kernel has no such file (IPv6 off).
bool set_sysctl(const std::string& path, const char* value) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return false;
    auto len = std::strlen(value);
    return ::write(fd.get(), value, len) == static_cast<ssize_t>(len);
}

void dev_sysctl(int family, const std::string& dev, const char* key, const char* value) {
    auto path = fmt::format("/proc/sys/net/{}/conf/{}/{}", family == AF_INET ? "ipv4" : "ipv6", dev, key);
    if (!set_sysctl(path, value) && (family == AF_INET || ::access("/proc/sys/net/ipv6", F_OK) == 0))
        fail(Exit::CantAddIp, "can't set {}: {}", path, errno_text(errno));
}

std::string name_of(const std::vector<Link>& links, int index) {
    for (auto& l : links)
        if (l.index == index) return l.name;
    return {};
}

Mac mac_of(const std::vector<Link>& links, int index) {
    for (auto& l : links)
        if (l.index == index && l.mac) return *l.mac;
    return {};
}

// How long the duplicate-address probe waits for an answer (ERROR_ON_ARPFAIL=yes only).
constexpr std::chrono::milliseconds kProbeWait{300};

// The host devices that answer ARP/NDP for `a`, as NEIGHBOUR_DEVS says: "detect", the device of the host's route
// to the address (looked up before the container's own route exists); "list:A B", those; unset or "all", every
// Ethernet device that is up and not a bridge port, a venet host end or the loopback.
std::vector<int> neighbour_devs(Netlink& h, const VenetConfig& c, const IpAddr& a, const std::vector<Link>& links) {
    std::vector<int> out;
    auto usable = [](const Link& l) {
        return !l.name.starts_with("venet") && !(l.flags & IFF_LOOPBACK) && l.type == ARPHRD_ETHER;
    };
    if (c.neighbour_devs == "detect") {
        auto r = h.route_to(a);
        if (!r || r->type != RTN_UNICAST || !r->oif) return out;
        for (auto& l : links)
            if (l.index == r->oif && usable(l)) out.push_back(l.index);
    } else if (c.neighbour_devs.starts_with("list:")) {
        for (auto& name : split(c.neighbour_devs.substr(5), " ,"))
            for (auto& l : links)
                if (l.name == name) out.push_back(l.index);
    } else {
        for (auto& l : links)
            if (usable(l) && (l.flags & IFF_UP) && !l.master) out.push_back(l.index);
    }
    return out;
}

std::optional<std::array<uint8_t, 16>> route_src(Netlink& h, const VenetConfig& c, int family) {
    if (c.route_src_dev.empty()) return std::nullopt;
    int idx = h.index_of(c.route_src_dev);
    for (auto& [index, a] : h.addrs(family))
        if (index == idx) return a.bytes;
    return std::nullopt;
}

Route host_route(const IpAddr& a, int oif) {
    Route r;
    r.family = a.family;
    r.dst = a.bytes;
    r.dst_len = a.full();
    r.oif = oif;
    r.scope = RT_SCOPE_LINK;
    r.protocol = kProto;
    return r;
}

Rule allow_rule(const std::string& host_end, const IpAddr& a) {
    Rule r;
    r.family = a.family;
    r.iif = host_end;
    r.src = a;
    r.src->prefix = a.full();
    r.priority = kPrefAllow;
    r.action = FR_ACT_GOTO;
    r.target = kPrefNop;
    r.protocol = kProto;
    return r;
}

// Refuses an address that is the host's own or routed to another container.
void check_free(Netlink& h, const std::vector<IpAddr>& addrs, const std::string& host_end,
                const std::vector<Link>& links) {
    if (addrs.empty()) return;
    for (auto& [index, local] : h.addrs(AF_UNSPEC))
        for (auto& a : addrs)
            if (local.same_address(a))
                fail(Exit::IpInUse, "Unable to add IP {}: it is an address of the host ({})", a.str(),
                     name_of(links, index));
    for (int family : kFamilies)
        for (auto& r : h.routes(family)) {
            if (r.protocol != kProto || r.table != RT_TABLE_MAIN) continue;
            auto dev = name_of(links, r.oif);
            if (dev == host_end) continue;
            for (auto& a : addrs)
                if (a.family == family && r.dst_len == a.full() && r.dst == a.bytes)
                    fail(Exit::IpInUse, "Unable to add IP {}: address already in use by CT {}", a.str(),
                         ctid_of_host_end(dev).value_or(0));
        }
}

// The goto target of the allow rules (shared by every container).
void ensure_nop(Netlink& h, int family) {
    Rule nop;
    nop.family = family;
    nop.priority = kPrefNop;
    nop.action = FR_ACT_NOP;
    nop.protocol = kProto;
    int rc = h.add_rule(nop);
    if (rc && rc != EEXIST) fail(Exit::CantAddIp, "can't add the policy rule {} nop: {}", kPrefNop, errno_text(rc));
}

// `ct` null: the container's end is not in its namespace yet (venet_prepare_restore); its addresses come later.
void add_one(Netlink& h, Netlink* ct, const VenetConfig& c, const IpAddr& a, int host_idx, int ct_idx,
             const std::vector<Link>& links) {
    auto host_end = venet_host_end(c.ctid);
    auto devs = neighbour_devs(h, c, a, links);  // before the container's route exists: "detect" looks it up
    if (c.probe)
        for (int dev : devs)
            if (address_answers(dev, mac_of(links, dev), a, kProbeWait))
                fail(Exit::CantAddIp, "Unable to add IP {}: another machine answers for it on {} (ERROR_ON_ARPFAIL=yes)",
                     a.str(), name_of(links, dev));
    if (int rc = ct ? ct->add_addr(ct_idx, a) : 0; rc)
        fail(Exit::CantAddIp, "Unable to add IP {} in CT {}: {}", a.str(), c.ctid, errno_text(rc));
    auto r = host_route(a, host_idx);
    r.prefsrc = route_src(h, c, a.family);
    if (int rc = h.add_route(r); rc)
        fail(Exit::CantAddIp, "Unable to add the host route to {} (CT {}): {}", a.str(), c.ctid, errno_text(rc));
    if (int rc = h.add_rule(allow_rule(host_end, a)); rc && rc != EEXIST)
        fail(Exit::CantAddIp, "Unable to add the source rule of {} (CT {}): {}", a.str(), c.ctid, errno_text(rc));
    for (int dev : devs) {
        if (a.family == AF_INET6) dev_sysctl(AF_INET6, name_of(links, dev), "proxy_ndp", "1");
        if (int rc = h.add_proxy(dev, a); rc)
            fail(Exit::CantAddIp, "Unable to add the proxy entry of {} on {}: {}", a.str(), name_of(links, dev),
                 errno_text(rc));
        if (c.announce && !announce(dev, mac_of(links, dev), a))
            log::warn("can't announce {} on {}: {}", a.str(), name_of(links, dev), errno_text(errno));
    }
}

// The host's side of one address: its route, source rule and proxy entries.
void remove_host_side(Netlink& h, const VenetConfig& c, const IpAddr& a, int host_idx) {
    h.del_route(host_route(a, host_idx));
    h.del_rule(allow_rule(venet_host_end(c.ctid), a));
    for (auto& p : h.proxies(a.family))
        if (p.protocol == kProto && p.dst == a.bytes) h.del_proxy(p.index, a);
}

void remove_one(Netlink& h, Netlink& ct, const VenetConfig& c, const IpAddr& a, int host_idx, int ct_idx) {
    IpAddr inside = a;
    for (auto& [index, have] : ct.addrs(a.family))
        if (index == ct_idx && have.same_address(a)) inside = have;
    ct.del_addr(ct_idx, inside);
    remove_host_side(h, c, a, host_idx);
}

void default_route(Netlink& ct, int family, int ct_idx) {
    Route r;
    r.family = family;
    r.oif = ct_idx;
    r.scope = RT_SCOPE_LINK;
    r.protocol = RTPROT_BOOT;
    if (int rc = ct.add_route(r); rc)
        fail(Exit::CantAddIp, "can't add the default route over {} in the container: {}", kVenetDev, errno_text(rc));
}

void deny_rule(Netlink& h, const std::string& host_end, int family) {
    Rule r;
    r.family = family;
    r.iif = host_end;
    r.priority = kPrefDeny;
    r.action = FR_ACT_BLACKHOLE;
    r.protocol = kProto;
    if (int rc = h.add_rule(r); rc && rc != EEXIST)
        fail(Exit::CantAddIp, "can't add the policy rule {} for {}: {}", kPrefDeny, host_end, errno_text(rc));
}

std::vector<IpAddr> routed_to(Netlink& h, int host_idx) {
    std::vector<IpAddr> out;
    for (int family : kFamilies)
        for (auto& r : h.routes(family))
            if (r.protocol == kProto && r.oif == host_idx && r.table == RT_TABLE_MAIN) {
                auto a = IpAddr::single(family, r.dst);
                out.push_back(a);
            }
    return out;
}

Rule lock_rule(int family) {
    Rule r;
    r.family = family;
    r.priority = kPrefLock;
    r.action = FR_ACT_BLACKHOLE;
    r.protocol = kProto;
    return r;
}

// The lock's rule for what goes to an address.
Rule lock_rule_to(const IpAddr& a) {
    auto r = lock_rule(a.family);
    r.dst = a;
    return r;
}

// The lock's rules: what comes from the container's host end, and what goes to each of its addresses, dropped.
std::vector<Rule> lock_rules(const std::string& host_end, const std::vector<IpAddr>& addrs) {
    std::vector<Rule> out;
    for (int family : kFamilies) {
        out.push_back(lock_rule(family));
        out.back().iif = host_end;
    }
    for (auto& a : addrs) out.push_back(lock_rule_to(a));
    return out;
}

// The index of the container's own host end (its alias), 0 when there is none.
int own_host_end(Netlink& h, const VenetConfig& c) {
    auto host_end = venet_host_end(c.ctid);
    for (auto& l : h.links())
        if (l.name == host_end && l.alias == venet_alias(c.ctid, c.tag)) return l.index;
    return 0;
}

bool contains(const std::vector<IpAddr>& v, const IpAddr& a) {
    return std::any_of(v.begin(), v.end(), [&](const IpAddr& o) { return o.same_address(a); });
}

// Creates the pair and everything but the addresses; returns the two ends' indexes. The container's end goes into
// `netns_fd` as venet0, or with `peer` set stays on the host under that name, down (venet_prepare_restore).
std::pair<int, int> make_pair_and_rules(Netlink& h, Netlink* ct, const VenetConfig& c, int netns_fd,
                                        const std::string& peer_name = {}) {
    auto host_end = venet_host_end(c.ctid);
    auto mac = venet_mac(c.ctid);
    // Up only once both exist (IFF_UP in the request makes the kernel refuse it: ENOTCONN).
    VethEnd here{host_end, mac, IFF_NOARP, -1};
    VethEnd peer{peer_name.empty() ? kVenetDev : peer_name, mac, IFF_NOARP, ct ? netns_fd : -1};
    if (int rc = h.add_veth(here, peer); rc)
        fail(Exit::CantAddIp, "can't create {} for CT {} (host end {}): {}", peer.name, c.ctid, host_end,
             errno_text(rc));
    int host_idx = h.index_of(host_end);
    int ct_idx = ct ? ct->index_of(kVenetDev) : h.index_of(peer.name);
    if (!host_idx || !ct_idx) fail(Exit::CantAddIp, "the new {} of CT {} disappeared", peer.name, c.ctid);
    if (int rc = h.set_alias(host_idx, venet_alias(c.ctid, c.tag)); rc)
        fail(Exit::CantAddIp, "can't name the host end {} of CT {}: {}", host_end, c.ctid, errno_text(rc));
    std::vector<std::pair<Netlink*, int>> up{{&h, host_idx}};
    if (ct) up.insert(up.end(), {{ct, ct_idx}, {ct, ct->index_of("lo")}});
    for (auto [nl, idx] : up)
        if (int rc = idx ? nl->set_flags(idx, IFF_UP, IFF_UP) : 0; rc)
            fail(Exit::CantAddIp, "can't bring up the venet pair of CT {}: {}", c.ctid, errno_text(rc));
    dev_sysctl(AF_INET, host_end, "forwarding", "1");
    dev_sysctl(AF_INET, host_end, "rp_filter", "1");
    dev_sysctl(AF_INET6, host_end, "forwarding", "1");
    // Kernels from 6.17 forward IPv6 arriving on this device even when the host forwards none (all.forwarding=0).
    set_sysctl("/proc/sys/net/ipv6/conf/" + host_end + "/force_forwarding", "1");
    for (int family : kFamilies) {
        ensure_nop(h, family);
        deny_rule(h, host_end, family);
    }
    return {host_idx, ct_idx};
}

// venet_start, and venet_prepare_restore with `ct` null.
void start(const VenetConfig& c, int netns_fd, const std::string& peer) {
    if (c.addrs.empty() && peer.empty()) return;
    Netlink h;
    auto links = h.links();
    check_free(h, c.addrs, venet_host_end(c.ctid), links);
    std::optional<Netlink> ct;
    if (peer.empty()) ct.emplace(netns_fd);
    Netlink* inside = ct ? &*ct : nullptr;
    ScopeGuard undo([&] { venet_cleanup(c); });
    auto [host_idx, ct_idx] = make_pair_and_rules(h, inside, c, netns_fd, peer);
    links = h.links();
    std::set<int> families;
    for (auto& a : c.addrs) {
        add_one(h, inside, c, a, host_idx, ct_idx, links);
        families.insert(a.family);
    }
    if (inside)
        for (int f : families) default_route(*inside, f, ct_idx);
    undo.release();
}

}  // namespace

std::string venet_host_end(unsigned ctid) { return "venet" + std::to_string(ctid); }

std::string venet_alias(unsigned ctid, const std::string& tag) { return fmt::format("vzctl venet CT {} {}", ctid, tag); }

VenetConfig venet_config(const CtConfig& cfg) {
    VenetConfig c;
    c.ctid = cfg.ctid();
    c.tag = host_end_tag(cfg);
    c.ipv6 = cfg.get_or("IPV6", "yes") == "yes";
    c.addrs = parse_list(cfg.get_or("IP_ADDRESS", ""), c.ipv6);
    c.neighbour_devs = cfg.get_or("NEIGHBOUR_DEVS", "");
    c.route_src_dev = cfg.get_or("VE_ROUTE_SRC_DEV", "");
    bool skip = cfg.get_or("SKIP_ARPDETECT", "no") == "yes";
    c.announce = !skip;
    c.probe = !skip && cfg.get_or("ERROR_ON_ARPFAIL", "no") == "yes";
    return c;
}

void venet_start(const VenetConfig& c, int netns_fd) { start(c, netns_fd, {}); }

void venet_prepare_restore(const VenetConfig& c, const std::string& peer) { start(c, -1, peer); }

std::string venet_restore_peer(unsigned ctid) { return "vzr" + std::to_string(ctid); }

VenetChange venet_change(const VenetConfig& c, int netns_fd, const std::vector<IpAddr>& add,
                         const std::vector<IpAddr>& del, bool del_all) {
    Netlink h;
    auto host_end = venet_host_end(c.ctid);
    int host_idx = h.index_of(host_end);
    VenetChange change;
    if (!host_idx) {
        if (add.empty()) return change;
        auto first = c;
        first.addrs = add;
        venet_start(first, netns_fd);
        change.added = add;
        return change;
    }
    Netlink ct(netns_fd);
    int ct_idx = ct.index_of(kVenetDev);
    if (!ct_idx) fail(Exit::CantAddIp, "CT {} has no {} any more (the host end {} is there)", c.ctid, kVenetDev, host_end);
    auto now = routed_to(h, host_idx);
    auto links = h.links();
    check_free(h, add, host_end, links);
    for (auto& a : now)
        if (del_all || contains(del, a) || contains(add, a)) {
            remove_one(h, ct, c, a, host_idx, ct_idx);
            if (!contains(add, a)) change.removed.push_back(a);
        }
    std::set<int> families;
    for (auto& a : add) {
        add_one(h, &ct, c, a, host_idx, ct_idx, links);
        change.added.push_back(a);
        families.insert(a.family);
    }
    for (int f : families) default_route(ct, f, ct_idx);
    return change;
}

std::vector<std::pair<std::string, IpAddr>> venet_routed() {
    Netlink h;
    auto links = h.links();
    std::vector<std::pair<std::string, IpAddr>> out;
    for (int family : kFamilies)
        for (auto& r : h.routes(family)) {
            if (r.protocol != kProto || r.table != RT_TABLE_MAIN) continue;
            auto it = std::find_if(links.begin(), links.end(), [&](const Link& l) { return l.index == r.oif; });
            if (it == links.end() || !ctid_of_host_end(it->name)) continue;
            auto a = IpAddr::single(family, r.dst);
            out.emplace_back(it->alias, a);
        }
    return out;
}

void venet_lock(const VenetConfig& c, bool lock) {
    Netlink h;
    auto host_end = venet_host_end(c.ctid);
    int idx = own_host_end(h, c);
    if (!idx) return;
    for (auto& r : lock_rules(host_end, routed_to(h, idx))) {
        int rc = lock ? h.add_rule(r) : h.del_rule(r);
        if (lock && rc && rc != EEXIST) {
            venet_lock(c, false);
            fail(Exit::Checkpoint, "can't lock the network of CT {} (policy rule {} for {}): {}", c.ctid, kPrefLock,
                 r.dst ? r.dst->str() : host_end, errno_text(rc));
        }
    }
}

void venet_handover(const VenetConfig& c, bool give) {
    Netlink h;
    int idx = own_host_end(h, c);
    if (!idx) return;
    if (give) {
        // Not its freezer state: while a dump serves its pages, CRIU holds its processes stopped and the freezer
        // thawed. The lock is what --suspend leaves until --resume or --kill.
        auto rules = h.rules(AF_INET);
        auto host_end = venet_host_end(c.ctid);
        if (std::none_of(rules.begin(), rules.end(), [&](const Rule& r) {
                return r.protocol == kProto && r.priority == kPrefLock && r.iif == host_end;
            }))
            fail(Exit::Checkpoint,
                 "The network of CT {} is not locked (vzctl chkpnt --suspend): its addresses stay here", c.ctid);
        // Route first: what this host sends meanwhile still meets the lock's rule, never the frozen container.
        for (auto& a : routed_to(h, idx)) {
            remove_host_side(h, c, a, idx);
            h.del_rule(lock_rule_to(a));
        }
        return;
    }
    auto routed = routed_to(h, idx);
    auto links = h.links();
    auto back = c;
    back.probe = false;  // the copy there answered for them until a moment ago
    std::vector<IpAddr> taken;
    ScopeGuard undo([&] {
        for (auto& a : taken) {
            remove_host_side(h, c, a, idx);
            h.del_rule(lock_rule_to(a));
        }
    });
    for (auto& a : c.addrs) {
        if (contains(routed, a)) continue;
        taken.push_back(a);
        // Locked before it is routed here again: nothing reaches the frozen container until --resume.
        if (int rc = h.add_rule(lock_rule_to(a)); rc && rc != EEXIST)
            fail(Exit::Checkpoint, "can't lock the address {} of CT {} (policy rule {}): {}", a.str(), c.ctid,
                 kPrefLock, errno_text(rc));
        add_one(h, nullptr, back, a, idx, 0, links);
    }
    undo.release();
}

void venet_cleanup(const VenetConfig& c) {
    Netlink h;
    auto host_end = venet_host_end(c.ctid);
    bool ours = true;
    for (auto& l : h.links())
        if (l.name == host_end) {
            ours = l.alias == venet_alias(c.ctid, c.tag);
            if (ours) h.del_link(l.index);
        }
    if (ours)
        for (int family : kFamilies)
            for (auto& r : h.rules(family))
                if (r.protocol == kProto && r.iif == host_end) h.del_rule(r);
    // Proxy entries first, routes second: an entry that a start adds meanwhile has its route already, so it is
    // never taken for a leftover. So for the lock's rules of addresses (a locked container's routes stay).
    for (int family : kFamilies) {
        std::set<std::array<uint8_t, 16>> routed;
        for (auto& r : h.routes(family))
            if (r.protocol == kProto && r.table == RT_TABLE_MAIN) routed.insert(r.dst);
        for (auto& r : h.rules(family))
            if (r.protocol == kProto && r.priority == kPrefLock && r.dst && !routed.count(r.dst->bytes))
                h.del_rule(r);
    }
    for (int family : kFamilies) {
        auto proxies = h.proxies(family);
        if (std::none_of(proxies.begin(), proxies.end(), [](const Proxy& p) { return p.protocol == kProto; }))
            continue;
        std::set<std::array<uint8_t, 16>> routed;
        for (auto& r : h.routes(family))
            if (r.protocol == kProto && r.table == RT_TABLE_MAIN) routed.insert(r.dst);
        for (auto& p : proxies) {
            if (p.protocol != kProto || routed.count(p.dst)) continue;
            auto a = IpAddr::single(family, p.dst);
            h.del_proxy(p.index, a);
        }
    }
}

}  // namespace vz::net
