// SmsStore: what became of each SMS the notifier sent, in its own RocksDB,
// keyed by the notification id, so that a restarted notifier does not send
// again what Kannel already took (it acknowledges it instead), and delivery
// reports have a record to land on.
//
// A message's state only moves forward: ACCEPTED (Kannel took it), then
// DELIVERED or FAILED (the delivery report, or a permanent refusal). A
// delivery report can overtake the write of ACCEPTED (Kannel answers the
// send and calls back at once): ACCEPTED then leaves the later state alone.
//
// Durability: a write is synced before it returns unless the caller asks
// for Sync::kLater (then Sync makes it durable): either way it is in
// RocksDB's log when Advance returns, so a crash of the process loses
// nothing; a crash of the machine loses what was not yet synced.
//
// Threads: every method is thread-safe.
//
// Example:
//   absl::StatusOr<std::unique_ptr<notifier::SmsStore>> store = notifier::SmsStore::Open(dir);
//   if ((*store)->Get("n-42")->state == notifier::SmsState::kNone) { /* send it */ }
//   (*store)->Advance("n-42", notifier::SmsState::kAccepted, now);
#ifndef NOTIFIER_SMS_STORE_H_
#define NOTIFIER_SMS_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "rocksdb/db.h"

namespace notifier {

// In the order a message moves through them.
enum class SmsState { kNone = 0, kAccepted = 1, kDelivered = 2, kFailed = 3 };

// SmsStateName is "none", "accepted", "delivered" or "failed".
absl::string_view SmsStateName(SmsState state);

struct SmsRecord {
  SmsState state = SmsState::kNone;
  absl::Time update_time = absl::UnixEpoch();  // when it reached `state`
};

class SmsStore {
 public:
  // Open opens (creating it if missing) the store in directory `path`.
  // Unavailable if RocksDB cannot open it (locked by another notifier,
  // unreadable).
  static absl::StatusOr<std::unique_ptr<SmsStore>> Open(const std::string& path);

  // Get is the notification's record; state kNone if there is none.
  // Internal if the stored record cannot be read.
  absl::StatusOr<SmsRecord> Get(absl::string_view notification_id);

  // Whether Advance syncs its write before it returns (kNow) or leaves that
  // to a later Sync (kLater), which then covers many writes at once.
  enum class Durability { kNow, kLater };

  // Advance moves the notification to `state` at `now` if that is forward
  // (kDelivered and kFailed are both final: neither replaces the other),
  // synced as `durability` says. Returns whether it moved. Unavailable if
  // the write failed.
  absl::StatusOr<bool> Advance(absl::string_view notification_id, SmsState state, absl::Time now,
                               Durability durability = Durability::kNow);

  // Sync makes every write so far durable. Unavailable if it failed.
  absl::Status Sync();

 private:
  explicit SmsStore(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}

  // Serialises read-compare-write, so that a report and an acceptance of
  // one message cannot both win.
  absl::Mutex mu_;
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace notifier

#endif  // NOTIFIER_SMS_STORE_H_
