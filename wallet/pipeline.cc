#include "wallet/pipeline.h"

#include <pthread.h>

#include <algorithm>
#include <utility>

#include "glog/logging.h"

namespace wallet {

CommitPipeline::CommitPipeline(Store* store, base::Clock* clock, FinishGroup finish_group,
                               CommitFailed commit_failed, const PipelineOptions& options)
    : store_(store),
      clock_(clock),
      finish_group_(std::move(finish_group)),
      commit_failed_(std::move(commit_failed)),
      options_(options) {
  answerer_ = std::thread([this] { RunAnswers(); });
  committer_ = std::thread([this] { RunCommits(); });
  writer_ = std::thread([this] { Run(); });
  // Named so that top, perf and gdb show which thread is which.
  pthread_setname_np(writer_.native_handle(), "wallet-writer");
  pthread_setname_np(committer_.native_handle(), "wallet-commit");
  pthread_setname_np(answerer_.native_handle(), "wallet-answer");
}

CommitPipeline::~CommitPipeline() { Stop(); }

bool CommitPipeline::Submit(Apply apply, Kind kind) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return false;
  queue_.push_back(Queued{std::move(apply), kind});
  stats_.queue_depth.store(queue_.size(), std::memory_order_relaxed);
  return true;
}

void CommitPipeline::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (writer_.joinable()) writer_.join();
  {
    absl::MutexLock lock(&mu_);
    writer_finished_ = true;
  }
  if (committer_.joinable()) committer_.join();
  {
    absl::MutexLock lock(&answers_mu_);
    committer_finished_ = true;
  }
  if (answerer_.joinable()) answerer_.join();
}

void CommitPipeline::Fail(const absl::Status& status) {
  absl::MutexLock lock(&mu_);
  if (failure_.ok()) failure_ = status;
}

bool CommitPipeline::failed() const {
  absl::MutexLock lock(&mu_);
  return !failure_.ok();
}

absl::Status CommitPipeline::Recover(const std::function<absl::Status()>& rebuild) {
  {
    absl::MutexLock lock(&mu_);
    if (failure_.ok()) return absl::OkStatus();
    // Failed, the writer applies nothing new; wait for what it had applied
    // to be refused or committed.
    mu_.Await(absl::Condition(this, &CommitPipeline::Quiet));
  }
  absl::Status status = rebuild();
  if (status.ok()) {
    absl::MutexLock lock(&mu_);
    failure_ = absl::OkStatus();
  }
  return status;
}

bool CommitPipeline::Quiet() const { return open_operations_ == 0 && !has_next_ && !in_commit_; }

bool CommitPipeline::WriterHasWork() const {
  const bool can_refuse = !failure_.ok() && (open_operations_ > 0 || !queue_.empty());
  const bool can_hand_off = open_operations_ > 0 && !in_commit_;
  const bool can_take = !queue_.empty() && open_operations_ < options_.max_group_size;
  return can_refuse || can_hand_off || can_take ||
         (stopping_ && queue_.empty() && open_operations_ == 0);
}

bool CommitPipeline::CommitterHasWork() const { return has_next_ || writer_finished_; }

void CommitPipeline::Run() {
  std::vector<Queued> work;
  for (;;) {
    std::shared_ptr<const Batch> in_commit;
    absl::Status failure;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &CommitPipeline::WriterHasWork));
      if (!failure_.ok() && (open_operations_ > 0 || !queue_.empty())) {
        // A commit failed: the open group was applied on top of it, and the
        // ledger is not to be trusted until Recover.
        failure = failure_;
        work = std::move(queue_);
        queue_.clear();
        stats_.queue_depth.store(0, std::memory_order_relaxed);
        open_operations_ = 0;
      } else if (open_operations_ > 0 && !in_commit_) {
        // The disk is free: hand the open group over, with what it has.
        mu_.Unlock();
        Txn txn{open_.batch.get(), last_now_};
        if (finish_group_) {
          open_.completions.insert(open_.completions.begin(), finish_group_(txn));
        }
        mu_.Lock();
        open_.batch->PreviousCommitted();
        in_commit_ = open_.batch;
        next_ = std::move(open_);
        has_next_ = true;
        open_ = Group();
        open_operations_ = 0;
        continue;
      } else {
        if (queue_.empty()) return;  // stopping, and everything is handed over
        const size_t take = std::min(queue_.size(), options_.max_group_size - open_operations_);
        work.assign(std::make_move_iterator(queue_.begin()),
                    std::make_move_iterator(queue_.begin() + take));
        queue_.erase(queue_.begin(), queue_.begin() + take);
        stats_.queue_depth.store(queue_.size(), std::memory_order_relaxed);
        open_operations_ += take;
        in_commit = in_commit_;
      }
    }
    if (failure.ok()) {
      ApplyQueued(work, std::move(in_commit));
    } else {
      Refuse(work, failure);
    }
    work.clear();
  }
}

void CommitPipeline::ApplyQueued(std::vector<Queued>& work,
                                 std::shared_ptr<const Batch> in_commit) {
  if (!open_.batch) open_.batch = std::make_shared<Batch>(store_, std::move(in_commit));
  // Time never runs backwards inside the ledger, even if the wall clock does.
  last_now_ = std::max(last_now_, clock_->Now());
  Txn txn{open_.batch.get(), last_now_};
  for (Queued& op : work) {
    open_.completions.push_back(op.apply(&txn));
    ++(op.kind == Kind::kTick ? open_.ticks : open_.operations);
  }
}

void CommitPipeline::Refuse(std::vector<Queued>& work, const absl::Status& failure) {
  std::vector<Completion> completions = std::move(open_.completions);
  open_ = Group();
  for (Queued& op : work) completions.push_back(op.apply(nullptr));
  PostAnswer(failure, std::move(completions));
}

void CommitPipeline::RunCommits() {
  for (;;) {
    Group group;
    absl::Status failure;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &CommitPipeline::CommitterHasWork));
      if (!has_next_) return;  // writer finished and everything committed
      group = std::move(next_);
      has_next_ = false;
      failure = failure_;
    }
    // A group handed over before Fail was called is not written either.
    absl::Status status = failure.ok() ? Commit(group) : failure;
    // The owner's account of the failure, not the store's error, is what
    // callers hear.
    if (failure.ok() && !status.ok() && commit_failed_) status = commit_failed_(status);
    {
      absl::MutexLock lock(&mu_);
      if (!status.ok() && failure_.ok()) failure_ = status;
      in_commit_.reset();
    }
    // Answers go out only now that the group is durable (or has failed), in
    // group order.
    PostAnswer(std::move(status), std::move(group.completions));
  }
}

void CommitPipeline::PostAnswer(absl::Status status, std::vector<Completion> completions) {
  absl::MutexLock lock(&answers_mu_);
  answers_.push_back(Answer{std::move(status), std::move(completions)});
}

void CommitPipeline::RunAnswers() {
  std::vector<Answer> ready;
  for (;;) {
    {
      absl::MutexLock lock(&answers_mu_);
      answers_mu_.Await(absl::Condition(
          +[](CommitPipeline* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->answers_mu_) {
            return !p->answers_.empty() || p->committer_finished_;
          },
          this));
      if (answers_.empty()) return;  // committer finished and all answered
      ready.swap(answers_);
    }
    for (Answer& answer : ready) {
      for (Completion& done : answer.completions) {
        if (done) done(answer.status);
      }
    }
    ready.clear();
  }
}

absl::Status CommitPipeline::Commit(Group& group) {
  if (!group.batch->empty()) {
    // Wall time on purpose: this measures the disk, not ledger time.
    const absl::Time start = absl::Now();
    absl::Status status = store_->Commit(*group.batch);
    if (!status.ok()) {
      stats_.commit_errors.fetch_add(1, std::memory_order_relaxed);
      return status;
    }
    const int64_t us = absl::ToInt64Microseconds(absl::Now() - start);
    size_t bucket = 0;
    while (bucket < kCommitBucketsUs.size() && us > kCommitBucketsUs[bucket]) ++bucket;
    stats_.commit_buckets[bucket].fetch_add(1, std::memory_order_relaxed);
    stats_.commit_micros_total.fetch_add(static_cast<uint64_t>(us), std::memory_order_relaxed);
    // Last, so that a scrape never sees more commits than bucket entries.
    stats_.commits.fetch_add(1, std::memory_order_relaxed);
  }
  stats_.operations.fetch_add(group.operations, std::memory_order_relaxed);
  stats_.ticks.fetch_add(group.ticks, std::memory_order_relaxed);
  if (group.operations > stats_.largest_group.load(std::memory_order_relaxed)) {
    stats_.largest_group.store(group.operations, std::memory_order_relaxed);
  }
  return absl::OkStatus();
}

}  // namespace wallet
