#include "wallet/pipeline.h"

#include <algorithm>
#include <utility>

#include "glog/logging.h"

namespace wallet {

CommitPipeline::CommitPipeline(Store* store, Clock* clock, const PipelineOptions& options)
    : store_(store), clock_(clock), options_(options) {
  writer_ = std::thread([this] { Run(); });
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
}

void CommitPipeline::Run() {
  std::vector<Apply> group;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](CommitPipeline* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu_) {
            return !p->queue_.empty() || p->stopping_;
          },
          this));
      if (queue_.empty()) return;  // stopping and drained
      const size_t take = std::min(queue_.size(), options_.max_group_size);
      group.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + take));
      queue_.erase(queue_.begin(), queue_.begin() + take);
      stats_.queue_depth.store(queue_.size(), std::memory_order_relaxed);
    }
    ApplyGroup(group);
    group.clear();
  }
}

void CommitPipeline::ApplyGroup(std::vector<Apply>& group) {
  // Time never runs backwards inside the ledger, even if the wall clock does.
  last_now_ = std::max(last_now_, clock_->Now());
  Batch batch(store_);
  Txn txn{&batch, last_now_};
  std::vector<Completion> completions;
  completions.reserve(group.size());
  for (Apply& apply : group) completions.push_back(apply(txn));
  if (!batch.empty()) {
    // Wall time on purpose: this measures the disk, not ledger time.
    const absl::Time start = absl::Now();
    absl::Status status = store_->Commit(batch);
    CHECK(status.ok()) << "commit failed, in-memory state is ahead of disk: " << status;
    stats_.commits.fetch_add(1, std::memory_order_relaxed);
    stats_.commit_micros_total.fetch_add(absl::ToInt64Microseconds(absl::Now() - start),
                                         std::memory_order_relaxed);
  }
  stats_.operations.fetch_add(group.size(), std::memory_order_relaxed);
  if (group.size() > stats_.largest_group.load(std::memory_order_relaxed)) {
    stats_.largest_group.store(group.size(), std::memory_order_relaxed);
  }
  for (Completion& done : completions) {
    if (done) done();
  }
}

}  // namespace wallet
