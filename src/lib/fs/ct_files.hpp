// What vzctl writes inside a container's tree from the host: /etc/resolv.conf (NAMESERVER, SEARCHDOMAIN) and
// /etc/hosts (HOSTNAME). The new text of each file is computed from the old one by pure functions (no I/O); the
// writes resolve every path inside the container's tree, so a container whose /etc, /etc/hosts or /etc/resolv.conf
// is a symlink to a host path (absolute, or ../../..) writes in its own tree only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/ctconfig.hpp"

namespace vz {

// --- the texts ----------------------------------------------------------------------------------------------------

// The resolver entries of a resolv.conf text: its `nameserver` addresses in order, and the domains of its last
// `search` or `domain` line (the resolver uses the last of them).
struct DnsEntries {
    std::vector<std::string> nameservers;
    std::vector<std::string> search;
};
DnsEntries parse_resolv_conf(std::string_view text);

// `old` with its `nameserver` lines replaced by one line per `nameservers` entry (where the first old one was, else
// at the end) when `nameservers` is given and not empty, and its `search` and `domain` lines replaced by one `search`
// line (in the same way) when `search` is given and not empty. Every other line (options, sortlist, comments) is
// kept as it was.
std::string resolv_conf_text(std::string_view old, const std::optional<std::vector<std::string>>& nameservers,
                             const std::optional<std::vector<std::string>>& search);

// The marker vzctl puts before the line it writes for the host name (the same comment the original dist scripts
// wrote, so a container moved from OpenVZ has its old line replaced, not doubled).
inline constexpr std::string_view kHostsMarker = "# Auto-generated hostname. Please do not remove this comment.";

// `old` with the container's own line for `hostname`: "<ip> <hostname> <short name>" (the short name when the name
// has a dot) after kHostsMarker, at the end. Dropped: the line after an old marker (the name vzctl wrote last time),
// and every other line naming `hostname` or `previous` (the name the container had) unless it names localhost too.
// Kept: the rest, such as "127.0.0.1 localhost" and the IPv6 localhost lines; "127.0.0.1 localhost" is added first
// when no line gives 127.0.0.1 the name localhost. A host name that is localhost itself gets no line of its own.
std::string hosts_text(std::string_view old, std::string_view hostname, std::string_view ip,
                       std::string_view previous = {});

// The first line of the stanzas vzctl writes for venet0 in a Debian-family /etc/network/interfaces.
inline constexpr std::string_view kInterfacesMarker =
    "# venet0: the container's IP_ADDRESS, written by vzctl (changes here are replaced at each start and set)";

// `old` (an ifupdown /etc/network/interfaces) with its venet0 stanzas replaced by the ones for `addrs` ("ADDR" or
// "ADDR/PREFIX", IPv6 when it has a colon; no prefix: /32, /128): `auto venet0`, an `iface venet0 inet manual`
// stanza whose up lines bring the device up, put the IPv4 addresses on it and add `default dev venet0 scope link`
// (its down line takes the device down), and, with IPv6 addresses, an `iface venet0 inet6 manual` stanza that adds
// them and `default dev venet0`. Every command is idempotent (`ip addr replace`, `ip route replace`): at boot the
// addresses vzctl put on venet0 before init are there already, and ifup must not fail on them. Dropped: every
// stanza of venet0 or an alias of it (venet0:N, the layout of the original's scripts), those names on auto and
// allow-* lines (a line naming nothing else goes), and the marker. Kept as they were: the other lines (lo, other
// devices, comments, source lines). No addresses: no venet0 stanza at all.
std::string debian_interfaces_text(std::string_view old, const std::vector<std::string>& addrs);

// --- writing in a container's tree --------------------------------------------------------------------------------

// The content of `path` (relative to the tree `root_dirfd`, resolved in it), or nullopt when it does not exist or is
// not a regular file (a dangling symlink, a FIFO a hostile container put there: never opened for reading). Longer
// than `max` bytes: an error. `where` names the container in messages ("CT 101").
std::optional<std::string> read_in_root(int root_dirfd, const std::string& path, const std::string& where,
                                        size_t max = 1 << 20);

// Replaces `path` (relative to the tree `root_dirfd`) with `content` atomically: a temporary file in the same
// directory, fsync, renameat over the old name, fsync of the directory; on failure the temporary is removed and the
// old file is untouched. Directories on the way are resolved inside the tree (openat2 RESOLVE_IN_ROOT |
// RESOLVE_NO_MAGICLINKS: ".." and absolute symlinks stop at the tree's root). The new file keeps the old one's mode
// and owner where it was a regular file (else `mode`, owned by the caller).
//
// A final component that is a symlink is replaced by the regular file, not written through: what the original dist
// scripts did (their `mv -f` over the name), and what makes the configured servers take effect where
// /etc/resolv.conf is systemd-resolved's link to /run/systemd/resolve/... (at start that target is not even there:
// /run is the container's tmpfs; and a regular /etc/resolv.conf is one systemd-resolved leaves alone). The old
// content is still read through the link (read_in_root), so its options survive.
void write_in_root(int root_dirfd, const std::string& path, const std::string& content, const std::string& where,
                   unsigned mode = 0644);

// --- the container's files from its config ------------------------------------------------------------------------

// What to write: kResDns (res_groups.hpp) writes /etc/resolv.conf when NAMESERVER or SEARCHDOMAIN is set (in the
// container's config or vz.conf; `inherit` takes the host's /etc/resolv.conf entries), kResHostname /etc/hosts when
// HOSTNAME is set. `tree` is the container's tree as the host sees it, unshifted (VE_PRIVATE: a file created there
// by the host's root belongs to the container's root, with or without a user namespace). Errors throw vz::Error
// naming the file and the container.
void write_ct_files(const CtConfig& cfg, const std::string& tree, unsigned groups);

// The distribution's own network configuration for the venet addresses (IP_ADDRESS): in a Debian-family tree
// (OSTEMPLATE debian* or ubuntu*; another known distribution's name: not; else the tree has /etc/debian_version and
// /etc/network/interfaces) with an /etc/network directory, its /etc/network/interfaces gets
// debian_interfaces_text for `addrs` (the container's venet addresses). Returns false when the tree is not one of
// those (nothing written).
bool write_ct_network(const CtConfig& cfg, const std::string& tree, const std::vector<std::string>& addrs);

}  // namespace vz
