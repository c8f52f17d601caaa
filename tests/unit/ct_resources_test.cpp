// A container's limits as the cgroup drivers take them (ct/resources.hpp): the CPU weight from CPUUNITS or the raw
// CPUUWEIGHT, the CPUs of CPUMASK="auto" from NODEMASK's nodes.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "config/conf_file.hpp"
#include "ct/resources.hpp"
#include "util/file.hpp"

namespace {

vz::Resources resources(const std::string& ct) {
    return vz::resources_from_config(vz::CtConfig(
        101, std::make_shared<const vz::ConfFile>(vz::ConfFile::parse("", "vz.conf")), vz::ConfFile::parse(ct, "101.conf")));
}

TEST(CtResources, CpuweightIsTheRawWeightUnlessCpuunitsIsSet) {
    EXPECT_EQ(resources("").cpuunits, 1000U);
    EXPECT_EQ(resources("CPUUWEIGHT=\"200\"\n").cpuunits, 2500U);  // OpenVZ: units = 500000 / weight
    EXPECT_EQ(resources("CPUUWEIGHT=\"200\"\nCPUUNITS=\"3000\"\n").cpuunits, 3000U);
}

TEST(CtResources, CpumaskAutoIsTheCpusOfTheNodemask) {
    auto node0 = vz::read_file("/sys/devices/system/node/node0/cpulist");
    if (!node0) GTEST_SKIP() << "no NUMA node 0 in sysfs";
    while (!node0->empty() && node0->back() == '\n') node0->pop_back();
    auto r = resources("CPUMASK=\"auto\"\nNODEMASK=\"0\"\n");
    EXPECT_EQ(r.cpuset_cpus, *node0);
    EXPECT_EQ(r.cpuset_mems, "0");
    EXPECT_EQ(resources("CPUMASK=\"1\"\nNODEMASK=\"0\"\n").cpuset_cpus, "1");
    EXPECT_EQ(resources("CPUMASK=\"all\"\n").cpuset_cpus, std::nullopt);
}

}  // namespace
