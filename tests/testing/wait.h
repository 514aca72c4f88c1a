// WaitUntil: tests wait for conditions, never for fixed times.
#ifndef TESTS_TESTING_WAIT_H_
#define TESTS_TESTING_WAIT_H_

#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace wallet::testing {

// WaitUntil polls `condition` every few milliseconds until it holds; false
// once `timeout` has passed (generous by default: the machine may be busy).
inline bool WaitUntil(const std::function<bool()>& condition,
                      absl::Duration timeout = absl::Seconds(60)) {
  const absl::Time give_up = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

}  // namespace wallet::testing

#endif  // TESTS_TESTING_WAIT_H_
