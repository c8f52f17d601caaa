// The image layout's primitives (fs/image) on real loop devices: create, mount, resize, compact, the refusals, a
// full file system, a full host. Root only; every image lives in a temporary directory, every mount and loop device
// is the test's own and goes away with it.
#include "fs/image.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>
#include <thread>

#include "../support/caps.hpp"
#include "../support/temp_dir.hpp"
#include "util/error.hpp"

namespace {

namespace fs = std::filesystem;
using vz::image::Mode;
constexpr uint64_t kMiB = 1024 * 1024;

// The backing files of all loop devices of the host.
std::set<std::string> loop_backings() {
    std::set<std::string> out;
    for (auto& e : fs::directory_iterator("/sys/block")) {
        auto name = e.path().filename().string();
        if (name.rfind("loop", 0) != 0) continue;
        std::error_code ec;
        if (!fs::exists(e.path() / "loop/backing_file", ec)) continue;
        try {
            auto t = vztest::read_text((e.path() / "loop/backing_file").string());
            while (!t.empty() && t.back() == '\n') t.pop_back();
            out.insert(t);
        } catch (const std::exception&) {
            // detached meanwhile
        }
    }
    return out;
}

// The loop devices backed by a file under `dir`; an autoclear device detaches on its last close, which may come a
// moment after the unmount returns: waits for them to go, up to 3 s.
std::set<std::string> loops_under(const std::string& dir, bool wait_gone = true) {
    std::set<std::string> mine;
    for (int i = 0; i < 60; ++i) {
        mine.clear();
        for (auto& b : loop_backings())
            if (b.rfind(dir + "/", 0) == 0) mine.insert(b);
        if (mine.empty() || !wait_gone) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return mine;
}

bool is_mount_point(const std::string& path) {
    struct stat a {}, b {};
    return ::stat(path.c_str(), &a) == 0 && ::stat((path + "/..").c_str(), &b) == 0 && a.st_dev != b.st_dev;
}

int sh(const std::string& cmd) {
    int st = std::system(cmd.c_str());
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

uint64_t allocated(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return static_cast<uint64_t>(st.st_blocks) * 512;
}

uint64_t file_size(const std::string& path) {
    std::error_code ec;
    auto n = fs::file_size(path, ec);
    return ec ? 0 : n;
}

// The exit code an operation fails with (Ok when it does not), and its message.
template <typename F>
std::pair<vz::Exit, std::string> failure(F&& f) {
    try {
        f();
    } catch (const vz::Error& e) {
        return {e.code(), e.what()};
    }
    return {vz::Exit::Ok, ""};
}

// Unmounts what a test mounted, also when it fails half-way.
class MountGuard {
public:
    explicit MountGuard(std::string target) : target_(std::move(target)) {}
    MountGuard(const MountGuard&) = delete;
    MountGuard& operator=(const MountGuard&) = delete;
    ~MountGuard() {
        while (is_mount_point(target_))
            if (::umount2(target_.c_str(), MNT_DETACH) != 0) break;
    }

private:
    std::string target_;
};

class ImageTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "loop devices and mounts need root";
        if (::access("/dev/loop-control", W_OK) != 0) GTEST_SKIP() << "no /dev/loop-control";
        fs::create_directories(mnt_);
        fs::create_directories(priv_);
    }
    void TearDown() override {
        if (::geteuid() != 0) return;
        EXPECT_FALSE(is_mount_point(mnt_));
        EXPECT_EQ(loops_under(tmp_.path()), std::set<std::string>{});
    }

    void create(uint64_t mib, Mode mode = Mode::Expanded) { vz::image::create(priv_, {mib * 1024, 0, mode}); }
    std::string image() const { return priv_ + "/root.hdd/root.hdd"; }

    vztest::TempDir tmp_;
    std::string priv_ = tmp_ / "private";
    std::string mnt_ = tmp_ / "mnt";
    MountGuard guard_{mnt_};
};

TEST_F(ImageTest, CreateExpandedIsSparsePlainIsAllocated) {
    create(64);
    EXPECT_EQ(file_size(image()), 64 * kMiB);
    EXPECT_LT(allocated(image()), 16 * kMiB);
    auto d = vz::image::read_descriptor(priv_);
    EXPECT_EQ(d.size_kib, 64U * 1024);
    EXPECT_EQ(d.mode, Mode::Expanded);
    EXPECT_EQ(sh("e2fsck -fn " + image() + " >/dev/null 2>&1"), 0);

    auto plain = tmp_ / "plain";
    fs::create_directories(plain);
    vz::image::create(plain, {64 * 1024, 5000, Mode::Plain});
    auto file = plain + "/root.hdd/root.hdd";
    EXPECT_GE(allocated(file), 64 * kMiB);
    EXPECT_EQ(vz::image::read_descriptor(plain).mode, Mode::Plain);
    // -N: at least the inodes asked for (mkfs rounds up to fill the groups' inode tables).
    EXPECT_EQ(sh("dumpe2fs -h " + file + " 2>/dev/null | awk '/^Inode count:/ { exit !($3 >= 5000 && $3 < 8192) }'"),
              0);

    // An existing image is not overwritten.
    auto [code, msg] = failure([&] { create(64); });
    EXPECT_EQ(code, vz::Exit::CreateImage) << msg;
    EXPECT_TRUE(vz::image::has_image(priv_));
}

TEST_F(ImageTest, MountWriteUmountMountRead) {
    create(64);
    vz::image::mount(priv_, mnt_, {"noatime", true, std::nullopt});
    ASSERT_TRUE(is_mount_point(mnt_));
    auto dev = vz::image::attached_device(priv_);
    ASSERT_TRUE(dev);
    auto n = dev->substr(5);
    EXPECT_EQ(vztest::read_text("/sys/block/" + n + "/loop/autoclear"), "1\n");
    // /tmp is on the host's ext4: direct I/O works there.
    EXPECT_EQ(vztest::read_text("/sys/block/" + n + "/loop/dio"), "1\n");
    EXPECT_EQ(loops_under(tmp_.path(), false), std::set<std::string>{image()});
    // A second mount of an attached image is refused.
    auto other = tmp_ / "other";
    fs::create_directories(other);
    auto [code, msg] = failure([&] { vz::image::mount(priv_, other, {}); });
    EXPECT_EQ(code, vz::Exit::MountImage) << msg;
    EXPECT_FALSE(is_mount_point(other));

    vztest::write_text(mnt_ + "/hello", "image data\n");
    vz::image::umount(mnt_);
    EXPECT_FALSE(is_mount_point(mnt_));
    EXPECT_EQ(loops_under(tmp_.path()), std::set<std::string>{});
    EXPECT_FALSE(vz::image::attached_device(priv_)) << "umount returns once the loop device is gone";

    vz::image::mount(priv_, mnt_, {});
    EXPECT_EQ(vztest::read_text(mnt_ + "/hello"), "image data\n");
    vz::image::umount(mnt_);
    auto [ucode, umsg] = failure([&] { vz::image::umount(mnt_); });
    EXPECT_EQ(ucode, vz::Exit::UmountImage) << umsg;
    EXPECT_NE(umsg.find(mnt_), std::string::npos) << umsg;
}

TEST_F(ImageTest, GrowOnlineShrinkOffline) {
    create(64);
    vz::image::mount(priv_, mnt_, {});
    auto u = vz::image::usage(mnt_);
    ASSERT_TRUE(u);
    EXPECT_LT(u->total_kib, 64U * 1024);

    if (!vztest::has_cap_sys_resource()) {
        // ext4's online resize wants CAP_SYS_RESOURCE (ext4_resize_begin), which this host's root lacks: refused,
        // the image as before and still in use; grown offline instead.
        auto [code, msg] = failure([&] { vz::image::resize(priv_, 128 * 1024, mnt_); });
        EXPECT_EQ(code, vz::Exit::ResizeImage) << msg;
        EXPECT_NE(msg.find("CAP_SYS_RESOURCE"), std::string::npos) << msg;
        EXPECT_EQ(file_size(image()), 64 * kMiB);
        EXPECT_EQ(vz::image::read_descriptor(priv_).size_kib, 64U * 1024);
        EXPECT_EQ(sh("blockdev --getsize64 " + vz::image::attached_device(priv_).value_or("none") + " 2>/dev/null"
                     " | grep -qx " + std::to_string(64 * kMiB)), 0);
        vztest::write_text(mnt_ + "/after", "still writable\n");
        vz::image::umount(mnt_);
        vz::image::resize(priv_, 128 * 1024, "");
        vz::image::mount(priv_, mnt_, {});
        std::cout << "note: online grow: no CAP_SYS_RESOURCE here; refusal checked, grown offline\n";
    } else {
        vz::image::resize(priv_, 128 * 1024, mnt_);
    }
    EXPECT_EQ(file_size(image()), 128 * kMiB);
    EXPECT_EQ(vz::image::read_descriptor(priv_).size_kib, 128U * 1024);
    u = vz::image::usage(mnt_);
    ASSERT_TRUE(u);
    EXPECT_GT(u->total_kib, 100U * 1024);
    // More than the old size holds.
    ASSERT_EQ(sh("dd if=/dev/zero of=" + mnt_ + "/big bs=1M count=80 status=none conv=fsync"), 0);

    auto [code, msg] = failure([&] { vz::image::resize(priv_, 96 * 1024, mnt_); });
    EXPECT_EQ(code, vz::Exit::ResizeImage) << msg;
    EXPECT_NE(msg.find("offline"), std::string::npos) << msg;
    EXPECT_EQ(file_size(image()), 128 * kMiB);
    vz::image::umount(mnt_);
    ASSERT_EQ(loops_under(tmp_.path()), std::set<std::string>{});

    // Below what the data needs: refused, nothing changed.
    std::tie(code, msg) = failure([&] { vz::image::resize(priv_, 48 * 1024, ""); });
    EXPECT_EQ(code, vz::Exit::ResizeImage) << msg;
    EXPECT_NE(msg.find(image()), std::string::npos) << msg;
    EXPECT_EQ(file_size(image()), 128 * kMiB);
    EXPECT_EQ(vz::image::read_descriptor(priv_).size_kib, 128U * 1024);
    EXPECT_EQ(loops_under(tmp_.path()), std::set<std::string>{});

    vz::image::resize(priv_, 96 * 1024, "");
    EXPECT_EQ(file_size(image()), 96 * kMiB);
    EXPECT_EQ(vz::image::read_descriptor(priv_).size_kib, 96U * 1024);
    EXPECT_EQ(loops_under(tmp_.path()), std::set<std::string>{});
    EXPECT_EQ(sh("e2fsck -fn " + image() + " >/dev/null 2>&1"), 0);

    // Offline grow too.
    vz::image::resize(priv_, 160 * 1024, "");
    EXPECT_EQ(file_size(image()), 160 * kMiB);

    vz::image::mount(priv_, mnt_, {});
    EXPECT_EQ(file_size(mnt_ + "/big"), 80 * kMiB);
    u = vz::image::usage(mnt_);
    ASSERT_TRUE(u);
    EXPECT_GT(u->total_kib, 140U * 1024);
    vz::image::umount(mnt_);
}

TEST_F(ImageTest, CompactGivesFreedBlocksBack) {
    create(128);
    vz::image::mount(priv_, mnt_, {});
    ASSERT_EQ(sh("dd if=/dev/urandom of=" + mnt_ + "/big bs=1M count=48 status=none conv=fsync"), 0);
    auto full = allocated(image());
    EXPECT_GT(full, 48 * kMiB);
    fs::remove(mnt_ + "/big");
    ::sync();
    auto freed = vz::image::compact(priv_, mnt_);
    EXPECT_GT(freed, 40 * kMiB);
    EXPECT_LT(allocated(image()), full - 40 * kMiB);
    vz::image::umount(mnt_);
    EXPECT_EQ(sh("e2fsck -fn " + image() + " >/dev/null 2>&1"), 0);
}

TEST_F(ImageTest, BadImagesAreRefusedAndLeaveNothing) {
    auto expect_refused = [&](vz::Exit want, const std::string& name, const std::string& needle) {
        auto [code, msg] = failure([&] { vz::image::mount(priv_, mnt_, {}); });
        EXPECT_EQ(code, want) << name << ": " << msg;
        EXPECT_NE(msg.find(needle), std::string::npos) << name << ": " << msg;
        EXPECT_FALSE(is_mount_point(mnt_)) << name;
        EXPECT_EQ(loops_under(tmp_.path()), std::set<std::string>{}) << name;
    };
    expect_refused(vz::Exit::ImageNotFound, "no descriptor", "DiskDescriptor.xml");

    create(64);
    auto xml = vztest::read_text(vz::image::descriptor_path(priv_));
    vztest::write_text(vz::image::descriptor_path(priv_), xml.substr(0, xml.size() / 2));
    expect_refused(vz::Exit::MountImage, "malformed descriptor", "DiskDescriptor.xml");
    vztest::write_text(vz::image::descriptor_path(priv_), xml);

    fs::rename(image(), image() + ".away");
    expect_refused(vz::Exit::ImageNotFound, "no image file", image());

    // Not ext4: a file of zeros of the right size.
    ASSERT_EQ(sh("dd if=/dev/zero of=" + image() + " bs=1M count=64 status=none"), 0);
    expect_refused(vz::Exit::MountImage, "not ext4", image() + " holds no ext4 file system");

    // Truncated: the superblock says more blocks than the file holds.
    fs::rename(image() + ".away", image());
    fs::resize_file(image(), 16 * kMiB);
    expect_refused(vz::Exit::MountImage, "truncated", image() + " is truncated");

    // A file system e2fsck can't repair in -p: the superblock's magic kept, its block group descriptors smashed.
    fs::resize_file(image(), 64 * kMiB);
    ASSERT_EQ(sh("dd if=/dev/urandom of=" + image() + " bs=4096 seek=1 count=1 conv=notrunc status=none"), 0);
    expect_refused(vz::Exit::MountImage, "e2fsck", "e2fsck");
}

// e2fsck -p runs before the mount only when the superblock asks for it (not cleanly unmounted, errors, a check
// due): a clean image is mounted without it (its last-check time stays 0), one marked unclean is checked first.
TEST_F(ImageTest, FsckRunsWhenTheSuperblockAsksForIt) {
    create(64);
    auto last_check = [&] {
        auto out = tmp_ / "dumpe2fs.out";
        sh("dumpe2fs -h " + image() + " 2>/dev/null | grep '^Last checked:' > " + out);
        return vztest::read_text(out);
    };
    ASSERT_EQ(sh("debugfs -w -R 'ssv lastcheck 0' " + image() + " >/dev/null 2>&1"), 0);
    auto never = last_check();
    vz::image::mount(priv_, mnt_, {});
    vz::image::umount(mnt_);
    EXPECT_EQ(last_check(), never) << "a clean file system is mounted without e2fsck";

    ASSERT_EQ(sh("debugfs -w -R 'ssv state 0' " + image() + " >/dev/null 2>&1"), 0);
    vz::image::mount(priv_, mnt_, {});
    vz::image::umount(mnt_);
    EXPECT_NE(last_check(), never) << "an unclean one is checked first";
}

// Snapshots' primitives: a copy stays sparse and is a clean ext4 of what was written; a frozen file system makes
// writers wait until it thaws, and thaws when the process that froze it is killed; a read-only mount of a copy.
TEST_F(ImageTest, SnapshotCopiesFreezeAndReadOnlyMount) {
    create(64);
    vz::image::mount(priv_, mnt_, {});
    vztest::write_text(mnt_ + "/hello", "before\n");
    auto copy = priv_ + "/root.hdd/root.hdd.copy";
    std::optional<vz::image::FrozenFs> frozen;
    frozen.emplace(mnt_, vz::Exit::CreateSnapshot);
    // A writer waits while it is frozen.
    std::thread writer([&] { vztest::write_text(mnt_ + "/later", "after\n"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_FALSE(fs::exists(mnt_ + "/later")) << "a write went through a frozen file system";
    vz::image::copy_file(image(), copy, vz::Exit::CreateSnapshot);
    frozen.reset();  // thawed: the writer ends
    writer.join();
    EXPECT_EQ(vztest::read_text(mnt_ + "/later"), "after\n");
    EXPECT_LT(allocated(copy), 16 * kMiB) << "the copy of a sparse image is sparse";
    EXPECT_EQ(file_size(copy), 64 * kMiB);
    EXPECT_EQ(sh("e2fsck -fn " + copy + " >/dev/null 2>&1"), 0) << "the copy of a frozen file system is clean";
    auto [ecode, emsg] = failure([&] { vz::image::copy_file(image(), copy, vz::Exit::CreateSnapshot); });
    EXPECT_EQ(ecode, vz::Exit::CreateSnapshot) << "an existing copy is not overwritten: " << emsg;

    // kill -9 of the process holding a freeze: its helper thaws.
    pid_t pid = ::fork();
    if (pid == 0) {
        vz::image::FrozenFs held(mnt_, vz::Exit::CreateSnapshot);
        ::kill(::getpid(), SIGKILL);
        ::_exit(0);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    std::thread late_writer([&] { vztest::write_text(mnt_ + "/after-kill", "x\n"); });
    for (int i = 0; i < 100 && !fs::exists(mnt_ + "/after-kill"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    bool written = fs::exists(mnt_ + "/after-kill");
    if (!written) ::ioctl(::open(mnt_.c_str(), O_RDONLY | O_DIRECTORY), FITHAW, 0);  // not to hang the test
    late_writer.join();
    EXPECT_TRUE(written) << "the file system stayed frozen after the freezing process was killed";
    vz::image::umount(mnt_);

    // The copy mounts read-only and shows what was there when it was taken.
    vz::image::mount_read_only(copy, mnt_, vz::Exit::MountSnapshot);
    EXPECT_EQ(vztest::read_text(mnt_ + "/hello"), "before\n");
    EXPECT_FALSE(fs::exists(mnt_ + "/later"));
    EXPECT_NE(::access(mnt_.c_str(), W_OK), 0);
    auto dev = vz::image::device_of(copy);
    ASSERT_TRUE(dev);
    EXPECT_EQ(vztest::read_text("/sys/block/" + dev->substr(5) + "/ro"), "1\n");
    vz::image::umount(mnt_);
    EXPECT_FALSE(vz::image::device_of(copy));
}

TEST_F(ImageTest, FullFileSystemStaysConsistent) {
    create(64);
    vz::image::mount(priv_, mnt_, {});
    auto out = tmp_ / "dd.out";
    EXPECT_NE(sh("dd if=/dev/zero of=" + mnt_ + "/fill bs=1M status=none conv=fsync 2>" + out), 0);
    EXPECT_NE(vztest::read_text(out).find("No space left on device"), std::string::npos) << vztest::read_text(out);
    auto u = vz::image::usage(mnt_);
    ASSERT_TRUE(u);
    EXPECT_GT(u->used_kib, u->total_kib * 9 / 10);
    fs::remove(mnt_ + "/fill");
    vztest::write_text(mnt_ + "/after", "still writable\n");
    vz::image::umount(mnt_);
    EXPECT_EQ(loops_under(tmp_.path()), std::set<std::string>{});
    EXPECT_EQ(sh("e2fsck -fn " + image() + " >/dev/null 2>&1"), 0);
}

// The host's disk full, on a small file system of the test's own.
class ImageHostFull : public ImageTest {
protected:
    void check_full_host(const std::string& small) {
        // Creating a plain image bigger than the disk: NoDiskSpace, nothing left.
        auto big = small + "/big";
        fs::create_directories(big);
        auto [code, msg] = failure([&] { vz::image::create(big, {200 * 1024, 0, Mode::Plain}); });
        EXPECT_EQ(code, vz::Exit::NoDiskSpace) << msg;
        EXPECT_TRUE(fs::is_empty(big));

        auto priv = small + "/ct";
        fs::create_directories(priv);
        vz::image::create(priv, {48 * 1024, 0, Mode::Plain});
        auto file = priv + "/root.hdd/root.hdd";
        vz::image::mount(priv, mnt_, {});
        std::tie(code, msg) = failure([&] { vz::image::resize(priv, 160 * 1024, mnt_); });
        EXPECT_EQ(code, vz::Exit::NoDiskSpace) << msg;
        EXPECT_EQ(file_size(file), 48 * kMiB);
        EXPECT_EQ(vz::image::read_descriptor(priv).size_kib, 48U * 1024);
        auto u = vz::image::usage(mnt_);
        ASSERT_TRUE(u);
        EXPECT_LT(u->total_kib, 48U * 1024);
        vztest::write_text(mnt_ + "/after", "still writable\n");
        // Offline too.
        vz::image::umount(mnt_);
        std::tie(code, msg) = failure([&] { vz::image::resize(priv, 160 * 1024, ""); });
        EXPECT_EQ(code, vz::Exit::NoDiskSpace) << msg;
        EXPECT_EQ(file_size(file), 48 * kMiB);
        EXPECT_EQ(loops_under(small), std::set<std::string>{});
        EXPECT_EQ(sh("e2fsck -fn " + file + " >/dev/null 2>&1"), 0);
    }
};

// tmpfs: no direct I/O there, the loop device falls back to buffered I/O.
TEST_F(ImageHostFull, OnTmpfs) {
    auto small = tmp_ / "small";
    fs::create_directories(small);
    ASSERT_EQ(::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=100m"), 0);
    MountGuard small_guard(small);
    check_full_host(small);
}

// ext4 (an image of our own): a failed fallocate may have extended the file part of the way.
TEST_F(ImageHostFull, OnExt4) {
    auto host = tmp_ / "host";
    auto small = tmp_ / "small";
    fs::create_directories(host);
    fs::create_directories(small);
    vz::image::create(host, {100 * 1024, 0, Mode::Expanded});
    vz::image::mount(host, small, {});
    MountGuard small_guard(small);
    check_full_host(small);
    vz::image::umount(small);
}

}  // namespace
