// CommitPipeline: the single writer of the wallet.
//
// Callers on any thread Submit an operation. One writer thread takes every
// operation queued so far, applies them in order to the Ledger inside one
// Batch and writes that batch to the store without waiting for the disk. A
// sync thread makes the write-ahead log durable with one fsync for every
// group written since its last one (group commit), publishes the state after
// them as the one readers see, and only then hands the groups' completions to
// an answer thread. So a caller hears "done" only after its effects are
// durable, many callers share one fsync, the writer applies the next groups
// while the disk works, and rules such as "a float may not go below its
// limit" are checked by a single thread without races.
//
// Every group is one atomic write: a process crash can leave a group that was
// written but not yet synced in the log (the OS still has it), and recovery
// then replays whole groups only. Its callers were never answered; a retry
// finds the stored result.
//
// If a write or sync fails the in-memory state is ahead of the disk and cannot
// be trusted: the process crashes (CHECK) and recovers from the store on
// restart.
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
  // Syncs of the write-ahead log (group commits) and the time they took.
  std::atomic<uint64_t> commits{0};
  std::atomic<uint64_t> commit_micros_total{0};
  std::atomic<uint64_t> largest_group{0};
  std::atomic<uint64_t> queue_depth{0};
};

struct PipelineOptions {
  // Most operations applied and written as one group; bounds how long the
  // writer holds back a group's write. Default: 2048.
  size_t max_group_size = 2048;
};

class CommitPipeline final {
 public:
  // Apply runs on the writer thread and returns the completion to run once
  // the group is durable.
  using Completion = std::function<void()>;
  using Apply = std::function<Completion(Txn& txn)>;

  // FinishGroup runs on the writer after a group's last operation, before
  // its commit; the completion it returns (may be empty) runs after the
  // group's others.
  using FinishGroup = std::function<Completion(Txn& txn)>;

  // The pipeline does not own its arguments; they must outlive it.
  CommitPipeline(Store* store, Clock* clock, FinishGroup finish_group,
                 const PipelineOptions& options);
  // Stops after draining everything submitted.
  ~CommitPipeline();

  // Submit queues `apply`. Returns false (and drops it) once Stop has begun.
  // Thread-safe.
  bool Submit(Apply apply);

  // Stop applies and commits what is queued, then joins the writer.
  void Stop();

  const PipelineStats& stats() const { return stats_; }

 private:
  // A group applied and written by the writer, waiting for its sync.
  struct Group {
    std::vector<Completion> completions;
    size_t operations = 0;
    // The store right after the group's write; null if it wrote nothing.
    std::shared_ptr<const Store::Snapshot> after;
  };

  void Run();
  Group ApplyAndWrite(std::vector<Apply>& work);
  void RunSyncs();
  void Sync(std::vector<Group>& groups);
  void RunAnswers();

  Store* store_;
  Clock* clock_;
  FinishGroup finish_group_;
  PipelineOptions options_;
  PipelineStats stats_;
  absl::Time last_now_ = absl::InfinitePast();

  absl::Mutex mu_;
  std::vector<Apply> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Groups written and not yet synced, in order.
  std::vector<Group> written_ ABSL_GUARDED_BY(mu_);
  bool writer_finished_ ABSL_GUARDED_BY(mu_) = false;
  std::thread writer_;
  std::thread syncer_;

  // Answers of durable groups, in commit order. They go out on their own
  // thread: sending replies is gRPC work the next sync need not wait for.
  absl::Mutex answers_mu_;
  std::vector<std::vector<Completion>> answers_ ABSL_GUARDED_BY(answers_mu_);
  bool syncer_finished_ ABSL_GUARDED_BY(answers_mu_) = false;
  std::thread answerer_;
};

}  // namespace wallet

#endif  // WALLET_PIPELINE_H_
