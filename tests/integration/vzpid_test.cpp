// vzpid: the container of host processes (its cgroup), their pids inside (-p), PIDs from stdin (-), and what it says
// of a host process and of a PID that is no process. In the v2 run too (suite Runtime*).
#include <unistd.h>

#include <string>

#include "../support/runtime_fixture.hpp"

namespace {

using namespace vztest;

class RuntimeVzpid : public RuntimeTest {
protected:
    void SetUp() override {
        RuntimeTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        ASSERT_TRUE(start_ct());
    }
    Result vzpid(const std::vector<std::string>& args, const std::string& input = {}) {
        return run(args, input, 60s, VZPID_BIN);
    }
};

TEST_F(RuntimeVzpid, NamesEachProcessesContainerItsPidInsideAndWhatIsNoProcess) {
    auto init = init_pid();
    ASSERT_TRUE(init);
    // A second process inside, whose pid there the shell says.
    auto r = run({"exec", ct(), "sleep 600 >/dev/null 2>&1 & echo $!"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto inside = trim(r.out);
    pid_t sleeper = 0;
    ASSERT_TRUE(eventually([&] {
        for (pid_t p : ct_procs())
            if (comm_of(p) == "sleep") sleeper = p;
        return sleeper != 0;
    }, 10s));
    auto self = std::to_string(::getpid());
    auto i = std::to_string(*init), s = std::to_string(sleeper);

    r = vzpid({i, s, self});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "Pid\tCTID\tName\n" + i + "\t101\tinit\n" + s + "\t101\tsleep\n" + self + "\t0\t" +
                         comm_of(::getpid()) + "\n");
    EXPECT_EQ(r.err, "");

    r = vzpid({"-p", i, s, self});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "Pid\tCTID\tVPid\tName\n" + i + "\t101\t1\tinit\n" + s + "\t101\t" + inside + "\tsleep\n" +
                         self + "\t0\t" + self + "\t" + comm_of(::getpid()) + "\n");

    // `-`: the PIDs from stdin, as `pgrep sleep | vzpid -` gives them.
    r = vzpid({"-"}, s + "\n" + i + "\n");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "Pid\tCTID\tName\n" + s + "\t101\tsleep\n" + i + "\t101\tinit\n");

    // A PID that is no process, and a word that is no PID: named, the others still listed, exit 1. (One test: each
    // start costs seconds in the v2 VM run.)
    r = vzpid({"2147483647", i, "12x"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out, "Pid\tCTID\tName\n" + i + "\t101\tinit\n");
    EXPECT_EQ(r.err, "Error: no process 2147483647\nError: not a PID: '12x'\n");
    r = vzpid({});
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(r.err.starts_with("Error: no PID given\nUsage: vzpid")) << r.err;
}

}  // namespace
