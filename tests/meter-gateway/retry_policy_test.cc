// The one back-off shape of the gateway: exponential to a cap, jittered
// within its bounds, attempts counted with zero meaning no limit.
#include "meter-gateway/gateway/retry_policy.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meter_gateway {
namespace {

using ::testing::ElementsAre;

RetryPolicy Policy(double jitter, int max_attempts) {
  RetryPolicy policy;
  policy.initial_backoff = absl::Milliseconds(100);
  policy.max_backoff = absl::Seconds(1);
  policy.multiplier = 2;
  policy.jitter = jitter;
  policy.max_attempts = max_attempts;
  return policy;
}

TEST(RetryPolicyTest, DelaysGrowExponentiallyToTheCap) {
  Backoff backoff(Policy(0, 0), 1);
  std::vector<absl::Duration> delays;
  for (int attempt = 1; attempt <= 7; ++attempt) delays.push_back(backoff.Delay(attempt));
  EXPECT_THAT(delays, ElementsAre(absl::Milliseconds(100), absl::Milliseconds(200),
                                  absl::Milliseconds(400), absl::Milliseconds(800),
                                  absl::Seconds(1), absl::Seconds(1), absl::Seconds(1)));
  EXPECT_EQ(backoff.Delay(10'000), absl::Seconds(1));  // no overflow far out
}

TEST(RetryPolicyTest, JitterStaysWithinItsBoundsAndSpreadsCallers) {
  Backoff first(Policy(0.2, 0), 1);
  Backoff second(Policy(0.2, 0), 2);
  bool spread = false;
  for (int attempt = 1; attempt <= 20; ++attempt) {
    const absl::Duration base =
        std::min(absl::Milliseconds(100) * (1 << std::min(attempt - 1, 10)), absl::Seconds(1));
    const absl::Duration a = first.Delay(attempt);
    const absl::Duration b = second.Delay(attempt);
    EXPECT_GE(a, base * 0.8) << attempt;
    EXPECT_LE(a, base * 1.2) << attempt;
    EXPECT_GE(b, base * 0.8) << attempt;
    EXPECT_LE(b, base * 1.2) << attempt;
    spread = spread || a != b;
  }
  EXPECT_TRUE(spread);  // two seeds do not retry in step
}

TEST(RetryPolicyTest, AttemptsRunOutAtTheLimitAndNeverWithoutOne) {
  Backoff limited(Policy(0, 3), 1);
  EXPECT_FALSE(limited.Exhausted(1));
  EXPECT_FALSE(limited.Exhausted(2));
  EXPECT_TRUE(limited.Exhausted(3));
  Backoff unlimited(Policy(0, 0), 1);
  EXPECT_FALSE(unlimited.Exhausted(1'000'000));
}

}  // namespace
}  // namespace meter_gateway
