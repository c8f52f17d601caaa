// What the original's vps-net_add did with arpsend for a venet address on the host's LAN devices: a probe for
// another machine already answering for the address, and an announcement once the container holds it.
#pragma once

#include <chrono>
#include <optional>

#include "net/addr.hpp"
#include "net/netlink.hpp"

namespace vz::net {

// Whether another machine on the device's link answers for `a` within `wait` (false also when the probe could not be
// sent). IPv4: an ARP request from 0.0.0.0 (RFC 5227 probe). IPv6: a neighbour solicitation to the address's
// solicited-node group (RFC 4861), answered by a neighbour advertisement for it; the original probed IPv4 only.
bool address_answers(int ifindex, const Mac& mac, const IpAddr& a, std::chrono::milliseconds wait);

// A gratuitous ARP request (IPv4) or an unsolicited neighbour advertisement to all nodes (IPv6) for `a` from the
// device, so that neighbours update their caches. Best effort: false when it could not be sent.
bool announce(int ifindex, const Mac& mac, const IpAddr& a);

}  // namespace vz::net
