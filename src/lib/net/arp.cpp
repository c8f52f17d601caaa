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

bool announce_v6(int ifindex, const Mac& mac, const IpAddr& a) {
    Fd s(::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6));
    if (!s) return false;
    int hops = 255;  // RFC 4861: neighbour discovery is dropped unless it was not forwarded
    unsigned idx = static_cast<unsigned>(ifindex);
    ::setsockopt(s.get(), IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx, sizeof idx);
    ::setsockopt(s.get(), IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops);
    struct [[gnu::packed]] {
        nd_neighbor_advert na;
        uint8_t opt_type, opt_len, lladdr[6];
    } msg{};
    msg.na.nd_na_type = ND_NEIGHBOR_ADVERT;
    msg.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
    std::memcpy(&msg.na.nd_na_target, a.bytes.data(), 16);
    msg.opt_type = ND_OPT_TARGET_LINKADDR;
    msg.opt_len = 1;  // in units of 8 bytes
    std::memcpy(msg.lladdr, mac.data(), 6);
    sockaddr_in6 to{};
    to.sin6_family = AF_INET6;
    ::inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
    to.sin6_scope_id = idx;
    return ::sendto(s.get(), &msg, sizeof msg, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == sizeof msg;
}

}  // namespace

bool address_answers(int ifindex, const Mac& mac, const IpAddr& a, std::chrono::milliseconds wait) {
    if (a.family != AF_INET) return false;
    Fd s = arp_socket(ifindex);
    const uint8_t none[4] = {0, 0, 0, 0};
    if (!s || !send_arp(s.get(), ifindex, mac, none, a.bytes.data())) return false;
    auto end = Clock::now() + wait;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
        if (left <= 0) return false;
        pollfd p{s.get(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
        ArpPacket reply{};
        if (::recv(s.get(), &reply, sizeof reply, 0) != sizeof reply) continue;
        if (ntohs(reply.op) == kReply && std::memcmp(reply.spa, a.bytes.data(), 4) == 0) return true;
    }
}

bool announce(int ifindex, const Mac& mac, const IpAddr& a) {
    if (a.family == AF_INET6) return announce_v6(ifindex, mac, a);
    Fd s = arp_socket(ifindex);
    return s && send_arp(s.get(), ifindex, mac, a.bytes.data(), a.bytes.data());
}

}  // namespace vz::net
