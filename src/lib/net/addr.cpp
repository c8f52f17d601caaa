#include "net/addr.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include "util/strings.hpp"

namespace vz::net {

std::optional<IpAddr> IpAddr::parse(std::string_view s) {
    auto slash = s.find('/');
    std::string text(s.substr(0, slash));
    IpAddr a;
    a.family = text.find(':') != std::string::npos ? AF_INET6 : AF_INET;
    if (::inet_pton(a.family, text.c_str(), a.bytes.data()) != 1) return std::nullopt;
    a.prefix = a.full();
    if (slash != std::string_view::npos) {
        auto p = parse_uint(s.substr(slash + 1), 0, a.full());
        if (!p) return std::nullopt;
        a.prefix = static_cast<unsigned>(*p);
    }
    return a;
}

std::string IpAddr::str() const {
    char text[INET6_ADDRSTRLEN];
    ::inet_ntop(family, bytes.data(), text, sizeof text);
    return text;
}

std::vector<IpAddr> parse_list(std::string_view list, bool ipv6) {
    std::vector<IpAddr> out;
    for (auto& item : split(list, " ")) {
        auto a = IpAddr::parse(item);
        if (!a || (a->family == AF_INET6 && !ipv6)) continue;
        if (std::all_of(a->bytes.begin(), a->bytes.end(), [](uint8_t b) { return b == 0; })) continue;
        if (std::none_of(out.begin(), out.end(), [&](const IpAddr& o) { return o.same_address(*a); }))
            out.push_back(*a);
    }
    return out;
}

std::string joined(const std::vector<IpAddr>& addrs) {
    std::string out;
    for (auto& a : addrs) out += (out.empty() ? "" : " ") + a.str();
    return out;
}

}  // namespace vz::net
