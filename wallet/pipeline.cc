#include "wallet/pipeline.h"

#include <pthread.h>

#include <algorithm>
#include <utility>

#include "glog/logging.h"

namespace wallet {

CommitPipeline::CommitPipeline(Store* store, Clock* clock, FinishGroup finish_group,
                               const PipelineOptions& options)
    : store_(store), clock_(clock), finish_group_(std::move(finish_group)), options_(options) {
  answerer_ = std::thread([this] { RunAnswers(); });
  committer_ = std::thread([this] { RunCommits(); });
  writer_ = std::thread([this] { Run(); });
  // Named so that top, perf and gdb show which thread is which.
  pthread_setname_np(writer_.native_handle(), "wallet-writer");
  pthread_setname_np(committer_.native_handle(), "wallet-commit");
  pthread_setname_np(answerer_.native_handle(), "wallet-answer");
}

CommitPipeline::~CommitPipeline() { Stop(); }

bool CommitPipeline::Submit(Apply apply) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return false;
  queue_.push_back(std::move(apply));
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

bool CommitPipeline::WriterHasWork() const {
  const bool can_hand_off = open_operations_ > 0 && !in_commit_;
  const bool can_take = !queue_.empty() && open_operations_ < options_.max_group_size;
  return can_hand_off || can_take || (stopping_ && queue_.empty() && open_operations_ == 0);
}

bool CommitPipeline::CommitterHasWork() const { return has_next_ || writer_finished_; }

void CommitPipeline::Run() {
  std::vector<Apply> work;
  for (;;) {
    std::shared_ptr<const Batch> in_commit;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &CommitPipeline::WriterHasWork));
      if (open_operations_ > 0 && !in_commit_) {
        // The disk is free: hand the open group over, with what it has.
        mu_.Unlock();
        Txn txn{open_.batch.get(), last_now_};
        if (finish_group_) open_.completions.push_back(finish_group_(txn));
        mu_.Lock();
        open_.batch->PreviousCommitted();
        in_commit_ = open_.batch;
        next_ = std::move(open_);
        has_next_ = true;
        open_ = Group();
        open_operations_ = 0;
        continue;
      }
      if (queue_.empty()) return;  // stopping, and everything is handed over
      const size_t take = std::min(queue_.size(), options_.max_group_size - open_operations_);
      work.assign(std::make_move_iterator(queue_.begin()),
                  std::make_move_iterator(queue_.begin() + take));
      queue_.erase(queue_.begin(), queue_.begin() + take);
      stats_.queue_depth.store(queue_.size(), std::memory_order_relaxed);
      open_operations_ += take;
      in_commit = in_commit_;
    }
    ApplyQueued(work, std::move(in_commit));
    work.clear();
  }
}

void CommitPipeline::ApplyQueued(std::vector<Apply>& work,
                                 std::shared_ptr<const Batch> in_commit) {
  if (!open_.batch) open_.batch = std::make_shared<Batch>(store_, std::move(in_commit));
  // Time never runs backwards inside the ledger, even if the wall clock does.
  last_now_ = std::max(last_now_, clock_->Now());
  Txn txn{open_.batch.get(), last_now_};
  for (Apply& apply : work) open_.completions.push_back(apply(txn));
  open_.operations += work.size();
}

void CommitPipeline::RunCommits() {
  for (;;) {
    Group group;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &CommitPipeline::CommitterHasWork));
      if (!has_next_) return;  // writer finished and everything committed
      group = std::move(next_);
      has_next_ = false;
    }
    Commit(group);
    {
      absl::MutexLock lock(&mu_);
      in_commit_.reset();
    }
    // Answers go out only now that the group is durable, in group order.
    absl::MutexLock lock(&answers_mu_);
    answers_.push_back(std::move(group.completions));
  }
}

void CommitPipeline::RunAnswers() {
  std::vector<std::vector<Completion>> ready;
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
    for (auto& completions : ready) {
      for (Completion& done : completions) {
        if (done) done();
      }
    }
    ready.clear();
  }
}

void CommitPipeline::Commit(Group& group) {
  if (!group.batch->empty()) {
    // Wall time on purpose: this measures the disk, not ledger time.
    const absl::Time start = absl::Now();
    absl::Status status = store_->Commit(*group.batch);
    CHECK(status.ok()) << "commit failed, in-memory state is ahead of disk: " << status;
    stats_.commits.fetch_add(1, std::memory_order_relaxed);
    stats_.commit_micros_total.fetch_add(absl::ToInt64Microseconds(absl::Now() - start),
                                         std::memory_order_relaxed);
  }
  stats_.operations.fetch_add(group.operations, std::memory_order_relaxed);
  if (group.operations > stats_.largest_group.load(std::memory_order_relaxed)) {
    stats_.largest_group.store(group.operations, std::memory_order_relaxed);
  }
}

}  // namespace wallet
