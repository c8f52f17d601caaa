#include "ct/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "util/error.hpp"
#include "util/file.hpp"

namespace vz {

CtLock::CtLock(const std::string& lockdir, unsigned ctid, const std::string& command) {
    make_dirs(lockdir, 0755);
    path_ = lockdir + "/" + std::to_string(ctid) + ".lck";
    // The holder unlinks the file on release; a file we opened before that is stale, so retry on a new one.
    for (int attempt = 0; attempt < 100; ++attempt) {
        Fd fd(::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (!fd) fail(Exit::System, "can't open lock file {}: {}", path_, errno_text(errno));
        if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK) fail(Exit::System, "can't lock {}: {}", path_, errno_text(errno));
            std::string holder = read_file(path_).value_or("");
            auto nl = holder.find('\n');
            fail(Exit::Locked, "Container already locked{}", nl == std::string::npos || nl == 0
                                                                  ? std::string()
                                                                  : " by PID " + holder.substr(0, nl));
        }
        struct stat a, b;
        if (::fstat(fd.get(), &a) != 0 || ::stat(path_.c_str(), &b) != 0 || a.st_ino != b.st_ino ||
            a.st_dev != b.st_dev)
            continue;
        std::string content = std::to_string(::getpid()) + "\n" + command + "\n";
        if (::ftruncate(fd.get(), 0) == 0 && ::pwrite(fd.get(), content.data(), content.size(), 0) < 0) {
            // The lock is held either way; the holder text is only informative.
        }
        fd_ = std::move(fd);
        return;
    }
    fail(Exit::Locked, "can't take lock {}", path_);
}

void CtLock::release() {
    if (fd_) ::unlink(path_.c_str());
    fd_.reset();
}

}  // namespace vz
