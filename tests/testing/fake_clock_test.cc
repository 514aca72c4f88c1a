// The fake clocks of tests/testing: they move only when told to.
#include "tests/testing/fake_clock.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_monotonic_clock.h"

namespace wallet::testing {
namespace {

TEST(FakeClockTest, MovesOnlyWhenTold) {
  const absl::Time start = absl::FromUnixSeconds(1'800'000'000);
  FakeClock clock(start);
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(absl::Hours(25));
  EXPECT_EQ(clock.Now(), start + absl::Hours(25));
  clock.Set(start);
  EXPECT_EQ(clock.Now(), start);
}

TEST(FakeMonotonicClockTest, MovesOnlyWhenTold) {
  FakeMonotonicClock clock(5'000'000);
  EXPECT_EQ(clock.NowMicros(), 5'000'000);
  clock.Advance(absl::Milliseconds(1500));
  EXPECT_EQ(clock.NowMicros(), 6'500'000);
}

}  // namespace
}  // namespace wallet::testing
