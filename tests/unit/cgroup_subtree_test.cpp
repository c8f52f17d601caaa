// The record of which controllers a container's cgroups enable below themselves, and writing it back
// (cgroup/driver.hpp, cgroup_io: what resume's CRIU action script does on cgroup v2). Here on a directory tree shaped like a
// cgroup2 tree; on a real one by v2.DebianBoot.*SuspendAndResumeKeepSystemdRunning in the VM.
#include <filesystem>

#include <gtest/gtest.h>

#include "../support/temp_dir.hpp"
#include "cgroup/driver.hpp"
#include "util/error.hpp"

namespace {

namespace fs = std::filesystem;
using vztest::read_text;
using vztest::TempDir;

void cgroup(const TempDir& t, const std::string& rel, const std::string& subtree) {
    fs::create_directories(t / rel);
    vztest::write_text(t / (rel + "/cgroup.subtree_control"), subtree);
}

TEST(CgroupSubtree, RecordsParentsFirstAndStopsWhereNothingIsEnabled) {
    TempDir t;
    cgroup(t, ".", "memory pids\n");
    cgroup(t, "system.slice", "memory\n");
    cgroup(t, "system.slice/cron.service", "");
    cgroup(t, "init.scope", "");
    cgroup(t, "init.scope/below", "pids\n");  // below a cgroup that enables nothing: not looked at
    cgroup(t, "a b", "pids\n");                // a name the records can't hold: left out
    EXPECT_EQ(vz::cgroup_io::subtree_controls(t.path()), ". +memory +pids\nsystem.slice +memory\n");
}

TEST(CgroupSubtree, NothingEnabledIsNoRecord) {
    TempDir t;
    cgroup(t, ".", "\n");
    EXPECT_EQ(vz::cgroup_io::subtree_controls(t.path()), "");
    EXPECT_EQ(vz::cgroup_io::subtree_controls(t / "missing"), "");
}

TEST(CgroupSubtree, WritesEachRecordIntoItsCgroup) {
    TempDir t;
    cgroup(t, ".", "");
    cgroup(t, "system.slice", "");
    vz::cgroup_io::enable_subtree_controls(t.path(), ". +memory +pids\nsystem.slice +memory\n");
    EXPECT_EQ(read_text(t / "cgroup.subtree_control"), "+memory +pids");
    EXPECT_EQ(read_text(t / "system.slice/cgroup.subtree_control"), "+memory");
}

TEST(CgroupSubtree, RefusesRecordsOutsideTheTreeAndNamesTheFailure) {
    TempDir t;
    cgroup(t, ".", "");
    for (auto bad : {"../x +memory\n", "/etc +memory\n", "a/../../x +pids\n", "nocontrollers\n", " +memory\n"})
        EXPECT_THROW(vz::cgroup_io::enable_subtree_controls(t.path(), bad), vz::Error) << bad;
    try {
        vz::cgroup_io::enable_subtree_controls(t.path(), "gone +memory\n");
        FAIL() << "no error for a missing cgroup";
    } catch (const vz::Error& e) {
        EXPECT_NE(std::string(e.what()).find(t / "gone/cgroup.subtree_control"), std::string::npos) << e.what();
    }
}

}  // namespace
