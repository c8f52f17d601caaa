#include "util/dir.hpp"
#include "util/file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <linux/openat2.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/openat2.hpp"

namespace vz {

std::string errno_text(int err) { return std::strerror(err); }

namespace {
// What the kernel answers for a file of an object that went away: a process that ended (/proc/PID/..., ESRCH) or a
// cgroup removed (ENODEV), also between the open and the read. Such a file is absent, not an error: a container
// stopped by another command while this one looks at it.
bool gone(int err) { return err == ENOENT || err == ENOTDIR || err == ESRCH || err == ENODEV; }
}  // namespace

std::optional<std::string> read_file(const std::string& path, size_t max) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (gone(errno)) return std::nullopt;
        fail(Exit::System, "can't open {}: {}", path, errno_text(errno));
    }
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (gone(errno)) return std::nullopt;
            fail(Exit::System, "can't read {}: {}", path, errno_text(errno));
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
        if (out.size() > max) break;
    }
    return out;
}

std::string make_temp_dir(const std::string& parent, const std::string& stem, Exit code) {
    std::string tmpl = parent + "/." + stem + ".XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data())) fail(code, "can't create a directory in {}: {}", parent, errno_text(errno));
    return buf.data();
}

std::string dir_name(const std::string& path) {
    auto pos = path.find_last_of('/');
    if (pos == std::string::npos) return ".";
    if (pos == 0) return "/";
    return path.substr(0, pos);
}

std::string base_name(const std::string& path) {
    auto pos = path.find_last_of('/');
    return pos == std::string::npos ? path : path.substr(pos + 1);
}

Fd open_in_root(const std::string& root, const std::string& path, int flags, unsigned mode) {
    Fd dir(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir) return dir;
    return Fd(openat2_retry(dir.get(), path.c_str(), static_cast<unsigned>(flags), kResolveInRoot, mode));
}

bool path_exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

bool is_fuse_mount(const std::string& path) {
    constexpr decltype(statfs::f_type) kFuseMagic = 0x65735546;
    struct statfs fs {};
    return ::statfs(path.c_str(), &fs) == 0 && fs.f_type == kFuseMagic;
}

bool is_dir(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

namespace {

void write_all(int fd, const std::string& data, const std::string& what) {
    size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(errno == ENOSPC || errno == EDQUOT ? Exit::NoDiskSpace : Exit::ConfigSave, "can't write {}: {}",
                 what, errno_text(errno));
        }
        off += static_cast<size_t>(n);
    }
}

void remove_tree_at(int parent, const char* name, dev_t dev) {
    Fd dir(::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir) fail(Exit::DeletePrivate, "can't open {}: {}", name, errno_text(errno));
    Dir d = Dir::of(dir.get());
    if (!d) fail(Exit::DeletePrivate, "can't read {}: {}", name, errno_text(errno));
    std::vector<std::pair<std::string, bool>> entries;
    while (auto* e = d.next()) {
        if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, "..")) continue;
        struct statx st;
        if (::statx(dir.get(), e->d_name, AT_SYMLINK_NOFOLLOW, STATX_TYPE, &st) != 0) continue;
        bool is_mount = (st.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (st.stx_attributes & STATX_ATTR_MOUNT_ROOT);
        // The device only tells for directories: overlayfs gives a file the device of the layer it lies in.
        // (Unlinking a file that is a mount point fails with EBUSY anyway.)
        bool other_dev = S_ISDIR(st.stx_mode) && makedev(st.stx_dev_major, st.stx_dev_minor) != dev;
        if (is_mount || other_dev)
            fail(Exit::DeletePrivate, "refusing to delete {}/{}: another file system is mounted there", name,
                 e->d_name);
        entries.emplace_back(e->d_name, S_ISDIR(st.stx_mode));
    }
    for (auto& [child, child_is_dir] : entries) {
        if (child_is_dir) remove_tree_at(dir.get(), child.c_str(), dev);
        if (::unlinkat(dir.get(), child.c_str(), child_is_dir ? AT_REMOVEDIR : 0) != 0 && errno != ENOENT)
            fail(Exit::DeletePrivate, "can't remove {}: {}", child, errno_text(errno));
    }
}

}  // namespace

void remove_stale_temporaries(const std::string& path) {
    Fd dir(::open(dir_name(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    Dir d = dir ? Dir::of(dir.get()) : Dir();
    if (!d) return;
    const std::string prefix = base_name(path) + ".tmp.";
    while (auto* e = d.next())
        if (std::strncmp(e->d_name, prefix.c_str(), prefix.size()) == 0 &&
            std::strlen(e->d_name) == prefix.size() + 6)
            ::unlinkat(dir.get(), e->d_name, 0);
}

void write_file_atomic(const std::string& path, const std::string& content, unsigned mode) {
    remove_stale_temporaries(path);
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;
    std::string tmp = path + ".tmp.XXXXXX";
    std::vector<char> tmpl(tmp.begin(), tmp.end());
    tmpl.push_back('\0');
    Fd fd(::mkostemp(tmpl.data(), O_CLOEXEC));
    if (!fd) fail(Exit::ConfigSave, "can't create a temporary file next to {}: {}", path, errno_text(errno));
    tmp.assign(tmpl.data());
    try {
        write_all(fd.get(), content, path);
        if (::fchmod(fd.get(), mode) != 0) fail(Exit::ConfigSave, "can't chmod {}: {}", tmp, errno_text(errno));
        if (::fsync(fd.get()) != 0) fail(Exit::ConfigSave, "can't fsync {}: {}", tmp, errno_text(errno));
        fd.reset();
        if (::rename(tmp.c_str(), path.c_str()) != 0)
            fail(Exit::ConfigSave, "can't rename {} to {}: {}", tmp, path, errno_text(errno));
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
    Fd dir(::open(dir_name(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir) ::fsync(dir.get());
}

void make_dirs(const std::string& path, unsigned mode) {
    if (path.empty()) return;
    // The deepest level first: where most of the path exists (a cgroup base), one mkdir instead of one per level.
    if (::mkdir(path.c_str(), mode) == 0) return;
    auto slash = path.find_last_of('/');
    if (errno == ENOENT && slash != std::string::npos && slash != 0) {
        make_dirs(path.substr(0, slash), mode);
        if (::mkdir(path.c_str(), mode) == 0) return;
    }
    if (errno != EEXIST) fail(Exit::System, "can't create directory {}: {}", path, errno_text(errno));
    if (!is_dir(path)) fail(Exit::System, "{} exists and is not a directory", path);
}

void remove_tree(const std::string& path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return;
        fail(Exit::DeletePrivate, "can't stat {}: {}", path, errno_text(errno));
    }
    if (!S_ISDIR(st.st_mode)) {
        if (::unlink(path.c_str()) != 0) fail(Exit::DeletePrivate, "can't remove {}: {}", path, errno_text(errno));
        return;
    }
    Fd parent(::open(dir_name(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent) fail(Exit::DeletePrivate, "can't open {}: {}", dir_name(path), errno_text(errno));
    std::string leaf = base_name(path);
    remove_tree_at(parent.get(), leaf.c_str(), st.st_dev);
    if (::unlinkat(parent.get(), leaf.c_str(), AT_REMOVEDIR) != 0)
        fail(Exit::DeletePrivate, "can't remove {}: {}", path, errno_text(errno));
}

void link_files(const std::string& from, const std::string& to, Exit code) {
    if (::mkdir(to.c_str(), 0755) != 0) fail(code, "Can't create {}: {}", to, errno_text(errno));
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(from.c_str()), ::closedir);
    auto failed = [&](const std::string& what, int err) {
        remove_tree(to);
        fail(code, "Can't link {} into {}: {}", what, to, errno_text(err));
    };
    if (!dir) failed(from, errno);
    while (auto* e = ::readdir(dir.get())) {
        struct stat st {};
        auto path = from + "/" + e->d_name;
        if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (::link(path.c_str(), (to + "/" + e->d_name).c_str()) != 0) failed(path, errno);
    }
}

}  // namespace vz
