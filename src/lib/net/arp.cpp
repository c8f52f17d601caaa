#include "net/arp.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstring>

#include "util/fd.hpp"

namespace vz::net {
namespace {

using Clock = std::chrono::steady_clock;

// An ARP packet for IPv4 over Ethernet (RFC 826), as it follows the Ethernet header.
struct [[gnu::packed]] ArpPacket {
    uint16_t htype, ptype;
    uint8_t hlen, plen;
    uint16_t op;
    uint8_t sha[6], spa[4], tha[6], tpa[4];
};

constexpr uint16_t kRequest = 1, kReply = 2;

Fd arp_socket(int ifindex) {
    Fd s(::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP)));
    if (!s) return s;
    sockaddr_ll at{};
    at.sll_family = AF_PACKET;
    at.sll_protocol = htons(ETH_P_ARP);
    at.sll_ifindex = ifindex;
    if (::bind(s.get(), reinterpret_cast<sockaddr*>(&at), sizeof at) != 0) return Fd();
    return s;
}

bool send_arp(int sock, int ifindex, const Mac& mac, const uint8_t* spa, const uint8_t* tpa) {
    ArpPacket p{};
    p.htype = htons(1);
    p.ptype = htons(ETH_P_IP);
    p.hlen = 6;
    p.plen = 4;
    p.op = htons(kRequest);
    std::memcpy(p.sha, mac.data(), 6);
    std::memcpy(p.spa, spa, 4);
    std::memcpy(p.tpa, tpa, 4);
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_protocol = htons(ETH_P_ARP);
    to.sll_ifindex = ifindex;
    to.sll_halen = 6;
    std::memset(to.sll_addr, 0xff, 6);
    return ::sendto(sock, &p, sizeof p, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == sizeof p;
}

// An ICMPv6 socket for neighbour discovery on the device: hop limit 255 (RFC 4861 drops anything else), multicast
// out of the device and not looped back (the host's own proxy entries must not answer its probe).
Fd nd_socket(int ifindex) {
    Fd s(::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6));
    if (!s) return s;
    int hops = 255, loop = 0;
    unsigned idx = static_cast<unsigned>(ifindex);
    ::setsockopt(s.get(), IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx, sizeof idx);
    ::setsockopt(s.get(), IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops);
    ::setsockopt(s.get(), IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop, sizeof loop);
    return s;
}

// Sends a neighbour discovery message about `target` (a solicitation or an advertisement: an ICMPv6 header and the
// target, RFC 4861) with one link-layer address option carrying `mac`, to the group `group` on the device.
bool send_nd(int sock, int ifindex, uint8_t type, uint32_t flags, const IpAddr& target, uint8_t option,
             const Mac& mac, const in6_addr& group) {
    struct [[gnu::packed]] {
        icmp6_hdr hdr;
        in6_addr target;
        uint8_t opt_type, opt_len, lladdr[6];
    } msg{};
    msg.hdr.icmp6_type = type;
    msg.hdr.icmp6_data32[0] = flags;
    std::memcpy(&msg.target, target.bytes.data(), 16);
    msg.opt_type = option;
    msg.opt_len = 1;  // in units of 8 bytes
    std::memcpy(msg.lladdr, mac.data(), 6);
    sockaddr_in6 to{};
    to.sin6_family = AF_INET6;
    to.sin6_addr = group;
    to.sin6_scope_id = static_cast<unsigned>(ifindex);
    return ::sendto(sock, &msg, sizeof msg, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == sizeof msg;
}

// Waits up to `wait` for a packet on `sock` that `is_answer` (bytes, length) takes.
template <typename Pred>
bool answered_within(int sock, std::chrono::milliseconds wait, Pred is_answer) {
    auto end = Clock::now() + wait;
    alignas(8) uint8_t buf[1500];
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
        if (left <= 0) return false;
        pollfd p{sock, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
        ssize_t n = ::recv(sock, buf, sizeof buf, 0);
        if (n > 0 && is_answer(buf, static_cast<size_t>(n))) return true;
    }
}

// IPv6: a neighbour solicitation for `a` to its solicited-node group, from the device's own address with its MAC;
// true when a neighbour advertisement for `a` arrives on the device within `wait`.
bool address_answers_v6(int ifindex, const Mac& mac, const IpAddr& a, std::chrono::milliseconds wait) {
    Fd s = nd_socket(ifindex);
    if (!s || ::setsockopt(s.get(), SOL_SOCKET, SO_BINDTOIFINDEX, &ifindex, sizeof ifindex) != 0) return false;
    icmp6_filter filter;
    ICMP6_FILTER_SETBLOCKALL(&filter);
    ICMP6_FILTER_SETPASS(ND_NEIGHBOR_ADVERT, &filter);
    ::setsockopt(s.get(), IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
    in6_addr group{};
    ::inet_pton(AF_INET6, "ff02::1:ff00:0", &group);
    std::memcpy(group.s6_addr + 13, a.bytes.data() + 13, 3);  // RFC 4291's solicited-node address
    if (!send_nd(s.get(), ifindex, ND_NEIGHBOR_SOLICIT, 0, a, ND_OPT_SOURCE_LINKADDR, mac, group)) return false;
    return answered_within(s.get(), wait, [&](const uint8_t* p, size_t n) {
        nd_neighbor_advert na;
        if (n < sizeof na) return false;
        std::memcpy(&na, p, sizeof na);
        return na.nd_na_type == ND_NEIGHBOR_ADVERT && std::memcmp(&na.nd_na_target, a.bytes.data(), 16) == 0;
    });
}

bool announce_v6(int ifindex, const Mac& mac, const IpAddr& a) {
    Fd s = nd_socket(ifindex);
    if (!s) return false;
    in6_addr all_nodes{};
    ::inet_pton(AF_INET6, "ff02::1", &all_nodes);
    return send_nd(s.get(), ifindex, ND_NEIGHBOR_ADVERT, ND_NA_FLAG_OVERRIDE, a, ND_OPT_TARGET_LINKADDR, mac,
                   all_nodes);
}

}  // namespace

bool address_answers(int ifindex, const Mac& mac, const IpAddr& a, std::chrono::milliseconds wait) {
    if (a.family == AF_INET6) return address_answers_v6(ifindex, mac, a, wait);
    Fd s = arp_socket(ifindex);
    const uint8_t none[4] = {0, 0, 0, 0};
    if (!s || !send_arp(s.get(), ifindex, mac, none, a.bytes.data())) return false;
    return answered_within(s.get(), wait, [&](const uint8_t* p, size_t n) {
        ArpPacket reply;
        if (n < sizeof reply) return false;
        std::memcpy(&reply, p, sizeof reply);
        return ntohs(reply.op) == kReply && std::memcmp(reply.spa, a.bytes.data(), 4) == 0;
    });
}

bool announce(int ifindex, const Mac& mac, const IpAddr& a) {
    if (a.family == AF_INET6) return announce_v6(ifindex, mac, a);
    Fd s = arp_socket(ifindex);
    return s && send_arp(s.get(), ifindex, mac, a.bytes.data(), a.bytes.data());
}

}  // namespace vz::net
