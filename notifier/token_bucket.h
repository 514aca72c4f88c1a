// TokenBucket: keeps the notifier to its configured send rate (--rate, SMS
// per second), which the SMS provider's contract sets. A full bucket allows
// a burst of `burst` sends at once; after that one send per 1/rate.
//
// Time is given by the caller, so that tests drive it; the bucket never
// sleeps, it says how long to wait. Kept as the time the bucket is full
// again (the generic cell rate algorithm), in whole absl::Durations, so that
// no rounding lets a send through early.
//
// Threads: not thread-safe; one sender thread owns it.
//
// Example:
//   notifier::TokenBucket bucket(/*rate=*/50, /*burst=*/50, clock.Now());
//   for (absl::Duration wait; (wait = bucket.Take(clock.Now())) > absl::ZeroDuration();) {
//     Sleep(wait);
//   }
//   Send(sms);
#ifndef NOTIFIER_TOKEN_BUCKET_H_
#define NOTIFIER_TOKEN_BUCKET_H_

#include "absl/time/time.h"

namespace notifier {

class TokenBucket {
 public:
  // `rate` > 0 tokens per second, at most `burst` held (less than 1 counts
  // as 1); full at `now`.
  TokenBucket(double rate, double burst, absl::Time now);

  // Take takes a token and returns zero if one is there at `now`; otherwise
  // it takes nothing and returns how long until one is.
  absl::Duration Take(absl::Time now);

 private:
  const absl::Duration interval_;  // one token's worth of time
  const absl::Duration depth_;     // (burst - 1) intervals
  absl::Time full_at_;             // when the bucket is back to full
};

}  // namespace notifier

#endif  // NOTIFIER_TOKEN_BUCKET_H_
