// The beancounter file and the memory view inside containers. One FUSE daemon per configuration directory
// (vzubcfs, like LXCFS: not one per container, whose monitor must stay tiny) serves a read-only tree
// <LOCKDIR>/ubcfs/<CTID>/{user_beancounters,meminfo,swaps} for the running containers; every open renders that
// container's current reading (user_beancounters: its rows of the raw beancounter file, reference 6.1; meminfo and
// swaps: runtime/meminfo.hpp), so each reading is live. `vzctl start` makes sure the daemon runs and the
// container's init binds the files in (ubcfs_files() says where); when no container of the configuration is left,
// stop unmounts the tree and the daemon ends.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "cgroup/layout.hpp"
#include "ct/env.hpp"
#include "util/fd.hpp"

namespace vz {

// All under LOCKDIR, so each configuration directory (each test) has its own daemon.
struct UbcfsPaths {
    std::string mount;  // LOCKDIR/ubcfs: the mount point
    std::string lock;   // LOCKDIR/ubcfs.lck: held while the daemon is started or stopped
    std::string pid;    // LOCKDIR/ubcfs.pid: the daemon's pid; the daemon holds an flock on it while it lives
};
UbcfsPaths ubcfs_paths(const ConfFile& global);

// A file of a container's directory in the tree.
struct UbcfsFile {
    std::string_view name;     // in the tree
    std::string_view ct_path;  // where the container's init binds it
    unsigned mode;             // permission bits, as the kernel's file there has them
    // Its reading; nullopt when the container does not run.
    std::optional<std::string> (*render)(const Paths&, const CgroupLayout&, unsigned ctid);
};
std::span<const UbcfsFile> ubcfs_files();

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
          errors_(std::move(o.errors_)), pid_(std::exchange(o.pid_, -1)) {}
    UbcfsStart& operator=(UbcfsStart&&) = delete;
    ~UbcfsStart() { finish(); }
    void finish() noexcept;

private:
    friend UbcfsStart ubcfs_begin(const CtConfig& cfg, const std::string& daemon);
    UbcfsPaths up_;
    std::string daemon_;
    Fd lock_, errors_;
    pid_t pid_ = -1;
};
UbcfsStart ubcfs_begin(const CtConfig& cfg, const std::string& daemon);

// Stops the daemon when no container of this configuration has a cgroup any more (call it after removing one).
// Never throws.
void ubcfs_release(const CtConfig& cfg);

// The host path of the container's directory while the daemon serves the tree; empty otherwise (or
// UBC_PROC="no").
std::string ubcfs_ct_dir(const CtConfig& cfg);

// What user_beancounters says: the container's block of the raw beancounter file; nullopt when it does not run.
std::optional<std::string> ubc_proc_text(const Paths& p, unsigned ctid);

// The tree's nodes and their inode numbers (root 1; per container a directory and its files).
enum class UbcfsKind { Root, Dir, File };
struct UbcfsNode {
    UbcfsKind kind = UbcfsKind::Root;
    unsigned ctid = 0;
    unsigned file = 0;  // a File's index in ubcfs_files()
    bool operator==(const UbcfsNode&) const = default;
};
uint64_t ubcfs_ino(const UbcfsNode& n);
std::optional<UbcfsNode> ubcfs_node(uint64_t ino);
// The child `name` of `parent` by name alone (whether the container runs is the daemon's question).
std::optional<UbcfsNode> ubcfs_child(const UbcfsNode& parent, std::string_view name);
// A File node's reading (its file's render()).
std::optional<std::string> ubcfs_text(const Paths& p, const CgroupLayout& layout, const UbcfsNode& n);

}  // namespace vz
