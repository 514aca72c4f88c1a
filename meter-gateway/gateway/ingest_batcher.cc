#include "meter-gateway/gateway/ingest_batcher.h"

#include <algorithm>
#include <iterator>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace meter_gateway {

namespace v1 = ::wallet::v1;

IngestBatcher::IngestBatcher(IngestBatcherOptions options, WalletConnection* wallet)
    : options_(std::move(options)), wallet_(wallet) {}

IngestBatcher::~IngestBatcher() { Stop(); }

void IngestBatcher::Add(v1::Reading reading) {
  absl::MutexLock lock(&mu_);
  if (pending_.size() >= options_.max_pending) {
    pending_.pop_front();
    ++stats_.readings_dropped;
    ++dropped_unlogged_;
  }
  pending_.push_back(std::move(reading));
  if (static_cast<int>(pending_.size()) >= options_.batch_size) cv_.Signal();
}

void IngestBatcher::Start() {
  thread_ = std::thread([this] { Run(); });
}

void IngestBatcher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    cv_.Signal();
  }
  if (thread_.joinable()) thread_.join();
  while (Flush()) {
  }
}

void IngestBatcher::Run() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      const absl::Time until = absl::Now() + options_.flush_interval;
      while (!stopping_ && static_cast<int>(pending_.size()) < options_.batch_size &&
             absl::Now() < until) {
        cv_.WaitWithDeadline(&mu_, until);
      }
      if (stopping_) return;
      if (dropped_unlogged_ > 0) {
        LOG(ERROR) << "dropped the oldest " << dropped_unlogged_ << " readings: more than "
                   << options_.max_pending
                   << " waited for walletd; the next reads carry the registers forward";
        dropped_unlogged_ = 0;
      }
    }
    Flush();
  }
}

bool IngestBatcher::Flush() {
  std::vector<v1::Reading> batch;
  {
    absl::MutexLock lock(&mu_);
    const size_t n = std::min<size_t>(pending_.size(), options_.batch_size);
    batch.assign(std::make_move_iterator(pending_.begin()),
                 std::make_move_iterator(pending_.begin() + n));
    pending_.erase(pending_.begin(), pending_.begin() + n);
  }
  if (batch.empty()) return false;
  v1::IngestReadingsRequest request;
  request.set_batch_id(absl::StrCat(options_.instance, "-", ++batch_ids_));
  for (v1::Reading& r : batch) *request.add_readings() = std::move(r);
  absl::StatusOr<v1::IngestReadingsResponse> response = wallet_->IngestReadings(request);
  if (!response.ok()) {
    stats_.readings_dropped += request.readings_size();
    LOG(ERROR) << "dropped " << request.readings_size() << " readings of batch "
               << request.batch_id() << " (" << response.status()
               << "); the next reads carry the registers forward";
    return true;
  }
  ++stats_.batches;
  stats_.readings_sent += request.readings_size();
  if (response->rejected() > 0 || response->quarantined() > 0) {
    LOG(WARNING) << "batch " << request.batch_id() << ": " << response->rejected()
                 << " rejected, " << response->quarantined() << " quarantined of "
                 << request.readings_size();
  }
  return true;
}

size_t IngestBatcher::pending() const {
  absl::MutexLock lock(&mu_);
  return pending_.size();
}

void IngestBatcher::RegisterMetrics(base::Metrics* metrics) {
  metrics->RegisterCounter("gateway_readings_sent_total",
                           "readings in IngestReadings batches walletd answered (those it "
                           "rejected or quarantined included)",
                           &stats_.readings_sent);
  metrics->RegisterCounter("gateway_ingest_batches_total", "IngestReadings calls that succeeded",
                           &stats_.batches);
  metrics->RegisterCounter("gateway_readings_dropped_total",
                           "readings not delivered: the oldest beyond the limit while walletd "
                           "was away, or a batch walletd refused for good (the next reads carry "
                           "the registers forward)",
                           &stats_.readings_dropped);
}

}  // namespace meter_gateway
