// One validator per value Kind of the parameter table. `vzctl set/create` checks each value it is given with it,
// and a loaded config each stored value, so the two can't accept different things; the accepted form in messages
// and --help comes from here too.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/params.hpp"

namespace vz {

inline constexpr unsigned kCpumaskBits = 4096;
inline constexpr unsigned kNodemaskBits = 1024;

// Whether `item` is a value of p's kind as given on the command line; list kinds take one item at a time.
bool valid_value(const ParamDef& p, std::string_view item);
// Whether a config value of the key p owns is valid: every stored item, checked by valid_value.
bool valid_stored(const ParamDef& p, std::string_view value);
// The accepted form of a kind, for error messages and --help.
std::string accepted_form(const ParamDef& p);

// What the shell completes for a value of p's kind: every value of a kind with few, the keywords of the others
// ("unlimited", "all", "inherit"); none for free values. A list kind's items are joined by `separator`.
struct ValueWords {
    std::vector<std::string> words;
    char separator = 0;
};
ValueWords value_words(const ParamDef& p);

// Canonical spellings the edits store; nullopt when `s` is not one.
std::optional<std::string> canonical_ip(std::string_view s);   // "10.0.0.1", "2001:db8::1/64"
std::optional<std::string> canonical_mac(std::string_view s);  // "00:18:51:AA:BB:CC"
std::optional<std::string> canonical_pci(std::string_view s);  // "0000:00:1f.3"
// DISKSPACE / DISKINODES soft[:hard] as "soft:hard" in `unit`.
std::optional<std::string> disk_pair(std::string_view s, Unit unit);
bool valid_ifname(std::string_view s);
// A NETDEV name: an interface name, not venet*, tun*, tap* or lo* (reference 2.3).
bool valid_netdev(std::string_view d);
// The fields of one --netif_add value, empty ones kept ("eth0,,veth1").
std::vector<std::string> netif_spec_fields(std::string_view spec);
// A DEVICES entry naming block major 7: loop devices reach host files, so no container gets them.
bool loop_device(std::string_view device_entry);
bool known_feature(std::string_view lower_name);
bool known_iptables_module(std::string_view name);

}  // namespace vz
