// The beancounter file system's pure parts: its tree (inode numbers, names, the files and where containers see
// them), where a configuration keeps it, the UBC_PROC switch, and the cgroup listing that decides when the daemon
// may stop.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>

#include "../support/temp_dir.hpp"
#include "cgroup/layout.hpp"
#include "config/conf_file.hpp"
#include "ct/ubcfs_daemon.hpp"

namespace {

using vz::UbcfsKind;
using vz::UbcfsNode;

vz::CtConfig config(const std::string& global, const std::string& ct) {
    return vz::CtConfig(101, std::make_shared<const vz::ConfFile>(vz::ConfFile::parse(global, "vz.conf")),
                        vz::ConfFile::parse(ct, "101.conf"));
}

TEST(Ubcfs, InodeNumbersRoundTripAndDoNotCollide) {
    EXPECT_EQ(vz::ubcfs_ino(UbcfsNode{}), 1u);  // FUSE's root
    auto files = static_cast<unsigned>(vz::ubcfs_files().size());
    for (unsigned ctid : {1u, 100u, 101u, 4242u, vz::kCtidMax}) {
        std::vector<UbcfsNode> nodes{{UbcfsKind::Dir, ctid}};
        for (unsigned f = 0; f < files; ++f) nodes.push_back({UbcfsKind::File, ctid, f});
        std::set<uint64_t> inos;
        for (auto& n : nodes) {
            EXPECT_EQ(vz::ubcfs_node(vz::ubcfs_ino(n)), n) << ctid << " " << n.file;
            inos.insert(vz::ubcfs_ino(n));
        }
        EXPECT_EQ(inos.size(), nodes.size());
        // The next container's numbers come after all of these.
        EXPECT_GT(vz::ubcfs_ino(UbcfsNode{UbcfsKind::Dir, ctid + 1}), *inos.rbegin());
    }
    EXPECT_EQ(vz::ubcfs_node(1), UbcfsNode{});
    // Nothing is numbered 0, and CT 0 (the host) has no node.
    for (uint64_t ino = 0; ino < vz::ubcfs_ino(UbcfsNode{UbcfsKind::Dir, 1}); ++ino)
        if (ino != 1) {
            EXPECT_FALSE(vz::ubcfs_node(ino)) << ino;
        }
    EXPECT_FALSE(vz::ubcfs_node(vz::ubcfs_ino(UbcfsNode{UbcfsKind::File, vz::kCtidMax, files - 1}) + 1));
}

TEST(Ubcfs, NamesAreCtidsThenTheFiles) {
    UbcfsNode root;
    EXPECT_EQ(vz::ubcfs_child(root, "101"), (UbcfsNode{UbcfsKind::Dir, 101}));
    for (auto* bad : {"0", "0101", "abc", "", "101x", "user_beancounters", "99999999999"})
        EXPECT_FALSE(vz::ubcfs_child(root, bad)) << bad;
    UbcfsNode dir{UbcfsKind::Dir, 101};
    EXPECT_EQ(vz::ubcfs_child(dir, "user_beancounters"), (UbcfsNode{UbcfsKind::File, 101, 0}));
    for (auto* bad : {"resources", "102", "cpuinfo", ""}) EXPECT_FALSE(vz::ubcfs_child(dir, bad)) << bad;
    EXPECT_FALSE(vz::ubcfs_child(UbcfsNode{UbcfsKind::File, 101}, "user_beancounters"));
    // Each file by its name, and where the container's init binds it with which mode.
    struct Want {
        const char *name, *ct_path;
        unsigned mode;
    };
    for (auto w : {Want{"user_beancounters", "/run/vz/user_beancounters", 0400}, Want{"meminfo", "/proc/meminfo", 0444},
                   Want{"swaps", "/proc/swaps", 0444}}) {
        auto n = vz::ubcfs_child(dir, w.name);
        ASSERT_TRUE(n) << w.name;
        auto& f = vz::ubcfs_files()[n->file];
        EXPECT_EQ(f.name, w.name);
        EXPECT_EQ(f.ct_path, w.ct_path);
        EXPECT_EQ(f.mode, w.mode) << w.name;
    }
}

TEST(Ubcfs, LivesUnderLockdir) {
    auto p = vz::ubcfs_paths(vz::ConfFile::parse("LOCKDIR=\"/tmp/x/lock\"\n", "vz.conf"));
    EXPECT_EQ(p.mount, "/tmp/x/lock/ubcfs");
    EXPECT_EQ(p.lock, "/tmp/x/lock/ubcfs.lck");
    EXPECT_EQ(p.pid, "/tmp/x/lock/ubcfs.pid");
    EXPECT_EQ(vz::ubcfs_paths(vz::ConfFile::parse("", "vz.conf")).mount, "/vz/lock/ubcfs");
}

TEST(Ubcfs, UbcProcIsOnUnlessSaidNo) {
    EXPECT_TRUE(vz::ubc_proc_wanted(config("", "")));
    EXPECT_TRUE(vz::ubc_proc_wanted(config("UBC_PROC=\"yes\"\n", "")));
    EXPECT_FALSE(vz::ubc_proc_wanted(config("UBC_PROC=\"no\"\n", "")));
    // The container's own config wins.
    EXPECT_TRUE(vz::ubc_proc_wanted(config("UBC_PROC=\"no\"\n", "UBC_PROC=\"yes\"\n")));
    EXPECT_FALSE(vz::ubc_proc_wanted(config("", "UBC_PROC=\"no\"\n")));
    // Off: no file, and no daemon tried (this one could not run: trying would warn).
    ::testing::internal::CaptureStderr();
    auto off = vz::ubcfs_begin(config("", "UBC_PROC=\"no\"\n"), "/nonexistent/vzubcfs");
    EXPECT_EQ(off.ct_dir(101), "");
    EXPECT_FALSE(off.spawned());
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

TEST(Ubcfs, ContainerCgroupsCountWhetherPopulatedOrNot) {
    vztest::TempDir tmp;
    vz::CgroupLayout layout;
    layout.root = tmp.path();
    layout.base = "vzbase";
    auto base = tmp.path() + "/pids/vzbase";
    EXPECT_TRUE(vz::ct_cgroup_ids(layout).empty()) << "no base directory yet";
    for (auto* d : {"102", "101", "ct", "0101"}) std::filesystem::create_directories(base + "/" + d);
    std::ofstream(base + "/103") << "";  // a file, not a cgroup
    EXPECT_EQ(vz::ct_cgroup_ids(layout), (std::vector<unsigned>{101, 102}));
    // Neither has a process (no cgroup.procs here): none runs.
    EXPECT_TRUE(vz::running_ct_ids(layout).empty());
    std::ofstream(base + "/102/cgroup.procs") << "4242\n";
    EXPECT_EQ(vz::running_ct_ids(layout), (std::vector<unsigned>{102}));
}

}  // namespace
