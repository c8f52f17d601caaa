// What the original's vps-net_add did with arpsend for a venet address on the host's LAN devices: a probe for
// another machine already answering for the address, and an announcement once the container holds it.
#pragma once

#include <chrono>
#include <optional>

#include "net/addr.hpp"
#include "net/netlink.hpp"

namespace vz::net {

// IPv4: an ARP request for `a` from 0.0.0.0 (RFC 5227 probe) on the device; true when someone answers within
// `wait`. IPv6 is not probed (false).
bool address_answers(int ifindex, const Mac& mac, const IpAddr& a, std::chrono::milliseconds wait);

// A gratuitous ARP request (IPv4) or an unsolicited neighbour advertisement to all nodes (IPv6) for `a` from the
// device, so that neighbours update their caches. Best effort: false when it could not be sent.
bool announce(int ifindex, const Mac& mac, const IpAddr& a);

}  // namespace vz::net
