// An IPv4 or IPv6 address with a prefix length, as IP_ADDRESS holds them ("198.51.100.10", "2001:db8::1/64").
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vz::net {

struct IpAddr {
    int family = AF_INET;                // AF_INET or AF_INET6
    std::array<uint8_t, 16> bytes{};     // the first 4 for IPv4
    unsigned prefix = 32;                // as given; the host's route is always the single address

    // "ADDR" or "ADDR/PREFIX"; nullopt when it is neither.
    static std::optional<IpAddr> parse(std::string_view s);
    // The single address (/32, /128) of `family` in `bytes`.
    static IpAddr single(int family, const std::array<uint8_t, 16>& bytes) {
        IpAddr a;
        a.family = family;
        a.bytes = bytes;
        a.prefix = a.full();
        return a;
    }
    size_t size() const { return family == AF_INET ? 4 : 16; }
    unsigned full() const { return family == AF_INET ? 32 : 128; }
    // The address alone, canonical ("2001:db8::1").
    std::string str() const;
    bool same_address(const IpAddr& o) const { return family == o.family && bytes == o.bytes; }
};

// The addresses of an IP_ADDRESS value (space-separated); the unspecified ones (0.0.0.0, ::) are left out as the
// original does, IPv6 ones too unless `ipv6`.
std::vector<IpAddr> parse_list(std::string_view list, bool ipv6);

// The addresses alone, blank-separated ("198.51.100.10 2001:db8::10"), as vzctl's messages name them.
std::string joined(const std::vector<IpAddr>& addrs);

}  // namespace vz::net
