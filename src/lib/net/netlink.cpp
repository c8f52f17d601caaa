#include "net/netlink.hpp"

#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.hpp"
#include "util/fd.hpp"

namespace vz::net {
namespace {

constexpr size_t kBuf = 32768;

// The attributes of one message, by type (those above `max` are ignored).
template <size_t N>
struct Attrs {
    std::array<const nlattr*, N> at{};
    const nlattr* operator[](unsigned t) const { return t < N ? at[t] : nullptr; }
};

template <size_t N>
int collect(const nlattr* a, void* data) {
    auto* out = static_cast<Attrs<N>*>(data);
    auto t = mnl_attr_get_type(a);
    if (t < N) out->at[t] = a;
    return MNL_CB_OK;
}

template <size_t N>
Attrs<N> parse(const nlmsghdr* nlh, size_t hdr) {
    Attrs<N> out;
    mnl_attr_parse(nlh, static_cast<unsigned>(hdr), collect<N>, &out);
    return out;
}

template <size_t N>
Attrs<N> parse_nested(const nlattr* nest) {
    Attrs<N> out;
    mnl_attr_parse_nested(nest, collect<N>, &out);
    return out;
}

std::string str_of(const nlattr* a) { return a ? std::string(mnl_attr_get_str(a)) : std::string(); }
uint32_t u32_of(const nlattr* a) { return a ? mnl_attr_get_u32(a) : 0; }

void copy_addr(const nlattr* a, std::array<uint8_t, 16>& out) {
    if (!a) return;
    auto len = std::min<size_t>(mnl_attr_get_payload_len(a), out.size());
    std::memcpy(out.data(), mnl_attr_get_payload(a), len);
}

uint8_t family_byte(int family) { return static_cast<uint8_t>(family); }

}  // namespace

// One request: a netlink header, the family header, attributes.
class Netlink::Msg {
public:
    Msg(uint16_t type, uint16_t flags) : buf_(kBuf) {
        nlh_ = mnl_nlmsg_put_header(buf_.data());
        nlh_->nlmsg_type = type;
        nlh_->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | flags);
    }
    template <typename T>
    T* header() {
        return static_cast<T*>(mnl_nlmsg_put_extra_header(nlh_, sizeof(T)));
    }
    void put(uint16_t type, const void* data, size_t len) { mnl_attr_put(nlh_, type, len, data); }
    void put_str(uint16_t type, const std::string& s) { mnl_attr_put_strz(nlh_, type, s.c_str()); }
    void put_u32(uint16_t type, uint32_t v) { mnl_attr_put_u32(nlh_, type, v); }
    void put_u8(uint16_t type, uint8_t v) { mnl_attr_put_u8(nlh_, type, v); }
    void put_addr(uint16_t type, const IpAddr& a) { put(type, a.bytes.data(), a.size()); }
    nlattr* nest(uint16_t type) { return mnl_attr_nest_start(nlh_, type); }
    void end(nlattr* n) { mnl_attr_nest_end(nlh_, n); }
    nlmsghdr* nlh() { return nlh_; }

private:
    std::vector<char> buf_;
    nlmsghdr* nlh_;
};

Netlink::Netlink() {
    sock_ = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!sock_ || mnl_socket_bind(sock_, 0, MNL_SOCKET_AUTOPID) < 0) {
        int err = errno;
        if (sock_) mnl_socket_close(sock_);
        fail(Exit::System, "can't open a netlink socket: {}", errno_text(err));
    }
    portid_ = mnl_socket_get_portid(sock_);
    // Replies to a request that failed say so in full (the kernel's extended ack is not needed).
    int on = 1;
    mnl_socket_setsockopt(sock_, NETLINK_CAP_ACK, &on, sizeof on);
}

void in_netns(int netns_fd, const std::function<void()>& fn) {
    Fd self(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!self) fail(Exit::System, "can't open /proc/self/ns/net: {}", errno_text(errno));
    if (::setns(netns_fd, CLONE_NEWNET) != 0)
        fail(Exit::System, "can't enter the container's network namespace: {}", errno_text(errno));
    try {
        fn();
    } catch (...) {
        if (::setns(self.get(), CLONE_NEWNET) != 0) std::abort();
        throw;
    }
    // A process left in the container's network namespace would act on the container for the host: never.
    if (::setns(self.get(), CLONE_NEWNET) != 0) std::abort();
}

Netlink::Netlink(int netns_fd) {
    in_netns(netns_fd, [this] {
        Netlink here;
        std::swap(sock_, here.sock_);
        portid_ = here.portid_;
    });
}

Netlink::~Netlink() {
    if (sock_) mnl_socket_close(sock_);
}

int Netlink::call(Msg& m) {
    auto* nlh = m.nlh();
    nlh->nlmsg_flags = static_cast<uint16_t>(nlh->nlmsg_flags | NLM_F_ACK);
    nlh->nlmsg_seq = ++seq_;
    if (mnl_socket_sendto(sock_, nlh, nlh->nlmsg_len) < 0) return errno;
    std::vector<char> buf(kBuf);
    for (;;) {
        auto n = mnl_socket_recvfrom(sock_, buf.data(), buf.size());
        if (n < 0) return errno;
        int rc = mnl_cb_run(buf.data(), static_cast<size_t>(n), nlh->nlmsg_seq, portid_, nullptr, nullptr);
        if (rc == MNL_CB_ERROR) return errno;
        if (rc == MNL_CB_STOP) return 0;
    }
}

void Netlink::dump(Msg& m, const std::function<void(const nlmsghdr*)>& each) {
    auto* nlh = m.nlh();
    nlh->nlmsg_flags = static_cast<uint16_t>(nlh->nlmsg_flags | NLM_F_DUMP);
    std::vector<char> buf(kBuf);
    // A listing the kernel marks interrupted (NLM_F_DUMP_INTR: what it lists changed meanwhile, as when a container's
    // namespace goes away with its devices during a cleanup) is read to its end and asked for again; its messages
    // are handed over only from a whole one.
    for (int attempt = 1;; ++attempt) {
        nlh->nlmsg_seq = ++seq_;
        if (mnl_socket_sendto(sock_, nlh, nlh->nlmsg_len) < 0)
            fail(Exit::System, "netlink: can't send a request: {}", errno_text(errno));
        std::vector<std::vector<char>> got;
        bool interrupted = false, done = false;
        while (!done) {
            auto n = mnl_socket_recvfrom(sock_, buf.data(), buf.size());
            if (n < 0) fail(Exit::System, "netlink: can't read a reply: {}", errno_text(errno));
            int left = static_cast<int>(n);
            for (auto* msg = reinterpret_cast<const nlmsghdr*>(buf.data()); mnl_nlmsg_ok(msg, left);
                 msg = mnl_nlmsg_next(msg, &left)) {
                if (!mnl_nlmsg_portid_ok(msg, portid_) || !mnl_nlmsg_seq_ok(msg, nlh->nlmsg_seq)) continue;
                if (msg->nlmsg_flags & NLM_F_DUMP_INTR) interrupted = true;
                if (msg->nlmsg_type == NLMSG_DONE) {
                    done = true;
                    break;
                }
                if (msg->nlmsg_type == NLMSG_ERROR) {
                    auto* e = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(msg));
                    if (e->error) fail(Exit::System, "netlink: a listing failed: {}", errno_text(-e->error));
                    continue;
                }
                if (msg->nlmsg_type < NLMSG_MIN_TYPE) continue;
                auto* bytes = reinterpret_cast<const char*>(msg);
                got.emplace_back(bytes, bytes + msg->nlmsg_len);
            }
        }
        if (!interrupted) {
            for (auto& g : got) each(reinterpret_cast<const nlmsghdr*>(g.data()));
            return;
        }
        if (attempt == 10) fail(Exit::System, "netlink: a listing was interrupted by changes 10 times in a row");
    }
}

// --- links --------------------------------------------------------------------------------------------------------

std::vector<Link> Netlink::links() {
    Msg m(RTM_GETLINK, 0);
    m.header<ifinfomsg>()->ifi_family = AF_UNSPEC;
    std::vector<Link> out;
    dump(m, [&](const nlmsghdr* nlh) {
        auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
        auto a = parse<IFLA_MAX + 1>(nlh, sizeof(ifinfomsg));
        Link l{ifi->ifi_index, str_of(a[IFLA_IFNAME]), ifi->ifi_flags, ifi->ifi_type,
               static_cast<int>(u32_of(a[IFLA_MASTER])), {}, str_of(a[IFLA_IFALIAS]), std::nullopt};
        if (a[IFLA_LINKINFO]) l.kind = str_of(parse_nested<IFLA_INFO_MAX + 1>(a[IFLA_LINKINFO])[IFLA_INFO_KIND]);
        if (a[IFLA_ADDRESS] && mnl_attr_get_payload_len(a[IFLA_ADDRESS]) == 6) {
            l.mac.emplace();
            std::memcpy(l.mac->data(), mnl_attr_get_payload(a[IFLA_ADDRESS]), 6);
        }
        out.push_back(std::move(l));
    });
    return out;
}

int Netlink::index_of(const std::string& name) {
    for (auto& l : links())
        if (l.name == name) return l.index;
    return 0;
}

namespace {
// The header of a request about one link.
ifinfomsg* link_header(auto& m, int index) {
    auto* ifi = m.template header<ifinfomsg>();
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = index;
    return ifi;
}

void put_end(auto& m, const VethEnd& e) {
    m.put_str(IFLA_IFNAME, e.name);
    if (e.mac) m.put(IFLA_ADDRESS, e.mac->data(), e.mac->size());
    if (e.netns_fd >= 0) m.put_u32(IFLA_NET_NS_FD, static_cast<uint32_t>(e.netns_fd));
}
}  // namespace

int Netlink::add_veth(const VethEnd& here, const VethEnd& peer) {
    Msg m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    auto* ifi = m.header<ifinfomsg>();
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_flags = here.flags;
    ifi->ifi_change = here.flags;
    put_end(m, here);
    auto* info = m.nest(IFLA_LINKINFO);
    m.put_str(IFLA_INFO_KIND, "veth");
    auto* data = m.nest(IFLA_INFO_DATA);
    auto* p = m.nest(VETH_INFO_PEER);
    auto* pifi = m.header<ifinfomsg>();
    pifi->ifi_family = AF_UNSPEC;
    pifi->ifi_flags = peer.flags;
    pifi->ifi_change = peer.flags;
    put_end(m, peer);
    m.end(p);
    m.end(data);
    m.end(info);
    return call(m);
}

int Netlink::set_flags(int index, unsigned flags, unsigned change) {
    Msg m(RTM_NEWLINK, 0);
    auto* ifi = link_header(m, index);
    ifi->ifi_flags = flags;
    ifi->ifi_change = change;
    return call(m);
}

int Netlink::set_master(int index, int master) {
    Msg m(RTM_NEWLINK, 0);
    link_header(m, index);
    m.put_u32(IFLA_MASTER, static_cast<uint32_t>(master));
    return call(m);
}

int Netlink::set_netns(int index, int netns_fd, const std::string& new_name) {
    Msg m(RTM_NEWLINK, 0);
    link_header(m, index);
    m.put_u32(IFLA_NET_NS_FD, static_cast<uint32_t>(netns_fd));
    if (!new_name.empty()) m.put_str(IFLA_IFNAME, new_name);
    return call(m);
}

int Netlink::set_mac(int index, const Mac& mac) {
    Msg m(RTM_NEWLINK, 0);
    link_header(m, index);
    m.put(IFLA_ADDRESS, mac.data(), mac.size());
    return call(m);
}

int Netlink::set_name(int index, const std::string& name) {
    Msg m(RTM_NEWLINK, 0);
    link_header(m, index);
    m.put_str(IFLA_IFNAME, name);
    return call(m);
}

int Netlink::set_alias(int index, const std::string& alias) {
    Msg m(RTM_NEWLINK, 0);
    link_header(m, index);
    m.put_str(IFLA_IFALIAS, alias);
    return call(m);
}

int Netlink::set_bridge_port(int index, const std::vector<std::pair<uint16_t, uint8_t>>& opts) {
    Msg m(RTM_NEWLINK, 0);
    link_header(m, index);
    auto* info = m.nest(IFLA_LINKINFO);
    m.put_str(IFLA_INFO_SLAVE_KIND, "bridge");
    auto* data = m.nest(IFLA_INFO_SLAVE_DATA);
    for (auto [type, value] : opts) m.put_u8(type, value);
    m.end(data);
    m.end(info);
    return call(m);
}

int Netlink::set_bridge_port_state(int index, uint8_t state) {
    // AF_BRIDGE with IFLA_PROTINFO, as `bridge link set state` sends it: the slave data of set_bridge_port does not
    // take the port state.
    Msg m(RTM_SETLINK, 0);
    link_header(m, index)->ifi_family = AF_BRIDGE;
    auto* info = m.nest(IFLA_PROTINFO | NLA_F_NESTED);
    m.put_u8(IFLA_BRPORT_STATE, state);
    m.end(info);
    return call(m);
}

int Netlink::fdb_request(uint16_t type, uint16_t flags, int port, const Mac& mac) {
    Msg m(type, flags);
    auto* nd = m.header<ndmsg>();
    nd->ndm_family = AF_BRIDGE;
    nd->ndm_ifindex = port;
    nd->ndm_state = NUD_NOARP;  // static; NUD_PERMANENT would make it the bridge's own (local) address
    nd->ndm_flags = NTF_MASTER;
    m.put(NDA_LLADDR, mac.data(), mac.size());
    return call(m);
}

int Netlink::add_fdb(int port, const Mac& mac) {
    return fdb_request(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, port, mac);
}

int Netlink::del_fdb(int port, const Mac& mac) { return fdb_request(RTM_DELNEIGH, 0, port, mac); }

int Netlink::del_link(int index) {
    Msg m(RTM_DELLINK, 0);
    link_header(m, index);
    return call(m);
}

// --- addresses ----------------------------------------------------------------------------------------------------

namespace {
void addr_msg(auto& m, int index, const IpAddr& a) {
    auto* ifa = m.template header<ifaddrmsg>();
    ifa->ifa_family = family_byte(a.family);
    ifa->ifa_prefixlen = static_cast<uint8_t>(a.prefix);
    ifa->ifa_flags = IFA_F_NODAD;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    ifa->ifa_index = static_cast<unsigned>(index);
    m.put_addr(IFA_LOCAL, a);
    m.put_addr(IFA_ADDRESS, a);
    m.put_u32(IFA_FLAGS, IFA_F_NODAD);
}
}  // namespace

int Netlink::add_addr(int index, const IpAddr& a) {
    Msg m(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
    addr_msg(m, index, a);
    return call(m);
}

int Netlink::del_addr(int index, const IpAddr& a) {
    Msg m(RTM_DELADDR, 0);
    addr_msg(m, index, a);
    return call(m);
}

std::vector<std::pair<int, IpAddr>> Netlink::addrs(int family) {
    Msg m(RTM_GETADDR, 0);
    m.header<ifaddrmsg>()->ifa_family = family_byte(family);
    std::vector<std::pair<int, IpAddr>> out;
    dump(m, [&](const nlmsghdr* nlh) {
        auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
        auto a = parse<IFA_MAX + 1>(nlh, sizeof(ifaddrmsg));
        const nlattr* local = a[IFA_LOCAL] ? a[IFA_LOCAL] : a[IFA_ADDRESS];
        if (!local) return;
        IpAddr ip;
        ip.family = ifa->ifa_family;
        ip.prefix = ifa->ifa_prefixlen;
        copy_addr(local, ip.bytes);
        out.emplace_back(static_cast<int>(ifa->ifa_index), ip);
    });
    return out;
}

// --- routes -------------------------------------------------------------------------------------------------------

namespace {
void route_msg(auto& m, const Route& r) {
    auto* rtm = m.template header<rtmsg>();
    rtm->rtm_family = family_byte(r.family);
    rtm->rtm_dst_len = static_cast<uint8_t>(r.dst_len);
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = r.protocol;
    rtm->rtm_scope = r.scope;
    rtm->rtm_type = r.type ? r.type : static_cast<uint8_t>(RTN_UNICAST);
    size_t len = r.family == AF_INET ? 4 : 16;
    m.put(RTA_DST, r.dst.data(), len);
    if (r.oif) m.put_u32(RTA_OIF, static_cast<uint32_t>(r.oif));
    if (r.prefsrc) m.put(RTA_PREFSRC, r.prefsrc->data(), len);
}
}  // namespace

int Netlink::add_route(const Route& r) {
    Msg m(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
    route_msg(m, r);
    return call(m);
}

int Netlink::del_route(const Route& r) {
    Msg m(RTM_DELROUTE, 0);
    route_msg(m, r);
    return call(m);
}

std::vector<Route> Netlink::routes(int family) {
    Msg m(RTM_GETROUTE, 0);
    m.header<rtmsg>()->rtm_family = family_byte(family);
    std::vector<Route> out;
    dump(m, [&](const nlmsghdr* nlh) {
        auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
        auto a = parse<RTA_MAX + 1>(nlh, sizeof(rtmsg));
        Route r;
        r.family = rtm->rtm_family;
        r.dst_len = rtm->rtm_dst_len;
        r.protocol = rtm->rtm_protocol;
        r.type = rtm->rtm_type;
        r.scope = rtm->rtm_scope;
        r.table = a[RTA_TABLE] ? u32_of(a[RTA_TABLE]) : rtm->rtm_table;
        r.oif = static_cast<int>(u32_of(a[RTA_OIF]));
        copy_addr(a[RTA_DST], r.dst);
        if (a[RTA_PREFSRC]) {
            r.prefsrc.emplace();
            copy_addr(a[RTA_PREFSRC], *r.prefsrc);
        }
        out.push_back(r);
    });
    return out;
}

std::optional<Route> Netlink::route_to(const IpAddr& dst) {
    Msg m(RTM_GETROUTE, 0);
    auto* rtm = m.header<rtmsg>();
    rtm->rtm_family = family_byte(dst.family);
    rtm->rtm_dst_len = static_cast<uint8_t>(dst.full());
    m.put_addr(RTA_DST, dst);
    auto* nlh = m.nlh();
    nlh->nlmsg_seq = ++seq_;
    if (mnl_socket_sendto(sock_, nlh, nlh->nlmsg_len) < 0) return std::nullopt;
    std::vector<char> buf(kBuf);
    auto n = mnl_socket_recvfrom(sock_, buf.data(), buf.size());
    if (n < 0) return std::nullopt;
    std::optional<Route> out;
    auto cb = [](const nlmsghdr* msg, void* data) -> int {
        auto* o = static_cast<std::optional<Route>*>(data);
        auto* r = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(msg));
        auto a = parse<RTA_MAX + 1>(msg, sizeof(rtmsg));
        Route route;
        route.family = r->rtm_family;
        route.type = r->rtm_type;
        route.oif = static_cast<int>(u32_of(a[RTA_OIF]));
        copy_addr(a[RTA_DST], route.dst);
        *o = route;
        return MNL_CB_STOP;
    };
    if (mnl_cb_run(buf.data(), static_cast<size_t>(n), nlh->nlmsg_seq, portid_, cb, &out) == MNL_CB_ERROR)
        return std::nullopt;
    return out;
}

// --- policy rules -------------------------------------------------------------------------------------------------

namespace {
void rule_msg(auto& m, const Rule& r) {
    auto* h = m.template header<fib_rule_hdr>();
    h->family = family_byte(r.family);
    h->action = r.action;
    h->table = static_cast<uint8_t>(r.table < 256 ? r.table : 0u);
    if (r.src) {
        h->src_len = static_cast<uint8_t>(r.src->prefix);
        m.put_addr(FRA_SRC, *r.src);
    }
    if (r.dst) {
        h->dst_len = static_cast<uint8_t>(r.dst->prefix);
        m.put_addr(FRA_DST, *r.dst);
    }
    if (!r.iif.empty()) m.put_str(FRA_IFNAME, r.iif);
    m.put_u32(FRA_PRIORITY, r.priority);
    if (r.table) m.put_u32(FRA_TABLE, r.table);
    if (r.action == FR_ACT_GOTO) m.put_u32(FRA_GOTO, r.target);
    if (r.protocol) m.put_u8(FRA_PROTOCOL, r.protocol);
}
}  // namespace

int Netlink::add_rule(const Rule& r) {
    Msg m(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL);
    rule_msg(m, r);
    return call(m);
}

int Netlink::del_rule(const Rule& r) {
    Msg m(RTM_DELRULE, 0);
    rule_msg(m, r);
    return call(m);
}

std::vector<Rule> Netlink::rules(int family) {
    Msg m(RTM_GETRULE, 0);
    m.header<fib_rule_hdr>()->family = family_byte(family);
    std::vector<Rule> out;
    dump(m, [&](const nlmsghdr* nlh) {
        auto* h = static_cast<const fib_rule_hdr*>(mnl_nlmsg_get_payload(nlh));
        auto a = parse<FRA_MAX + 1>(nlh, sizeof(fib_rule_hdr));
        Rule r;
        r.family = h->family;
        r.action = h->action;
        r.iif = str_of(a[FRA_IFNAME]);
        r.priority = u32_of(a[FRA_PRIORITY]);
        r.table = a[FRA_TABLE] ? u32_of(a[FRA_TABLE]) : h->table;
        r.protocol = a[FRA_PROTOCOL] ? mnl_attr_get_u8(a[FRA_PROTOCOL]) : 0;
        r.target = u32_of(a[FRA_GOTO]);
        auto selector = [&](const nlattr* attr, unsigned len) -> std::optional<IpAddr> {
            if (!attr) return std::nullopt;
            IpAddr addr;
            addr.family = h->family;
            addr.prefix = len;
            copy_addr(attr, addr.bytes);
            return addr;
        };
        r.src = selector(a[FRA_SRC], h->src_len);
        r.dst = selector(a[FRA_DST], h->dst_len);
        out.push_back(r);
    });
    return out;
}

// --- proxy neighbour entries --------------------------------------------------------------------------------------

namespace {
void proxy_msg(auto& m, int index, const IpAddr& a) {
    auto* nd = m.template header<ndmsg>();
    nd->ndm_family = family_byte(a.family);
    nd->ndm_ifindex = index;
    nd->ndm_state = NUD_PERMANENT;
    nd->ndm_flags = NTF_PROXY;
    m.put_addr(NDA_DST, a);
    m.put_u8(NDA_PROTOCOL, kProto);
}
}  // namespace

int Netlink::add_proxy(int index, const IpAddr& a) {
    Msg m(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE);
    proxy_msg(m, index, a);
    return call(m);
}

int Netlink::del_proxy(int index, const IpAddr& a) {
    Msg m(RTM_DELNEIGH, 0);
    proxy_msg(m, index, a);
    return call(m);
}

std::vector<Proxy> Netlink::proxies(int family) {
    Msg m(RTM_GETNEIGH, 0);
    auto* nd = m.header<ndmsg>();
    nd->ndm_family = family_byte(family);
    nd->ndm_flags = NTF_PROXY;
    std::vector<Proxy> out;
    dump(m, [&](const nlmsghdr* nlh) {
        auto* n = static_cast<const ndmsg*>(mnl_nlmsg_get_payload(nlh));
        if (!(n->ndm_flags & NTF_PROXY)) return;
        auto a = parse<NDA_MAX + 1>(nlh, sizeof(ndmsg));
        Proxy p;
        p.family = n->ndm_family;
        p.index = n->ndm_ifindex;
        p.protocol = a[NDA_PROTOCOL] ? mnl_attr_get_u8(a[NDA_PROTOCOL]) : 0;
        copy_addr(a[NDA_DST], p.dst);
        out.push_back(p);
    });
    return out;
}

}  // namespace vz::net
