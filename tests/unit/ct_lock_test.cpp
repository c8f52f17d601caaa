// ct_lock_held tells a held container lock from a free one without taking it.
#include <gtest/gtest.h>

#include <optional>

#include "../support/temp_dir.hpp"
#include "ct/lock.hpp"
#include "util/error.hpp"

namespace {

TEST(CtLockHeld, SeesTheHolderAndNothingAfterIt) {
    vztest::TempDir tmp;
    auto dir = tmp.path();
    EXPECT_FALSE(vz::ct_lock_held(dir, 101));  // no lock file
    {
        std::optional<vz::CtLock> lock;
        lock.emplace(dir, 101, "vzctl stop");
        EXPECT_TRUE(vz::ct_lock_held(dir, 101));
        EXPECT_FALSE(vz::ct_lock_held(dir, 102));
        // Asking did not take it: the holder keeps it, another locker is refused.
        EXPECT_THROW(vz::CtLock(dir, 101, "vzctl start"), vz::Error);
    }
    EXPECT_FALSE(vz::ct_lock_held(dir, 101));
}

}  // namespace
