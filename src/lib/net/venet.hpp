// venet on a mainline kernel: a container's routed addresses (IP_ADDRESS) on a device named venet0 inside it, the
// container end of a veth pair whose host end is venet<CTID>.
//
// Both ends have the ARP flag off and share one MAC address, so neither side resolves neighbours: every packet
// goes straight to the other end, as on OpenVZ's point-to-point venet (no ARP round trip, no IPv6 duplicate-address
// wait). Inside: each address (with its prefix as given, else /32 or /128) and a default route over venet0 for each
// family it has addresses of. On the host: a /32 (/128) route per address to venet<CTID> (protocol kProto), proxy
// ARP/NDP entries for it on the devices NEIGHBOUR_DEVS names (probed first with ERROR_ON_ARPFAIL=yes, announced
// after unless SKIP_ARPDETECT), per-device forwarding on the host end, and policy
// rules that let the host end in only with one of the container's addresses as source (anti-spoofing):
//   pref 1000  from ADDR iif venet<CTID> goto 1002     (per address)
//   pref 1001  iif venet<CTID> blackhole               (per family)
//   pref 1002  nop                                    (shared; what follows decides routing as before)
#pragma once

#include <string>
#include <vector>

#include "config/ctconfig.hpp"
#include "net/addr.hpp"

namespace vz::net {

struct VenetConfig {
    unsigned ctid = 0;
    std::string tag;             // host_end_tag (veth.hpp): the host end's alias is "vzctl venet CT <CTID> <tag>" (not veth's form)
    std::vector<IpAddr> addrs;
    bool ipv6 = true;            // IPV6 (vz.conf): IPv6 addresses are used
    std::string neighbour_devs;  // NEIGHBOUR_DEVS: "" or "all", "detect", "list:eth0 eth1"
    std::string route_src_dev;   // VE_ROUTE_SRC_DEV
    bool announce = true;        // not SKIP_ARPDETECT: gratuitous ARP / unsolicited NA on the neighbour devices
    bool probe = false;          // ERROR_ON_ARPFAIL=yes (and not SKIP_ARPDETECT): refuse an address that answers
};

VenetConfig venet_config(const CtConfig& cfg);

// The device's name inside the container.
constexpr const char* kVenetDev = "venet0";

// The host end's name: "venet" and the CTID (at most 15 characters for any CTID).
std::string venet_host_end(unsigned ctid);

// At start, in the network namespace `netns_fd` of a container whose init has not run yet. Refuses an address the
// host or another container holds (exit 78); on any failure undoes what it made.
void venet_start(const VenetConfig& c, int netns_fd);

// At resume (ct/suspend.cpp): the host's side as venet_start makes it, with the container's end left on the host,
// down, named `peer` (venet_restore_peer), for CRIU to move into the restored namespace as venet0 (`--external
// netdev[venet0]:PEER`); the addresses and routes inside come from the dump. Makes the pair also when c.addrs is
// empty (the dump has venet0: `set --ipdel all` keeps it). On failure undoes what it made.
void venet_prepare_restore(const VenetConfig& c, const std::string& peer);
// The container end's name on the host until CRIU moves it: "vzr" and the CTID.
std::string venet_restore_peer(unsigned ctid);

// On a running container, what one `set` asks: `del` removed where in force (all of them with `del_all`), `add`
// added (one in force already is removed and added again, so a new prefix takes effect). The other addresses, and
// connections to them, are untouched. c.addrs is not used. Returns what was removed and added.
struct VenetChange {
    std::vector<IpAddr> added, removed;
};
VenetChange venet_change(const VenetConfig& c, int netns_fd, const std::vector<IpAddr>& add,
                         const std::vector<IpAddr>& del, bool del_all);

// The alias of a container's venet host end.
std::string venet_alias(unsigned ctid, const std::string& tag);

// Addresses in force for running containers, from the host's routes: host end alias -> addresses (one listing
// for all).
std::vector<std::pair<std::string, IpAddr>> venet_routed();

// The network lock of a frozen container (vzctl chkpnt --suspend, until --resume or --kill): with `lock`, policy
// rules (priority 999, before the others) drop what comes from its host end and what goes to each address routed
// to it, so that nothing reaches its TCP stack between the freeze and the dump or the kill, and the host's routes
// and proxy entries stay as they are (a thaw then finds them in place); without, those rules go. No host end of
// its: nothing to do. A lock that can't be set fails (16) having removed what it set.
void venet_lock(const VenetConfig& c, bool lock);

// vzmigrate's handover of a frozen, locked container (after --suspend) once the destination runs its copy: with
// `give` (refused, 16, unless its network is locked), the host routes, source rules, proxy entries and lock rules
// of its addresses go, so that this host and its neighbours reach them there (the host end and the lock's rules
// for what comes from it stay until --kill);
// without, the addresses of c.addrs not routed here get all of that back (announced, not probed), locked, for a
// --resume: a rollback's. No host end of its: nothing to do. A take-back that fails (16, or as venet_start) gives
// up again the addresses it took back.
void venet_handover(const VenetConfig& c, bool give);

// What the host holds for the container after it stopped (or its monitor was killed): its host end, its policy
// rules, and proxy entries and lock rules of addresses no container is routed to any more. A venet<CTID> with another alias
// belongs to another container of that CTID (another config directory) and is left alone with its rules.
void venet_cleanup(const VenetConfig& c);

}  // namespace vz::net
