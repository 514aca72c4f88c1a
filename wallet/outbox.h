// Outbox: the side effects of balance changes, committed in the same batch as
// the change that causes them and delivered from here at least once.
//
// Two streams, each numbered from 1 without gaps: relay commands for the
// meter gateway and notifications for the SMS sender. Each stream has a
// durable cursor, the last seq its receiver acknowledged; receivers resume
// after it and de-duplicate by the item's id ("rc-<seq>", "nt-<seq>").
// Cursor rules: an acknowledgement only moves the cursor forward (one at or
// below it changes nothing) and never past the newest item.
//
// Store layout (part of the store's format):
//   Table::kOutbox  stream byte ('r', 'n') be64(seq) -> store::v1::OutboxItem
//   Table::kMeta    "cursor/" stream byte           -> be64(acknowledged seq)
//
// Outbox is the writer's side: it hands out seqs and keeps the cursors in
// memory (writer thread only). The Read* functions are the readers' side:
// they read committed items from the store and are thread-safe.
//
// Example:
//   store::v1::OutboxItem item;
//   item.mutable_notification()->set_kind(v1::Notification::RECHARGE_RECEIPT);
//   ...
//   outbox.Add(*txn.batch, item);  // item.notification().seq() is now set
#ifndef WALLET_OUTBOX_H_
#define WALLET_OUTBOX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "wallet/store.h"
#include "wallet/store/v1/records.pb.h"

namespace wallet {

// Stream names an outbox stream; its value is the byte that starts the
// stream's keys.
enum class Stream : char {
  kRelay = 'r',         // relay commands (store::v1::RelayCommandRecord)
  kNotification = 'n',  // notifications (store::v1::NotificationRecord)
};

// kStreams lists every stream, in key order.
inline constexpr Stream kStreams[] = {Stream::kRelay, Stream::kNotification};

// StreamByte is the byte that starts the stream's keys: 'r' or 'n'.
inline char StreamByte(Stream stream) { return static_cast<char>(stream); }

// OutboxKey is the key of item `seq` of `stream`; OutboxPrefix the prefix of
// all of the stream's keys; CursorKey the meta key of its cursor.
std::string OutboxKey(Stream stream, uint64_t seq);
std::string OutboxPrefix(Stream stream);
std::string CursorKey(Stream stream);

class Outbox final {
 public:
  // Load reads each stream's newest seq and its cursor from the store.
  // Errors: the store's.
  absl::Status Load(const Store& store);

  // Add appends `item`, which holds a relay command or a notification, to
  // its stream: it sets the item's seq and id from the stream's next seq and
  // writes the item into `batch`. Cannot fail.
  void Add(Batch& batch, store::v1::OutboxItem& item);

  // NextNotificationId is the id Add gives the next notification ("nt-<seq>"),
  // for what must be bound to it before it is added (a sealed OTP).
  std::string NextNotificationId() const;

  // Ack moves the stream's cursor forward to `seq` and writes it into
  // `batch`. OK without a write for a seq at or below the cursor;
  // InvalidArgument for a seq beyond the newest item.
  absl::Status Ack(Batch& batch, Stream stream, uint64_t seq);

  // TakeWritten tells whether items were added since the last call, and
  // resets the flag.
  bool TakeWritten() {
    const bool written = written_;
    written_ = false;
    return written;
  }

 private:
  static int Index(Stream stream) { return stream == Stream::kRelay ? 0 : 1; }

  uint64_t next_seq_[2] = {1, 1};  // by Index
  uint64_t cursor_[2] = {0, 0};
  bool written_ = false;
};

// OutboxStats describes one outbox stream.
struct OutboxStats {
  // Items ever committed to the stream, and acknowledged by its receiver
  // (seqs run from 1 without gaps, so these are the newest seq and the
  // durable cursor).
  uint64_t committed = 0;
  uint64_t acknowledged = 0;
  // Age of the oldest item not yet acknowledged, as of the `now` given;
  // zero when everything is acknowledged.
  absl::Duration oldest_unacknowledged_age;
};

// ReadOutbox returns the committed items of `stream` after `after_seq`, at
// most `max`, as stored (ToWire in wallet/wire.h gives what receivers are
// sent). Internal for a corrupt item.
absl::StatusOr<std::vector<store::v1::OutboxItem>> ReadOutbox(const Store& store, Stream stream,
                                                              uint64_t after_seq, int max);

// ReadOutboxCursor returns the stream's committed cursor (0: nothing
// acknowledged yet).
absl::StatusOr<uint64_t> ReadOutboxCursor(const Store& store, Stream stream);

// ReadOutboxStats reads the stream's figures from one snapshot of the store.
// Internal for a gap or a corrupt item.
absl::StatusOr<OutboxStats> ReadOutboxStats(const Store& store, Stream stream, absl::Time now);

}  // namespace wallet

#endif  // WALLET_OUTBOX_H_
