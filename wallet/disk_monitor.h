// DiskMonitor: the thread that watches the wallet's data disk.
//
// Every interval it measures the free space of the store's file system and
// hands it to the WriteGate, which stops writes below the reserve and
// resumes them above it. While the commit pipeline has failed (a full disk,
// an I/O error) and space allows, it tries to recover: CommitPipeline::
// Recover runs `rebuild`, which reopens the store (replaying RocksDB's
// write-ahead log exactly as a restart would) and reloads the ledger from it.
// Failed attempts come further apart, doubling up to 32 intervals, unless
// free space grows by a MiB meanwhile.
//
// Thread safety: owns its thread; construct and destroy from one thread.
//
// Example:
//   DiskMonitor monitor(store, pipeline, &gate, [&] { return Rebuild(); },
//                       absl::Seconds(1), /*min_free_bytes=*/256 << 20);
#ifndef WALLET_DISK_MONITOR_H_
#define WALLET_DISK_MONITOR_H_

#include <cstdint>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "wallet/pipeline.h"
#include "wallet/store.h"
#include "wallet/write_gate.h"

namespace wallet {

class DiskMonitor final {
 public:
  // Starts the thread, which first checks after `interval` (> 0). `store`,
  // `pipeline` and `gate` are not owned and must outlive the monitor.
  DiskMonitor(const Store* store, CommitPipeline* pipeline, WriteGate* gate,
              std::function<absl::Status()> rebuild, absl::Duration interval,
              uint64_t min_free_bytes);
  // Stops the thread and waits for it (and a recovery it may be running).
  ~DiskMonitor();

 private:
  void Run();
  void Check();

  const Store* const store_;
  CommitPipeline* const pipeline_;
  WriteGate* const gate_;
  const std::function<absl::Status()> rebuild_;
  const absl::Duration interval_;
  const uint64_t min_free_bytes_;
  // The thread's own state: how recovery attempts are paced.
  absl::Duration recovery_backoff_;
  absl::Time next_recovery_ = absl::InfinitePast();
  uint64_t free_at_failed_recovery_ = 0;
  absl::Time last_recovery_log_ = absl::InfinitePast();

  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace wallet

#endif  // WALLET_DISK_MONITOR_H_
