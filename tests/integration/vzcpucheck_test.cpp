// vzcpucheck: the CPU units of the host and of the running containers (a stopped one counts nothing), against the
// CPU power of this host; the lines panels parse. Not in the v2 run (not named Runtime*): it reads which containers
// run as vzpid does, which that run covers, and each start there costs seconds under emulation.
#include <string>

#include "../support/runtime_fixture.hpp"
#include "util/strings.hpp"

namespace {

using namespace vztest;

// 25 units per BogoMIPS of this host's CPUs, truncated.
uint64_t node_power() {
    double sum = 0;
    for (auto& line : vz::split(read_text("/proc/cpuinfo"), "\n"))
        if (line.starts_with("bogomips") || line.starts_with("BogoMIPS"))
            sum += std::stod(line.substr(line.find(':') + 1));
    return static_cast<uint64_t>(sum * 25);
}

class Vzcpucheck : public RuntimeTest {
protected:
    Result vzcpucheck(const std::vector<std::string>& args) { return run(args, {}, 60s, VZCPUCHECK_BIN); }
};

TEST_F(Vzcpucheck, CountsTheHostAndTheRunningContainers) {
    auto power = node_power();
    ASSERT_GT(power, 0u) << "no BogoMIPS in /proc/cpuinfo";
    auto p = std::to_string(power);
    // The host: vz.conf's VE0CPUUNITS; CT 101 stopped counts nothing.
    replace_text(confdir_ + "/vz.conf", read_text(confdir_ + "/vz.conf") + "VE0CPUUNITS=\"700\"\n");
    auto r = vzcpucheck({"-v"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "VEID\t\tCPUUNITS\n-------------------------\n0\t\t700\nCurrent CPU utilization: 700\n"
                     "Power of the node: " + p + "\n");
    EXPECT_EQ(r.err, "");

    // Running, with more units than the host has power for: counted, and the original's warning.
    ASSERT_EQ(run({"set", ct(), "--cpuunits", "500000", "--save"}).status, 0);
    ASSERT_EQ(run({"set", "0", "--cpuunits", "800", "--save"}).status, 0) << "the host's own, over VE0CPUUNITS";
    ASSERT_TRUE(start_ct());
    r = vzcpucheck({"-v"});
    EXPECT_EQ(r.status, 0) << r.err;
    auto warning = 500800 > power ? "Warning: hardware node is overcommited\n" : "";
    EXPECT_EQ(r.out, "VEID\t\tCPUUNITS\n-------------------------\n0\t\t800\n101\t\t500000\n"
                     "Current CPU utilization: 500800\nPower of the node: " + p + "\n" + warning);
    r = vzcpucheck({});
    EXPECT_EQ(r.out, "Current CPU utilization: 500800\nPower of the node: " + p + "\n" + warning);

    r = vzcpucheck({"-x"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(r.err.starts_with("Error: Unrecognized option: -x\nUsage: vzcpucheck [-v]\n")) << r.err;
}

}  // namespace
