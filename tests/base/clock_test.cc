// The clocks of base/clock.h: the settable one moves only forward.
#include "base/clock.h"

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace base {
namespace {

TEST(ClockTest, SettableClockMovesForwardOnly) {
  SettableClock clock;
  const absl::Time before = absl::Now();
  EXPECT_GE(clock.Now(), before);
  const absl::Time ahead = before + absl::Hours(72);
  ASSERT_TRUE(clock.SetNow(ahead));
  EXPECT_GE(clock.Now(), ahead);
  // Back to the real time is backwards from where the clock is now.
  EXPECT_FALSE(clock.SetNow(before));
  EXPECT_GE(clock.Now(), ahead);
}

}  // namespace
}  // namespace base
