// The cgroup v2 device program must pass the kernel's verifier: the host's kernel checks it even though its own
// cgroups are v1, and the v2 registration (v2.DeviceProgram.*) checks it with the VM's kernel, where the runtime
// tests (RuntimeInside.DeviceCgroupKeepsHostBlockDevicesOut) also attach it for real.
#include <gtest/gtest.h>

#include "cgroup/driver.hpp"
#include "util/error.hpp"

namespace {

TEST(DeviceProgram, BaseRulesAndEveryRuleShapeLoad) {
    std::vector<vz::DeviceRule> rules = vz::base_devices();
    rules.push_back({'b', 8, -1, "r"});
    rules.push_back({'c', 10, 200, "rw"});
    rules.push_back({'a', -1, -1, "w"});
    rules.push_back({'c', 4, 1, ""});  // "none": no allow rule
    try {
        auto fd = vz::load_device_program(rules);
        EXPECT_TRUE(static_cast<bool>(fd));
    } catch (const vz::Error& e) {
        FAIL() << e.what();
    }
}

}  // namespace
