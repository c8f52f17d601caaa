// open_in_root: a container tree's symlinks and ".." resolve inside the tree, never to the host's files. And
// make_dirs, the other path helper of util/file.
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <thread>

#include "../support/temp_dir.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/openat2.hpp"

namespace {

namespace fs = std::filesystem;
using vztest::read_text;
using vztest::write_text;

TEST(OpenInRoot, SymlinksAndDotDotStayInTheRoot) {
    vztest::TempDir tmp;
    auto victim = tmp / "victim";
    write_text(victim, "host file\n");
    auto root = tmp / "root";
    fs::create_directories(root + "/etc");
    fs::create_directories(root + "/up");
    fs::create_symlink(victim, root + "/etc/hostname");          // absolute, to a host path
    fs::create_directory_symlink("../../..", root + "/up/out");  // relative, climbing out
    write_text(root + victim, "ct file\n");                      // what the absolute link names inside
    const std::string paths[] = {"/etc/hostname", "up/out" + victim, "../../../../" + victim};
    for (auto& p : paths) {
        auto fd = vz::open_in_root(root, p, O_WRONLY | O_TRUNC);
        ASSERT_TRUE(fd) << p;
        ASSERT_EQ(::write(fd.get(), "x\n", 2), 2);
    }
    EXPECT_EQ(read_text(victim), "host file\n");
    EXPECT_EQ(read_text(root + victim), "x\n");
}

// Renames anywhere on the host (here a thread's, in CI the other tests' mounts) make a scoped lookup through ".."
// fail with EAGAIN; one such failure once refused a container's start ("can't open /etc/hosts ... Resource
// temporarily unavailable"). The raw call fails a few hundred times in this loop; the helper must not fail once.
TEST(OpenInRoot, ARenameRacingTheLookupIsRetried) {
    vztest::TempDir tmp;
    auto root = tmp / "root";
    fs::create_directories(root + "/a");
    write_text(root + "/b", "b\n");
    std::atomic<bool> stop{false};
    std::thread renamer([&] {
        auto from = tmp / "x", to = tmp / "y";
        while (!stop) {
            ::close(::open(from.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
            ::rename(from.c_str(), to.c_str());
        }
    });
    vz::Fd dir(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(dir);
    int failures = 0, last_errno = 0;
    for (int i = 0; i < 50000; ++i) {
        int fd = vz::openat2_retry(dir.get(), "a/../../../b", O_RDONLY, vz::kResolveInRoot);
        if (fd < 0) {
            ++failures;
            last_errno = errno;
        } else {
            ::close(fd);
        }
    }
    stop = true;
    renamer.join();
    EXPECT_EQ(failures, 0) << "last errno " << last_errno;
}

TEST(MakeDirs, MakesTheMissingLevelsKeepsWhatExistsAndNamesWhatIsInTheWay) {
    vztest::TempDir tmp;
    auto deep = tmp / "a/b/c";
    vz::make_dirs(deep, 0700);
    EXPECT_TRUE(fs::is_directory(deep));
    EXPECT_EQ(fs::status(tmp / "a").permissions(), fs::perms::owner_all);
    vz::make_dirs(deep);  // all there: nothing to do
    vz::make_dirs(tmp / "a/b/d/");
    EXPECT_TRUE(fs::is_directory(tmp / "a/b/d"));
    write_text(tmp / "a/file", "x\n");
    try {
        vz::make_dirs(tmp / "a/file");
        ADD_FAILURE() << "a file taken for a directory";
    } catch (const vz::Error& e) {
        EXPECT_NE(std::string(e.what()).find(tmp / "a/file"), std::string::npos) << e.what();
    }
    try {
        vz::make_dirs(tmp / "a/file/x");
        ADD_FAILURE() << "a directory made below a file";
    } catch (const vz::Error& e) {
        EXPECT_NE(std::string(e.what()).find(tmp / "a/file/x"), std::string::npos) << e.what();
    }
}

}  // namespace
