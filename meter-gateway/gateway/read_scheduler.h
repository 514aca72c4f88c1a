// ReadScheduler: the gateway's scheduled meter reads. Every meter's energy
// register (and relay) is read once per read_interval, the meters spread
// over the interval so that a fleet never reads all at once; a meter a
// reconnect left armed (waiting for the consumer's button) is read every
// armed_poll_interval until it is no longer armed.
//
// Each read's register goes to the ReadingSink (the ingest batcher). A relay
// state the read finds different from the last known one, with no relay
// command for the meter on its way, is reported to walletd as an
// observation: that is how a meter closed by its button, or a relay forced
// closed after a cut, reaches walletd.
//
// A read takes its meter through MeterSessions, so it never overlaps a relay
// session; a due read of a meter a command holds waits a second.
//
// Threads: every public method is thread-safe. TakeDue and Run are called
// by the gateway's workers; OnRelayOutcome by the relay command path.
//
// Example:
//   ReadScheduler reads(options, meters->MeterIds(), &relay, meters.get(), &batcher,
//                       wallet.get(), &clock, &work);
//   while (worker) if (auto meter = reads.TakeDue()) reads.Run(*meter);
#ifndef METER_GATEWAY_GATEWAY_READ_SCHEDULER_H_
#define METER_GATEWAY_GATEWAY_READ_SCHEDULER_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "base/metrics.h"
#include "meter-gateway/gateway/ingest_batcher.h"
#include "meter-gateway/gateway/meter_link.h"
#include "meter-gateway/gateway/relay_commands.h"
#include "meter-gateway/gateway/wallet_connection.h"
#include "meter-gateway/gateway/work_signal.h"
#include "wallet/v1/meter.pb.h"

namespace meter_gateway {

struct ReadSchedulerOptions {
  // Each meter is read once per interval; zero turns scheduled reads off
  // (armed meters are still polled). Default: 15 minutes.
  absl::Duration read_interval = absl::Minutes(15);
  // An armed meter is read this often until the button is pressed.
  // Default: 10 s.
  absl::Duration armed_poll_interval = absl::Seconds(10);
};

class ReadScheduler final {
 public:
  // Counters for /metrics; monotonic.
  struct Stats {
    std::atomic<uint64_t> reads_ok{0};
    std::atomic<uint64_t> reads_failed{0};
    std::atomic<uint64_t> observations{0};
  };

  // Schedules the first read of each of `meter_ids` within one interval of
  // now. The pointers are not owned and must outlive the scheduler.
  ReadScheduler(const ReadSchedulerOptions& options, const std::vector<std::string>& meter_ids,
                MeterSessions* sessions, MeterLink* meters, ReadingSink* readings,
                WalletConnection* wallet, base::Clock* clock, WorkSignal* work);

  ReadScheduler(const ReadScheduler&) = delete;
  ReadScheduler& operator=(const ReadScheduler&) = delete;

  // TakeDue returns a meter whose read is due now and reserves it; a due
  // meter a relay command holds is put off by a second. nullopt if none is
  // due, or after Stop.
  std::optional<std::string> TakeDue();
  // NextDue is the time of the earliest scheduled read, if any.
  std::optional<absl::Time> NextDue() const;
  // Run reads a meter from TakeDue, releases it, passes the reading on,
  // reports a relay change nobody commanded, and schedules its next read.
  void Run(const std::string& meter_id);

  // OnRelayOutcome learns a relay command's final outcome: the meter's relay
  // state and, for ARMED, that it is to be polled.
  void OnRelayOutcome(const std::string& meter_id, const wallet::v1::RelayOutcome& outcome);

  // Stop takes no new read; reads running finish.
  void Stop();

  const Stats& stats() const { return stats_; }
  // RegisterMetrics adds the read and observation counters; the scheduler
  // must outlive every later Render.
  void RegisterMetrics(base::Metrics* metrics);

 private:
  // What the gateway knows of one meter between sessions.
  struct MeterInfo {
    wallet::v1::RelayState relay = wallet::v1::RELAY_UNKNOWN;  // as last read or reported
    bool armed = false;                                         // polled until connected
    // Its one entry in the schedule; InfiniteFuture while none (a read is
    // running, or reads are off).
    absl::Time next_read = absl::InfiniteFuture();
  };

  // Schedule moves the meter's one entry in the schedule to `at`.
  void Schedule(const std::string& meter_id, MeterInfo& info, absl::Time at)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Observe updates what is known of the meter from a read taken at `now`;
  // returns the observation to report, if the relay changed by itself.
  std::optional<wallet::v1::RelayOutcome> Observe(const std::string& meter_id, MeterInfo& info,
                                                  const MeterRead& read, bool command_pending,
                                                  absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ReadSchedulerOptions options_;
  MeterSessions* const sessions_;
  MeterLink* const meters_;
  ReadingSink* const readings_;
  WalletConnection* const wallet_;
  base::Clock* const clock_;
  WorkSignal* const work_;
  Stats stats_;

  mutable absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<std::string, MeterInfo> infos_ ABSL_GUARDED_BY(mu_);
  std::set<std::pair<absl::Time, std::string>> schedule_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meter_gateway

#endif  // METER_GATEWAY_GATEWAY_READ_SCHEDULER_H_
