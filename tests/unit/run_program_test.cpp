// run_program (src/lib/util/process.cpp): a host program's status and output, and the tick that a progress line
// (util/progress) is redrawn from while the program runs; spawn_sharing_memory, which makes the monitor's process.
#include "util/process.hpp"

#include <sys/wait.h>
#include <unistd.h>

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

// The child runs in our memory (what it writes there, we read) and the call returns only once it has exec'd: the
// pid it wrote before its exec is there. A fork would leave our copy untouched; a call that did not wait would
// return during the child's pause, before the write.
TEST(SpawnSharingMemory, RunsInOurMemoryAndReturnsAtItsExec) {
#ifdef __SANITIZE_ADDRESS__
    GTEST_SKIP() << "under AddressSanitizer the child is a copy (fork), by design";
#else
    volatile pid_t seen = 0;
    pid_t pid = vz::spawn_sharing_memory(
        [](void* arg) -> int {
            ::usleep(100 * 1000);
            *static_cast<volatile pid_t*>(arg) = ::getpid();
            char* const argv[] = {const_cast<char*>("true"), nullptr};
            ::execv("/bin/true", argv);
            ::_exit(127);
        },
        const_cast<pid_t*>(&seen));
    EXPECT_EQ(seen, pid);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child did not exec /bin/true: " << status;
#endif
}

}  // namespace
