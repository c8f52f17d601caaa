// Disk limits of the simfs layout, from what the file system under VE_PRIVATE offers (mainline has no vzquota):
//   btrfs with quotas enabled: the private area is a subvolume; its qgroup's referenced-bytes limit is the hard
//     space limit (btrfs has no soft limit, no inode limit, and statfs shows the whole file system);
//   ext4 mounted with prjquota (mkfs -O project,quota) or XFS with prjquota: project quota, project ID = CTID set
//     with inheritance on the whole tree; blocks and inodes, soft = barrier, hard = limit, grace = QUOTATIME; a
//     statfs inside shows the project's limits, so `df` in the container tells the truth. The generic quota code
//     (ext4) lets a process with CAP_SYS_RESOURCE in the initial user namespace exceed the limits: a container in
//     its own user namespace never has it there.
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

// Makes the private area `priv` (its parent exists): a btrfs subvolume for Backend::Btrfs, else a directory; 0700
// either way (whatever the umask). Error(NewPrivate); Error(NoDiskSpace) when full.
void make_area(const std::string& priv, Backend b);
// Removes the area made by make_area once its tree is gone or moved aside to `path`: for a btrfs subvolume, the
// subvolume and its qgroup (a subvolume holding files is deleted with them); otherwise remove_tree. `path` may be
// the subvolume moved aside by rename. A subvolume is told by what it is (the root of a btrfs tree), not by a
// backend: one made while quotas were on goes as a subvolume after they were turned off too. The qgroup is removed
// once the kernel has dropped the deleted subvolume's tree (recent kernels refuse before: 6.18 does, 6.1 does not),
// which this waits for.
// Error(DeletePrivate) naming the path.
void remove_area(const std::string& path);

// 0 = unlimited. Space in KiB (the 1024-byte quota blocks of quotactl(2)).
//   btrfs: one limit on the qgroup's referenced bytes, the hard one, or the soft one when there is no hard one; no
//     inode limits, no grace.
//   Project: soft and hard as given. The grace time is the file system's (per quota type, for all its projects,
//     not per container): it is set only when non-zero, else the file system's stays.
struct Limits {
    uint64_t space_soft_kib = 0, space_hard_kib = 0;
    uint64_t inodes_soft = 0, inodes_hard = 0;
    uint64_t grace_seconds = 0;  // QUOTATIME; 0: the file system's default
};
// Project: project ID `id` on every directory and regular file under `priv`, with the inherit flag on the
// directories (not crossing into other file systems or mounts, never following symlinks: each step is an openat
// with O_NOFOLLOW relative to its directory). Symlinks, device nodes, FIFOs and sockets can't be opened for the
// ioctl and keep their project ID (their blocks are next to none; one made later inherits it from its directory).
// btrfs, None: nothing to do. Error(QuotaInit) naming the file.
void init(const std::string& priv, unsigned id, Backend b);
// The limits of the area, live. Error(QuotaSet) naming the area (btrfs: also when it is no subvolume). None:
// nothing to do.
void set_limits(const std::string& priv, unsigned id, Backend b, const Limits& l);

struct Usage {
    uint64_t space_kib = 0;
    std::optional<uint64_t> inodes;  // btrfs counts no inodes
};
// nullopt for None and when the figures can't be read. btrfs counts as of its last transaction commit (every 30 s
// by default; a syncfs commits at once).
std::optional<Usage> usage(const std::string& priv, unsigned id, Backend b);

}  // namespace vz::quota
