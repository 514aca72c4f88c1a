// Clock: the only way domain code learns the time, so that tests and replay
// can drive it (DESIGN.md principle 5).
#ifndef WALLET_CLOCK_H_
#define WALLET_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace wallet {

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

// FakeClock is a clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start) : now_(start) {}
  absl::Time Now() override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }

 private:
  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

// SettableClock follows the wall clock from an offset that can only grow:
// walletd runs on it with --settable_clock so that tests and demos can move
// time forward by days while timers and streams keep running. Thread-safe.
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

}  // namespace wallet

#endif  // WALLET_CLOCK_H_
