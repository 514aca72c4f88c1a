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
// If a commit fails, the in-memory state is ahead of the disk and cannot be
// trusted. The pipeline then fails: the failed group, the group applied on
// top of it and everything queued are answered with the commit's error, and
// nothing more is applied until Recover has rebuilt the state from the store
// (the owner calls it once the store can be written again).
//
// Example:
//   pipeline->Submit([&](Txn* txn) -> CommitPipeline::Completion {
//     if (txn == nullptr) return [done](const absl::Status& s) { done(s); };
//     auto result = ledger.TopUpFloat(*txn, request);
//     return [result, done](const absl::Status& s) { s.ok() ? done(result) : done(s); };
//   });
#ifndef WALLET_PIPELINE_H_
#define WALLET_PIPELINE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "wallet/store.h"
#include "wallet/txn.h"

namespace wallet {

// Upper bounds of the commit-time histogram's buckets, in microseconds.
inline constexpr std::array<int64_t, 12> kCommitBucketsUs = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000};

// Counters of the commit pipeline, readable from any thread.
struct PipelineStats {
  // Requests applied and answered after their group's commit (scheduler
  // ticks are counted apart).
  std::atomic<uint64_t> operations{0};
  std::atomic<uint64_t> ticks{0};
  // Successful group commits, and their durations (one per commit; the last
  // bucket counts those above every bound).
  std::atomic<uint64_t> commits{0};
  std::array<std::atomic<uint64_t>, kCommitBucketsUs.size() + 1> commit_buckets{};
  std::atomic<uint64_t> commit_micros_total{0};
  // Failed group commits.
  std::atomic<uint64_t> commit_errors{0};
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
  // A Completion runs once the group is durable, with OK, or with the error
  // that kept the operation from being committed.
  using Completion = std::function<void(const absl::Status& commit)>;
  // Apply runs on the writer thread with the group's Txn and returns the
  // completion to run once the group is committed. While the pipeline is
  // failed it is called with null instead: it must then change nothing and
  // only return the completion, which runs with the failure.
  using Apply = std::function<Completion(Txn* txn)>;

  // FinishGroup runs on the writer after a group's last operation, before
  // its commit; the completion it returns (may be empty) runs before the
  // group's others, so that what it publishes (the defaulter index, new
  // outbox items) is in place when a caller hears its write is done.
  using FinishGroup = std::function<Completion(Txn& txn)>;
  // CommitFailed runs on the commit thread when a commit fails (once per
  // failure, before anything is answered) and returns the error the failed
  // and refused operations are answered with.
  using CommitFailed = std::function<absl::Status(const absl::Status& commit_error)>;

  // What an operation is, for the counters: requests from callers, or the
  // policy scheduler's ticks.
  enum class Kind { kRequest, kTick };

  // The pipeline does not own its arguments; they must outlive it.
  CommitPipeline(Store* store, base::Clock* clock, FinishGroup finish_group,
                 CommitFailed commit_failed, const PipelineOptions& options);
  // Stops after draining everything submitted.
  ~CommitPipeline();

  // Submit queues `apply`. Returns false (and drops it) once Stop has begun.
  // Thread-safe.
  bool Submit(Apply apply, Kind kind = Kind::kRequest);

  // Stop applies and commits what is queued, then joins the writer.
  void Stop();

  // Fail stops applying operations, as a failed commit does, until Recover;
  // they are answered with `status` (e.g. while the store is open read-only).
  // Thread-safe.
  void Fail(const absl::Status& status);

  // Recover, once the pipeline has failed, waits until no applied group is
  // still open or being committed, runs `rebuild` (which may then replace the
  // state the operations use: no operation runs meanwhile), and takes
  // operations again if it returns OK. Returns `rebuild`'s error, or OK at
  // once if the pipeline has not failed. Call from one thread at a time, not
  // from the pipeline's threads.
  absl::Status Recover(const std::function<absl::Status()>& rebuild);

  // failed tells whether the pipeline refuses operations. Thread-safe.
  bool failed() const;

  const PipelineStats& stats() const { return stats_; }

 private:
  // A group applied by the writer, waiting for or in its commit.
  struct Group {
    std::shared_ptr<Batch> batch;
    std::vector<Completion> completions;
    size_t operations = 0;  // requests
    size_t ticks = 0;
  };
  struct Queued {
    Apply apply;
    Kind kind;
  };
  // Completions to run with one status, on the answer thread.
  struct Answer {
    absl::Status status;
    std::vector<Completion> completions;
  };

  void Run();
  // ApplyQueued applies `work` to the open group, starting one if needed.
  void ApplyQueued(std::vector<Queued>& work, std::shared_ptr<const Batch> in_commit);
  // Refuse answers `work` and the open group with `failure`, applying nothing.
  void Refuse(std::vector<Queued>& work, const absl::Status& failure);
  void RunCommits();
  absl::Status Commit(Group& group);
  void RunAnswers();
  void PostAnswer(absl::Status status, std::vector<Completion> completions);

  // Conditions for Await, evaluated under mu_.
  bool WriterHasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool CommitterHasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool Quiet() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Store* store_;
  base::Clock* clock_;
  FinishGroup finish_group_;
  CommitFailed commit_failed_;
  PipelineOptions options_;
  PipelineStats stats_;
  absl::Time last_now_ = absl::InfinitePast();
  // The group the writer is filling; only the writer touches it.
  Group open_;

  mutable absl::Mutex mu_;
  std::vector<Queued> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Mirrors open_.operations + open_.ticks for the writer's wait condition.
  size_t open_operations_ ABSL_GUARDED_BY(mu_) = 0;
  // Not OK after a failed commit, until Recover.
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  // The batch being committed; the writer's open batch reads through it.
  std::shared_ptr<const Batch> in_commit_ ABSL_GUARDED_BY(mu_);
  Group next_ ABSL_GUARDED_BY(mu_);
  bool has_next_ ABSL_GUARDED_BY(mu_) = false;
  bool writer_finished_ ABSL_GUARDED_BY(mu_) = false;
  std::thread writer_;
  std::thread committer_;

  // Answers of finished groups, in commit order. They go out on their own
  // thread: sending replies is gRPC work the commit thread need not wait for.
  absl::Mutex answers_mu_;
  std::vector<Answer> answers_ ABSL_GUARDED_BY(answers_mu_);
  bool committer_finished_ ABSL_GUARDED_BY(answers_mu_) = false;
  std::thread answerer_;
};

}  // namespace wallet

#endif  // WALLET_PIPELINE_H_
