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
  syncer_ = std::thread([this] { RunSyncs(); });
  writer_ = std::thread([this] { Run(); });
  // Named so that top, perf and gdb show which thread is which.
  pthread_setname_np(writer_.native_handle(), "wallet-writer");
  pthread_setname_np(syncer_.native_handle(), "wallet-sync");
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
  if (syncer_.joinable()) syncer_.join();
  {
    absl::MutexLock lock(&answers_mu_);
    syncer_finished_ = true;
  }
  if (answerer_.joinable()) answerer_.join();
}

void CommitPipeline::Run() {
  std::vector<Apply> work;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](CommitPipeline* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu_) {
            return !p->queue_.empty() || p->stopping_;
          },
          this));
      if (queue_.empty()) return;  // stopping, and everything is written
      const size_t take = std::min(queue_.size(), options_.max_group_size);
      work.assign(std::make_move_iterator(queue_.begin()),
                  std::make_move_iterator(queue_.begin() + take));
      queue_.erase(queue_.begin(), queue_.begin() + take);
      stats_.queue_depth.store(queue_.size(), std::memory_order_relaxed);
    }
    Group group = ApplyAndWrite(work);
    work.clear();
    absl::MutexLock lock(&mu_);
    written_.push_back(std::move(group));
  }
}

CommitPipeline::Group CommitPipeline::ApplyAndWrite(std::vector<Apply>& work) {
  Batch batch(store_);
  Group group;
  // Time never runs backwards inside the ledger, even if the wall clock does.
  last_now_ = std::max(last_now_, clock_->Now());
  Txn txn{&batch, last_now_};
  group.completions.reserve(work.size() + 1);
  for (Apply& apply : work) group.completions.push_back(apply(txn));
  if (finish_group_) group.completions.push_back(finish_group_(txn));
  group.operations = work.size();
  if (!batch.empty()) {
    absl::Status status = store_->Write(batch);
    CHECK(status.ok()) << "write failed, in-memory state is ahead of the store: " << status;
    group.after = store_->TakeLatestSnapshot();
  }
  return group;
}

void CommitPipeline::RunSyncs() {
  std::vector<Group> groups;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](CommitPipeline* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu_) {
            return !p->written_.empty() || p->writer_finished_;
          },
          this));
      if (written_.empty()) return;  // writer finished and everything synced
      groups.swap(written_);
    }
    Sync(groups);
    absl::MutexLock lock(&answers_mu_);
    for (Group& group : groups) answers_.push_back(std::move(group.completions));
    groups.clear();
  }
}

void CommitPipeline::Sync(std::vector<Group>& groups) {
  // The newest state among the groups: one sync covers every write before it.
  std::shared_ptr<const Store::Snapshot> after;
  size_t operations = 0;
  for (const Group& group : groups) {
    if (group.after) after = group.after;
    operations += group.operations;
  }
  // Groups that wrote nothing still wait for the sync of those before them:
  // they may have read (and answer with) what those wrote.
  if (after) {
    // Wall time on purpose: this measures the disk, not ledger time.
    const absl::Time start = absl::Now();
    absl::Status status = store_->SyncWal();
    CHECK(status.ok()) << "sync failed, in-memory state is ahead of disk: " << status;
    store_->PublishDurable(std::move(after));
    stats_.commits.fetch_add(1, std::memory_order_relaxed);
    stats_.commit_micros_total.fetch_add(absl::ToInt64Microseconds(absl::Now() - start),
                                         std::memory_order_relaxed);
  }
  stats_.operations.fetch_add(operations, std::memory_order_relaxed);
  if (operations > stats_.largest_group.load(std::memory_order_relaxed)) {
    stats_.largest_group.store(operations, std::memory_order_relaxed);
  }
}

void CommitPipeline::RunAnswers() {
  std::vector<std::vector<Completion>> ready;
  for (;;) {
    {
      absl::MutexLock lock(&answers_mu_);
      answers_mu_.Await(absl::Condition(
          +[](CommitPipeline* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->answers_mu_) {
            return !p->answers_.empty() || p->syncer_finished_;
          },
          this));
      if (answers_.empty()) return;  // syncer finished and all answered
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

}  // namespace wallet
