// MonotonicClock: where meter-sim learns the time for its energy registers and
// relay events, so that unit tests can drive it (STYLE.md: time is injected).
//
// Example:
//   FakeMonotonicClock clock;
//   absl::StatusOr<std::unique_ptr<Fleet>> fleet = Fleet::Create(options, &clock, nullptr);
//   clock.Advance(absl::Hours(1));   // 1000 W for an hour: +1000 Wh
#ifndef METER_GATEWAY_SIM_CLOCK_H_
#define METER_GATEWAY_SIM_CLOCK_H_

#include <time.h>

#include <cstdint>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace meter_sim {

class MonotonicClock {
 public:
  virtual ~MonotonicClock() = default;
  // NowMicros returns microseconds on a clock that never goes backwards.
  // Thread-safe.
  virtual int64_t NowMicros() = 0;
};

// SystemMonotonicClock reads CLOCK_MONOTONIC, the clock behind
// std::chrono::steady_clock on Linux: relay event times are then comparable
// with steady_clock readings in any other process on the machine.
class SystemMonotonicClock final : public MonotonicClock {
 public:
  int64_t NowMicros() override {
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<int64_t>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
  }
};

// FakeMonotonicClock moves only when told to. Thread-safe.
class FakeMonotonicClock final : public MonotonicClock {
 public:
  explicit FakeMonotonicClock(int64_t start_micros = 1'000'000) : now_(start_micros) {}
  int64_t NowMicros() override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += absl::ToInt64Microseconds(d);
  }

 private:
  absl::Mutex mu_;
  int64_t now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meter_sim

#endif  // METER_GATEWAY_SIM_CLOCK_H_
