#include "wallet/outbox.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "wallet/record_io.h"

namespace wallet {

std::string OutboxPrefix(Stream stream) { return std::string(1, StreamByte(stream)); }

std::string OutboxKey(Stream stream, uint64_t seq) {
  const char byte = StreamByte(stream);
  return absl::StrCat(absl::string_view(&byte, 1), BigEndian64(seq));
}

std::string CursorKey(Stream stream) {
  const char byte = StreamByte(stream);
  return absl::StrCat("cursor/", absl::string_view(&byte, 1));
}

absl::Status Outbox::Load(const Store& store) {
  for (Stream stream : kStreams) {
    const int i = Index(stream);
    WALLET_RETURN_IF_ERROR(store.Scan(Table::kOutbox, OutboxPrefix(stream), "", /*reverse=*/true,
                                      [&](absl::string_view key, absl::string_view) {
                                        next_seq_[i] = DecodeBigEndian64(key.substr(1)) + 1;
                                        return false;
                                      }));
    WALLET_ASSIGN_OR_RETURN(std::optional<std::string> cursor,
                            store.Get(Table::kMeta, CursorKey(stream)));
    if (cursor) cursor_[i] = DecodeBigEndian64(*cursor);
  }
  return absl::OkStatus();
}

void Outbox::Add(Batch& batch, store::v1::OutboxItem& item) {
  const Stream stream = item.has_relay() ? Stream::kRelay : Stream::kNotification;
  const uint64_t seq = next_seq_[Index(stream)]++;
  if (stream == Stream::kRelay) {
    item.mutable_relay()->set_seq(seq);
    item.mutable_relay()->set_command_id(absl::StrCat("rc-", seq));
  } else {
    item.mutable_notification()->set_seq(seq);
    item.mutable_notification()->set_notification_id(absl::StrCat("nt-", seq));
  }
  batch.Put(Table::kOutbox, OutboxKey(stream, seq), item.SerializeAsString());
  written_ = true;
}

std::string Outbox::NextNotificationId() const {
  return absl::StrCat("nt-", next_seq_[Index(Stream::kNotification)]);
}

absl::Status Outbox::Ack(Batch& batch, Stream stream, uint64_t seq) {
  const int i = Index(stream);
  if (seq >= next_seq_[i]) {
    return absl::InvalidArgumentError(absl::StrCat("ack_seq ", seq, " was never sent"));
  }
  if (seq <= cursor_[i]) return absl::OkStatus();
  cursor_[i] = seq;
  batch.Put(Table::kMeta, CursorKey(stream), BigEndian64(seq));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<store::v1::OutboxItem>> ReadOutbox(const Store& store, Stream stream,
                                                              uint64_t after_seq, int max) {
  std::vector<store::v1::OutboxItem> items;
  absl::Status status;
  WALLET_RETURN_IF_ERROR(
      store.Scan(Table::kOutbox, OutboxPrefix(stream), OutboxKey(stream, after_seq + 1), false,
                 [&](absl::string_view, absl::string_view value) {
                   auto item = ParseRecord<store::v1::OutboxItem>(value, "outbox item");
                   if (!item.ok()) {
                     status = item.status();
                     return false;
                   }
                   items.push_back(*std::move(item));
                   return static_cast<int>(items.size()) < max;
                 }));
  WALLET_RETURN_IF_ERROR(status);
  return items;
}

absl::StatusOr<uint64_t> ReadOutboxCursor(const Store& store, Stream stream) {
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> cursor,
                          store.Get(Table::kMeta, CursorKey(stream)));
  return cursor ? DecodeBigEndian64(*cursor) : 0;
}

absl::StatusOr<OutboxStats> ReadOutboxStats(const Store& store, Stream stream, absl::Time now) {
  OutboxStats stats;
  // One snapshot: a commit between the reads is not a gap.
  const auto snapshot = store.TakeSnapshot();
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> cursor,
                          store.Get(Table::kMeta, CursorKey(stream), snapshot.get()));
  if (cursor) stats.acknowledged = DecodeBigEndian64(*cursor);
  WALLET_RETURN_IF_ERROR(store.Scan(
      Table::kOutbox, OutboxPrefix(stream), "", /*reverse=*/true,
      [&](absl::string_view key, absl::string_view) {
        stats.committed = DecodeBigEndian64(key.substr(1));
        return false;
      },
      snapshot.get()));
  if (stats.committed <= stats.acknowledged) return stats;
  WALLET_ASSIGN_OR_RETURN(std::optional<store::v1::OutboxItem> oldest,
                          ReadRecord<store::v1::OutboxItem>(
                              store, Table::kOutbox, OutboxKey(stream, stats.acknowledged + 1),
                              "outbox item", snapshot.get()));
  if (!oldest) {
    return absl::InternalError(absl::StrCat("outbox '", OutboxPrefix(stream), "' has a gap"));
  }
  const int64_t made_us =
      oldest->has_relay() ? oldest->relay().issued_us() : oldest->notification().time_us();
  stats.oldest_unacknowledged_age =
      std::max(absl::ZeroDuration(), now - absl::FromUnixMicros(made_us));
  return stats;
}

}  // namespace wallet
