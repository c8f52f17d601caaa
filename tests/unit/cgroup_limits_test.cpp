// How each cgroup version spells the limits (cgroup/apply.hpp): the v2 spellings are otherwise checked only in the VM.
#include "cgroup/apply.hpp"

#include <gtest/gtest.h>

#include "../support/temp_dir.hpp"
#include "config/res_groups.hpp"

namespace {

using vz::cpu_quota_us;
using vz::FileWrites;
using vz::v1_limit_files;
using vz::v2_limit_files;

TEST(CgroupLimits, QuotaIsPercentOfOnePeriod) {
    EXPECT_EQ(cpu_quota_us(std::nullopt, 100000), std::nullopt);
    EXPECT_EQ(cpu_quota_us(50, 100000), 50000u);
    EXPECT_EQ(cpu_quota_us(250, 100000), 250000u);
    EXPECT_EQ(cpu_quota_us(33, 12345), 33u * 12345 / 100);
    // The product is not formed first: a huge percentage of a 100 ms period must not wrap around.
    EXPECT_EQ(cpu_quota_us(UINT64_MAX / 1000, 100000), UINT64_MAX / 1000 * 1000);
}

TEST(CgroupLimits, QuotaSpelling) {
    auto& v1 = v1_limit_files();
    auto& v2 = v2_limit_files();
    EXPECT_EQ(v1.quota_text(50000, 100000), "50000");
    EXPECT_EQ(v1.quota_text(std::nullopt, 100000), "-1");
    EXPECT_EQ(v2.quota_text(50000, 100000), "50000 100000");
    EXPECT_EQ(v2.quota_text(std::nullopt, 100000), "max 100000");
}

TEST(CgroupLimits, CpuunitsOntoSharesAndWeight) {
    EXPECT_EQ(v1_limit_files().weight(1000), 1024u);
    EXPECT_EQ(v2_limit_files().weight(1000), 100u);
    EXPECT_EQ(v1_limit_files().weight(1), 2u);
    EXPECT_EQ(v2_limit_files().weight(1), 1u);
}

TEST(CgroupLimits, IoprioOntoWeight) {
    EXPECT_EQ(vz::ioprio_weight(0), 100u);
    EXPECT_EQ(vz::ioprio_weight(4), 614u);
    EXPECT_EQ(vz::ioprio_weight(7), 1000u);
}

TEST(CgroupLimits, ThrottleSpelling) {
    EXPECT_EQ(v1_limit_files().throttle("8:0", 1048576, 0),
              (FileWrites{{"blkio.throttle.read_bps_device", "8:0 1048576"},
                          {"blkio.throttle.write_bps_device", "8:0 1048576"},
                          {"blkio.throttle.read_iops_device", "8:0 0"},
                          {"blkio.throttle.write_iops_device", "8:0 0"}}));
    EXPECT_EQ(v2_limit_files().throttle("8:0", 1048576, 0),
              (FileWrites{{"io.max", "8:0 rbps=1048576 wbps=1048576 riops=max wiops=max"}}));
    EXPECT_EQ(v2_limit_files().throttle("253:1", 0, 300),
              (FileWrites{{"io.max", "253:1 rbps=max wbps=max riops=300 wiops=300"}}));
}

// A change back to the default ioprio 4 reaches the weight file, which also takes the default's weight (the weight of
// the previous value once stayed until the next start). On files in a directory: this machine has no BFQ.
TEST(CgroupLimits, IoprioBackToTheDefaultIsWritten) {
    vztest::TempDir t;
    vz::CgroupLayout layout{vz::CgroupMode::V1, t.path(), "vz"};
    auto weight_file = layout.ct_dir("blkio", 101) + "/blkio.bfq.weight";
    vz::Resources r;
    for (auto [ioprio, weight] : {std::pair{0u, "100"}, std::pair{4u, "614"}, std::pair{7u, "1000"}, std::pair{4u, "614"}}) {
        vztest::write_text(weight_file, "");  // a regular file keeps what a shorter write leaves; a cgroup file doesn't
        r.ioprio = ioprio;
        EXPECT_EQ(apply_limits(v1_limit_files(), layout, 101, r, vz::kResIo, t / "no-such-private"),
                  std::vector<std::string>{});
        EXPECT_EQ(vztest::read_text(weight_file), weight) << "ioprio " << ioprio;
    }
}

}  // namespace
