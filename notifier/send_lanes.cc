#include "notifier/send_lanes.h"

#include <algorithm>
#include <string>
#include <utility>

namespace notifier {

namespace v1 = ::wallet::v1;

SendLanes::SendLanes(int lanes, int max_in_flight,
                     std::function<bool(const v1::Notification&)> handle,
                     std::function<void(uint64_t)> done)
    : max_in_flight_(std::max(1, max_in_flight)),
      handle_(std::move(handle)),
      done_(std::move(done)) {
  for (int i = 0; i < std::max(1, lanes); ++i) lanes_.push_back(std::make_unique<Lane>());
  for (const std::unique_ptr<Lane>& lane : lanes_) {
    lane->thread = std::thread([this, l = lane.get()] { RunLane(l); });
  }
}

SendLanes::~SendLanes() { Close(); }

bool SendLanes::Dispatch(const v1::Notification& notification) {
  const std::string& key =
      notification.phone().empty() ? notification.meter_id() : notification.phone();
  Lane& lane = *lanes_[std::hash<std::string>{}(key) % lanes_.size()];
  absl::MutexLock lock(&mu_);
  while (!closing_ && static_cast<int>(in_flight_.size()) >= max_in_flight_) space_.Wait(&mu_);
  if (closing_) return false;
  in_flight_[notification.seq()] =
      InFlight{false, absl::FromUnixSeconds(notification.create_time().seconds())};
  lane.queue.push_back(notification);
  lane.ready.Signal();
  return true;
}

void SendLanes::Close() {
  {
    absl::MutexLock lock(&mu_);
    closing_ = true;
    for (const std::unique_ptr<Lane>& lane : lanes_) lane->ready.Signal();
    space_.SignalAll();
  }
  for (const std::unique_ptr<Lane>& lane : lanes_) {
    if (lane->thread.joinable()) lane->thread.join();
  }
}

std::optional<absl::Time> SendLanes::OldestUnfinished() {
  absl::MutexLock lock(&mu_);
  for (const auto& [seq, entry] : in_flight_) {
    if (!entry.finished) return entry.create_time;
  }
  return std::nullopt;
}

void SendLanes::RunLane(Lane* lane) {
  for (;;) {
    v1::Notification notification;
    {
      absl::MutexLock lock(&mu_);
      while (!closing_ && lane->queue.empty()) lane->ready.Wait(&mu_);
      if (closing_) return;
      notification = std::move(lane->queue.front());
      lane->queue.pop_front();
    }
    const bool settled = handle_(notification);
    absl::MutexLock lock(&mu_);
    if (!settled) {
      closing_ = true;
      for (const std::unique_ptr<Lane>& other : lanes_) other->ready.Signal();
      space_.SignalAll();
      return;
    }
    Finished(notification.seq());
  }
}

void SendLanes::Finished(uint64_t seq) {
  in_flight_[seq].finished = true;
  std::optional<uint64_t> through;
  while (!in_flight_.empty() && in_flight_.begin()->second.finished) {
    through = in_flight_.begin()->first;
    in_flight_.erase(in_flight_.begin());
  }
  if (through) {
    done_(*through);
    space_.SignalAll();
  }
}

}  // namespace notifier
