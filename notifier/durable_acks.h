// DurableAcks: acknowledges walletd's notification stream only up to what
// the SMS store has on disk, without a disk sync per message.
//
// The notifier's loop records each message Kannel took without syncing it
// (SmsStore::Advance with Sync::kLater) and calls Handled with its seq. A
// thread of DurableAcks syncs the store, then acknowledges the highest seq
// handled before that sync began. One sync thus covers every message the
// loop handled while the previous sync ran: the loop sends at Kannel's pace
// instead of one disk sync per SMS, and walletd still forgets a
// notification only once its record is durable. A failed sync acknowledges
// nothing and is tried again after `retry`; a failed acknowledgement (the
// stream broke) stops the acknowledging, and the reopened stream resends
// what was not acknowledged (the store's records say it was sent).
//
// Threads: Handled and Finish are called from the loop's thread; acked
// from any. `sync` and `ack` run on the DurableAcks thread, never at once.
//
// Example:
//   DurableAcks acks([&] { return store->Sync(); },
//                    [&](uint64_t seq) { return stream.Ack(seq); }, absl::Milliseconds(200));
//   while (stream.Read(&n)) { Handle(n); acks.Handled(n.seq()); }
//   acks.Finish();
#ifndef NOTIFIER_DURABLE_ACKS_H_
#define NOTIFIER_DURABLE_ACKS_H_

#include <cstdint>
#include <functional>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace notifier {

class DurableAcks {
 public:
  // `sync` makes every record written so far durable; `ack` acknowledges
  // the stream up to a seq and says whether the stream took it.
  DurableAcks(std::function<absl::Status()> sync, std::function<bool(uint64_t)> ack,
              absl::Duration retry);
  // ~DurableAcks calls Finish.
  ~DurableAcks();

  DurableAcks(const DurableAcks&) = delete;
  DurableAcks& operator=(const DurableAcks&) = delete;

  // Handled says that the message `seq` (and every one before it) is
  // recorded, or needs no record; seqs only grow.
  void Handled(uint64_t seq);
  // Finish syncs and acknowledges what was handled, unless a sync fails or
  // the stream broke, and stops the thread. Idempotent.
  void Finish();
  // acked is the highest seq acknowledged so far; 0 if none.
  uint64_t acked();

 private:
  void Run();
  bool WorkOrFinish() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::function<absl::Status()> sync_;
  const std::function<bool(uint64_t)> ack_;
  const absl::Duration retry_;

  absl::Mutex mu_;
  uint64_t handled_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t acked_ ABSL_GUARDED_BY(mu_) = 0;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;

  std::thread thread_;
};

}  // namespace notifier

#endif  // NOTIFIER_DURABLE_ACKS_H_
