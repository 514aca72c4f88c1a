// RunProcess runs a short-lived program (a command-line client such as
// walletctl) to completion and returns its exit code and what it printed, for
// integration tests that drive a real binary.
//
// Example:
//   absl::StatusOr<ProcessResult> result =
//       RunProcess({WALLETCTL_PATH, "--help"}, {}, absl::Seconds(30));
//   EXPECT_EQ(result->exit_code, 0);
//   EXPECT_THAT(result->out, HasSubstr("Usage:"));
//
// Thread safety: thread-safe; each call forks its own child.
#ifndef WALLET_TESTS_TESTING_RUN_PROCESS_H_
#define WALLET_TESTS_TESTING_RUN_PROCESS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace wallet::testing {

struct ProcessResult {
  // The exit code, or 128 + the signal number if a signal ended it.
  int exit_code = -1;
  std::string out;  // standard output
  std::string err;  // standard error
};

// RunProcess runs `argv` (argv[0] is the executable's path) with standard
// input from /dev/null and the parent's environment plus `env` (name, value;
// an empty value unsets the variable), and waits up to `timeout` for it to
// exit. Internal if it cannot be started; DeadlineExceeded if it did not
// exit in time (it is then killed).
absl::StatusOr<ProcessResult> RunProcess(
    const std::vector<std::string>& argv,
    const std::vector<std::pair<std::string, std::string>>& env, absl::Duration timeout);

}  // namespace wallet::testing

#endif  // WALLET_TESTS_TESTING_RUN_PROCESS_H_
