#include "util/openat2.hpp"

#include <cerrno>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace vz {

int openat2_retry(int dirfd, const char* path, uint64_t flags, uint64_t resolve, unsigned mode) {
    open_how how{};
    how.flags = flags | O_CLOEXEC;
    how.mode = (flags & (O_CREAT | __O_TMPFILE)) ? mode : 0;
    how.resolve = resolve;
    // A busy host (containers starting beside this one mount all the time) can make one lookup race many times; the
    // bound only keeps a pathological host from spinning here for ever.
    for (int attempt = 0;; ++attempt) {
        int fd = static_cast<int>(::syscall(SYS_openat2, dirfd, path, &how, sizeof how));
        if (fd >= 0 || errno != EAGAIN || attempt == 1000) return fd;
    }
}

}  // namespace vz
