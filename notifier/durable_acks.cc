#include "notifier/durable_acks.h"

#include <utility>

#include "glog/logging.h"

namespace notifier {

DurableAcks::DurableAcks(std::function<absl::Status()> sync, std::function<bool(uint64_t)> ack,
                         absl::Duration retry)
    : sync_(std::move(sync)), ack_(std::move(ack)), retry_(retry), thread_([this] { Run(); }) {}

DurableAcks::~DurableAcks() { Finish(); }

void DurableAcks::Handled(uint64_t seq) {
  absl::MutexLock lock(&mu_);
  handled_ = seq;
}

void DurableAcks::Finish() {
  {
    absl::MutexLock lock(&mu_);
    finishing_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

uint64_t DurableAcks::acked() {
  absl::MutexLock lock(&mu_);
  return acked_;
}

bool DurableAcks::WorkOrFinish() const { return broken_ || finishing_ || handled_ > acked_; }

void DurableAcks::Run() {
  for (;;) {
    uint64_t target = 0;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &DurableAcks::WorkOrFinish));
      if (broken_ || handled_ <= acked_) return;  // finishing with nothing left
      target = handled_;
    }
    if (const absl::Status synced = sync_(); !synced.ok()) {
      LOG_EVERY_N(ERROR, 20) << "SMS store sync: " << synced << "; nothing acknowledged";
      absl::MutexLock lock(&mu_);
      if (finishing_) return;
      mu_.AwaitWithTimeout(absl::Condition(&finishing_), retry_);
      continue;
    }
    const bool taken = ack_(target);
    absl::MutexLock lock(&mu_);
    if (taken) {
      acked_ = target;
    } else {
      broken_ = true;
    }
  }
}

}  // namespace notifier
