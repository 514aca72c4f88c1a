#include "notifier/sms_store.h"

#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace notifier {
namespace {

// A record on disk: "<state number> <unix micros>", readable with ldb.
std::string Encode(const SmsRecord& record) {
  return absl::StrCat(static_cast<int>(record.state), " ", absl::ToUnixMicros(record.update_time));
}

absl::StatusOr<SmsRecord> Decode(absl::string_view key, const std::string& value) {
  std::pair<absl::string_view, absl::string_view> fields = absl::StrSplit(value, ' ');
  int state = 0;
  int64_t micros = 0;
  if (!absl::SimpleAtoi(fields.first, &state) || state < 1 || state > 3 ||
      !absl::SimpleAtoi(fields.second, &micros)) {
    return absl::InternalError(absl::StrCat("corrupt SMS record for ", key, ": ", value));
  }
  return SmsRecord{static_cast<SmsState>(state), absl::FromUnixMicros(micros)};
}

bool IsFinal(SmsState state) { return state == SmsState::kDelivered || state == SmsState::kFailed; }

}  // namespace

absl::string_view SmsStateName(SmsState state) {
  switch (state) {
    case SmsState::kNone:
      return "none";
    case SmsState::kAccepted:
      return "accepted";
    case SmsState::kDelivered:
      return "delivered";
    case SmsState::kFailed:
      return "failed";
  }
  return "unknown";
}

absl::StatusOr<std::unique_ptr<SmsStore>> SmsStore::Open(const std::string& path) {
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status status = rocksdb::DB::Open(options, path, &raw);
  if (!status.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot open the SMS store in ", path, ": ", status.ToString()));
  }
  return std::unique_ptr<SmsStore>(new SmsStore(std::unique_ptr<rocksdb::DB>(raw)));
}

absl::StatusOr<SmsRecord> SmsStore::Get(absl::string_view notification_id) {
  std::string value;
  const rocksdb::Status status =
      db_->Get(rocksdb::ReadOptions(),
               rocksdb::Slice(notification_id.data(), notification_id.size()), &value);
  if (status.IsNotFound()) return SmsRecord{};
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("reading SMS record: ", status.ToString()));
  }
  return Decode(notification_id, value);
}

absl::StatusOr<bool> SmsStore::Advance(absl::string_view notification_id, SmsState state,
                                       absl::Time now, Durability durability) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<SmsRecord> current = Get(notification_id);
  if (!current.ok()) return current.status();
  if (IsFinal(current->state) || static_cast<int>(state) <= static_cast<int>(current->state)) {
    return false;
  }
  rocksdb::WriteOptions options;
  // The stream is acknowledged on the strength of this write, once synced.
  options.sync = durability == Durability::kNow;
  const rocksdb::Status status =
      db_->Put(options, rocksdb::Slice(notification_id.data(), notification_id.size()),
               Encode(SmsRecord{state, now}));
  if (!status.ok()) {
    return absl::UnavailableError(absl::StrCat("writing SMS record: ", status.ToString()));
  }
  return true;
}

absl::Status SmsStore::Sync() {
  const rocksdb::Status status = db_->SyncWAL();
  if (!status.ok()) {
    return absl::UnavailableError(absl::StrCat("syncing the SMS store: ", status.ToString()));
  }
  return absl::OkStatus();
}

}  // namespace notifier
