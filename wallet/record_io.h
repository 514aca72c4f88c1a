// Reading stored records (wallet/store/v1/records.proto) back from the store,
// for the wallet's readers. A record that does not parse is Internal: the
// store is corrupt or was written by another layout.
#ifndef WALLET_RECORD_IO_H_
#define WALLET_RECORD_IO_H_

#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "base/status_macros.h"
#include "wallet/store.h"
#include "wallet/store/v1/records.pb.h"

namespace wallet {

// ParseRecord parses `bytes` as a `Message`; Internal naming `what` if they
// do not parse.
template <typename Message>
absl::StatusOr<Message> ParseRecord(absl::string_view bytes, absl::string_view what) {
  Message message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InternalError(absl::StrCat("corrupt ", what, " record"));
  }
  return message;
}

// ReadRecord reads `key` of `table` (as of `at`, if given) as a `Message`, or
// nullopt when there is none.
template <typename Message>
absl::StatusOr<std::optional<Message>> ReadRecord(const Store& store, Table table,
                                                  absl::string_view key, absl::string_view what,
                                                  const Store::Snapshot* at = nullptr) {
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> stored, store.Get(table, key, at));
  if (!stored) return std::nullopt;
  return ParseRecord<Message>(*stored, what);
}

// ScanRecords calls `visit(key, record)` (returning absl::Status) for each
// record of `table` whose key starts with `prefix`, in key order, parsed as
// a `Message`. It stops at the first error and returns it: the store's,
// Internal "corrupt <what> <key>" for a record that does not parse, or
// `visit`'s.
template <typename Message, typename Visit>
absl::Status ScanRecords(const Store& store, Table table, absl::string_view prefix,
                         absl::string_view what, Visit visit) {
  absl::Status stopped;
  WALLET_RETURN_IF_ERROR(
      store.Scan(table, prefix, "", false, [&](absl::string_view key, absl::string_view value) {
        Message record;
        if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          stopped = absl::InternalError(absl::StrCat("corrupt ", what, " ", key));
        } else {
          stopped = visit(key, std::move(record));
        }
        return stopped.ok();
      }));
  return stopped;
}

// ReadMeterState returns a meter's stored state (its wallet, readings and
// policy) as of `at`, or nullopt if the meter has none.
inline absl::StatusOr<std::optional<store::v1::MeterState>> ReadMeterState(
    const Store& store, absl::string_view meter_id, const Store::Snapshot* at = nullptr) {
  return ReadRecord<store::v1::MeterState>(store, Table::kMeterState, meter_id, "meter state", at);
}

// KeyPrefix is "<id>\0": the prefix of every key an index keeps under one id
// (an account's journal entries, a consumer's meters, ...). Ids never hold a
// NUL, so no id's keys run into another's.
inline std::string KeyPrefix(absl::string_view id) {
  return absl::StrCat(id, absl::string_view("\0", 1));
}

}  // namespace wallet

#endif  // WALLET_RECORD_IO_H_
