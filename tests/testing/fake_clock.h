// FakeClock: a base::Clock for unit tests that moves only when told to, so a
// test walks through days, notice periods and back-offs without waiting.
// Production code has only the clocks of base/clock.h.
//
// Thread safety: every method is thread-safe; the code under test may read
// the clock on its own threads while the test moves it.
//
// Example:
//   FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
//   auto wallet = wallet::Wallet::Open(options, &clock);
//   clock.Advance(absl::Hours(24));
#ifndef WALLET_TESTS_TESTING_FAKE_CLOCK_H_
#define WALLET_TESTS_TESTING_FAKE_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"

namespace wallet::testing {

class FakeClock final : public base::Clock {
 public:
  explicit FakeClock(absl::Time start) : now_(start) {}
  absl::Time Now() override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  // Advance moves the clock by `d`.
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }
  // Set moves the clock to `t`, backwards too.
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }

 private:
  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wallet::testing

#endif  // WALLET_TESTS_TESTING_FAKE_CLOCK_H_
