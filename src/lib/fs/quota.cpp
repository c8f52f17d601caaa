#include "fs/quota.hpp"

#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <linux/dqblk_xfs.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/quota.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <thread>
#include <vector>

#include "util/dir.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/scope.hpp"

#ifndef __NR_quotactl_fd
#define __NR_quotactl_fd 443
#endif

// Linux 6.13 (uapi/linux/btrfs.h); the headers of Debian 12 are older.
#ifndef BTRFS_IOC_SUBVOL_SYNC_WAIT
struct btrfs_ioctl_subvol_wait {
    __u64 subvolid;
    __u32 mode;
    __u32 count;
};
#define BTRFS_SUBVOL_SYNC_WAIT_FOR_ONE (0)
#define BTRFS_IOC_SUBVOL_SYNC_WAIT _IOW(BTRFS_IOCTL_MAGIC, 65, struct btrfs_ioctl_subvol_wait)
#endif

namespace vz::quota {
namespace {

constexpr long kTmpfsMagic = 0x01021994, kOverlayMagic = 0x794c7630, kNfsMagic = 0x6969, kZfsMagic = 0x2fc12fc1,
               kFuseMagic = 0x65735546, kV9fsMagic = 0x01021997, kRamfsMagic = static_cast<long>(0x858458f6),
               kF2fsMagic = static_cast<long>(0xF2F52010);

std::string fs_type_name(long magic) {
    switch (magic) {
        case EXT4_SUPER_MAGIC: return "ext4";
        case XFS_SUPER_MAGIC: return "XFS";
        case BTRFS_SUPER_MAGIC: return "btrfs";
        case kTmpfsMagic: return "tmpfs";
        case kOverlayMagic: return "overlayfs";
        case kNfsMagic: return "NFS";
        case kZfsMagic: return "ZFS";
        case kFuseMagic: return "FUSE";
        case kV9fsMagic: return "9p";
        case kRamfsMagic: return "ramfs";
        case kF2fsMagic: return "f2fs";
        default: return fmt::format("file system type {:#x}", static_cast<unsigned long>(magic));
    }
}

// The nearest existing path at or above `path` ("/" at worst).
std::string nearest_existing(std::string path) {
    struct stat st;
    while (!path.empty() && path != "/" && ::stat(path.c_str(), &st) != 0) path = dir_name(path);
    return path.empty() ? "/" : path;
}

bool is_mount_root(const std::string& path) {
    struct statx st;
    if (::statx(AT_FDCWD, path.c_str(), 0, STATX_BASIC_STATS, &st) != 0) return false;
    return (st.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (st.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

// The mount point `path` lies on, for messages: the nearest directory upwards that is the root of a mount.
std::string mount_point_of(const std::string& path) {
    char buf[PATH_MAX];
    std::string p = ::realpath(path.c_str(), buf) ? std::string(buf) : path;
    while (p.size() > 1 && !is_mount_root(p)) p = dir_name(p);
    return p.empty() ? "/" : p;
}

// QCMD() is an int with the sign bit set; the kernel takes it as unsigned int.
long quotactl_fd(int fd, int cmd, unsigned id, void* addr) {
    return ::syscall(__NR_quotactl_fd, fd, static_cast<unsigned>(cmd), id, addr);
}

Fd open_dir(const std::string& path, Exit code) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) fail(code, "can't open {}: {}", path, errno_text(errno));
    return fd;
}

// ---- btrfs ----

bool is_btrfs(int fd) {
    struct statfs sf;
    return ::fstatfs(fd, &sf) == 0 && sf.f_type == static_cast<long>(BTRFS_SUPER_MAGIC);
}

// /sys/fs/btrfs/<fsid> of the btrfs that `fd` lies on; empty when the ioctl fails.
std::string btrfs_sysfs_dir(int fd) {
    btrfs_ioctl_fs_info_args info{};
    if (::ioctl(fd, BTRFS_IOC_FS_INFO, &info) != 0) return {};
    const unsigned char* u = info.fsid;
    return fmt::format(
        "/sys/fs/btrfs/{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-"
        "{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

// The id of the subvolume (its tree) that `fd` lies in; 0 when the ioctl fails (errno set).
uint64_t subvolume_id(int fd) {
    btrfs_ioctl_ino_lookup_args args{};
    args.treeid = 0;
    args.objectid = BTRFS_FIRST_FREE_OBJECTID;
    if (::ioctl(fd, BTRFS_IOC_INO_LOOKUP, &args) != 0) return 0;
    return args.treeid;
}

// `fd` is the root directory of a btrfs subvolume (not the top level one, which can't be deleted): its id, else 0.
uint64_t subvolume_root_id(int fd) {
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_ino != BTRFS_FIRST_FREE_OBJECTID || !is_btrfs(fd))
        return 0;
    uint64_t id = subvolume_id(fd);
    return id == BTRFS_FS_TREE_OBJECTID ? 0 : id;
}

// Commits the running transaction of the btrfs of `fd` (not a flush of dirty data: that is syncfs).
void btrfs_commit(int fd) {
    __u64 transid = 0;
    if (::ioctl(fd, BTRFS_IOC_START_SYNC, &transid) == 0) ::ioctl(fd, BTRFS_IOC_WAIT_SYNC, &transid);
}

// Removes qgroup 0/<id> of a deleted subvolume. Recent kernels (6.18 here; 6.1 not yet) refuse (EBUSY) while the
// cleaner has not dropped the subvolume's tree, and remove the qgroup themselves once it has: so on EBUSY commit
// (the cleaner takes deleted subvolumes after a commit), wait for the drop (BTRFS_IOC_SUBVOL_SYNC_WAIT, Linux 6.13;
// before it, poll) and try again; a qgroup that is gone (ENOENT) or quotas that are off (ENOTCONN) are fine.
void remove_qgroup(int fd, uint64_t id, const std::string& path) {
    using clock = std::chrono::steady_clock;
    auto deadline = clock::now() + std::chrono::minutes(10);
    bool can_wait = true, dropped = false;
    for (;;) {
        btrfs_ioctl_qgroup_create_args args{};
        args.create = 0;
        args.qgroupid = id;
        if (::ioctl(fd, BTRFS_IOC_QGROUP_CREATE, &args) == 0 || errno == ENOENT || errno == ENOTCONN) return;
        if (errno != EBUSY || clock::now() > deadline)
            fail(Exit::DeletePrivate, "can't remove qgroup 0/{} of {}: {}", id, path, errno_text(errno));
        btrfs_commit(fd);
        if (can_wait) {
            btrfs_ioctl_subvol_wait wait{};
            wait.subvolid = id;
            wait.mode = BTRFS_SUBVOL_SYNC_WAIT_FOR_ONE;
            if (::ioctl(fd, BTRFS_IOC_SUBVOL_SYNC_WAIT, &wait) == 0) continue;  // waited until it was dropped
            if (errno == ENOENT && !dropped) {
                // Dropped already: the qgroup should go at once; a few more tries, not ten minutes.
                dropped = true;
                deadline = std::min(deadline, clock::now() + std::chrono::seconds(10));
            }
            can_wait = errno != ENOTTY && errno != EINVAL;  // before Linux 6.13: poll
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

void remove_subvolume(const std::string& path, uint64_t id) {
    std::string parent_path = dir_name(path), leaf = base_name(path);
    Fd parent = open_dir(parent_path.empty() ? "/" : parent_path, Exit::DeletePrivate);
    btrfs_ioctl_vol_args args{};
    if (leaf.size() > BTRFS_PATH_NAME_MAX) fail(Exit::DeletePrivate, "can't remove {}: name too long", path);
    std::memcpy(args.name, leaf.data(), leaf.size());
    if (::ioctl(parent.get(), BTRFS_IOC_SNAP_DESTROY, &args) != 0) {
        int err = errno;
        fail(Exit::DeletePrivate, "can't delete btrfs subvolume {}: {}", path,
             err == ENOTEMPTY ? std::string("it holds other subvolumes") : errno_text(err));
    }
    remove_qgroup(parent.get(), id, path);
}

void make_subvolume(const std::string& priv) {
    std::string parent_path = dir_name(priv), leaf = base_name(priv);
    Fd parent = open_dir(parent_path.empty() ? "/" : parent_path, Exit::NewPrivate);
    btrfs_ioctl_vol_args args{};
    if (leaf.empty() || leaf.size() > BTRFS_PATH_NAME_MAX)
        fail(Exit::NewPrivate, "can't create btrfs subvolume {}: bad name", priv);
    std::memcpy(args.name, leaf.data(), leaf.size());
    if (::ioctl(parent.get(), BTRFS_IOC_SUBVOL_CREATE, &args) != 0) {
        int err = errno;
        fail(err == ENOSPC || err == EDQUOT ? Exit::NoDiskSpace : Exit::NewPrivate,
             "can't create btrfs subvolume {}: {}", priv, errno_text(err));
    }
    ScopeGuard undo([&] {
        Fd fd(::openat(parent.get(), leaf.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (uint64_t id = fd ? subvolume_root_id(fd.get()) : 0) remove_subvolume(priv, id);
    });
    if (::fchmodat(parent.get(), leaf.c_str(), 0700, 0) != 0)
        fail(Exit::NewPrivate, "can't chmod {}: {}", priv, errno_text(errno));
    undo.release();
}

Support detect_btrfs(int fd, const std::string& where) {
    std::string sys = btrfs_sysfs_dir(fd);
    if (sys.empty())
        return {Backend::None, fmt::format("{}: can't read its file system id: {}", where, errno_text(errno))};
    if (!is_dir(sys)) return {Backend::None, fmt::format("{}: {} is missing (is sysfs mounted?)", where, sys)};
    if (!is_dir(sys + "/qgroups")) return {Backend::None, fmt::format("{} has no quotas enabled", where)};
    return {Backend::Btrfs, {}};
}

std::optional<Usage> btrfs_usage(const std::string& priv) {
    Fd fd(::open(priv.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    uint64_t id = fd ? subvolume_root_id(fd.get()) : 0;
    if (!id) return std::nullopt;
    auto text = read_file(fmt::format("{}/qgroups/0_{}/referenced", btrfs_sysfs_dir(fd.get()), id), 64);
    if (!text) return std::nullopt;
    uint64_t bytes = 0;
    try {
        bytes = std::stoull(*text);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    return Usage{(bytes + 1023) / 1024, std::nullopt};
}

void btrfs_set_limits(const std::string& priv, const Limits& l) {
    Fd fd = open_dir(priv, Exit::QuotaSet);
    uint64_t id = subvolume_root_id(fd.get());
    if (!id) fail(Exit::QuotaSet, "can't set the disk limit of {}: it is not a btrfs subvolume", priv);
    uint64_t kib = l.space_hard_kib ? l.space_hard_kib : l.space_soft_kib;
    btrfs_ioctl_qgroup_limit_args args{};
    args.qgroupid = id;
    args.lim.flags = BTRFS_QGROUP_LIMIT_MAX_RFER;
    // (u64)-1 clears the limit; a limit beyond what bytes can count is none either.
    args.lim.max_rfer = kib == 0 || kib > UINT64_MAX / 1024 ? UINT64_MAX : kib * 1024;
    if (::ioctl(fd.get(), BTRFS_IOC_QGROUP_LIMIT, &args) != 0)
        fail(Exit::QuotaSet, "can't set the limit of qgroup 0/{} of {}: {}", id, priv, errno_text(errno));
}

// ---- project quota ----

Support detect_project(int fd, const std::string& where) {
    fs_quota_statv st{};
    st.qs_version = FS_QSTATV_VERSION1;
    if (quotactl_fd(fd, QCMD(Q_XGETQSTATV, PRJQUOTA), 0, &st) != 0) {
        if (errno == ENOSYS)
            return {Backend::None, fmt::format("{} is not mounted with prjquota: the kernel has no disk quota support",
                                               where)};
        return {Backend::None, fmt::format("{} is not mounted with prjquota ({})", where, errno_text(errno))};
    }
    if (!(st.qs_flags & FS_QUOTA_PDQ_ACCT) || !(st.qs_flags & FS_QUOTA_PDQ_ENFD))
        return {Backend::None, fmt::format("{} is not mounted with prjquota", where)};
    return {Backend::Project, {}};
}

struct ProjectWalk {
    unsigned id;
    dev_t dev;

    // Sets the project ID (and on a directory the inherit flag) of the open file `fd`, named `path` in messages.
    void set(int fd, bool dir, const std::string& path) const {
        fsxattr fa{};
        if (::ioctl(fd, FS_IOC_FSGETXATTR, &fa) != 0)
            fail(Exit::QuotaInit, "can't read the project ID of {}: {}", path, errno_text(errno));
        unsigned flags = fa.fsx_xflags | (dir ? FS_XFLAG_PROJINHERIT : 0);
        if (fa.fsx_projid == id && flags == fa.fsx_xflags) return;
        fa.fsx_projid = id;
        fa.fsx_xflags = flags;
        if (::ioctl(fd, FS_IOC_FSSETXATTR, &fa) != 0)
            fail(Exit::QuotaInit, "can't set project ID {} on {}: {}", id, path, errno_text(errno));
    }

    // The directory `dir` (named `path`) and everything below it on the same file system. Only directories and
    // regular files can be opened for the ioctl: symlinks, device nodes, FIFOs and sockets keep their project ID
    // (their blocks are next to none; a new one made later inherits it from its directory).
    void tree(int dir, const std::string& path) const {
        set(dir, true, path);
        Dir d = Dir::of(dir);
        if (!d) fail(Exit::QuotaInit, "can't read {}: {}", path, errno_text(errno));
        std::vector<std::string> names;
        while (auto* e = d.next())
            if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
        d = Dir();
        for (const auto& name : names) {
            std::string child = path + "/" + name;
            struct statx st;
            if (::statx(dir, name.c_str(), AT_SYMLINK_NOFOLLOW, STATX_TYPE, &st) != 0) {
                if (errno == ENOENT) continue;  // gone meanwhile
                fail(Exit::QuotaInit, "can't stat {}: {}", child, errno_text(errno));
            }
            bool is_dir = S_ISDIR(st.stx_mode);
            if (!is_dir && !S_ISREG(st.stx_mode)) continue;
            if ((st.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (st.stx_attributes & STATX_ATTR_MOUNT_ROOT))
                continue;  // another mount: not ours to change
            // O_NOFOLLOW: a symlink swapped in meanwhile is refused (ELOOP); O_NONBLOCK: nor does a FIFO block us.
            int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (is_dir ? O_DIRECTORY : 0);
            Fd fd(::openat(dir, name.c_str(), flags));
            if (!fd) {
                if (errno == ENOENT || errno == ELOOP) continue;
                fail(Exit::QuotaInit, "can't open {}: {}", child, errno_text(errno));
            }
            struct stat now;
            if (::fstat(fd.get(), &now) != 0) fail(Exit::QuotaInit, "can't stat {}: {}", child, errno_text(errno));
            if (now.st_dev != dev) continue;  // another file system
            if (S_ISDIR(now.st_mode))
                tree(fd.get(), child);
            else if (S_ISREG(now.st_mode))
                set(fd.get(), false, child);
        }
    }
};

void project_init(const std::string& priv, unsigned id) {
    Fd top(::open(priv.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!top) fail(Exit::QuotaInit, "can't open {}: {}", priv, errno_text(errno));
    struct stat st;
    if (::fstat(top.get(), &st) != 0) fail(Exit::QuotaInit, "can't stat {}: {}", priv, errno_text(errno));
    ProjectWalk{id, st.st_dev}.tree(top.get(), priv);
}

void project_set_limits(const std::string& priv, unsigned id, const Limits& l) {
    Fd fd = open_dir(priv, Exit::QuotaSet);
    if_dqblk q{};
    q.dqb_bsoftlimit = l.space_soft_kib;  // quota blocks of QIF_DQBLKSIZE = 1024 bytes
    q.dqb_bhardlimit = l.space_hard_kib;
    q.dqb_isoftlimit = l.inodes_soft;
    q.dqb_ihardlimit = l.inodes_hard;
    q.dqb_valid = QIF_LIMITS;
    if (quotactl_fd(fd.get(), QCMD(Q_SETQUOTA, PRJQUOTA), id, &q) != 0)
        fail(Exit::QuotaSet, "can't set the project quota {} of {}: {}", id, priv, errno_text(errno));
    if (l.grace_seconds == 0) return;
    if_dqinfo info{};
    info.dqi_bgrace = l.grace_seconds;
    info.dqi_igrace = l.grace_seconds;
    info.dqi_valid = IIF_BGRACE | IIF_IGRACE;
    if (quotactl_fd(fd.get(), QCMD(Q_SETINFO, PRJQUOTA), 0, &info) != 0)
        fail(Exit::QuotaSet, "can't set the project quota grace time of the file system of {}: {}", priv,
             errno_text(errno));
}

std::optional<Usage> project_usage(const std::string& priv, unsigned id) {
    Fd fd(::open(priv.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return std::nullopt;
    if_dqblk q{};
    if (quotactl_fd(fd.get(), QCMD(Q_GETQUOTA, PRJQUOTA), id, &q) != 0) return std::nullopt;
    return Usage{(q.dqb_curspace + 1023) / 1024, q.dqb_curinodes};
}

}  // namespace

const char* backend_name(Backend b) {
    switch (b) {
        case Backend::Btrfs: return "btrfs";
        case Backend::Project: return "project";
        case Backend::None: break;
    }
    return "none";
}

Support detect(const std::string& priv) {
    std::string at = nearest_existing(priv);
    Fd fd(::open(at.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (!fd) return {Backend::None, fmt::format("can't open {}: {}", at, errno_text(errno))};
    struct statfs sf;
    if (::fstatfs(fd.get(), &sf) != 0)
        return {Backend::None, fmt::format("can't statfs {}: {}", at, errno_text(errno))};
    std::string where = fs_type_name(sf.f_type) + " at " + mount_point_of(at);
    switch (sf.f_type) {
        case static_cast<long>(BTRFS_SUPER_MAGIC): return detect_btrfs(fd.get(), where);
        case EXT4_SUPER_MAGIC:
        case XFS_SUPER_MAGIC: return detect_project(fd.get(), where);
        default: return {Backend::None, fmt::format("{} has no per-directory disk quota", where)};
    }
}

void make_area(const std::string& priv, Backend b) {
    if (b == Backend::Btrfs) return make_subvolume(priv);
    if (::mkdir(priv.c_str(), 0700) != 0) {
        int err = errno;
        fail(err == ENOSPC || err == EDQUOT ? Exit::NoDiskSpace : Exit::NewPrivate, "can't create {}: {}", priv,
             errno_text(err));
    }
    // The umask may have taken bits.
    if (::chmod(priv.c_str(), 0700) != 0) {
        int err = errno;
        ::rmdir(priv.c_str());
        fail(Exit::NewPrivate, "can't chmod {}: {}", priv, errno_text(err));
    }
}

void remove_area(const std::string& path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return;
        fail(Exit::DeletePrivate, "can't stat {}: {}", path, errno_text(errno));
    }
    if (S_ISDIR(st.st_mode) && st.st_ino == BTRFS_FIRST_FREE_OBJECTID) {
        Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (uint64_t id = fd ? subvolume_root_id(fd.get()) : 0) {
            fd.reset();
            return remove_subvolume(path, id);
        }
    }
    remove_tree(path);
}

void init(const std::string& priv, unsigned id, Backend b) {
    if (b == Backend::Project) project_init(priv, id);
}

void set_limits(const std::string& priv, unsigned id, Backend b, const Limits& l) {
    switch (b) {
        case Backend::Btrfs: return btrfs_set_limits(priv, l);
        case Backend::Project: return project_set_limits(priv, id, l);
        case Backend::None: return;
    }
}

std::optional<Usage> usage(const std::string& priv, unsigned id, Backend b) {
    switch (b) {
        case Backend::Btrfs: return btrfs_usage(priv);
        case Backend::Project: return project_usage(priv, id);
        case Backend::None: break;
    }
    return std::nullopt;
}

}  // namespace vz::quota
