// A file system in a file, for tests: a sparse image of N MiB in a temporary directory, made with mkfs.<type> (and
// extra mkfs arguments), on a loop device of the test's own (tests/support/loop_device.hpp), mounted at a directory
// next to it with the given options. The destructor undoes it all in reverse order: unmount, detach, remove.
// Shared by the disk tests (quota, images): each makes the file systems it needs (btrfs, ext4 with project quota,
// XFS) without touching any of the host's. Needs root.
#pragma once

#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "loop_device.hpp"
#include "shell.hpp"
#include "temp_dir.hpp"

namespace vztest {

class TestFs {
public:
    // mkfs.<type> [mkfs_args] <loop device>, then mount -t <type> -o <options> (none when empty).
    TestFs(const std::string& type, unsigned mib, const std::string& mkfs_args = "", const std::string& options = "")
        : mnt_(dir_ / "mnt") {
        std::string image = dir_ / "image";
        {
            std::ofstream(image).close();
            std::filesystem::resize_file(image, static_cast<std::uintmax_t>(mib) << 20);
        }
        loop_ = std::make_unique<LoopDevice>(image);
        if (loop_->path().empty()) {
            error_ = "no loop device: " + loop_->error();
            return;
        }
        auto mk = shell("mkfs." + type + " " + mkfs_args + " " + loop_->path());
        if (mk.status != 0) {
            error_ = "mkfs." + type + " " + mkfs_args + " failed: " + mk.out;
            return;
        }
        std::filesystem::create_directories(mnt_);
        const char* data = options.empty() ? nullptr : options.c_str();
        if (::mount(loop_->path().c_str(), mnt_.c_str(), type.c_str(), 0, data) != 0) {
            error_ = "mount -t " + type + (options.empty() ? "" : " -o " + options) + " " + loop_->path() + ": " +
                     std::strerror(errno);
            return;
        }
        mounted_ = true;
    }
    TestFs(const TestFs&) = delete;
    TestFs& operator=(const TestFs&) = delete;
    ~TestFs() {
        // A lazy unmount only when something still holds it; the loop device's autoclear frees it after that.
        if (mounted_ && ::umount2(mnt_.c_str(), 0) != 0) ::umount2(mnt_.c_str(), MNT_DETACH);
        loop_.reset();
    }

    // "" when it is mounted, else what failed.
    const std::string& error() const { return error_; }
    bool ok() const { return mounted_; }
    // The mount point.
    const std::string& path() const { return mnt_; }
    std::string operator/(const std::string& leaf) const { return mnt_ + "/" + leaf; }
    std::string device() const { return loop_ ? loop_->path() : std::string(); }

private:
    TempDir dir_;  // first made, last removed
    std::string mnt_;
    std::unique_ptr<LoopDevice> loop_;
    bool mounted_ = false;
    std::string error_;
};

}  // namespace vztest
