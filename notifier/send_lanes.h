// SendLanes: the notifications of one open stream, handled by several
// threads at once, so that the notifier keeps more than one SMS in flight
// at Kannel (whose answer takes a round trip through smsbox and bearerbox)
// while each consumer's SMS still go out in stream order.
//
// A notification goes to the lane of its phone number (the meter's id if it
// has none), so one consumer's messages are handled one after the other in
// stream order; with one lane, every message is. As notifications finish,
// `done` is called with the highest seq that has every notification
// dispatched up to it finished: that is as far as the stream may be
// acknowledged.
//
// Threads: Dispatch, Close and the destructor are called from the stream's
// reading thread; OldestUnfinished from any. `handle` runs on the lanes'
// threads, several at once (it must be thread-safe); `done` is called on
// them one at a time, with growing seqs.
//
// Example:
//   SendLanes lanes(4, 256, [&](const Notification& n) { return Handle(n); },
//                   [&](uint64_t seq) { acks.Handled(seq); });
//   while (stream.Read(&n) && lanes.Dispatch(n)) {}
//   lanes.Close();
#ifndef NOTIFIER_SEND_LANES_H_
#define NOTIFIER_SEND_LANES_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "wallet/v1/meter.pb.h"

namespace notifier {

class SendLanes {
 public:
  // `handle` settles one notification and returns false if it was cut
  // short (the notifier is stopping): then nothing from it on is
  // acknowledged and the lanes close. At most `max_in_flight` notifications
  // are dispatched and not finished at once. `lanes` and `max_in_flight`
  // are at least 1.
  SendLanes(int lanes, int max_in_flight,
            std::function<bool(const wallet::v1::Notification&)> handle,
            std::function<void(uint64_t)> done);
  // ~SendLanes calls Close.
  ~SendLanes();

  SendLanes(const SendLanes&) = delete;
  SendLanes& operator=(const SendLanes&) = delete;

  // Dispatch queues `notification` on its lane, waiting while
  // `max_in_flight` are unfinished. False, with nothing queued, once the
  // lanes are closing (a handle was cut short, or Close).
  bool Dispatch(const wallet::v1::Notification& notification);

  // Close lets each lane finish the notification in hand, drops those
  // still queued (the reopened stream delivers them again) and joins the
  // threads. Idempotent.
  void Close();

  // OldestUnfinished is the create time of the oldest notification
  // dispatched and not finished; nullopt if there is none.
  std::optional<absl::Time> OldestUnfinished();

 private:
  struct Lane {
    std::deque<wallet::v1::Notification> queue;
    absl::CondVar ready;  // something queued, or closing
    std::thread thread;
  };

  void RunLane(Lane* lane);
  // Finished marks `seq` finished and reports the new acknowledgeable seq.
  void Finished(uint64_t seq) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int max_in_flight_;
  const std::function<bool(const wallet::v1::Notification&)> handle_;
  const std::function<void(uint64_t)> done_;

  absl::Mutex mu_;
  absl::CondVar space_;  // a notification finished, or closing
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  // Every dispatched, unfinished notification (and finished ones behind an
  // unfinished one), by seq: whether it finished, and its create time.
  struct InFlight {
    bool finished = false;
    absl::Time create_time;
  };
  std::map<uint64_t, InFlight> in_flight_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Lane>> lanes_;  // fixed once constructed
};

}  // namespace notifier

#endif  // NOTIFIER_SEND_LANES_H_
