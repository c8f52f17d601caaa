// The barrier:limit of beancounters (ubc/limits.hpp): the config's value, else what VSwap derives (reference 2.6,
// the code's rules, not the manual's), else unset; the limits the kernel enforces in place of configured ones.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "config/conf_file.hpp"
#include "ubc/limits.hpp"
#include "config/beancounters.hpp"

namespace {

using vz::kUnlimited;
using vz::UbcPair;
using Pair = std::optional<UbcPair>;

const uint64_t kPage = vz::page_size();
const uint64_t kRam = (256ULL << 20) / kPage;   // 0:256M
const uint64_t kSwap = (512ULL << 20) / kPage;  // 0:512M
constexpr const char* kVswap = "PHYSPAGES=\"0:256M\"\nSWAPPAGES=\"0:512M\"\n";

size_t index_of(std::string_view name) {
    auto i = vz::ubc_index(name);
    if (!i) ADD_FAILURE() << "no resource " << name;
    return i.value_or(0);
}

vz::CtConfig config(const std::string& ct, const std::string& global = "") {
    return vz::CtConfig(101, std::make_shared<const vz::ConfFile>(vz::ConfFile::parse(global, "vz.conf")),
                        vz::ConfFile::parse(ct, "101.conf"));
}

std::string show(const Pair& p) {
    return p ? std::to_string(p->barrier) + ":" + std::to_string(p->limit) : "unset";
}

struct Case {
    const char* what;
    std::string conf;
    const char* resource;
    Pair expected;
};

TEST(UbcLimits, ConfiguredElseDerivedElseUnset) {
    const uint64_t both = kRam + kSwap;
    const Case cases[] = {
        // VSwap derives the four resources a config leaves unset.
        {"lockedpages = ram:ram", kVswap, "lockedpages", UbcPair{kRam, kRam}},
        {"oomguarpages = ram:unlimited", kVswap, "oomguarpages", UbcPair{kRam, kUnlimited}},
        {"vmguarpages = (ram+swap):unlimited", kVswap, "vmguarpages", UbcPair{both, kUnlimited}},
        {"no VM_OVERCOMMIT: privvmpages unlimited", kVswap, "privvmpages", UbcPair{kUnlimited, kUnlimited}},
        {"VM_OVERCOMMIT 0: unlimited", std::string(kVswap) + "VM_OVERCOMMIT=\"0\"\n", "privvmpages",
         UbcPair{kUnlimited, kUnlimited}},
        {"VM_OVERCOMMIT empty: unlimited", std::string(kVswap) + "VM_OVERCOMMIT=\"\"\n", "privvmpages",
         UbcPair{kUnlimited, kUnlimited}},
        {"VM_OVERCOMMIT 2", std::string(kVswap) + "VM_OVERCOMMIT=\"2\"\n", "privvmpages", UbcPair{2 * both, 2 * both}},
        {"VM_OVERCOMMIT 1.5 (%g form)", std::string(kVswap) + "VM_OVERCOMMIT=\"1.5\"\n", "privvmpages",
         UbcPair{both * 3 / 2, both * 3 / 2}},
        {"VM_OVERCOMMIT 0.3: pages truncated", std::string(kVswap) + "VM_OVERCOMMIT=\"0.3\"\n", "privvmpages",
         UbcPair{static_cast<uint64_t>(static_cast<double>(both) * 0.3),
                 static_cast<uint64_t>(static_cast<double>(both) * 0.3)}},
        {"VM_OVERCOMMIT 1e-9: a fraction of a page", std::string(kVswap) + "VM_OVERCOMMIT=\"1e-9\"\n", "privvmpages",
         UbcPair{0, 0}},
        {"swap unset counts as 0", "PHYSPAGES=\"0:256M\"\n", "vmguarpages", UbcPair{kRam, kUnlimited}},
        {"swap unlimited: ram+swap unlimited", "PHYSPAGES=\"0:256M\"\nSWAPPAGES=\"0:unlimited\"\n", "vmguarpages",
         UbcPair{kUnlimited, kUnlimited}},
        {"swap unlimited: privvmpages unlimited whatever the factor",
         "PHYSPAGES=\"0:256M\"\nSWAPPAGES=\"unlimited\"\nVM_OVERCOMMIT=\"2\"\n", "privvmpages",
         UbcPair{kUnlimited, kUnlimited}},
        {"overcommit past LONG_MAX: unlimited", "PHYSPAGES=\"0:4611686018427387904\"\nVM_OVERCOMMIT=\"3\"\n",
         "privvmpages", UbcPair{kUnlimited, kUnlimited}},
        // Explicit values win, an explicit unlimited too; the old key spelling is explicit.
        {"explicit lockedpages", std::string(kVswap) + "LOCKEDPAGES=\"100:200\"\n", "lockedpages", UbcPair{100, 200}},
        {"explicit privvmpages over VM_OVERCOMMIT", std::string(kVswap) + "PRIVVMPAGES=\"1000\"\nVM_OVERCOMMIT=\"2\"\n",
         "privvmpages", UbcPair{1000, 1000}},
        {"explicit unlimited", std::string(kVswap) + "OOMGUARPAGES=\"unlimited\"\n", "oomguarpages",
         UbcPair{kUnlimited, kUnlimited}},
        {"explicit value in the config's unit", std::string(kVswap) + "VMGUARPAGES=\"1M:2M\"\n", "vmguarpages",
         UbcPair{(1ULL << 20) / kPage, (2ULL << 20) / kPage}},
        {"old spelling", "DCACHE=\"1M:2M\"\n", "dcachesize", UbcPair{1 << 20, 2 << 20}},
        // No VSwap, nothing derived.
        {"no PHYSPAGES", "SWAPPAGES=\"0:512M\"\n", "lockedpages", std::nullopt},
        {"PHYSPAGES limit unlimited", "PHYSPAGES=\"0:unlimited\"\nSWAPPAGES=\"0:512M\"\n", "oomguarpages",
         std::nullopt},
        {"PHYSPAGES limit INT_MAX (32-bit unlimited)", "PHYSPAGES=\"2147483647\"\n", "vmguarpages", std::nullopt},
        {"empty PHYSPAGES", "PHYSPAGES=\"\"\n", "privvmpages", std::nullopt},
        // Only those four are derived.
        {"numfile not derived", kVswap, "numfile", std::nullopt},
        {"kmemsize not derived", kVswap, "kmemsize", std::nullopt},
        {"configured physpages", kVswap, "physpages", UbcPair{0, kRam}},
        {"configured swappages", kVswap, "swappages", UbcPair{0, kSwap}},
    };
    for (auto& c : cases) {
        EXPECT_EQ(show(vz::ubc_limit(config(c.conf), index_of(c.resource))), show(c.expected)) << c.what << ": "
                                                                                              << c.conf;
    }
}

TEST(UbcLimits, OvercommitFromVzConfAppliesUnderTheCtConfig) {
    auto cfg = config(kVswap, "VM_OVERCOMMIT=\"1.5\"\n");
    uint64_t v = (kRam + kSwap) * 3 / 2;
    EXPECT_EQ(show(vz::ubc_limit(cfg, index_of("privvmpages"))), show(UbcPair{v, v}));
    // The CT's own value wins over vz.conf's.
    auto own = config(std::string(kVswap) + "VM_OVERCOMMIT=\"2\"\n", "VM_OVERCOMMIT=\"1.5\"\n");
    v = (kRam + kSwap) * 2;
    EXPECT_EQ(show(vz::ubc_limit(own, index_of("privvmpages"))), show(UbcPair{v, v}));
}

TEST(UbcLimits, KernelLimitInForceReplacesTheConfiguredLimit) {
    struct Live {
        const char* what;
        std::string conf;
        uint64_t kernel;
        Pair expected;
    };
    const Live cases[] = {
        {"unset, no limit in force", "", kUnlimited, std::nullopt},
        {"unset, a limit in force", "", 50, UbcPair{50, 50}},
        {"single value follows", "NUMPROC=\"20\"\n", 30, UbcPair{30, 30}},
        {"single value, limit lifted", "NUMPROC=\"20\"\n", kUnlimited, UbcPair{kUnlimited, kUnlimited}},
        {"lower barrier stays", "NUMPROC=\"100:120\"\n", 200, UbcPair{100, 200}},
        {"barrier never above the limit", "NUMPROC=\"100:120\"\n", 50, UbcPair{50, 50}},
    };
    for (auto& c : cases) {
        vz::UbcStats live(vz::ubc_resources().size());
        live[index_of("numproc")].limit = c.kernel;
        EXPECT_EQ(show(vz::ubc_limit(config(c.conf), index_of("numproc"), &live)), show(c.expected)) << c.what;
    }
    // Where nothing was read from the kernel, the config stands.
    vz::UbcStats none(vz::ubc_resources().size());
    EXPECT_EQ(show(vz::ubc_limit(config("NUMPROC=\"20\"\n"), index_of("numproc"), &none)), show(UbcPair{20, 20}));
}

TEST(UbcLimits, DerivedValuesFollowTheRamAndSwapInForce) {
    vz::UbcStats live(vz::ubc_resources().size());
    uint64_t ram = (1ULL << 30) / kPage, swap = (128ULL << 20) / kPage;
    live[index_of("physpages")].limit = ram;
    live[index_of("swappages")].limit = swap;
    auto cfg = config(std::string(kVswap) + "VM_OVERCOMMIT=\"2\"\n");
    auto all = vz::ubc_limits(cfg, &live);
    EXPECT_EQ(show(all[index_of("physpages")]), show(UbcPair{0, ram}));
    EXPECT_EQ(show(all[index_of("swappages")]), show(UbcPair{0, swap}));
    EXPECT_EQ(show(all[index_of("lockedpages")]), show(UbcPair{ram, ram}));
    EXPECT_EQ(show(all[index_of("oomguarpages")]), show(UbcPair{ram, kUnlimited}));
    EXPECT_EQ(show(all[index_of("vmguarpages")]), show(UbcPair{ram + swap, kUnlimited}));
    EXPECT_EQ(show(all[index_of("privvmpages")]), show(UbcPair{2 * (ram + swap), 2 * (ram + swap)}));
    // A RAM limit lifted in the kernel ends VSwap's derivation.
    live[index_of("physpages")].limit = kUnlimited;
    EXPECT_EQ(show(vz::ubc_limit(cfg, index_of("lockedpages"), &live)), "unset");
}

TEST(UbcLimits, EveryResourceAnsweredOnce) {
    auto cfg = config(std::string(kVswap) + "NUMPROC=\"20\"\nKMEMSIZE=\"1M:2M\"\n");
    auto all = vz::ubc_limits(cfg);
    ASSERT_EQ(all.size(), vz::ubc_resources().size());
    for (size_t i = 0; i < all.size(); ++i)
        EXPECT_EQ(show(all[i]), show(vz::ubc_limit(cfg, i))) << vz::ubc_resources()[i].name;
}

TEST(UbcLimits, WantedLimitsIncludeWhatVswapDerivesFrom) {
    auto res = vz::ubc_resources();
    for (size_t i = 0; i < res.size(); ++i) {
        std::vector<unsigned> wanted(res.size(), 0);
        vz::want_ubc_limit(wanted, i);
        bool derived = res[i].name == "lockedpages" || res[i].name == "oomguarpages" ||
                       res[i].name == "vmguarpages" || res[i].name == "privvmpages";
        for (size_t j = 0; j < res.size(); ++j) {
            bool expect = j == i || (derived && (res[j].name == "physpages" || res[j].name == "swappages"));
            EXPECT_EQ(wanted[j], expect ? vz::kUbcLimit : 0u) << res[i].name << " -> " << res[j].name;
        }
    }
}

TEST(UbcLimits, UnlimitedIsLongMaxOrIntMax) {
    EXPECT_TRUE(vz::ubc_is_unlimited(kUnlimited));
    EXPECT_TRUE(vz::ubc_is_unlimited(2147483647));
    EXPECT_FALSE(vz::ubc_is_unlimited(2147483646));
    EXPECT_FALSE(vz::ubc_is_unlimited(0));
}

}  // namespace
