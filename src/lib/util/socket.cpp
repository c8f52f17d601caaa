#include "util/socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "util/fd.hpp"

namespace vz {

std::optional<uint16_t> free_loopback_port() {
    Fd sock(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock) return std::nullopt;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(sock.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(sock.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0)
        return std::nullopt;
    return ntohs(a.sin_port);
}

}  // namespace vz
