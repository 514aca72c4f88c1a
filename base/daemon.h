// Daemon: the start and the stop that every server here shares (walletd,
// meter-gatewayd, meter-sim), written once:
//   - logging through glog, to stderr (the service manager keeps it);
//   - Abseil's lock-cycle detector off (base/lock_checks.h);
//   - SIGTERM and SIGINT blocked in every thread, so that only main, in
//     WaitForStopSignal, sees them and can stop the server in order;
//   - SIGPIPE ignored: a peer that hangs up (a meter, a scraper) must not
//     kill the server; the write fails instead;
//   - the ready file that tests and scripts wait for, written whole;
//   - one way to fail at start-up: the error in the log and on stderr, exit
//     code 1.
//
// Threads: construct the Daemon in main after parsing the flags and before
// starting any thread, since threads inherit the blocked signals of the
// thread that creates them. Its methods are then called from main. One
// Daemon per process: glog may be initialised only once.
//
// Example:
//   int main(int argc, char** argv) {
//     absl::ParseCommandLine(argc, argv);
//     base::Daemon daemon("meter-sim", argv[0]);
//     absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Start(options, &clock);
//     if (!sim.ok()) return daemon.Fail(sim.status());
//     absl::Status ready = daemon.WriteReadyFile(
//         absl::GetFlag(FLAGS_ready_file), {{"dlms_port", (*sim)->dlms_port()}});
//     if (!ready.ok()) return daemon.Fail(ready);
//     daemon.WaitForStopSignal();
//     (*sim)->Shutdown();
//     return 0;
//   }
#ifndef BASE_DAEMON_H_
#define BASE_DAEMON_H_

#include <signal.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace base {

class Daemon final {
 public:
  // Daemon sets the process up as above. `name` starts every failure
  // message; `argv0` is the program path glog names its log after.
  Daemon(std::string name, const char* argv0);

  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Fail reports `status` as "<name>: <status>" in the log and on stderr and
  // returns 1, the exit code for main to return.
  int Fail(const absl::Status& status) const;

  // WriteReadyFile writes one `key=value` line per entry, in order, to
  // `path` (base::WriteFileAtomically, mode 0644), so that a reader sees
  // every line or none. Does nothing if `path` is empty. Unavailable if the
  // file cannot be written.
  absl::Status WriteReadyFile(const std::string& path,
                              const std::vector<std::pair<std::string, int>>& entries) const;

  // WaitForStopSignal blocks until SIGTERM or SIGINT arrives (or one that
  // arrived earlier is pending), logs it and returns its number.
  int WaitForStopSignal() const;

 private:
  const std::string name_;
  sigset_t stop_signals_;
};

}  // namespace base

#endif  // BASE_DAEMON_H_
