// RetryPolicy and Backoff: how the gateway tries again, in one shape for
// everything it retries: a relay command on a meter that did not answer
// (GatewayOptions::retry, per command) and every call to walletd
// (WalletConnectionOptions::retry, per call). Delays grow exponentially to a
// cap and are jittered, so that meters that failed together (a feeder
// outage) or gateways that lost walletd together do not retry in step.
//
// Example:
//   RetryPolicy policy;                 // 250 ms, 500 ms, 1 s, ... 30 s
//   Backoff backoff(policy, seed);
//   for (int attempt = 1;; ++attempt) {
//     if (TryOnce().ok() || backoff.Exhausted(attempt)) break;
//     Wait(backoff.Delay(attempt));
//   }
#ifndef METER_GATEWAY_GATEWAY_RETRY_POLICY_H_
#define METER_GATEWAY_GATEWAY_RETRY_POLICY_H_

#include <cstdint>
#include <random>

#include "absl/time/time.h"

namespace meter_gateway {

struct RetryPolicy {
  // The delay after the first failed attempt. Default: 250 ms.
  absl::Duration initial_backoff = absl::Milliseconds(250);
  // No delay is longer than this, before jitter. Default: 30 s.
  absl::Duration max_backoff = absl::Seconds(30);
  // Each delay is this many times the one before. Default: 2.
  double multiplier = 2.0;
  // Each delay is drawn uniformly from delay * [1 - jitter, 1 + jitter].
  // Default: 0.2.
  double jitter = 0.2;
  // Attempts in all, the first included; then the failure is final. Zero:
  // no limit (until success, a failure that retrying cannot cure, or stop).
  // Default: 8.
  int max_attempts = 8;
};

// Backoff draws the delays of a RetryPolicy. Not thread-safe: one per
// thread, or used under its owner's lock.
class Backoff {
 public:
  // `seed` seeds the jitter; give each gateway (and each caller that runs
  // beside others) its own, so that they spread.
  Backoff(const RetryPolicy& policy, uint64_t seed);

  // Delay is the wait after failed attempt `attempt` (1 for the first)
  // before the next: initial_backoff * multiplier^(attempt - 1), capped at
  // max_backoff, times the jitter factor.
  absl::Duration Delay(int attempt);

  // Exhausted is true if attempt `attempt` was the last the policy allows.
  bool Exhausted(int attempt) const {
    return policy_.max_attempts > 0 && attempt >= policy_.max_attempts;
  }

  const RetryPolicy& policy() const { return policy_; }

 private:
  RetryPolicy policy_;
  std::mt19937_64 random_;
};

}  // namespace meter_gateway

#endif  // METER_GATEWAY_GATEWAY_RETRY_POLICY_H_
