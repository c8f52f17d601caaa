// The template cache: what `vzctl create` lists as available is what --ostemplate finds.
#include "fs/template.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "../support/temp_dir.hpp"

namespace {

TEST(Template, ListedNamesAreTheOnesFound) {
    vztest::TempDir tmp;
    auto cache = tmp / "cache";
    for (auto* f : {"busybox.tar.zst", "debian-12.tar.gz", ".hidden.tar.gz", "notes.txt"})
        vztest::write_text(cache + "/" + f, "");
    std::filesystem::create_directories(cache + "/dir.tar.xz");
    vztest::write_text(tmp / "outside.tar", "");
    std::filesystem::create_symlink("../outside.tar", cache + "/linked.tar");
    std::filesystem::create_symlink("nowhere.tar", cache + "/dangling.tar");

    auto listed = vz::list_templates(cache);
    EXPECT_EQ(listed, (std::vector<std::string>{"busybox", "debian-12", "linked"}));
    for (auto& name : listed) EXPECT_TRUE(vz::find_template(cache, name)) << name;
    for (auto* name : {".hidden", "dir", "dangling", "notes", "../cache/busybox"})
        EXPECT_FALSE(vz::find_template(cache, name)) << name;
    EXPECT_EQ(vz::find_template(cache, "busybox"), cache + "/busybox.tar.zst");
}

TEST(Template, ANameWithANulIsNoTemplate) {
    // The path the kernel sees ends at the NUL: "notes.txt\0" would find the file notes.txt, no tarball.
    vztest::TempDir tmp;
    vztest::write_text(tmp / "cache/notes.txt", "");
    vztest::write_text(tmp / "cache/busybox.tar.gz", "");
    EXPECT_FALSE(vz::find_template(tmp / "cache", std::string("notes.txt\0", 10)));
    EXPECT_FALSE(vz::find_template(tmp / "cache", std::string("busybox.tar.gz\0x", 16)));
}

}  // namespace
