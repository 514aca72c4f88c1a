// ChildProcess runs one of the project's servers (meter-sim, meter-gatewayd)
// as a real child process for integration tests and benchmarks: it forks and
// execs the binary with the given flags, sends its output to a log file and
// waits for the ready file the server writes once it serves ("key=value"
// lines, e.g. dlms_port=4059).
//
// Example:
//   ChildOptions options;
//   options.binary = METER_SIM_PATH;
//   options.args = {"--meters=100", "--dlms_port=0"};
//   options.log_path = dir + "/sim.log";
//   options.ready_path = dir + "/sim.ready";   // passed as --ready_file
//   absl::StatusOr<std::unique_ptr<ChildProcess>> sim = ChildProcess::Start(options);
//   int port = *(*sim)->ReadyInt("dlms_port");
//
// Like WalletdProcess, the child dies with the thread that started it
// (PR_SET_PDEATHSIG), so start it from the test's main thread.
#ifndef WALLET_TESTS_TESTING_CHILD_PROCESS_H_
#define WALLET_TESTS_TESTING_CHILD_PROCESS_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace wallet::testing {

struct ChildOptions {
  // The executable. Required.
  std::string binary;
  // Flags; --ready_file=<ready_path> is added after them.
  std::vector<std::string> args;
  // stdout and stderr, appended. Required.
  std::string log_path;
  // The ready file to wait for. Required.
  std::string ready_path;
  // Default: 30 s.
  absl::Duration start_timeout = absl::Seconds(30);
};

class ChildProcess final {
 public:
  // Start returns once the ready file exists. FailedPrecondition if the
  // child exits first, DeadlineExceeded if it is not ready in time (it is
  // killed); messages carry the log's tail.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(ChildOptions options);
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // Kills the child (SIGKILL) if it still runs.
  ~ChildProcess();

  // Terminate sends SIGTERM and waits up to `timeout`; returns the exit code
  // (128 + signal if a signal ended it). DeadlineExceeded if it did not exit
  // (it is then killed).
  absl::StatusOr<int> Terminate(absl::Duration timeout = absl::Seconds(20));
  // Kill sends SIGKILL and reaps the child.
  absl::Status Kill();

  // ReadyInt returns an integer value of the ready file; NotFound if absent.
  absl::StatusOr<int> ReadyInt(absl::string_view key) const;
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  std::string LogTail(size_t max_bytes = 4096) const;

 private:
  explicit ChildProcess(ChildOptions options) : options_(std::move(options)) {}
  absl::Status Launch();
  bool Reap(int* wait_status, bool block);

  ChildOptions options_;
  pid_t pid_ = -1;
  std::map<std::string, std::string, std::less<>> ready_;
};

}  // namespace wallet::testing

#endif  // WALLET_TESTS_TESTING_CHILD_PROCESS_H_
