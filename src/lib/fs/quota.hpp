// Disk limits of the simfs layout, from what the file system under VE_PRIVATE offers (mainline has no vzquota):
//   btrfs with quotas enabled: the private area is a subvolume; its qgroup's referenced-bytes limit is the hard
//     space limit (btrfs has no soft limit, no inode limit, and statfs shows the whole file system);
//   ext4 mounted with prjquota (mkfs -O project,quota) or XFS with prjquota: project quota, project ID = CTID set
//     with inheritance on the whole tree; blocks and inodes, soft = barrier, hard = limit, grace = QUOTATIME; a
//     statfs inside shows the project's limits, so `df` in the container tells the truth.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace vz::quota {

enum class Backend { None, Btrfs, Project };
const char* backend_name(Backend b);  // "none", "btrfs", "project"

struct Support {
    Backend backend = Backend::None;
    std::string why_not;  // Backend::None: why (e.g. "ext4 at / is not mounted with prjquota")
};
// The backend for a private area at `priv`, which need not exist yet (then its nearest existing parent is
// looked at). btrfs counts only with quotas enabled on it (this never enables them).
Support detect(const std::string& priv);

// Makes the private area `priv` (its parent exists): a btrfs subvolume for Backend::Btrfs, else a directory (0700).
// Error(NewPrivate); Error(NoDiskSpace) when full.
void make_area(const std::string& priv, Backend b);
// Removes the area made by make_area once its tree is gone or moved aside to `path`: for a btrfs subvolume, the
// subvolume and its qgroup (a subvolume holding files is deleted with them); otherwise remove_tree. `path` may be
// the subvolume moved aside by rename.
void remove_area(const std::string& path);

// 0 = unlimited. Space in KiB.
struct Limits {
    uint64_t space_soft_kib = 0, space_hard_kib = 0;
    uint64_t inodes_soft = 0, inodes_hard = 0;
    uint64_t grace_seconds = 0;  // QUOTATIME; 0: the file system's default
};
// Project: project ID `id` with the inherit flag on every file and directory under `priv` (not crossing into other
// file systems, never following symlinks). btrfs: nothing to do. Error(QuotaInit).
void init(const std::string& priv, unsigned id, Backend b);
// The limits of the area, live. Error(QuotaSet) naming the area.
void set_limits(const std::string& priv, unsigned id, Backend b, const Limits& l);

struct Usage {
    uint64_t space_kib = 0;
    std::optional<uint64_t> inodes;  // btrfs counts no inodes
};
std::optional<Usage> usage(const std::string& priv, unsigned id, Backend b);

}  // namespace vz::quota
