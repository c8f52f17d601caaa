// The tree vzubcfs serves: <LOCKDIR>/ubcfs/<CTID>/{user_beancounters,meminfo,swaps} for the running containers,
// the files' names, modes and where a container's init binds them, and the inode numbering. Starting and stopping
// the daemon and rendering a file are ct/ubcfs_daemon.hpp's.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/ctconfig.hpp"

namespace vz {

// All under LOCKDIR, so each configuration directory (each test) has its own daemon.
struct UbcfsPaths {
    std::string mount;  // LOCKDIR/ubcfs: the mount point
    std::string lock;   // LOCKDIR/ubcfs.lck: held while the daemon is started or stopped
    std::string pid;    // LOCKDIR/ubcfs.pid: the daemon's pid; the daemon holds an flock on it while it lives
};
UbcfsPaths ubcfs_paths(const ConfFile& global);

enum class UbcfsContent { Beancounters, Meminfo, Swaps };

// A file of a container's directory in the tree.
struct UbcfsFile {
    std::string_view name;     // in the tree
    std::string_view ct_path;  // where the container's init binds it
    unsigned mode;             // permission bits, as the kernel's file there has them
    UbcfsContent content;      // what its reading is (rendered by ct/ubcfs_daemon.hpp)
};
std::span<const UbcfsFile> ubcfs_files();

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

}  // namespace vz
