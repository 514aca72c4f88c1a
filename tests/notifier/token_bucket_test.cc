#include "notifier/token_bucket.h"

#include "gtest/gtest.h"

namespace notifier {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'764'900'000);

TEST(TokenBucket, AllowsTheBurstThenOnePerInterval) {
  TokenBucket bucket(/*rate=*/10, /*burst=*/2, kT0);
  EXPECT_EQ(bucket.Take(kT0), absl::ZeroDuration());
  EXPECT_EQ(bucket.Take(kT0), absl::ZeroDuration());
  EXPECT_EQ(bucket.Take(kT0), absl::Milliseconds(100));
  EXPECT_EQ(bucket.Take(kT0 + absl::Milliseconds(40)), absl::Milliseconds(60));
  EXPECT_EQ(bucket.Take(kT0 + absl::Milliseconds(100)), absl::ZeroDuration());
  EXPECT_EQ(bucket.Take(kT0 + absl::Milliseconds(100)), absl::Milliseconds(100));
  // A long pause refills only up to the burst.
  const absl::Time later = kT0 + absl::Hours(1);
  EXPECT_EQ(bucket.Take(later), absl::ZeroDuration());
  EXPECT_EQ(bucket.Take(later), absl::ZeroDuration());
  EXPECT_GT(bucket.Take(later), absl::ZeroDuration());
  // A clock that steps back adds no tokens.
  EXPECT_GT(bucket.Take(kT0), absl::ZeroDuration());
}

}  // namespace
}  // namespace notifier
