// FakeMonotonicClock: meter-sim's MonotonicClock for unit tests, moving only
// when told to, so that energy registers and relay event times follow the
// test rather than the machine.
//
// Thread safety: every method is thread-safe.
//
// Example:
//   FakeMonotonicClock clock;
//   absl::StatusOr<std::unique_ptr<Fleet>> fleet = Fleet::Create(options, &clock, nullptr);
//   clock.Advance(absl::Hours(1));   // 1000 W for an hour: +1000 Wh
#ifndef WALLET_TESTS_TESTING_FAKE_MONOTONIC_CLOCK_H_
#define WALLET_TESTS_TESTING_FAKE_MONOTONIC_CLOCK_H_

#include <cstdint>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "meter-gateway/sim/clock.h"

namespace wallet::testing {

class FakeMonotonicClock final : public meter_sim::MonotonicClock {
 public:
  // The clock starts at `start_micros`. Default: 1 s.
  explicit FakeMonotonicClock(int64_t start_micros = 1'000'000) : now_(start_micros) {}
  int64_t NowMicros() override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  // Advance moves the clock forward by `d`.
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += absl::ToInt64Microseconds(d);
  }

 private:
  absl::Mutex mu_;
  int64_t now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wallet::testing

#endif  // WALLET_TESTS_TESTING_FAKE_MONOTONIC_CLOCK_H_
