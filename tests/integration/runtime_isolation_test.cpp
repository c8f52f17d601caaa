// Root inside a container sees its own cgroup as the root of the hierarchy; the limits live one level up, so
// writing the limit files it sees can not lift them.
#include "../support/runtime_fixture.hpp"

namespace {

using namespace vztest;

TEST_F(RuntimeTest, LimitsCanNotBeRaisedFromInside) {
    ASSERT_TRUE(start_ct());
    ASSERT_EQ(run({"set", ct(), "--numproc", "30"}).status, 0);
    auto r = run({"exec2", ct(),
                  "mkdir -p /mnt/c && " + mount_own_pids_cgroup_command("/mnt/c") +
                      " && { echo max > /mnt/c/pids.max && echo written; cat /mnt/c/pids.max; }"});
    ASSERT_EQ(r.status, 0) << r.err;
    // The container changed the file it sees where the kernel lets it (v1; v2 without nsdelegate), and in any
    // case sees no limit there...
    EXPECT_EQ(trim(r.out), ct_may_write_its_root_limits() ? "written\nmax" : "max") << r.err;
    EXPECT_EQ(pids_max(), 30U);  // ...and the container's limit still holds
    run({"exec2", ct(), "i=0; while [ $i -lt 60 ]; do sleep 20 & i=$((i+1)); done 2>/dev/null; sleep 0.3"});
    EXPECT_LE(pids_current(), 30U);
}

}  // namespace
