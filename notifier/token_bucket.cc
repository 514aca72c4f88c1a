#include "notifier/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace notifier {

TokenBucket::TokenBucket(double rate, double burst, absl::Time now)
    : interval_(absl::Seconds(1) / rate),
      depth_(interval_ * (std::max(std::floor(burst), 1.0) - 1)),
      full_at_(now) {}

absl::Duration TokenBucket::Take(absl::Time now) {
  // A clock that steps back finds the bucket no fuller than it was.
  const absl::Time full = std::max(full_at_, now);
  const absl::Duration debt = full - now;
  if (debt > depth_) return debt - depth_;
  full_at_ = full + interval_;
  return absl::ZeroDuration();
}

}  // namespace notifier
