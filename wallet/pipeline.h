// CommitPipeline: the single writer of the wallet.
//
// Callers on any thread Submit an operation; one writer thread takes every
// operation queued so far, applies them in order to the Ledger inside one
// Batch, commits the batch with one fsync (group commit), and only then runs
// each operation's completion. So a caller hears "done" only after its effects
// are durable, many callers share one fsync, and rules such as "a float may not
// go below its limit" are checked by a single thread without races.
//
// If a commit fails the in-memory state is ahead of the disk and cannot be
// trusted: the process crashes (CHECK) and recovers from the store on restart.
//
// Example:
//   pipeline->Submit([&](Txn& txn) {
//     auto result = ledger.TopUpFloat(txn, request);
//     return [result, done] { done(result); };
//   });
#ifndef WALLET_PIPELINE_H_
#define WALLET_PIPELINE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "wallet/clock.h"
#include "wallet/ledger.h"
#include "wallet/store.h"

namespace wallet {

// Counters of the commit pipeline, readable from any thread.
struct PipelineStats {
  std::atomic<uint64_t> operations{0};
  std::atomic<uint64_t> commits{0};
  std::atomic<uint64_t> commit_micros_total{0};
  std::atomic<uint64_t> largest_group{0};
  std::atomic<uint64_t> queue_depth{0};
};

struct PipelineOptions {
  // Most operations applied in one group; bounds the latency of one commit.
  // Default: 2048.
  size_t max_group_size = 2048;
};

class CommitPipeline final {
 public:
  // Apply runs on the writer thread and returns the completion to run once
  // the group is durable.
  using Completion = std::function<void()>;
  using Apply = std::function<Completion(Txn& txn)>;

  // The pipeline does not own its arguments; they must outlive it.
  CommitPipeline(Store* store, Clock* clock, const PipelineOptions& options);
  // Stops after draining everything submitted.
  ~CommitPipeline();

  // Submit queues `apply`. Returns false (and drops it) once Stop has begun.
  // Thread-safe.
  bool Submit(Apply apply);

  // Stop applies and commits what is queued, then joins the writer.
  void Stop();

  const PipelineStats& stats() const { return stats_; }

 private:
  void Run();
  void ApplyGroup(std::vector<Apply>& group);

  Store* store_;
  Clock* clock_;
  PipelineOptions options_;
  PipelineStats stats_;
  absl::Time last_now_ = absl::InfinitePast();

  absl::Mutex mu_;
  std::vector<Apply> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread writer_;
};

}  // namespace wallet

#endif  // WALLET_PIPELINE_H_
