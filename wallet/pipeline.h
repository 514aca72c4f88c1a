// CommitPipeline: the single writer of the wallet.
//
// Callers on any thread Submit an operation; one writer thread takes every
// operation queued so far and applies them in order to the Ledger inside one
// Batch; a commit thread writes that batch with one fsync (group commit) and
// only then runs each operation's completion. So a caller hears "done" only
// after its effects are durable, many callers share one fsync, and rules such
// as "a float may not go below its limit" are checked by a single thread
// without races. While group N is being written, the writer keeps applying
// whatever arrives to group N+1, whose reads see N's writes through the batch
// overlay, and hands N+1 over the moment N is on disk; N+1 is answered only
// after N+1 (and so N) is durable.
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
  // A group applied by the writer, waiting for or in its commit.
  struct Group {
    std::shared_ptr<Batch> batch;
    std::vector<Completion> completions;
    size_t operations = 0;
  };

  void Run();
  // ApplyQueued applies `work` to the open group, starting one if needed.
  void ApplyQueued(std::vector<Apply>& work, std::shared_ptr<const Batch> in_commit);
  void RunCommits();
  void Commit(Group& group);
  void RunAnswers();

  // Conditions for Await, evaluated under mu_.
  bool WriterHasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool CommitterHasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Store* store_;
  Clock* clock_;
  FinishGroup finish_group_;
  PipelineOptions options_;
  PipelineStats stats_;
  absl::Time last_now_ = absl::InfinitePast();
  // The group the writer is filling; only the writer touches it.
  Group open_;

  absl::Mutex mu_;
  std::vector<Apply> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Mirrors open_.operations for the writer's wait condition.
  size_t open_operations_ ABSL_GUARDED_BY(mu_) = 0;
  // The batch being committed; the writer's open batch reads through it.
  std::shared_ptr<const Batch> in_commit_ ABSL_GUARDED_BY(mu_);
  Group next_ ABSL_GUARDED_BY(mu_);
  bool has_next_ ABSL_GUARDED_BY(mu_) = false;
  bool writer_finished_ ABSL_GUARDED_BY(mu_) = false;
  std::thread writer_;
  std::thread committer_;

  // Answers of durable groups, in commit order. They go out on their own
  // thread: sending replies is gRPC work the commit thread need not wait for.
  absl::Mutex answers_mu_;
  std::vector<std::vector<Completion>> answers_ ABSL_GUARDED_BY(answers_mu_);
  bool committer_finished_ ABSL_GUARDED_BY(answers_mu_) = false;
  std::thread answerer_;
};

}  // namespace wallet

#endif  // WALLET_PIPELINE_H_
