// veth devices (NETIF) on a mainline kernel: for each device a veth pair, its container end created inside the
// container's network namespace with the configured name and MAC, its host end in the host's with its own name and
// MAC, both up, the host end a port of the configured bridge. The container configures its addresses itself.
//
// mac_filter=on (the default) with a bridge: the host end's bridge port is locked (IFLA_BRPORT_LOCKED: the bridge
// forwards a frame from it only when the frame's source MAC has a forwarding-database entry pointing to this port),
// does not learn, and gets no unknown-unicast floods; one static FDB entry, the container end's MAC on this port,
// lets the container's own frames in and the frames for it out. A MAC changed inside the container matches no
// entry: its frames are dropped, and the frames sent to it are not flooded to the port.
//
// Each host end carries an alias "vzctl CT <CTID> <ifname> <tag>" (tag: a hash of VE_ROOT), by which the cleanup
// and a live change find this container's host ends whatever their names.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/ctconfig.hpp"

namespace vz::net {

struct Link;  // net/netlink.hpp

struct VethDev {
    std::string ifname, mac, host_ifname, host_mac, bridge;
    bool mac_filter = true;
};

struct VethConfig {
    unsigned ctid = 0;
    std::string tag;  // what tells this container's host ends from another one's of the same CTID
    std::vector<VethDev> devs;
};

VethConfig veth_config(const CtConfig& cfg);

// What tells this container's host ends from those of another container with the same CTID (another VE_ROOT,
// as tests with their own config directories have): a hash of VE_ROOT.
std::string host_end_tag(const CtConfig& cfg);

// At start, in the network namespace `netns_fd` of a container whose init has not run yet. Fails with exit 130
// (a missing bridge, a host name in use...) having undone what it made.
void veth_start(const VethConfig& c, int netns_fd);

// At resume (ct/suspend.cpp): the host's side of each device of `ifnames` (those the dump has) as veth_start makes it
// (host end named, on its bridge, filtered), but down until veth_lock unlocks it: while CRIU restores, nothing reaches
// the container (a disabled bridge port would not do: the bridge enables it when CRIU brings the device up inside
// and its carrier comes, and a retransmission that reached the container before its TCP socket was back got a
// reset, the connection lost). The container's end left on the host, down, named
// veth_restore_peer, for CRIU to move into the restored namespace (`--external netdev[IFNAME]:PEER`; it restores
// the addresses and state inside from the dump). Returns (device, peer) pairs. A device the dump has and NETIF no
// longer names fails (130); one NETIF names and the dump has not gets a warning. On failure undoes what it made.
std::vector<std::pair<std::string, std::string>> veth_prepare_restore(const VethConfig& c,
                                                                      const std::vector<std::string>& ifnames);
// The container's end of its `i`-th restored device on the host until CRIU moves it: "vzr", the CTID and a letter.
std::string veth_restore_peer(unsigned ctid, size_t i);

// After a restore (as at a live migration's destination): from each of the container's devices `ifnames` that is up,
// a gratuitous ARP (IPv4) or unsolicited neighbour advertisement (IPv6) for each address it holds, sent inside the
// container with its MAC, so that the bridges and switches on the way learn where that MAC is now and neighbours
// update their caches (what a hypervisor's announcement after a live migration does). Best effort: warnings.
void veth_announce(const std::vector<std::string>& ifnames, int netns_fd);

// On a running container: the devices of `c` made as configured. A device no longer configured is removed, a new
// one created; of the others, what differs from the configuration (host end's name, MACs, bridge, filter) changed.
// `before`: the configuration the devices were made from (host ends of devices renamed by this change are looked
// up by their old names, and the filter is set again where its inputs changed).
void veth_change(const VethConfig& before, const VethConfig& c, int netns_fd);

// The host ends of the container's devices present now, by their aliases (its venet host end and its veth
// devices' ones) in `links` (a dump of the host's links): (host end's name, the device's name inside).
std::vector<std::pair<std::string, std::string>> host_ends(const CtConfig& cfg, const std::vector<Link>& links);

// The network lock of a frozen container (see venet_lock): the bridge port of each host end disabled (it forwards
// nothing either way; its carrier, and so the container's routes, stay up: a route marked linkdown in a dump fails
// its restore), or forwarding again. A host end on no bridge is not locked (a warning). A host end that is down
// (veth_prepare_restore's) is locked as it is, and brought up by the unlock.
void veth_lock(const VethConfig& c, bool lock);

// The host ends of the container's devices that are left (after a stop, or a monitor that was killed).
void veth_cleanup(const VethConfig& c);

}  // namespace vz::net
