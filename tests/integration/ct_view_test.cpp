// What a container sees of its resources in /proc with LXCFS on the host (vz.conf LXCFS="auto"): --cpus shows in
// /proc/cpuinfo and nproc. (/proc/meminfo and /proc/swaps are vzubcfs's: ct_meminfo_test.cpp.)
#include <sys/statfs.h>

#include "../support/runtime_fixture.hpp"

namespace {

using namespace vztest;

class CtView : public RuntimeTest {
protected:
    void SetUp() override {
        struct statfs fs {};
        if (::statfs("/var/lib/lxcfs/proc", &fs) != 0 || fs.f_type != 0x65735546)
            GTEST_SKIP() << "LXCFS is not running at /var/lib/lxcfs (scripts/setup starts it)";
        RuntimeTest::SetUp();
    }
};

TEST_F(CtView, CpusShowInCpuinfoAndNproc) {
    auto r = run({"set", ct(), "--cpus", "1", "--save"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    ASSERT_TRUE(start_ct());
    auto cpuinfo = sh("grep -c ^processor /proc/cpuinfo");
    EXPECT_EQ(trim(cpuinfo.out), "1") << cpuinfo.err;
    auto nproc = sh("nproc");
    EXPECT_EQ(trim(nproc.out), "1") << nproc.err;
}

}  // namespace
