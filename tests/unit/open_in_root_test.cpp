// open_in_root: a container tree's symlinks and ".." resolve inside the tree, never to the host's files.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "../support/temp_dir.hpp"
#include "util/file.hpp"

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

}  // namespace
