// The per-container lock, LOCKDIR/<CTID>.lck: flock()ed for the whole command, holder pid and command inside,
// removed on release. A second holder is refused at once with exit 9 (as the original); a lock whose holder
// died is simply taken, since flock dies with its process.
#pragma once

#include <string>

#include "util/fd.hpp"

namespace vz {

class CtLock {
public:
    CtLock(const std::string& lockdir, unsigned ctid, const std::string& command);
    CtLock(CtLock&&) = default;
    CtLock& operator=(CtLock&&) = delete;
    ~CtLock() { release(); }
    void release();

private:
    std::string path_;
    Fd fd_;
};

// vzctl --skiplock: the caller holds the container's lock (vzmigrate, for the whole migration), so the CtLocks this
// process makes from now on take nothing; without it vzctl's start, stop, destroy... would find it taken (9).
void skip_ct_locks();

// Whether some process holds the container's lock now (LOCKDIR/<CTID>.lck listed in /proc/locks), without taking
// it: trying it would make a concurrent vzctl fail with "Container already locked".
bool ct_lock_held(const std::string& lockdir, unsigned ctid);

}  // namespace vz
