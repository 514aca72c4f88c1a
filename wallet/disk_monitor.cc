#include "wallet/disk_monitor.h"

#include <algorithm>
#include <utility>

#include "glog/logging.h"

namespace wallet {

DiskMonitor::DiskMonitor(const Store* store, CommitPipeline* pipeline, WriteGate* gate,
                         std::function<absl::Status()> rebuild, absl::Duration interval,
                         uint64_t min_free_bytes)
    : store_(store),
      pipeline_(pipeline),
      gate_(gate),
      rebuild_(std::move(rebuild)),
      interval_(interval),
      min_free_bytes_(min_free_bytes),
      recovery_backoff_(interval) {
  thread_ = std::thread([this] { Run(); });
}

DiskMonitor::~DiskMonitor() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

void DiskMonitor::Run() {
  absl::MutexLock lock(&mu_);
  while (!mu_.AwaitWithTimeout(absl::Condition(&stop_), interval_)) {
    mu_.Unlock();
    Check();
    mu_.Lock();
  }
}

void DiskMonitor::Check() {
  absl::StatusOr<uint64_t> measured = store_->FreeBytes();
  if (!measured.ok()) {
    LOG_EVERY_N(WARNING, 600) << "cannot read the free space of " << store_->path() << ": "
                              << measured.status();
    return;
  }
  const uint64_t free = *measured;
  gate_->SetLowSpace(free);
  if (!pipeline_->failed() || free < min_free_bytes_) return;
  // Each attempt reopens the store; while they fail and no space comes back,
  // they come further apart.
  const absl::Time now = absl::Now();  // paces retries; not ledger time
  const bool more_space = free >= free_at_failed_recovery_ + (uint64_t{1} << 20);
  if (now < next_recovery_ && !more_space) return;
  absl::Status recovered = pipeline_->Recover(rebuild_);
  if (!recovered.ok()) {
    recovery_backoff_ = std::min(recovery_backoff_ * 2, interval_ * 32);
    next_recovery_ = now + recovery_backoff_;
    free_at_failed_recovery_ = free;
    if (now - last_recovery_log_ >= absl::Minutes(1)) {
      last_recovery_log_ = now;
      LOG(WARNING) << "writes still stopped: reopening the store failed: " << recovered << "; "
                   << gate_->DiskFigures(free) << "; retrying";
    }
    return;
  }
  recovery_backoff_ = interval_;
  next_recovery_ = absl::InfinitePast();
  free_at_failed_recovery_ = 0;
  gate_->Recovered(free);
}

}  // namespace wallet
