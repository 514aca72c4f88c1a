// The clocks of base/clock.h: a fake one moves only when told, a settable
// one only forward.
#include "base/clock.h"

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace base {
namespace {

TEST(ClockTest, FakeClockMovesOnlyWhenTold) {
  const absl::Time start = absl::FromUnixSeconds(1'800'000'000);
  FakeClock clock(start);
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(absl::Hours(25));
  EXPECT_EQ(clock.Now(), start + absl::Hours(25));
  clock.Set(start);
  EXPECT_EQ(clock.Now(), start);
}

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
