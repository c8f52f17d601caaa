// run_program (src/lib/util/process.cpp): a host program's status and output, and the tick that a progress line
// (util/progress) is redrawn from while the program runs.
#include "util/process.hpp"

#include <gtest/gtest.h>

namespace {

TEST(RunProgram, StatusAndOutputTogether) {
    auto r = vz::run_program({"sh", "-c", "echo out; echo err >&2; exit 3"});
    EXPECT_EQ(r.status, 3);
    EXPECT_EQ(r.output, "out\nerr\n");
    EXPECT_EQ(vz::run_program({"no-such-program-of-vztest"}).status, 127);
}

// The tick comes while the program is quiet (half a second, a tick each 50 ms: at least one however loaded the
// machine), and the output is the same as without one.
TEST(RunProgram, TicksWhileItRuns) {
    int ticks = 0;
    auto r = vz::run_program({"sh", "-c", "echo first; sleep 0.5; echo last"}, [&] { ++ticks; },
                             std::chrono::milliseconds(50));
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.output, "first\nlast\n");
    EXPECT_GE(ticks, 1);
}

}  // namespace
