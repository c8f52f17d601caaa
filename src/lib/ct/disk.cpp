#include "ct/disk.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/quota.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>

#include "config/units.hpp"
#include "ct/host.hpp"
#include "ct/lock.hpp"
#include "ct/state.hpp"
#include "fs/idmap.hpp"
#include "fs/image.hpp"
#include "fs/quota.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/process.hpp"
#include "util/progress.hpp"
#include "util/scope.hpp"
#include "util/strings.hpp"

namespace vz {
namespace {

namespace fs = std::filesystem;

// Where the host mounts images: outside every container's root, readable by root only.
constexpr const char* kImageMounts = "/run/vz/fs";

// The host's own mount of the image of `cfg`, named by CTID and private area (two areas of one CTID, as tests
// make, do not meet).
std::string stage_dir(const CtConfig& cfg) {
    return fmt::format("{}/{}-{:08x}", kImageMounts, cfg.ctid(), fnv1a(cfg.ve_private()) & 0xffffffffU);
}

bool is_mounted(const std::string& dir) { return MountTable::read().is_mount_point(dir); }

// soft[:hard] of DISKSPACE (KiB, suffixes) or DISKINODES; 0 = unset or unlimited.
std::pair<uint64_t, uint64_t> soft_hard(const CtConfig& cfg, const char* key, Unit unit) {
    auto* v = cfg.get(key);
    if (!v || v->empty()) return {0, 0};
    auto c = v->find(':');
    auto s = parse_ubc_value(std::string_view(*v).substr(0, c), unit);
    auto h = c == std::string::npos ? s : parse_ubc_value(std::string_view(*v).substr(c + 1), unit);
    if (!s || !h) fail(Exit::InvalidValue, "{}=\"{}\" is not SOFT[:HARD]", key, *v);
    auto clip = [](uint64_t x) { return x >= kUnlimited ? 0 : x; };
    return {clip(*s), clip(*h)};
}

quota::Limits quota_limits(const DiskLimits& l) {
    return quota::Limits{l.space_soft_kib, l.space_hard_kib, l.inodes_soft, l.inodes_hard, l.grace_seconds};
}

enum class QuotaMode { Yes, No, Auto };
QuotaMode quota_mode(const CtConfig& cfg) {
    auto v = cfg.get_or("DISK_QUOTA", "");
    return v == "yes" ? QuotaMode::Yes : v == "no" ? QuotaMode::No : QuotaMode::Auto;
}

// The backend of a simfs area for this config: None where DISK_QUOTA=no; `missing` when DISK_QUOTA=yes and the
// file system offers none.
quota::Support simfs_support(const CtConfig& cfg, const std::string& priv, Exit missing) {
    auto mode = quota_mode(cfg);
    if (mode == QuotaMode::No) return {quota::Backend::None, "DISK_QUOTA=no"};
    auto s = quota::detect(priv);
    if (s.backend == quota::Backend::None && mode == QuotaMode::Yes)
        fail(missing, "Disk quota is not available for {}: {} (DISK_QUOTA=no runs without disk limits)", priv,
             s.why_not);
    return s;
}

quota::Backend simfs_backend(const CtConfig& cfg, const std::string& priv, Exit missing) {
    return simfs_support(cfg, priv, missing).backend;
}

// A simfs area's limits put in force (mount, set). Where there are none to enforce, a notice when the config asks
// for some, saying why.
void simfs_limits(const CtConfig& cfg, Exit missing, bool notice = true) {
    auto priv = cfg.ve_private();
    auto s = simfs_support(cfg, priv, missing);
    auto l = disk_limits(cfg);
    if (s.backend == quota::Backend::None) {
        if (notice && (l.space_soft_kib || l.space_hard_kib || l.inodes_soft || l.inodes_hard))
            log::info("Disk quota is off ({}): DISKSPACE and DISKINODES are not enforced", s.why_not);
        return;
    }
    quota::set_limits(priv, cfg.ctid(), s.backend, quota_limits(l));
}

}  // namespace

// QUOTAUGIDLIMIT: any value but 0 asks for it (the original counted ids on simfs only). Without CONFIG_QUOTA,
// quotactl(2) is ENOSYS.
bool ugid_quota(const CtConfig& cfg, bool report) {
    auto limit = parse_uint(cfg.get_or("QUOTAUGIDLIMIT", "0"));
    if (!limit || *limit == 0) return false;
    const char* why = nullptr;
    if (ct_layout(cfg) != Layout::Ploop)
        why = "it needs the ploop layout (a simfs area has one quota, the container's)";
    else if (::syscall(SYS_quotactl, QCMD(Q_SYNC, USRQUOTA), nullptr, 0, nullptr) != 0 && errno == ENOSYS)
        why = "this kernel has no quota support (CONFIG_QUOTA, CONFIG_QUOTACTL)";
    if (!why) return true;
    if (report) log::warn("Second-level quota (QUOTAUGIDLIMIT) is not applied: {}", why);
    return false;
}

namespace {

void bind_root(const CtConfig& cfg, const std::string& from, const std::string& root) {
    if (auto map = ct_idmap(cfg)) {
        mount_idmapped(from, root, *map);
        return;
    }
    if (::mount(from.c_str(), root.c_str(), nullptr, MS_BIND, nullptr) != 0)
        fail(Exit::CantMount, "can't mount {} on {}: {}", from, root, errno_text(errno));
}

// Puts the new directory `from` in the place of `to` in one step (renameat2 RENAME_EXCHANGE), so `to` is never
// missing; where the file system can't swap, in two renames: `to` moved to `aside` first, put back when the second
// fails. Returns where the old `to` is now (`from` or `aside`). Error(ConvertImage).
std::string swap_into_place(const std::string& from, const std::string& to, const std::string& aside) {
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_EXCHANGE) == 0) return from;
    if (errno != EINVAL) fail(Exit::ConvertImage, "can't swap {} and {}: {}", to, from, errno_text(errno));
    if (::rename(to.c_str(), aside.c_str()) != 0)
        fail(Exit::ConvertImage, "can't move {} aside: {}", to, errno_text(errno));
    if (::rename(from.c_str(), to.c_str()) != 0) {
        int err = errno;
        ::rename(aside.c_str(), to.c_str());
        fail(Exit::ConvertImage, "can't move {} into {}: {}", from, to, errno_text(err));
    }
    return aside;
}

// A directory of its own beside `priv` for a new area ("/parent/.NAME.create.XXXXXX"), not yet made.
std::string fresh_name(const std::string& priv, const char* what) {
    auto dir = make_temp_dir(dir_name(priv), base_name(priv) + "." + what, Exit::NewPrivate);
    ::rmdir(dir.c_str());
    return dir;
}

// The space the tree `at` takes on disk: the blocks of each inode once (hard links), not following symlinks or
// crossing into other file systems.
uint64_t tree_bytes(const std::string& at) {
    std::set<std::pair<dev_t, ino_t>> seen;
    uint64_t total = 0;
    std::error_code ec;
    struct stat root {};
    if (::lstat(at.c_str(), &root) != 0) return 0;
    for (fs::recursive_directory_iterator it(at, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
        struct stat st {};
        if (::lstat(it->path().c_str(), &st) != 0) continue;
        if (st.st_dev != root.st_dev) {
            if (S_ISDIR(st.st_mode)) it.disable_recursion_pending();
            continue;
        }
        if (st.st_nlink > 1 && !S_ISDIR(st.st_mode) && !seen.insert({st.st_dev, st.st_ino}).second) continue;
        total += static_cast<uint64_t>(st.st_blocks) * 512;
    }
    return total;
}

// Copies the tree `from` into the empty directory `to` as it is: owners, modes, times, ACLs and other xattrs, hard
// links, device nodes, sparse files (GNU cp -a). `code` when it fails, with what cp said. With `progress`, at a
// terminal, a line follows the bytes the copy has put on the file system of `to` against what `from` takes.
void copy_tree(const std::string& from, const std::string& to, Exit code, bool progress) {
    std::optional<Progress> shown;
    std::function<void()> tick;
    if (Progress::shown(progress)) {
        shown.emplace("Copying " + from + " into the image", tree_bytes(from), true);
        auto used = [to]() -> uint64_t {
            auto u = image::usage(to);
            return u ? u->used_kib * 1024 : 0;
        };
        tick = [&shown, used, base = used()] {
            auto now = used();
            shown->update(now > base ? now - base : 0);
        };
    }
    auto r = run_program({"cp", "-a", "--sparse=always", "--no-target-directory", from + "/.", to}, tick,
                         std::chrono::milliseconds(200));
    if (r.status != 0) {
        auto line = r.output.substr(0, r.output.find('\n'));
        Exit e = r.output.find("No space left") != std::string::npos ? Exit::NoDiskSpace : code;
        fail(e, "can't copy {} into the image: {}", from, line.empty() ? "cp failed" : line);
    }
}

// A mount namespace of this process's own for the time of a scope, with a tmpfs of its own on /run/vz/fs: what is
// mounted there is not seen by the host and goes away with the process, so a create or convert killed while it
// fills an image leaves no mount, no mount point and (the loop device clearing itself) no loop device behind. The
// host's namespace (and working directory) again at scope exit.
class PrivateMounts {
public:
    PrivateMounts() {
        host_ = Fd(::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC));
        cwd_ = Fd(::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
        make_dirs(kImageMounts, 0700);
        if (!host_ || ::unshare(CLONE_NEWNS) != 0)
            fail(Exit::MountImage, "can't make a mount namespace for the image: {}", errno_text(errno));
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0 ||
            ::mount("tmpfs", kImageMounts, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") != 0) {
            int err = errno;
            back();
            fail(Exit::MountImage, "can't set up a mount namespace for the image: {}", errno_text(err));
        }
    }
    ~PrivateMounts() { back(); }
    PrivateMounts(const PrivateMounts&) = delete;
    PrivateMounts& operator=(const PrivateMounts&) = delete;

private:
    void back() {
        if (::setns(host_.get(), CLONE_NEWNS) != 0)
            log::warn("can't return to the host's mount namespace: {}", errno_text(errno));
        if (cwd_ && ::fchdir(cwd_.get()) != 0) log::warn("can't return to the working directory: {}", errno_text(errno));
    }
    Fd host_, cwd_;
};

// Mounts the image of `priv` on a fresh directory for the time of a command, in a mount namespace of its own
// (PrivateMounts); unmounted on scope exit.
class TempImageMount {
public:
    explicit TempImageMount(const std::string& priv) {
        dir_ = make_temp_dir(kImageMounts, "tmp", Exit::MountImage);
        rmdir_ = ScopeGuard([d = dir_] { ::rmdir(d.c_str()); });
        image::mount(priv, dir_);
        umount_ = ScopeGuard([d = dir_] { image::umount(d); });
    }
    const std::string& dir() const { return dir_; }

private:
    PrivateMounts ns_;
    std::string dir_;
    ScopeGuard rmdir_, umount_;
};

}  // namespace

Layout ct_layout(const CtConfig& cfg) {
    if (auto* v = cfg.get("VE_LAYOUT"); v && !v->empty()) return *v == "ploop" ? Layout::Ploop : Layout::Simfs;
    auto* priv = cfg.get("VE_PRIVATE");
    return priv && image::has_image(expand_veid(*priv, cfg.ctid())) ? Layout::Ploop : Layout::Simfs;
}

const char* layout_name(Layout l) { return l == Layout::Ploop ? "ploop" : "simfs"; }

std::string ct_tree(const CtConfig& cfg) {
    return ct_layout(cfg) == Layout::Ploop ? stage_dir(cfg) : cfg.ve_private();
}

bool root_mounted(const CtConfig& cfg) { return is_mounted(cfg.ve_root()); }

DiskLimits disk_limits(const CtConfig& cfg) {
    DiskLimits l;
    std::tie(l.space_soft_kib, l.space_hard_kib) = soft_hard(cfg, "DISKSPACE", Unit::KiB);
    std::tie(l.inodes_soft, l.inodes_hard) = soft_hard(cfg, "DISKINODES", Unit::Items);
    if (auto v = parse_uint(cfg.get_or("QUOTATIME", "0"))) l.grace_seconds = *v;
    return l;
}

bool mount_private(const CtConfig& cfg, bool fsck, bool report) {
    auto priv = cfg.ve_private();
    auto root = cfg.ve_root();
    if (!is_dir(priv)) fail(Exit::NoPrivate, "Container private area {} does not exist", priv);
    if (root_mounted(cfg)) return false;
    make_dirs(root, 0755);
    bool ugid = ugid_quota(cfg, report);
    if (ct_layout(cfg) == Layout::Simfs) {
        simfs_limits(cfg, Exit::QuotaOn, report);
        bind_root(cfg, priv, root);
        return true;
    }
    auto stage = stage_dir(cfg);
    ScopeGuard unstage;
    if (!is_mounted(stage)) {  // else left mounted by a command killed between the two mounts
        if (auto form = image::has_image(priv) ? image::foreign_format(priv) : std::nullopt)
            fail(Exit::MountImage, "The image of CT {} is {}, which this version does not mount: `vzctl convert {} "
                 "--layout ploop` imports it", cfg.ctid(), *form, cfg.ctid());
        make_dirs(kImageMounts, 0700);
        make_dirs(stage, 0700);
        image::mount(priv, stage, image::MountSpec{cfg.get_or("MOUNT_OPTS", ""), fsck, ugid});
        unstage = ScopeGuard([stage] {
            image::umount(stage);
            ::rmdir(stage.c_str());
        });
    }
    bind_root(cfg, stage, root);
    unstage.release();
    return true;
}

void umount_private(const CtConfig& cfg) {
    auto root = cfg.ve_root();
    if (root_mounted(cfg) && ::umount2(root.c_str(), 0) != 0 && ::umount2(root.c_str(), MNT_DETACH) != 0)
        fail(Exit::CantUmount, "can't unmount {}: {}", root, errno_text(errno));
    if (ct_layout(cfg) != Layout::Ploop) return;
    auto stage = stage_dir(cfg);
    if (is_mounted(stage)) image::umount(stage);
    ::rmdir(stage.c_str());
}

void create_private(const CtConfig& cfg, const std::string& priv, const std::string& mode,
                    const std::function<void(const std::string&)>& unpack) {
    make_dirs(dir_name(priv), 0700);
    auto staging = fresh_name(priv, "create");
    quota::Backend backend = quota::Backend::None;
    ScopeGuard remove;
    if (ct_layout(cfg) == Layout::Ploop) {
        auto l = disk_limits(cfg);
        if (!l.space_soft_kib)
            fail(Exit::DiskspaceNotSet, "DISKSPACE is not set: a ploop container needs --diskspace for its image");
        image::CreateSpec spec{l.space_soft_kib, l.inodes_soft, image::Mode::Expanded};
        if (!mode.empty()) {
            auto m = image::parse_mode(mode);
            if (!m) fail(Exit::InvalidValue, "Invalid ploop mode '{}': expanded, plain or raw", mode);
            spec.mode = *m;
        }
        if (::mkdir(staging.c_str(), 0700) != 0)
            fail(Exit::NewPrivate, "can't create {}: {}", staging, errno_text(errno));
        remove = ScopeGuard([staging] { remove_tree(staging); });
        image::create(staging, spec);
        TempImageMount m(staging);
        unpack(m.dir());
    } else {
        backend = simfs_backend(cfg, priv, Exit::QuotaInit);
        quota::make_area(staging, backend);
        remove = ScopeGuard([staging] { quota::remove_area(staging); });
        unpack(staging);
        if (backend != quota::Backend::None) {
            quota::init(staging, cfg.ctid(), backend);
            quota::set_limits(staging, cfg.ctid(), backend, quota_limits(disk_limits(cfg)));
        }
    }
    if (is_dir(priv) && ::rmdir(priv.c_str()) != 0)
        fail(Exit::NewPrivate, "can't replace {}: {}", priv, errno_text(errno));
    if (::rename(staging.c_str(), priv.c_str()) != 0)
        fail(Exit::NewPrivate, "can't move the new private area to {}: {}", priv, errno_text(errno));
    remove.release();
}

void remove_private(const std::string& aside) { quota::remove_area(aside); }

void apply_disk(const CtConfig& cfg) {
    if (ct_layout(cfg) == Layout::Simfs) {
        if (root_mounted(cfg)) simfs_limits(cfg, Exit::QuotaSet);
        return;
    }
    auto priv = cfg.ve_private();
    auto l = disk_limits(cfg);
    if (!l.space_soft_kib) return;
    auto d = image::read_descriptor(priv);
    if (d.size_kib == l.space_soft_kib) return;
    auto stage = stage_dir(cfg);
    bool online = is_mounted(stage);
    log::info("Resizing the image of CT {} from {} to {} KiB ({})", cfg.ctid(), d.size_kib, l.space_soft_kib,
              online ? "online" : "offline");
    image::resize(priv, l.space_soft_kib, online ? stage : std::string());
}

void compact_ct(const Paths& p, unsigned ctid, const std::string& command) {
    auto [lock, cfg] = lock_and_load(p, ctid, command);
    if (ct_layout(cfg) != Layout::Ploop) {
        log::info("CT {} is not on the ploop layout: nothing to compact", ctid);
        return;
    }
    auto priv = cfg.ve_private();
    auto stage = stage_dir(cfg);
    log::info("Compacting the image of CT {}", ctid);
    uint64_t freed;
    if (is_mounted(stage)) {
        freed = image::compact(priv, stage);
    } else {
        TempImageMount m(priv);
        freed = image::compact(priv, m.dir());
    }
    log::info("Compacted: {} bytes given back to the host", freed);
}

void quota_ct(const Paths& p, unsigned ctid, QuotaOp op, const std::string& command) {
    auto [lock, cfg] = lock_and_load(p, ctid, command);
    Exit code = op == QuotaOp::On ? Exit::QuotaOn : op == QuotaOp::Off ? Exit::QuotaOff : Exit::QuotaInit;
    if (cfg.get_or("DISK_QUOTA", "") != "yes") fail(code, "Disk quota is not enabled for CT {} (DISK_QUOTA is not yes)", ctid);
    if (ct_layout(cfg) == Layout::Ploop) {
        log::info("Disk quota is not used on the ploop layout: the image's size is the limit");
        return;
    }
    auto priv = cfg.ve_private();
    if (!is_dir(priv)) fail(Exit::NoPrivate, "Container private area {} does not exist", priv);
    auto b = simfs_backend(cfg, priv, code);
    if (op == QuotaOp::Init) quota::init(priv, ctid, b);
    quota::set_limits(priv, ctid, b, op == QuotaOp::Off ? quota::Limits{} : quota_limits(disk_limits(cfg)));
}

std::string convert_to_image(const CtConfig& cfg, const std::string& mode, bool progress) {
    auto priv = cfg.ve_private();
    auto l = disk_limits(cfg);
    if (!l.space_soft_kib)
        fail(Exit::DiskspaceNotSet, "DISKSPACE is not set: converting CT {} to ploop needs it as the image's size",
             cfg.ctid());
    image::CreateSpec spec{l.space_soft_kib, l.inodes_soft, image::Mode::Expanded};
    if (!mode.empty()) {
        auto m = image::parse_mode(mode);
        if (!m) fail(Exit::InvalidValue, "Invalid ploop mode '{}': expanded, plain or raw", mode);
        spec.mode = *m;
    }
    auto staging = fresh_name(priv, "convert");
    if (::mkdir(staging.c_str(), 0700) != 0) fail(Exit::ConvertImage, "can't create {}: {}", staging, errno_text(errno));
    ScopeGuard remove([staging] { remove_tree(staging); });
    image::create(staging, spec);
    {
        TempImageMount m(staging);
        copy_tree(priv, m.dir(), Exit::ConvertImage, progress);
    }
    // The image and the tree swap places in one step, so the private area is never missing: what a kill leaves beside
    // it is the image not yet in place or the tree it replaced, which the next command removes or puts back
    // (recover_private). Two renames where the file system can't swap.
    auto old_tree = swap_into_place(staging, priv, fresh_name(priv, "converted"));
    remove.release();
    return old_tree;
}

void undo_convert(const CtConfig& cfg, const std::string& old_tree) {
    auto priv = cfg.ve_private();
    if (::renameat2(AT_FDCWD, old_tree.c_str(), AT_FDCWD, priv.c_str(), RENAME_EXCHANGE) == 0) {
        remove_tree(old_tree);
        return;
    }
    auto image_area = fresh_name(priv, "convert");
    if (::rename(priv.c_str(), image_area.c_str()) == 0 && ::rename(old_tree.c_str(), priv.c_str()) == 0)
        remove_tree(image_area);
}

void import_image(const CtConfig& cfg) {
    auto priv = cfg.ve_private();
    std::error_code ec;
    for (auto& e : fs::directory_iterator(priv, ec))
        if (e.path().filename().string().starts_with(".root.hdd.import.")) remove_tree(e.path().string());
    auto staging = make_temp_dir(priv, "root.hdd.import", Exit::ConvertImage);
    ScopeGuard remove([staging] { remove_tree(staging); });
    image::import(priv, staging);
    auto old = swap_into_place(staging, image::image_dir(priv), staging + ".old");
    if (old != staging) remove_tree(old);
    // `remove` takes the staging directory, which holds the old image after a swap.
}

std::optional<DiskUse> disk_use(const CtConfig& cfg, bool mounted) {
    if (!mounted) return std::nullopt;
    if (ct_layout(cfg) == Layout::Ploop) {
        auto u = image::usage(cfg.ve_root());
        if (!u) return std::nullopt;
        return DiskUse{u->used_kib, u->inodes_used};
    }
    if (quota_mode(cfg) == QuotaMode::No) return std::nullopt;
    auto priv = cfg.ve_private();
    auto s = quota::detect(priv);
    if (s.backend == quota::Backend::None) return std::nullopt;
    auto u = quota::usage(priv, cfg.ctid(), s.backend);
    if (!u) return std::nullopt;
    return DiskUse{u->space_kib, u->inodes};
}

}  // namespace vz
