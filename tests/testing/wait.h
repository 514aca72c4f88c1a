// Waiting in tests for a condition instead of sleeping for a guessed time.
// The suite runs on slow, shared machines (builds and other tests beside
// it), so a deadline here only bounds how long to wait before declaring a
// failure; it never claims anything about speed, which is the benchmarks'
// business. To show that something did NOT happen, wait for a later event
// that could only come after it (a marker item, a counter, a read-back)
// rather than sleeping and looking.
//
// Example:
//   ASSERT_TRUE(WaitUntil([&] { return SimState(m) == 0; }, "the relay opens"));
#ifndef WALLET_TESTS_TESTING_WAIT_H_
#define WALLET_TESTS_TESTING_WAIT_H_

#include <functional>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace wallet::testing {

// How long a test waits for something that takes milliseconds on a quiet
// machine.
inline constexpr absl::Duration kGenerousDeadline = absl::Seconds(30);

// PollUntil calls `done` every 20 ms until it returns true (then returns
// true) or `timeout` has passed (then returns false). Thread-compatible:
// `done` runs on the calling thread only.
inline bool PollUntil(const std::function<bool()>& done,
                      absl::Duration timeout = kGenerousDeadline) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

// WaitUntil is PollUntil as a gtest assertion whose failure says what was
// awaited and for how long: ASSERT_TRUE(WaitUntil(..., "the relay opens")).
inline ::testing::AssertionResult WaitUntil(const std::function<bool()>& done,
                                            absl::string_view what,
                                            absl::Duration timeout = kGenerousDeadline) {
  if (PollUntil(done, timeout)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "still waiting for " << what << " after " << absl::FormatDuration(timeout);
}

}  // namespace wallet::testing

#endif  // WALLET_TESTS_TESTING_WAIT_H_
