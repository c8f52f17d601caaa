// Several running busybox containers for the tests of live beancounter figures: RuntimeTest's CT 101 plus more
// created here, each stopped and destroyed in TearDown (also after a failure) before RuntimeTest's own clean-up,
// which then kills and removes whatever is left in this test's cgroups.
#pragma once

#include <unistd.h>

#include <string>
#include <vector>

#include "../support/runtime_fixture.hpp"

namespace vztest {

class LiveCtTest : public RuntimeTest {
protected:
    void TearDown() override {
        for (auto it = extra_.rbegin(); it != extra_.rend(); ++it) {
            run({"stop", *it, "--fast"}, {}, 60s);
            run({"destroy", *it}, {}, 60s);
        }
        extra_.clear();
        RuntimeTest::TearDown();
    }

    // `vzctl create ID` on the busybox template with `sample` (and `more` options); CT 101 (the fixture's) is
    // already there.
    ::testing::AssertionResult create_ct(unsigned id, const std::string& sample, std::vector<std::string> more = {}) {
        auto ctid = std::to_string(id);
        extra_.push_back(ctid);
        std::vector<std::string> args{"create", ctid, "--ostemplate", "busybox", "--config", sample};
        args.insert(args.end(), more.begin(), more.end());
        auto r = run(args);
        if (r.status != 0) return ::testing::AssertionFailure() << "create " << ctid << ": " << r.out << r.err;
        return ::testing::AssertionSuccess();
    }

    // `vzctl start ID`, then wait until busybox's rcS has finished in it.
    ::testing::AssertionResult start_id(unsigned id) {
        auto ctid = std::to_string(id);
        auto r = run({"start", ctid});
        if (r.status != 0) return ::testing::AssertionFailure() << "start " << ctid << ": " << r.out << r.err;
        if (eventually([&] { return run({"exec2", ctid, "test -e /run/vz-booted"}).status == 0; }, 30s))
            return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << "CT " << ctid << " did not finish booting";
    }

    // A command in CT `id` through its shell; it must succeed.
    ::testing::AssertionResult exec_in(unsigned id, const std::string& cmd) {
        auto r = run({"exec", std::to_string(id), cmd});
        if (r.status != 0) return ::testing::AssertionFailure() << "exec in " << id << " '" << cmd << "': " << r.err;
        return ::testing::AssertionSuccess();
    }

    Result vzubc(const std::vector<std::string>& args) { return run(args, {}, 60s, BUILD_DIR "/src/vzubc/vzubc"); }

    static uint64_t pages(uint64_t bytes) { return bytes / static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)); }

private:
    std::vector<std::string> extra_;
};

}  // namespace vztest
