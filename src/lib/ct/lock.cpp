#include "ct/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

#include "util/error.hpp"
#include "util/file.hpp"

namespace vz {

namespace {
bool skipping = false;
}  // namespace

void skip_ct_locks() { skipping = true; }

CtLock::CtLock(const std::string& lockdir, unsigned ctid, const std::string& command) {
    if (skipping) return;
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

bool ct_lock_held(const std::string& lockdir, unsigned ctid) {
    struct stat st;
    if (::stat((lockdir + "/" + std::to_string(ctid) + ".lck").c_str(), &st) != 0) return false;
    // "1: FLOCK  ADVISORY  WRITE 1234 08:01:1234567 0 EOF": major:minor (hex) and inode of the file.
    auto id = fmt::format(" {:02x}:{:02x}:{} ", major(st.st_dev), minor(st.st_dev), st.st_ino);
    auto locks = read_file("/proc/locks").value_or("");
    for (size_t pos = 0; pos < locks.size();) {
        auto nl = locks.find('\n', pos);
        if (nl == std::string::npos) nl = locks.size();
        auto line = locks.substr(pos, nl - pos);
        if (line.find("FLOCK") != std::string::npos && line.find(id) != std::string::npos) return true;
        pos = nl + 1;
    }
    return false;
}

}  // namespace vz
