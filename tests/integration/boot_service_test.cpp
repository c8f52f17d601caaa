// vz-service (the program systemd's vz.service runs at boot and shutdown) on real busybox containers: which
// containers it starts and in which order, that a failing one stops none of the others and is reported, that it
// runs no more than VE_PARALLEL vzctl at once, and that its stop stops them all in reverse order and records them
// for the containers with ONBOOT unset. Order and concurrency are read from a log that a wrapper around the real
// vzctl (vz-service --vzctl) writes as each start or stop begins and ends: no timing is asserted.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "live_ct_fixture.hpp"

namespace vztest {
namespace {

struct Ct {
    unsigned id;
    std::vector<std::string> set;  // what `vzctl set ID ... --save` gives it
};
// 101 is RuntimeTest's own. 105's private area is removed: its start fails. 106 has ONBOOT unset.
const std::vector<Ct> kCts = {
    {101, {"--onboot", "yes", "--bootorder", "10"}}, {102, {"--onboot", "yes", "--bootorder", "30"}},
    {103, {"--onboot", "yes"}},                      {104, {"--onboot", "no", "--bootorder", "50"}},
    {105, {"--onboot", "yes", "--bootorder", "20"}}, {106, {}},
};
constexpr unsigned kBroken = 105, kUnset = 106;

class BootService : public LiveCtTest {
protected:
    void SetUp() override {
        LiveCtTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        for (auto& c : kCts) {
            auto made = c.id == kCt ? ::testing::AssertionSuccess() : create_ct(c.id, "vswap-256m");
            ASSERT_TRUE(made);
            if (c.set.empty()) continue;
            std::vector<std::string> args{"set", std::to_string(c.id)};
            args.insert(args.end(), c.set.begin(), c.set.end());
            args.push_back("--save");
            auto r = run(args);
            ASSERT_EQ(r.status, 0) << r.out << r.err;
        }
        std::filesystem::remove_all(tmp_ / ("private/" + std::to_string(kBroken)));
    }

    // vz.conf's VE_PARALLEL, and the wrapper around vzctl that logs "begin ID" and "end ID" around each start or
    // stop. With `rendezvous`, a start waits (up to 60 s) until a second one has begun: with VE_PARALLEL=2 it has at
    // once, with 1 never, so the concurrency seen does not depend on how fast anything runs.
    void prepare(unsigned parallel, bool rendezvous) {
        std::ofstream(confdir_ + "/vz.conf", std::ios::app) << "VE_PARALLEL=\"" << parallel << "\"\n";
        std::string wait = rendezvous ? "[ \"$1\" = start ] && for i in $(seq 600); do\n"
                                        "    [ $(grep -c ^begin \"$log\") -ge 2 ] && break; sleep 0.1; done\n"
                                      : "";
        write_text(wrapper(), "#!/bin/sh\nlog='" + log() + "'\necho \"begin $2\" >>\"$log\"\n" + wait +
                                  "'" VZCTL_BIN "' \"$@\"\nrc=$?\necho \"end $2\" >>\"$log\"\nexit $rc\n");
        ::chmod(wrapper().c_str(), 0755);
    }
    std::string wrapper() const { return tmp_ / "vzctl-wrapper"; }
    std::string log() const { return tmp_ / "vzctl-calls.log"; }

    Result service(const std::string& cmd) {
        std::filesystem::remove(log());
        return run({"--vzctl", wrapper(), cmd}, {}, 300s, VZ_SERVICE_BIN);
    }

    // The CTIDs in the order their vzctl began, and the most that ran at once.
    std::vector<unsigned> begun() {
        std::vector<unsigned> out;
        for (auto& l : lines(try_read(log()).value_or("")))
            if (l.rfind("begin ", 0) == 0) out.push_back(static_cast<unsigned>(std::stoul(l.substr(6))));
        return out;
    }
    int most_at_once() {
        int now = 0, most = 0;
        for (auto& l : lines(try_read(log()).value_or(""))) {
            now += l.rfind("begin ", 0) == 0 ? 1 : -1;
            most = std::max(most, now);
        }
        return most;
    }

    // The init script's boot order: `vzlist -aH -octid -s-bootorder`, without the containers in `skip`.
    std::vector<unsigned> vzlist_boot_order(const std::vector<unsigned>& skip) {
        auto r = vzlist_run({"-aH", "-octid", "-s-bootorder"});
        EXPECT_EQ(r.status, 0) << r.err;
        std::vector<unsigned> out;
        for (auto& l : lines(r.out)) {
            auto id = static_cast<unsigned>(std::stoul(trim(l)));
            if (std::find(skip.begin(), skip.end(), id) == skip.end()) out.push_back(id);
        }
        return out;
    }

    bool running(unsigned id) { return contains(run({"status", std::to_string(id)}).out, " running"); }

    static bool contains(const std::string& text, const std::string& part) {
        return text.find(part) != std::string::npos;
    }
};

TEST_F(BootService, StartsInBootOrderOneAtATimeAndStopsInReverse) {
    prepare(1, false);
    auto r = service("start");
    // The broken container makes the exit status 1 and is named; the others start all the same.
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "CT 105: failed to start (exit code 43)")) << r.out;
    EXPECT_TRUE(contains(r.out, "CT 104: skipped (ONBOOT=no)")) << r.out;
    EXPECT_TRUE(contains(r.out, "CT 106: skipped (ONBOOT unset")) << r.out;
    EXPECT_TRUE(contains(r.out, "Containers: 3 started, 1 failed, 2 skipped")) << r.out;
    for (unsigned id : {101U, 102U, 103U})
        EXPECT_TRUE(contains(r.out, "CT " + std::to_string(id) + ": started")) << r.out;
    EXPECT_EQ(begun(), (std::vector<unsigned>{102, 105, 101, 103})) << r.out;
    // The same order as the init script's listing (which leaves out 105: no private area, no longer listed).
    auto listed = begun();
    std::erase(listed, kBroken);
    EXPECT_EQ(listed, vzlist_boot_order({104, kUnset}));
    EXPECT_EQ(most_at_once(), 1);
    for (unsigned id : {101U, 102U, 103U}) EXPECT_TRUE(running(id)) << id;
    for (unsigned id : {104U, kBroken, kUnset}) EXPECT_FALSE(running(id)) << id;

    // A container with ONBOOT unset that runs when the host goes down starts at the next boot.
    ASSERT_EQ(run({"start", std::to_string(kUnset)}).status, 0);
    r = service("stop");
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "Containers: 4 stopped, 0 failed")) << r.out;
    EXPECT_EQ(begun(), (std::vector<unsigned>{106, 103, 101, 102})) << r.out;
    EXPECT_EQ(most_at_once(), 1);
    for (auto& c : kCts) EXPECT_FALSE(running(c.id)) << c.id;

    r = service("start");
    EXPECT_EQ(begun(), (std::vector<unsigned>{102, 105, 101, 103, 106})) << r.out;
    EXPECT_TRUE(running(kUnset)) << r.out;
    // The record served that boot: a stop that is not made by the service leaves the next boot without it.
    r = run({"stop", std::to_string(kUnset)});
    r = service("start");
    EXPECT_TRUE(contains(r.out, "CT 106: skipped (ONBOOT unset")) << r.out;
    EXPECT_TRUE(contains(r.out, "CT 101: skipped (already running)")) << r.out;
}

TEST_F(BootService, RunsVeParallelAtOnce) {
    prepare(2, true);
    auto r = service("start");
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_EQ(most_at_once(), 2) << try_read(log()).value_or("");
    // Two begin at once, so their log lines may come in either order: StartsInBootOrderOneAtATime checks the order.
    auto all = begun();
    std::sort(all.begin(), all.end());
    EXPECT_EQ(all, (std::vector<unsigned>{101, 102, 103, 105}));
    for (unsigned id : {101U, 102U, 103U}) EXPECT_TRUE(running(id)) << id;
    r = service("stop");
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_LE(most_at_once(), 2);
    for (auto& c : kCts) EXPECT_FALSE(running(c.id)) << c.id;
}

// VE_STOP_MODE=suspend: the running containers are checkpointed at shutdown, one that can't be (a process in it
// holds a file of the host's: the test's output) is stopped instead, and the next boot resumes the suspended ones.
TEST_F(BootService, SuspendModeCheckpointsAndTheNextBootResumes) {
    prepare(2, false);
    std::ofstream(confdir_ + "/vz.conf", std::ios::app) << "VE_STOP_MODE=\"suspend\"\n";
    auto r = service("start");
    for (unsigned id : {101U, 102U, 103U}) ASSERT_TRUE(running(id)) << id << r.out;
    ASSERT_EQ(run({"exec2", "103", "setsid sleep 1000 < /dev/null 2>/dev/null &"}).status, 0);
    r = service("stop");
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "Suspending containers")) << r.out;
    EXPECT_TRUE(contains(r.out, "Containers: 3 suspended or stopped, 0 failed")) << r.out;
    for (unsigned id : {101U, 102U})
        EXPECT_TRUE(contains(run({"status", std::to_string(id)}).out, "down suspended")) << id;
    EXPECT_EQ(trim(run({"status", "103"}).out), "CTID 103 exist unmounted down");
    r = service("start");
    for (unsigned id : {101U, 102U, 103U}) EXPECT_TRUE(running(id)) << id << r.out;
    EXPECT_FALSE(std::filesystem::exists(tmp_ / "dump/Dump.101"));
}

TEST_F(BootService, RefusesABadVeParallel) {
    std::ofstream(confdir_ + "/vz.conf", std::ios::app) << "VE_PARALLEL=\"many\"\n";
    auto r = run({"start"}, {}, 60s, VZ_SERVICE_BIN);
    EXPECT_EQ(r.status, 21);
    EXPECT_TRUE(contains(r.err, "bad VE_PARALLEL value 'many'")) << r.err;
    EXPECT_FALSE(running(kCt));
}

}  // namespace
}  // namespace vztest
