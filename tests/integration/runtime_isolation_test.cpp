// Root inside a container sees its own cgroup as the root of the hierarchy; the limits live one level up, so
// writing the limit files it sees can not lift them.
#include "../support/runtime_fixture.hpp"

namespace {

using namespace vztest;

TEST_F(RuntimeTest, LimitsCanNotBeRaisedFromInside) {
    ASSERT_TRUE(start_ct());
    ASSERT_EQ(run({"set", ct(), "--numproc", "30"}).status, 0);
    auto r = run({"exec2", ct(),
                  "mkdir -p /mnt/c && mount -t cgroup -o pids none /mnt/c && echo max > /mnt/c/pids.max && "
                  "cat /mnt/c/pids.max"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(trim(r.out), "max");  // the container did change the file it sees...
    EXPECT_EQ(trim(cg_read("pids", "pids.max")), "30");  // ...and the container's limit still holds
    run({"exec2", ct(), "i=0; while [ $i -lt 60 ]; do sleep 20 & i=$((i+1)); done 2>/dev/null; sleep 0.3"});
    EXPECT_LE(std::stoull(trim(cg_read("pids", "pids.current"))), 30u);
}

}  // namespace
