// ChildProcess runs a program as a real child process for integration tests
// and benchmarks, one way for every program the tests start: the servers
// (walletd, meter-sim, meter-gatewayd, through WalletdProcess and MeterFleet)
// and the short-lived clients (walletctl, through RunProcess). It forks and
// execs the binary with the given arguments and environment, appends its
// output to a log file, waits until it is ready (a ready file the server
// writes once it serves, or a line in its log) within a deadline, and stops
// it on destruction: SIGTERM, then SIGKILL if it has not exited in time.
//
// Example:
//   ChildOptions options;
//   options.binary = METER_SIM_PATH;
//   options.args = {"--meters=100", "--dlms_port=0", "--ready_file=" + dir + "/sim.ready"};
//   options.log_path = dir + "/sim.log";
//   options.ready_file = dir + "/sim.ready";
//   absl::StatusOr<std::unique_ptr<ChildProcess>> sim = ChildProcess::Start(options);
//   ASSERT_THAT(sim, IsOk());
//   int port = *(*sim)->ReadyInt("dlms_port");
//   EXPECT_THAT((*sim)->Terminate(), IsOkAndHolds(0));
//
// The child gets PR_SET_PDEATHSIG=SIGKILL so that a crashed test leaves no
// server behind; that signal fires when the *thread* that called Start
// exits, so start long-lived children from a thread that outlives them,
// normally the test's main thread.
//
// Thread safety: a ChildProcess is not thread-safe; drive it from one
// thread. pid() and running() may be read from any thread while no method
// that stops the child runs.
#ifndef WALLET_TESTS_TESTING_CHILD_PROCESS_H_
#define WALLET_TESTS_TESTING_CHILD_PROCESS_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace wallet::testing {

struct ChildOptions {
  // The executable's path. Required.
  std::string binary;

  // The arguments after argv[0]. Default: none.
  std::vector<std::string> args;

  // Changes to this process's environment for the child: (name, value), an
  // empty value removing the variable. Default: none (the same environment).
  std::vector<std::pair<std::string, std::string>> env;

  // Where the child's standard error goes, appended (across restarts, after
  // a line naming the command). Required.
  std::string log_path;

  // Where its standard output goes, appended. Default: empty, meaning
  // `log_path`.
  std::string stdout_path;

  // Whether the log gets a line naming the time and the command before each
  // start's output. Default: true.
  bool log_banner = true;

  // Start waits until this file exists and reads it as `key=value` lines
  // (see ReadyInt); a file left from an earlier run is removed first. The
  // server must be told the path (e.g. --ready_file) in `args`.
  // Default: empty (no ready file).
  std::string ready_file;

  // Start waits until the log has a line containing this text, written after
  // the start. Default: empty (no ready line).
  std::string ready_line;

  // How long Start waits for the ready file and the ready line.
  // Default: 30 s.
  absl::Duration ready_timeout = absl::Seconds(30);

  // How long the destructor waits after SIGTERM before it sends SIGKILL.
  // Default: 10 s.
  absl::Duration stop_timeout = absl::Seconds(10);

  // The name in error messages. Default: empty, meaning the binary's file
  // name.
  std::string name;
};

class ChildProcess final {
 public:
  // Start forks and execs the child and returns once it is ready (at once if
  // neither a ready file nor a ready line is set).
  //
  // Errors: InvalidArgument if `binary` or `log_path` is empty; Internal if
  // the log cannot be opened or the child cannot be forked;
  // FailedPrecondition if the child exits before it is ready;
  // DeadlineExceeded if it is not ready within `ready_timeout` (it is then
  // killed). Messages name the log and carry its last lines.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(ChildOptions options);

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // ~ChildProcess stops the child if it still runs: SIGTERM, then SIGKILL
  // after `stop_timeout`.
  ~ChildProcess();

  // Wait waits up to `timeout` for the child to exit by itself and returns
  // its exit status: the exit code, or 128 + the signal number if a signal
  // ended it. FailedPrecondition if it was already reaped; DeadlineExceeded
  // if it still runs (it is left running).
  absl::StatusOr<int> Wait(absl::Duration timeout);

  // Terminate sends SIGTERM and waits up to `timeout`; returns the exit
  // status as Wait does. FailedPrecondition if the child is not running;
  // DeadlineExceeded if it did not exit in time (it is then killed).
  absl::StatusOr<int> Terminate(absl::Duration timeout = absl::Seconds(20));

  // Kill sends SIGKILL and reaps the child: a crash with no chance to flush
  // anything. OK if it was not running.
  absl::Status Kill();

  // ReadyInt returns an integer value of the ready file; NotFound if the
  // file has no such key or its value is not an integer.
  absl::StatusOr<int> ReadyInt(absl::string_view key) const;

  // Whether the child is running (started and not yet reaped).
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return options_.log_path; }

  // LogTail returns up to the last `max_bytes` of the log, for failure
  // messages.
  std::string LogTail(size_t max_bytes = 4096) const;

  // WithLog returns `status` with the log's path and last lines added to its
  // message; OK stays OK.
  absl::Status WithLog(const absl::Status& status) const;

 private:
  explicit ChildProcess(ChildOptions options);
  absl::Status Launch();
  absl::Status AwaitReady(size_t log_offset);
  // Reaps the child if it has exited (waiting for it if `block`); true and
  // `*exit_status` set if it has.
  bool Reap(bool block, int* exit_status);

  ChildOptions options_;
  pid_t pid_ = -1;
  std::map<std::string, std::string, std::less<>> ready_;
};

}  // namespace wallet::testing

#endif  // WALLET_TESTS_TESTING_CHILD_PROCESS_H_
