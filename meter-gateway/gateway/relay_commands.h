// RelayCommandPath: walletd's relay commands from the stream to the meters
// and their outcomes back.
//
//   walletd --StreamRelayCommands--> OnCommand --> RelayQueue (one per meter,
//   newest wins) --TakeDue/Run on the gateway's workers--> DLMS session -->
//   outcome --ReportRelayOutcome--> walletd, then acknowledged on the stream
//
// A command is acknowledged only once its outcome is reported (or it was
// superseded by a newer command for its meter, or is a redelivery), so a
// gateway that dies re-executes, harmlessly (the relay methods are
// idempotent), what it had not reported, and loses nothing. A command that
// fails in a retryable way is tried again after the back-off of
// RelayCommandOptions::retry, unless a newer one for the meter came.
//
// The path also lends the read scheduler exclusive use of idle meters
// (MeterSessions), so that a read never overlaps a relay session, and tells
// it every final outcome (the relay state, a meter left armed).
//
// Threads: every public method is thread-safe. Start runs two threads: the
// stream's (RunRelayStream) and one that acknowledges every ack_interval.
// TakeDue and Run are called by the gateway's workers.
//
// Example:
//   RelayCommandPath relay(options, wallet.get(), meters.get(), &clock, &work, on_outcome);
//   relay.Start();
//   while (worker) if (auto job = relay.TakeDue()) relay.Run(*job);
//   relay.BeginStop();  ... join the workers ...  relay.Stop();
#ifndef METER_GATEWAY_GATEWAY_RELAY_COMMANDS_H_
#define METER_GATEWAY_GATEWAY_RELAY_COMMANDS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "base/metrics.h"
#include "meter-gateway/gateway/meter_link.h"
#include "meter-gateway/gateway/relay_queue.h"
#include "meter-gateway/gateway/retry_policy.h"
#include "meter-gateway/gateway/wallet_connection.h"
#include "meter-gateway/gateway/work_signal.h"
#include "wallet/v1/meter.pb.h"

namespace meter_gateway {

// MeterSessions: exclusive use of a meter outside relay commands, so that at
// most one DLMS session per meter runs at a time. Thread-safe.
class MeterSessions {
 public:
  virtual ~MeterSessions() = default;
  // TryReserve marks an idle meter (no relay command running or waiting for
  // it) busy; false, changing nothing, if it is not idle.
  virtual bool TryReserve(const std::string& meter_id) = 0;
  // Release ends a reservation, letting a command that came meanwhile run.
  // Returns true if a relay command for the meter is now waiting or running
  // (it will report the relay state itself).
  virtual bool Release(const std::string& meter_id) = 0;
};

struct RelayCommandOptions {
  // How a command that failed in a retryable way is tried again on its
  // meter; max_attempts must be at least 1. Default: RetryPolicy's.
  RetryPolicy retry;
  // Seeds the retry jitter. Default: 1.
  uint64_t seed = 1;
  // How often the stream position is acknowledged. Default: 50 ms.
  absl::Duration ack_interval = absl::Milliseconds(50);
};

class RelayCommandPath final : public MeterSessions, public RelayStreamListener {
 public:
  // OutcomeObserver learns each command's final outcome (reported or
  // superseded), outside the path's lock.
  using OutcomeObserver =
      std::function<void(const std::string& meter_id, const wallet::v1::RelayOutcome& outcome)>;

  // Counters for /metrics; monotonic.
  struct Stats {
    std::atomic<uint64_t> commands_received{0};
    std::atomic<uint64_t> commands_superseded{0};
    std::atomic<uint64_t> attempts{0};
    std::atomic<uint64_t> retries{0};
    std::atomic<uint64_t> confirmed{0};
    std::atomic<uint64_t> armed{0};
    std::atomic<uint64_t> failed{0};
    // failed, split by RelayOutcome::Failure (indexed by its number).
    std::array<std::atomic<uint64_t>, wallet::v1::RelayOutcome::Failure_ARRAYSIZE> failed_by{};
    std::atomic<uint64_t> offline{0};
  };

  // The pointers are not owned and must outlive the path.
  RelayCommandPath(const RelayCommandOptions& options, WalletConnection* wallet, MeterLink* meters,
                   base::Clock* clock, WorkSignal* work, OutcomeObserver on_outcome);
  // Stops, if not stopped before.
  ~RelayCommandPath() override;

  RelayCommandPath(const RelayCommandPath&) = delete;
  RelayCommandPath& operator=(const RelayCommandPath&) = delete;

  // Start opens the stream (on its own thread) and starts acknowledging.
  void Start();
  // BeginStop takes no new job, and a retryable failure is no longer tried
  // again nor reported (walletd redelivers it to the next gateway).
  void BeginStop();
  // Stop, once no Run is in progress: acknowledges what was reported,
  // closes the stream and ends the path's threads.
  void Stop();

  // RelayStreamListener: the stream's position and its commands.
  uint64_t ResumeAfter() override;
  void OnCommand(const wallet::v1::RelayCommand& command) override;

  // TakeDue returns a job due now whose meter has no session, and marks the
  // meter busy; nullopt if there is none or the path is stopping.
  std::optional<RelayJob> TakeDue();
  // NextDue is the earliest time a waiting job becomes due, if any.
  std::optional<absl::Time> NextDue() const;
  // Run makes one attempt of a job from TakeDue, then retries it later,
  // reports its outcome or drops it (superseded), and frees its meter.
  void Run(const RelayJob& job);

  // MeterSessions, for the read scheduler.
  bool TryReserve(const std::string& meter_id) override;
  bool Release(const std::string& meter_id) override;

  // Acked is the stream position every command up to which is done.
  uint64_t Acked() const;
  // SendAck writes Acked() to the open stream.
  void SendAck();
  // waiting is the number of jobs waiting for their meter or their retry.
  size_t waiting() const;

  const Stats& stats() const { return stats_; }
  // RegisterMetrics adds the command counters (gateway_relay_failed_total
  // with a `failure` label: no_answer, refused, no_relay, ...) and
  // gateway_relay_waiting; the path must outlive every later Render.
  void RegisterMetrics(base::Metrics* metrics);

 private:
  // Finish reports a final outcome and lets the stream position move past it.
  void Finish(const RelayJob& job, const wallet::v1::RelayOutcome& outcome);
  void CountOutcome(const wallet::v1::RelayOutcome& outcome);
  void RegisterFailedByFailure(base::Metrics* metrics);
  void AckLoop();

  const RelayCommandOptions options_;
  WalletConnection* const wallet_;
  MeterLink* const meters_;
  base::Clock* const clock_;
  WorkSignal* const work_;
  const OutcomeObserver on_outcome_;
  Stats stats_;

  mutable absl::Mutex mu_;
  absl::CondVar ack_cv_;  // the ack thread: stop
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  RelayQueue queue_ ABSL_GUARDED_BY(mu_);
  AckTracker acks_ ABSL_GUARDED_BY(mu_);

  std::thread stream_thread_;
  std::thread ack_thread_;
};

}  // namespace meter_gateway

#endif  // METER_GATEWAY_GATEWAY_RELAY_COMMANDS_H_
