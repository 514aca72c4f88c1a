#include "meter-gateway/gateway/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace meter_gateway {

Backoff::Backoff(const RetryPolicy& policy, uint64_t seed) : policy_(policy), random_(seed) {}

absl::Duration Backoff::Delay(int attempt) {
  const double base = absl::ToDoubleSeconds(policy_.initial_backoff) *
                      std::pow(policy_.multiplier, std::max(0, attempt - 1));
  const double capped = std::min(base, absl::ToDoubleSeconds(policy_.max_backoff));
  std::uniform_real_distribution<double> spread(1.0 - policy_.jitter, 1.0 + policy_.jitter);
  return absl::Seconds(capped * spread(random_));
}

}  // namespace meter_gateway
