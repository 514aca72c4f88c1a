// MonotonicClock: where meter-sim learns the time for its energy registers and
// relay events, so that unit tests can drive it (STYLE.md: time is injected).
//
// Unit tests use a fake that moves only when told to
// (tests/testing/fake_monotonic_clock.h).
//
// Example:
//   SystemMonotonicClock clock;
//   absl::StatusOr<std::unique_ptr<Fleet>> fleet = Fleet::Create(options, &clock, nullptr);
#ifndef METER_GATEWAY_SIM_CLOCK_H_
#define METER_GATEWAY_SIM_CLOCK_H_

#include <time.h>

#include <cstdint>

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

}  // namespace meter_sim

#endif  // METER_GATEWAY_SIM_CLOCK_H_
