// The beancounter file and the memory view inside containers. One FUSE daemon per configuration directory
// (vzubcfs, like LXCFS: not one per container, whose monitor must stay tiny) serves the tree of ubc/ubcfs.hpp;
// every open renders that container's current reading (user_beancounters: its rows of the raw beancounter file,
// reference 6.1; meminfo and swaps: ubc/meminfo.hpp), so each reading is live. `vzctl start` makes sure the daemon
// runs and the container's init binds the files in (ubcfs_files() says where); when no container of the
// configuration is left the daemon stays, idle, until `vz-service stop` (ubcfs_stop_idle).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>

#include "config/ctconfig.hpp"
#include "ct/probe.hpp"
#include "ubc/ubcfs.hpp"
#include "util/fd.hpp"

namespace vz {

// UBC_PROC (vz.conf, or the container's config): anything but "no" serves the files.
bool ubc_proc_wanted(const CtConfig& cfg);

// Starts the daemon unless it serves the tree already; concurrent callers are serialised by the lock file. Never
// throws: when FUSE or the daemon fails, a warning says so and containers start without the file.
void ubcfs_ensure(const CtConfig& cfg, const std::string& daemon);

// The same in two steps, so that the daemon's start-up (about 5 ms) overlaps the container's own set-up: begin
// spawns the daemon and keeps the start lock; finish (or the destructor) waits until it serves the tree (or warns).
class UbcfsStart {
public:
    UbcfsStart() = default;
    UbcfsStart(UbcfsStart&& o) noexcept
        : up_(std::move(o.up_)), daemon_(std::move(o.daemon_)), lock_(std::move(o.lock_)),
          errors_(std::move(o.errors_)), pid_(std::exchange(o.pid_, -1)), spawned_(o.spawned_), serving_(o.serving_) {}
    UbcfsStart& operator=(UbcfsStart&&) = delete;
    ~UbcfsStart() { finish(); }
    void finish() noexcept;
    // Whether this start spawned the daemon (rather than finding it serving).
    bool spawned() const { return spawned_; }
    // The host path of the container's directory once the daemon serves the tree (found serving, or finished
    // successfully); empty otherwise.
    std::string ct_dir(unsigned ctid) const;

private:
    friend UbcfsStart ubcfs_begin(const CtConfig& cfg, const std::string& daemon);
    UbcfsPaths up_;
    std::string daemon_;
    Fd lock_, errors_;
    pid_t pid_ = -1;
    bool spawned_ = false, serving_ = false;
};
UbcfsStart ubcfs_begin(const CtConfig& cfg, const std::string& daemon);

// Stops the daemon when no container of this configuration (vz.conf `global`) has a cgroup. Never throws. The
// daemon outlives the last container's stop (the next start then finds it serving, which spares that start the
// daemon's start-up and its first lookups): a start that failed after starting it, and `vz-service stop` at the
// host's shutdown, stop it this way.
void ubcfs_stop_idle(const ConfFile& global);

// What user_beancounters says: the container's block of the raw beancounter file; nullopt when it does not run.
std::optional<std::string> ubc_proc_text(const Paths& p, unsigned ctid);

// A File node's reading; nullopt when the container does not run.
std::optional<std::string> ubcfs_text(const Paths& p, const Probe& probe, const UbcfsNode& n);

}  // namespace vz
