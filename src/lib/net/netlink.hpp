// rtnetlink through libmnl: links (veth pairs, flags, bridge ports, moves between namespaces), addresses, routes,
// policy rules and proxy neighbour entries, in the network namespace the socket was opened in. Each request returns
// 0 or the kernel's errno; what a failure means is the caller's to say.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "net/addr.hpp"

struct mnl_socket;
struct nlmsghdr;

namespace vz::net {

// The rtnetlink protocol of the routes and rules vzctl makes for containers (an unused RTPROT_ value), so a dump
// tells them from everyone else's.
constexpr uint8_t kProto = 0x76;

using Mac = std::array<uint8_t, 6>;

struct Link {
    int index = 0;
    std::string name;
    unsigned flags = 0;
    unsigned short type = 0;  // ARPHRD_
    int master = 0;
    std::string kind;   // IFLA_INFO_KIND: "veth", "bridge"...; "" for none
    std::string alias;  // IFLA_IFALIAS
    std::optional<Mac> mac;
};

struct Route {
    int family = AF_INET;
    std::array<uint8_t, 16> dst{};
    unsigned dst_len = 0;
    int oif = 0;
    uint8_t protocol = 0;
    uint8_t type = 0;   // RTN_
    uint8_t scope = 0;  // RT_SCOPE_
    uint32_t table = 0;
    std::optional<std::array<uint8_t, 16>> prefsrc;
};

struct Rule {
    int family = AF_INET;
    std::string iif;
    std::optional<IpAddr> src;  // prefix = its length
    std::optional<IpAddr> dst;  // the same
    uint32_t priority = 0;
    uint8_t action = 0;         // FR_ACT_
    uint32_t target = 0;        // FR_ACT_GOTO: the priority it jumps to
    uint32_t table = 0;
    uint8_t protocol = 0;
};

struct Proxy {
    int family = AF_INET;
    int index = 0;
    std::array<uint8_t, 16> dst{};
    uint8_t protocol = 0;
};

struct VethEnd {
    std::string name;
    std::optional<Mac> mac;
    unsigned flags = 0;  // set at creation (IFF_NOARP; not IFF_UP: bring the pair up once it exists)
    int netns_fd = -1;   // created in this namespace; -1: the socket's
};

// Runs `fn` with this thread in the network namespace `netns_fd` (the sockets it opens stay in it) and brings it back
// to its own, also when `fn` throws (it aborts when it can't: never act on a container for the host).
void in_netns(int netns_fd, const std::function<void()>& fn);

class Netlink {
public:
    Netlink();                       // in this process's network namespace
    explicit Netlink(int netns_fd);  // in that one (the process returns to its own)
    ~Netlink();
    Netlink(const Netlink&) = delete;
    Netlink& operator=(const Netlink&) = delete;

    int index_of(const std::string& name);  // 0: no such link
    std::vector<Link> links();
    int add_veth(const VethEnd& here, const VethEnd& peer);
    int set_flags(int index, unsigned flags, unsigned change);
    int set_master(int index, int master);  // 0: out of its bridge
    int set_netns(int index, int netns_fd, const std::string& new_name = {});
    int set_mac(int index, const Mac& mac);
    int set_name(int index, const std::string& name);  // the link must be down
    int set_alias(int index, const std::string& alias);
    // Bridge port options (IFLA_BRPORT_LEARNING, _UNICAST_FLOOD, _LOCKED...: one byte each) of a bridge's port.
    int set_bridge_port(int index, const std::vector<std::pair<uint16_t, uint8_t>>& opts);
    // The STP state of a bridge's port (BR_STATE_*; without STP only disabled and forwarding stick).
    int set_bridge_port_state(int index, uint8_t state);
    // A static entry of the bridge's forwarding database (`bridge fdb add MAC dev PORT master static`).
    int add_fdb(int port, const Mac& mac);
    int del_fdb(int port, const Mac& mac);
    int del_link(int index);

    int add_addr(int index, const IpAddr& a);  // without duplicate address detection
    int del_addr(int index, const IpAddr& a);
    std::vector<std::pair<int, IpAddr>> addrs(int family);

    // A route to `dst`/dst.prefix: on `oif` (link scope) or of `type` (RTN_BLACKHOLE...) when oif is 0.
    int add_route(const Route& r);
    int del_route(const Route& r);
    std::vector<Route> routes(int family);
    // Where the kernel would send a packet to `dst` (RTM_GETROUTE): nullopt when it has no route.
    std::optional<Route> route_to(const IpAddr& dst);

    int add_rule(const Rule& r);
    int del_rule(const Rule& r);
    std::vector<Rule> rules(int family);

    int add_proxy(int index, const IpAddr& a);
    int del_proxy(int index, const IpAddr& a);
    std::vector<Proxy> proxies(int family);

private:
    class Msg;
    int call(Msg& m);
    int fdb_request(uint16_t type, uint16_t flags, int port, const Mac& mac);
    void dump(Msg& m, const std::function<void(const nlmsghdr*)>& each);
    mnl_socket* sock_ = nullptr;
    unsigned portid_ = 0;
    unsigned seq_ = 0;
};

}  // namespace vz::net
