#include "ubc/ubcfs.hpp"

#include <array>

#include "config/ctconfig.hpp"

namespace vz {
namespace {

constexpr std::array kFiles = {
    // As on the OpenVZ kernel, only root reads the beancounters; procfs's are world-readable.
    UbcfsFile{"user_beancounters", "/run/vz/user_beancounters", 0400, UbcfsContent::Beancounters},
    UbcfsFile{"meminfo", "/proc/meminfo", 0444, UbcfsContent::Meminfo},
    UbcfsFile{"swaps", "/proc/swaps", 0444, UbcfsContent::Swaps},
};

// Inode numbers: per container a directory and its files, kStride apart.
constexpr uint64_t kStride = 1 + kFiles.size();

}  // namespace

std::span<const UbcfsFile> ubcfs_files() { return kFiles; }

UbcfsPaths ubcfs_paths(const ConfFile& global) {
    auto dir = lock_dir(global);
    return UbcfsPaths{dir + "/ubcfs", dir + "/ubcfs.lck", dir + "/ubcfs.pid"};
}

uint64_t ubcfs_ino(const UbcfsNode& n) {
    if (n.kind == UbcfsKind::Root) return 1;
    return kStride * n.ctid + 2 + (n.kind == UbcfsKind::Dir ? 0 : 1 + n.file);
}

std::optional<UbcfsNode> ubcfs_node(uint64_t ino) {
    if (ino == 1) return UbcfsNode{};
    if (ino < kStride + 2) return std::nullopt;
    auto ctid = (ino - 2) / kStride, slot = (ino - 2) % kStride;
    if (ctid > kCtidMax) return std::nullopt;
    if (slot == 0) return UbcfsNode{UbcfsKind::Dir, static_cast<unsigned>(ctid)};
    return UbcfsNode{UbcfsKind::File, static_cast<unsigned>(ctid), static_cast<unsigned>(slot - 1)};
}

std::optional<UbcfsNode> ubcfs_child(const UbcfsNode& parent, std::string_view name) {
    if (parent.kind == UbcfsKind::Root) {
        auto ctid = parse_ctid(name);
        if (!ctid || *ctid == 0) return std::nullopt;
        return UbcfsNode{UbcfsKind::Dir, *ctid};
    }
    if (parent.kind != UbcfsKind::Dir) return std::nullopt;
    for (unsigned i = 0; i < kFiles.size(); ++i)
        if (kFiles[i].name == name) return UbcfsNode{UbcfsKind::File, parent.ctid, i};
    return std::nullopt;
}

}  // namespace vz
