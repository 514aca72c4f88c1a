// Clock: the only way code here learns the time of day, so that tests, demos
// and replays can drive it. Code that reads absl::Now() directly cannot be
// tested without waiting.
//
// Two clocks implement it here:
//   SystemClock    the real wall clock (servers in production);
//   SettableClock  the wall clock plus an offset that can only grow (walletd
//                  --settable_clock and AdminService.SetClock, for demos and
//                  end-to-end tests that move time by days while timers keep
//                  running).
// Unit tests use a fake that moves only when told to
// (tests/testing/fake_clock.h).
//
// Every method of every clock here is thread-safe. A clock is not owned by
// the code that reads it: whoever creates it keeps it alive for as long as
// that code runs.
//
// Example:
//   base::SystemClock clock;
//   auto wallet = wallet::Wallet::Open(options, &clock);
#ifndef BASE_CLOCK_H_
#define BASE_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace base {

class Clock {
 public:
  virtual ~Clock() = default;
  // Now returns the current time. Thread-safe.
  virtual absl::Time Now() = 0;
};

// SystemClock reads the real wall clock.
class SystemClock final : public Clock {
 public:
  absl::Time Now() override { return absl::Now(); }
};

// SettableClock follows the wall clock from an offset that can only grow, so
// that time can be moved forward by days while timers and streams keep
// running. Thread-safe.
class SettableClock final : public Clock {
 public:
  absl::Time Now() override {
    absl::MutexLock lock(&mu_);
    return absl::Now() + offset_;
  }
  // SetNow moves the clock to `t`; false, changing nothing, if `t` is before
  // the clock's current time.
  bool SetNow(absl::Time t) {
    absl::MutexLock lock(&mu_);
    const absl::Time real = absl::Now();
    if (t < real + offset_) return false;
    offset_ = t - real;
    return true;
  }

 private:
  absl::Mutex mu_;
  absl::Duration offset_ ABSL_GUARDED_BY(mu_);
};

}  // namespace base

#endif  // BASE_CLOCK_H_
