// Passing a file descriptor over a unix socket (SCM_RIGHTS), one per message.
#pragma once

#include "util/fd.hpp"

namespace vz {

// Sends `fd` with one byte of data; false when the socket refuses.
bool send_fd(int sock, int fd);

// One received message: recvmsg's result (0: end of file, -1: error), its data byte, its descriptor if any.
struct FdMessage {
    long n = -1;
    char byte = 0;
    Fd fd;
};
FdMessage recv_message(int sock, int flags = 0);

// Receives one descriptor (close-on-exec); an invalid Fd on end of file, error or a message without one.
Fd recv_fd(int sock, int flags = 0);

}  // namespace vz
