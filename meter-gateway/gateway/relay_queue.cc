#include "meter-gateway/gateway/relay_queue.h"

namespace meter_gateway {

RelayQueue::RelayQueue(RetryPolicy policy, uint64_t seed) : backoff_(policy, seed) {}

std::vector<uint64_t> RelayQueue::Add(const wallet::v1::RelayCommand& command, absl::Time now) {
  Slot& slot = meters_[command.meter_id()];
  // The stream is in order, so a seq at or below the newest seen for this
  // meter is a redelivery after a reconnect, or was superseded already.
  if (slot.seen && command.seq() <= slot.latest_seq) return {command.seq()};
  slot.seen = true;
  slot.latest_seq = command.seq();
  std::vector<uint64_t> finished;
  if (slot.waiting) {
    finished.push_back(slot.waiting->command.seq());
    if (!slot.running) ready_.erase({slot.due, slot.waiting->command.seq(), command.meter_id()});
  }
  slot.waiting = RelayJob{command, 1};
  slot.due = now;
  if (!slot.running) MakeReady(command.meter_id(), slot);
  return finished;
}

void RelayQueue::MakeReady(const std::string& meter_id, Slot& slot) {
  ready_.insert({slot.due, slot.waiting->command.seq(), meter_id});
}

std::optional<RelayJob> RelayQueue::Take(absl::Time now) {
  if (ready_.empty() || std::get<0>(*ready_.begin()) > now) return std::nullopt;
  const std::string meter_id = std::get<2>(*ready_.begin());
  ready_.erase(ready_.begin());
  Slot& slot = meters_[meter_id];
  RelayJob job = *std::move(slot.waiting);
  slot.waiting.reset();
  slot.running = true;
  ++running_;
  return job;
}

bool RelayQueue::Superseded(const RelayJob& job) const {
  auto it = meters_.find(job.command.meter_id());
  return it != meters_.end() && it->second.latest_seq > job.command.seq();
}

bool RelayQueue::Retry(const RelayJob& job, absl::Time now) {
  if (backoff_.Exhausted(job.attempt) || Superseded(job)) {
    Done(job.command.meter_id());
    return false;
  }
  Slot& slot = meters_[job.command.meter_id()];
  slot.running = false;
  --running_;
  slot.waiting = RelayJob{job.command, job.attempt + 1};
  slot.due = now + BackoffFor(job.attempt);
  MakeReady(job.command.meter_id(), slot);
  return true;
}

void RelayQueue::Done(const std::string& meter_id) {
  Slot& slot = meters_[meter_id];
  if (!slot.running) return;
  slot.running = false;
  --running_;
  if (slot.waiting) MakeReady(meter_id, slot);
}

bool RelayQueue::Reserve(const std::string& meter_id) {
  Slot& slot = meters_[meter_id];
  if (slot.running || slot.waiting) return false;
  slot.running = true;
  ++running_;
  return true;
}

bool RelayQueue::Busy(const std::string& meter_id) const {
  auto it = meters_.find(meter_id);
  return it != meters_.end() && (it->second.running || it->second.waiting.has_value());
}

std::optional<absl::Time> RelayQueue::NextDue() const {
  if (ready_.empty()) return std::nullopt;
  return std::get<0>(*ready_.begin());
}

bool AckTracker::Delivered(uint64_t seq) {
  if (seq <= highest_) return false;  // a redelivery: the first delivery still counts
  highest_ = seq;
  outstanding_.insert(seq);
  return true;
}

void AckTracker::Completed(uint64_t seq) { outstanding_.erase(seq); }

uint64_t AckTracker::Acked() const {
  return outstanding_.empty() ? highest_ : *outstanding_.begin() - 1;
}

}  // namespace meter_gateway
