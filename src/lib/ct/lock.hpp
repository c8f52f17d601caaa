// The per-container lock, LOCKDIR/<CTID>.lck: flock()ed for the whole command, holder pid and command inside,
// removed on release. A second holder is refused at once with exit 9 (as the original); a lock whose holder
// died is simply taken, since flock dies with its process.
#pragma once

#include <string>

#include "util/fd.hpp"

namespace vz {

class CtLock {
public:
    // `wait`: block until the holder is done instead of failing with 9 (the monitor uses it).
    CtLock(const std::string& lockdir, unsigned ctid, const std::string& command, bool wait = false);
    CtLock(CtLock&&) = default;
    CtLock& operator=(CtLock&&) = delete;
    ~CtLock() { release(); }
    void release();

private:
    std::string path_;
    Fd fd_;
};

}  // namespace vz
