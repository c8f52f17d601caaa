// fs/quota on real file systems made in files (tests/support/test_fs.hpp), as root: btrfs subvolumes with qgroup
// limits (QuotaBtrfs, on the host), what detect says elsewhere (QuotaDetect), and project quota on ext4 and XFS
// (QuotaProjectExt4, QuotaProjectXfs). The host kernel can't mount those with prjquota (no quota formats), so there
// they skip saying so; ctest registers them again with the label v2, and vm.v2 runs them in the VM on Debian's
// kernel, which can.
//
// Writes that must hit a limit run in a child without CAP_SYS_RESOURCE: with it, the kernel's generic quota (ext4)
// lets root exceed every limit.
#include "fs/quota.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <regex>
#include <sstream>
#include <thread>
#include <tuple>

#include <gtest/gtest.h>

#include "../support/test_fs.hpp"
#include "util/error.hpp"

namespace {

using namespace vztest;
namespace quota = vz::quota;

constexpr uint64_t kMiB = 1 << 20;

// What a write or a run of creates got to: bytes written or files made, and the errno that stopped it (0: none).
struct Outcome {
    uint64_t done = 0;
    int err = 0;
};

// Runs `fn` in a child process without CAP_SYS_RESOURCE and returns its outcome.
Outcome without_sys_resource(const std::function<Outcome()>& fn) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return {0, errno};
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(p[0]);
        __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
        __user_cap_data_struct d[2]{};
        Outcome o{0, EPERM};
        if (::syscall(SYS_capget, &h, d) == 0) {
            d[CAP_SYS_RESOURCE / 32].effective &= ~(1u << (CAP_SYS_RESOURCE % 32));
            d[CAP_SYS_RESOURCE / 32].permitted &= ~(1u << (CAP_SYS_RESOURCE % 32));
            if (::syscall(SYS_capset, &h, d) == 0) o = fn();
        }
        if (::write(p[1], &o, sizeof o) != sizeof o) ::_exit(1);
        ::_exit(0);
    }
    ::close(p[1]);
    Outcome o{0, ECHILD};
    if (pid > 0 && ::read(p[0], &o, sizeof o) != sizeof o) o = {0, ECHILD};
    ::close(p[0]);
    if (pid > 0) ::waitpid(pid, nullptr, 0);
    return o;
}

// Appends up to `bytes` to `path` in 1 MiB writes, then fsyncs it.
Outcome append(const std::string& path, uint64_t bytes) {
    return without_sys_resource([&] {
        Outcome o;
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0) return Outcome{0, errno};
        std::string chunk(kMiB, 'q');
        while (o.done < bytes) {
            ssize_t n = ::write(fd, chunk.data(), std::min<uint64_t>(chunk.size(), bytes - o.done));
            if (n < 0) {
                o.err = errno;
                break;
            }
            o.done += static_cast<uint64_t>(n);
        }
        if (::fsync(fd) != 0 && !o.err) o.err = errno;
        ::close(fd);
        return o;
    });
}

// Makes up to `count` empty files <dir>/<prefix><n>.
Outcome make_files(const std::string& dir, const std::string& prefix, unsigned count) {
    return without_sys_resource([&] {
        Outcome o;
        for (unsigned i = 0; i < count; ++i) {
            int fd = ::open((dir + "/" + prefix + std::to_string(i)).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                            0644);
            if (fd < 0) return Outcome{o.done, errno};
            ::close(fd);
            ++o.done;
        }
        return o;
    });
}

// ext4 and btrfs say EDQUOT; XFS says ENOSPC for a project over its limit.
bool quota_error(int err) { return err == EDQUOT || err == ENOSPC; }

void sync_fs(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ::syncfs(fd);
    ::close(fd);
}

// Writes 40 MiB into `file` under a limit of 20 MiB: the writes must stop between `min_mib` and `max_mib` MiB,
// while `outside` (the same file system, outside the area) still takes 8 MiB. What was written.
Outcome fill_past_the_limit(const std::string& file, const std::string& outside, uint64_t min_mib, uint64_t max_mib) {
    auto o = append(file, 40 * kMiB);
    EXPECT_TRUE(quota_error(o.err)) << std::strerror(o.err);
    EXPECT_GT(o.done, min_mib * kMiB);
    EXPECT_LE(o.done, max_mib * kMiB);
    auto out = append(outside, 8 * kMiB);
    EXPECT_EQ(out.err, 0) << "the file system itself is in trouble: " << std::strerror(out.err);
    return o;
}

// The exit code and message of what `fn` threw; {Ok, ""} when it threw nothing.
std::pair<vz::Exit, std::string> error_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const vz::Error& e) {
        return {e.code(), e.what()};
    }
    return {vz::Exit::Ok, ""};
}

// ---- btrfs ----

class QuotaBtrfs : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root (loop devices, mounts)";
        if (shell("command -v mkfs.btrfs && command -v btrfs").status != 0)
            GTEST_SKIP() << "btrfs-progs is not installed (scripts/setup installs it)";
        fs_ = std::make_unique<TestFs>("btrfs", 256, "-q");
        ASSERT_TRUE(fs_->ok()) << fs_->error();
    }
    void enable_quota() {
        auto r = shell("btrfs quota enable " + fs_->path());
        ASSERT_EQ(r.status, 0) << r.out;
    }
    // `btrfs qgroup show` lists qgroup 0/<id>.
    bool qgroup_listed(uint64_t id) {
        auto r = shell("btrfs qgroup show " + fs_->path());
        EXPECT_EQ(r.status, 0) << r.out;
        return std::regex_search(r.out, std::regex("(^|\\n)0/" + std::to_string(id) + "\\s"));
    }
    uint64_t subvol_id(const std::string& path) {
        auto r = shell("btrfs inspect-internal rootid " + path);
        EXPECT_EQ(r.status, 0) << r.out;
        return r.status == 0 ? std::stoull(r.out) : 0;
    }
    std::unique_ptr<TestFs> fs_;
};

TEST_F(QuotaBtrfs, DetectNeedsQuotasEnabled) {
    auto s = quota::detect(*fs_ / "private/101");  // need not exist
    EXPECT_EQ(s.backend, quota::Backend::None);
    EXPECT_NE(s.why_not.find("btrfs at " + fs_->path()), std::string::npos) << s.why_not;
    EXPECT_NE(s.why_not.find("no quotas enabled"), std::string::npos) << s.why_not;
    enable_quota();
    s = quota::detect(*fs_ / "private/101");
    EXPECT_EQ(s.backend, quota::Backend::Btrfs) << s.why_not;
    EXPECT_STREQ(quota::backend_name(s.backend), "btrfs");
}

TEST_F(QuotaBtrfs, AreaIsSubvolumeWithLiveLimit) {
    enable_quota();
    std::string area = *fs_ / "101";
    quota::make_area(area, quota::Backend::Btrfs);
    struct stat st {};
    ASSERT_EQ(::stat(area.c_str(), &st), 0);
    EXPECT_EQ(st.st_ino, 256u) << "not a subvolume root";
    EXPECT_EQ(st.st_mode & 07777, 0700u);
    uint64_t id = subvol_id(area);
    EXPECT_GT(id, 255u);
    EXPECT_TRUE(qgroup_listed(id));
    quota::init(area, 101, quota::Backend::Btrfs);  // nothing to do

    quota::set_limits(area, 101, quota::Backend::Btrfs, {.space_soft_kib = 0, .space_hard_kib = 20 * 1024});
    auto first = fill_past_the_limit(area + "/big", *fs_ / "outside", 14, 21);  // metadata counts too

    // Raised live; the soft limit counts when there is no hard one.
    quota::set_limits(area, 101, quota::Backend::Btrfs, {.space_soft_kib = 60 * 1024, .space_hard_kib = 0});
    auto more = append(area + "/more", 20 * kMiB);
    EXPECT_EQ(more.err, 0) << std::strerror(more.err);
    EXPECT_EQ(more.done, 20 * kMiB);

    sync_fs(area);
    auto u = quota::usage(area, 101, quota::Backend::Btrfs);
    ASSERT_TRUE(u.has_value());
    EXPECT_FALSE(u->inodes.has_value());
    uint64_t written_kib = (first.done + more.done) / 1024;
    EXPECT_GE(u->space_kib, written_kib);
    EXPECT_LE(u->space_kib, written_kib + 1024) << "written " << written_kib << " KiB";

    // No limit at all.
    quota::set_limits(area, 101, quota::Backend::Btrfs, {});
    auto free_run = append(area + "/free", 70 * kMiB);
    EXPECT_EQ(free_run.err, 0) << std::strerror(free_run.err);
}

TEST_F(QuotaBtrfs, RemoveAreaDropsSubvolumeAndQgroup) {
    enable_quota();
    std::string area = *fs_ / "101";
    quota::make_area(area, quota::Backend::Btrfs);
    uint64_t id = subvol_id(area);
    quota::set_limits(area, 101, quota::Backend::Btrfs, {.space_hard_kib = 50 * 1024});
    std::filesystem::create_directories(area + "/etc/deep/er");
    write_text(area + "/etc/deep/er/file", "content");
    ASSERT_EQ(append(area + "/data", 3 * kMiB).err, 0);
    ASSERT_TRUE(qgroup_listed(id));

    quota::remove_area(area);
    EXPECT_FALSE(std::filesystem::exists(area));
    EXPECT_FALSE(qgroup_listed(id));

    // Moved aside first (as destroy does), and the space comes back.
    quota::make_area(area, quota::Backend::Btrfs);
    uint64_t id2 = subvol_id(area);
    ASSERT_EQ(append(area + "/data", 3 * kMiB).err, 0);
    std::string aside = *fs_ / "101.destroyed";
    ASSERT_EQ(::rename(area.c_str(), aside.c_str()), 0);
    quota::remove_area(aside);
    EXPECT_FALSE(std::filesystem::exists(aside));
    EXPECT_FALSE(qgroup_listed(id2));

    // A plain directory (made while quotas were off) goes with remove_tree; a missing path is nothing to do.
    std::string plain = *fs_ / "102";
    quota::make_area(plain, quota::Backend::None);
    write_text(plain + "/a/b", "x");
    quota::remove_area(plain);
    EXPECT_FALSE(std::filesystem::exists(plain));
    quota::remove_area(plain);
}

TEST_F(QuotaBtrfs, ErrorsNameThePath) {
    enable_quota();
    std::string area = *fs_ / "101";
    quota::make_area(area, quota::Backend::Btrfs);
    auto [code, msg] = error_of([&] { quota::make_area(area, quota::Backend::Btrfs); });
    EXPECT_EQ(code, vz::Exit::NewPrivate);
    EXPECT_NE(msg.find(area), std::string::npos) << msg;

    std::string plain = *fs_ / "102";
    quota::make_area(plain, quota::Backend::None);
    std::tie(code, msg) =
        error_of([&] { quota::set_limits(plain, 102, quota::Backend::Btrfs, {.space_hard_kib = 1}); });
    EXPECT_EQ(code, vz::Exit::QuotaSet);
    EXPECT_NE(msg.find(plain), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_FALSE(quota::usage(plain, 102, quota::Backend::Btrfs).has_value());
}

// ---- elsewhere ----

TEST(QuotaDetect, Ext4WithoutPrjquotaIsNone) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (loop devices, mounts)";
    TestFs fs("ext4", 64, "-q");
    ASSERT_TRUE(fs.ok()) << fs.error();
    auto s = quota::detect(fs / "private/101");
    EXPECT_EQ(s.backend, quota::Backend::None);
    EXPECT_NE(s.why_not.find("ext4 at " + fs.path() + " is not mounted with prjquota"), std::string::npos)
        << s.why_not;
    EXPECT_STREQ(quota::backend_name(s.backend), "none");

    // Backend::None: a plain 0700 directory, no limits, no usage.
    std::string area = fs / "101";
    mode_t old = ::umask(0);
    quota::make_area(area, quota::Backend::None);
    ::umask(old);
    struct stat st {};
    ASSERT_EQ(::stat(area.c_str(), &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0700u);
    quota::init(area, 101, quota::Backend::None);
    quota::set_limits(area, 101, quota::Backend::None, {.space_hard_kib = 1});
    EXPECT_FALSE(quota::usage(area, 101, quota::Backend::None).has_value());
    quota::remove_area(area);
    EXPECT_FALSE(std::filesystem::exists(area));
}

TEST(QuotaDetect, XfsWithoutPrjquotaIsNone) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (loop devices, mounts)";
    if (shell("command -v mkfs.xfs").status != 0)
        GTEST_SKIP() << "xfsprogs is not installed (scripts/setup installs it)";
    TestFs fs("xfs", 320, "-q");
    ASSERT_TRUE(fs.ok()) << fs.error();
    auto s = quota::detect(fs.path());
    EXPECT_EQ(s.backend, quota::Backend::None);
    EXPECT_NE(s.why_not.find("XFS at " + fs.path() + " is not mounted with prjquota"), std::string::npos) << s.why_not;
}

TEST(QuotaDetect, OtherFileSystemsSayWhatTheyAre) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (mounts)";
    TempDir dir;
    ASSERT_EQ(::mount("none", dir.path().c_str(), "tmpfs", 0, "size=1m"), 0) << std::strerror(errno);
    auto s = quota::detect(dir / "a/b/c");
    ::umount2(dir.path().c_str(), 0);
    EXPECT_EQ(s.backend, quota::Backend::None);
    EXPECT_NE(s.why_not.find("tmpfs at " + dir.path()), std::string::npos) << s.why_not;
}

// ---- project quota ----

// The project ID and the flags of `path`.
std::pair<unsigned, unsigned> project_of(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return {~0u, 0};
    fsxattr fa{};
    int rc = ::ioctl(fd, FS_IOC_FSGETXATTR, &fa);
    ::close(fd);
    return rc == 0 ? std::pair{fa.fsx_projid, fa.fsx_xflags} : std::pair{~0u, 0u};
}

class QuotaProject : public ::testing::Test {
protected:
    QuotaProject(std::string type, unsigned mib, std::string mkfs_args)
        : type_(std::move(type)), mib_(mib), mkfs_args_(std::move(mkfs_args)) {}
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root (loop devices, mounts)";
        if (shell("command -v mkfs." + type_).status != 0)
            GTEST_SKIP() << "mkfs." << type_ << " is not installed (scripts/setup installs it)";
        fs_ = std::make_unique<TestFs>(type_, mib_, mkfs_args_, "prjquota");
        if (!fs_->ok())
            GTEST_SKIP() << "this kernel can't mount " << type_ << " with prjquota (" << fs_->error()
                         << "); the project-quota tests run in the VM (ctest -L v2 in vm.v2)";
        area_ = *fs_ / "101";
        quota::make_area(area_, quota::Backend::Project);
    }
    // The area made, marked, and limited to 20 MiB and 100 inodes.
    void limited() {
        quota::init(area_, kId, quota::Backend::Project);
        quota::set_limits(area_, kId, quota::Backend::Project,
                          {.space_soft_kib = 0, .space_hard_kib = 20 * 1024, .inodes_soft = 0, .inodes_hard = 100});
    }
    static constexpr unsigned kId = 4242;
    std::string type_;
    unsigned mib_;
    std::string mkfs_args_;
    std::unique_ptr<TestFs> fs_;
    std::string area_;

    void detect_says_project() {
        auto s = quota::detect(area_ + "/not/yet");
        EXPECT_EQ(s.backend, quota::Backend::Project) << s.why_not;
        EXPECT_STREQ(quota::backend_name(s.backend), "project");
    }

    // The same file system mounted without prjquota: no project quota (ext4 with the quota feature still counts
    // usage then, but enforces nothing).
    void without_prjquota_none(const std::string& name) {
        TestFs plain(type_, mib_, mkfs_args_);
        ASSERT_TRUE(plain.ok()) << plain.error();
        auto s = quota::detect(plain / "101");
        EXPECT_EQ(s.backend, quota::Backend::None);
        EXPECT_NE(s.why_not.find(name + " at " + plain.path() + " is not mounted with prjquota"), std::string::npos)
            << s.why_not;
    }

    void init_marks_the_tree() {
        std::filesystem::create_directories(area_ + "/etc/deep/er");
        write_text(area_ + "/etc/passwd", "root:x:0:0::/root:/bin/sh\n");
        write_text(area_ + "/etc/deep/er/file", "x");
        ASSERT_EQ(append(area_ + "/etc/deep/big", 2 * kMiB).err, 0);
        write_text(*fs_ / "outside", "not the container's");
        ASSERT_EQ(::symlink((*fs_ / "outside").c_str(), (area_ + "/etc/link").c_str()), 0);
        ASSERT_EQ(::symlink("/", (area_ + "/etc/root-link").c_str()), 0);
        ASSERT_EQ(::mkfifo((area_ + "/etc/fifo").c_str(), 0600), 0);
        // Another file system inside: not crossed into (tmpfs has no project IDs: init would fail there).
        std::filesystem::create_directories(area_ + "/mnt");
        ASSERT_EQ(::mount("none", (area_ + "/mnt").c_str(), "tmpfs", 0, "size=1m"), 0) << std::strerror(errno);
        write_text(area_ + "/mnt/on-tmpfs", "x");
        try {
            quota::init(area_, kId, quota::Backend::Project);
        } catch (...) {
            ::umount2((area_ + "/mnt").c_str(), 0);
            throw;
        }
        ::umount2((area_ + "/mnt").c_str(), 0);

        for (auto dir : {"", "/etc", "/etc/deep", "/etc/deep/er"}) {
            auto [id, flags] = project_of(area_ + dir);
            EXPECT_EQ(id, kId) << area_ + dir;
            EXPECT_TRUE(flags & FS_XFLAG_PROJINHERIT) << area_ + dir;
        }
        for (auto file : {"/etc/passwd", "/etc/deep/er/file", "/etc/deep/big"})
            EXPECT_EQ(project_of(area_ + file).first, kId) << file;
        EXPECT_EQ(project_of(*fs_ / "outside").first, 0u) << "followed a symlink out of the area";
        EXPECT_EQ(project_of(fs_->path()).first, 0u);
        EXPECT_EQ(project_of(area_ + "/mnt").first, 0u) << "the directory under the tmpfs is out of reach";
        // What is made later inherits the ID.
        write_text(area_ + "/etc/deep/er/new", "x");
        EXPECT_EQ(project_of(area_ + "/etc/deep/er/new").first, kId);
        auto u = quota::usage(area_, kId, quota::Backend::Project);
        ASSERT_TRUE(u.has_value());
        EXPECT_GE(u->space_kib, 2048u);
        EXPECT_LE(u->space_kib, 2048u + 256);
        EXPECT_EQ(u->inodes, 8u) << "the area, 3 directories, 4 files: symlinks and the FIFO keep theirs";
        // Again, with the tmpfs gone: the directory it covered is marked now, nothing else changes.
        quota::init(area_, kId, quota::Backend::Project);
        EXPECT_EQ(project_of(area_ + "/mnt").first, kId);
        EXPECT_EQ(quota::usage(area_, kId, quota::Backend::Project)->inodes, 9u);
    }

    void limits_space_and_inodes() {
        limited();
        auto first = fill_past_the_limit(area_ + "/big", *fs_ / "outside", 16, 20);
        auto u = quota::usage(area_, kId, quota::Backend::Project);
        ASSERT_TRUE(u.has_value());
        EXPECT_EQ(u->inodes, 2u);  // the area and big
        EXPECT_GE(u->space_kib, first.done / 1024);
        EXPECT_LE(u->space_kib, 20u * 1024);

        // Space raised live, the inode limit kept (a full space would stop XFS from making even empty files).
        quota::set_limits(area_, kId, quota::Backend::Project, {.space_hard_kib = 60 * 1024, .inodes_hard = 100});
        auto more = append(area_ + "/more", 20 * kMiB);
        EXPECT_EQ(more.err, 0) << std::strerror(more.err);
        EXPECT_EQ(more.done, 20 * kMiB);
        std::filesystem::create_directories(area_ + "/many");  // inode 4
        auto files = make_files(area_ + "/many", "f", 200);
        EXPECT_TRUE(quota_error(files.err)) << std::strerror(files.err);
        EXPECT_EQ(files.done, 96u);
        u = quota::usage(area_, kId, quota::Backend::Project);
        ASSERT_TRUE(u.has_value());
        EXPECT_EQ(u->inodes, 100u);

        // Inodes raised live.
        quota::set_limits(area_, kId, quota::Backend::Project, {.space_hard_kib = 60 * 1024, .inodes_hard = 1000});
        auto more_files = make_files(area_ + "/many", "g", 100);
        EXPECT_EQ(more_files.err, 0) << std::strerror(more_files.err);
        EXPECT_EQ(more_files.done, 100u);
        u = quota::usage(area_, kId, quota::Backend::Project);
        ASSERT_TRUE(u.has_value());
        EXPECT_EQ(u->inodes, 200u);
        uint64_t written_kib = (first.done + more.done) / 1024;
        EXPECT_GE(u->space_kib, written_kib);
        EXPECT_LE(u->space_kib, written_kib + 1024) << "written " << written_kib << " KiB";
    }

    void statfs_shows_the_limits() {
        limited();
        ASSERT_EQ(append(area_ + "/data", 5 * kMiB).err, 0);
        struct statvfs sv {};
        ASSERT_EQ(::statvfs(area_.c_str(), &sv), 0);
        EXPECT_EQ(uint64_t{sv.f_blocks} * sv.f_frsize, 20 * kMiB);
        uint64_t used = (uint64_t{sv.f_blocks} - sv.f_bfree) * sv.f_frsize;
        EXPECT_GE(used, 5 * kMiB);
        EXPECT_LE(used, 6 * kMiB);
        EXPECT_EQ(sv.f_files, 100u);
        EXPECT_EQ(sv.f_files - sv.f_ffree, 2u);  // the area and data
        // Outside the area: the whole file system.
        ASSERT_EQ(::statvfs(fs_->path().c_str(), &sv), 0);
        EXPECT_GT(uint64_t{sv.f_blocks} * sv.f_frsize, 40 * kMiB);
    }

    void soft_limit_with_grace() {
        quota::init(area_, kId, quota::Backend::Project);
        quota::set_limits(area_, kId, quota::Backend::Project,
                          {.space_soft_kib = 2 * 1024, .space_hard_kib = 30 * 1024, .grace_seconds = 2});
        // Over the soft limit within the grace time: allowed.
        auto within = append(area_ + "/a", 6 * kMiB);
        EXPECT_EQ(within.err, 0) << std::strerror(within.err);
        std::this_thread::sleep_for(std::chrono::seconds(4));
        // Once it has run out, the soft limit is a hard one.
        auto after = append(area_ + "/b", 4 * kMiB);
        EXPECT_TRUE(quota_error(after.err)) << std::strerror(after.err);
        EXPECT_LT(after.done, 1 * kMiB);
    }
};

class QuotaProjectExt4 : public QuotaProject {
protected:
    QuotaProjectExt4() : QuotaProject("ext4", 128, "-q -O project,quota") {}
};
class QuotaProjectXfs : public QuotaProject {
protected:
    // mkfs.xfs wants 300 MiB at least.
    QuotaProjectXfs() : QuotaProject("xfs", 320, "-q") {}
};

TEST_F(QuotaProjectExt4, Detect) { detect_says_project(); }
TEST_F(QuotaProjectExt4, WithoutPrjquotaIsNone) { without_prjquota_none("ext4"); }
TEST_F(QuotaProjectExt4, InitMarksTheTree) { init_marks_the_tree(); }
TEST_F(QuotaProjectExt4, LimitsSpaceAndInodes) { limits_space_and_inodes(); }
TEST_F(QuotaProjectExt4, StatfsShowsTheLimits) { statfs_shows_the_limits(); }
TEST_F(QuotaProjectExt4, SoftLimitWithGrace) { soft_limit_with_grace(); }
TEST_F(QuotaProjectXfs, Detect) { detect_says_project(); }
TEST_F(QuotaProjectXfs, WithoutPrjquotaIsNone) { without_prjquota_none("XFS"); }
TEST_F(QuotaProjectXfs, InitMarksTheTree) { init_marks_the_tree(); }
TEST_F(QuotaProjectXfs, LimitsSpaceAndInodes) { limits_space_and_inodes(); }
TEST_F(QuotaProjectXfs, StatfsShowsTheLimits) { statfs_shows_the_limits(); }
TEST_F(QuotaProjectXfs, SoftLimitWithGrace) { soft_limit_with_grace(); }

}  // namespace
