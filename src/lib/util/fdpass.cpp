#include "util/fdpass.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace vz {
namespace {

// One byte of data and room for one SCM_RIGHTS descriptor.
struct MsgBuffer {
    char byte = 0;
    iovec iov{&byte, 1};
    alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    MsgBuffer() {
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = ctrl;
        msg.msg_controllen = sizeof ctrl;
    }
    MsgBuffer(const MsgBuffer&) = delete;
    MsgBuffer& operator=(const MsgBuffer&) = delete;
};

}  // namespace

bool send_fd(int sock, int fd) {
    MsgBuffer m;
    cmsghdr* c = CMSG_FIRSTHDR(&m.msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
    ssize_t n;
    do n = ::sendmsg(sock, &m.msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n == 1;
}

FdMessage recv_message(int sock, int flags) {
    MsgBuffer m;
    FdMessage out;
    ssize_t n;
    do n = ::recvmsg(sock, &m.msg, MSG_CMSG_CLOEXEC | flags);
    while (n < 0 && errno == EINTR);
    out.n = n;
    if (n <= 0) return out;
    out.byte = m.byte;
    cmsghdr* c = CMSG_FIRSTHDR(&m.msg);
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
        out.fd.reset(fd);
    }
    return out;
}

Fd recv_fd(int sock, int flags) { return std::move(recv_message(sock, flags).fd); }

}  // namespace vz
