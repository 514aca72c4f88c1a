// IngestBatcher: carries the readings the gateway takes to walletd in
// batches (MeterIngestService.IngestReadings): a batch goes once it is full
// or once its oldest reading has waited flush_interval, through the
// WalletConnection, which retries it under one batch id (walletd applies a
// batch once).
//
// While walletd is away the readings wait, up to max_pending; beyond that
// the oldest are dropped, as is a batch walletd refuses for good. Nothing of
// a meter's energy is lost by a dropped reading: the registers are
// cumulative, so the meter's next reading carries its energy forward.
//
// Threads: Add may be called from any thread and never waits for walletd.
// Start runs one sending thread; Stop ends it and sends what is left. Flush
// is for Stop and for tests that send without the thread.
//
// Example:
//   IngestBatcher batcher(options, wallet.get());
//   batcher.Start();
//   batcher.Add(reading);   // from the read workers
//   ...
//   batcher.Stop();         // after the last Add
#ifndef METER_GATEWAY_GATEWAY_INGEST_BATCHER_H_
#define METER_GATEWAY_GATEWAY_INGEST_BATCHER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/metrics.h"
#include "meter-gateway/gateway/wallet_connection.h"
#include "wallet/v1/meter.pb.h"

namespace meter_gateway {

// ReadingSink: where the read scheduler puts the readings it takes.
class ReadingSink {
 public:
  virtual ~ReadingSink() = default;
  // Add queues one reading for walletd. Thread-safe; does not block on I/O.
  virtual void Add(wallet::v1::Reading reading) = 0;
};

struct IngestBatcherOptions {
  // Readings per IngestReadings call (walletd takes 1-10,000). Default: 1000.
  int batch_size = 1000;
  // The longest a reading waits for its batch to fill. Default: 1 s.
  absl::Duration flush_interval = absl::Seconds(1);
  // Readings held while walletd is away; beyond this the oldest are
  // dropped. Default: 100,000.
  size_t max_pending = 100'000;
  // Batch ids are "<instance>-<n>": give each gateway run its own, so that
  // walletd never mistakes a new batch for a retried one. Default: "gw".
  std::string instance = "gw";
};

class IngestBatcher final : public ReadingSink {
 public:
  // Counters for /metrics; monotonic.
  struct Stats {
    std::atomic<uint64_t> readings_sent{0};
    std::atomic<uint64_t> batches{0};
    std::atomic<uint64_t> readings_dropped{0};
  };

  // `wallet` is not owned and must outlive the batcher.
  IngestBatcher(IngestBatcherOptions options, WalletConnection* wallet);
  // Stops, if not stopped before.
  ~IngestBatcher() override;

  IngestBatcher(const IngestBatcher&) = delete;
  IngestBatcher& operator=(const IngestBatcher&) = delete;

  void Add(wallet::v1::Reading reading) override;

  // Start starts the sending thread. Call once.
  void Start();
  // Stop ends the sending thread, then sends what is left, batch by batch.
  // Stop retries on the connection first if it should not wait for walletd.
  void Stop();
  // Flush sends one batch of what waits; false if nothing waited.
  bool Flush();

  size_t pending() const;
  const Stats& stats() const { return stats_; }
  // RegisterMetrics adds gateway_readings_sent_total,
  // gateway_ingest_batches_total and gateway_readings_dropped_total; the
  // batcher must outlive every later Render.
  void RegisterMetrics(base::Metrics* metrics);

 private:
  void Run();

  const IngestBatcherOptions options_;
  WalletConnection* const wallet_;
  Stats stats_;
  std::atomic<uint64_t> batch_ids_{0};

  mutable absl::Mutex mu_;
  absl::CondVar cv_;  // a batch is full, or stop
  std::deque<wallet::v1::Reading> pending_ ABSL_GUARDED_BY(mu_);
  uint64_t dropped_unlogged_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace meter_gateway

#endif  // METER_GATEWAY_GATEWAY_INGEST_BATCHER_H_
