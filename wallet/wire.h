// Conversions between the records the wallet stores (wallet.store.v1, see
// proto/wallet/store/v1/records.proto) and the messages it serves
// (wallet.v1). Stored times are int64 microseconds since the Unix epoch with
// 0 meaning "never"; wire times are google.protobuf.Timestamp, left unset for
// "never". Internal fields (a wallet's chain links, rating carries, alert
// bits) have no wire counterpart and are dropped here.
//
// The ledger builds responses on its hot paths with these, so they copy
// fields directly (records taken by value are moved from), never through a
// serialisation.
//
// Example:
//   *response.mutable_recharge() = ToWire(Post(txn, ...));
//   WALLET_ASSIGN_OR_RETURN(int64_t at, TimeField("reading.meter_time", reading.meter_time()));
#ifndef WALLET_WIRE_H_
#define WALLET_WIRE_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/timestamp.pb.h"
#include "wallet/store/v1/records.pb.h"
#include "wallet/v1/admin.pb.h"
#include "wallet/v1/common.pb.h"
#include "wallet/v1/meter.pb.h"

namespace wallet {

// SetTimestamp writes `unix_micros` into `*out` (seconds and non-negative
// nanos, also for times before 1970).
void SetTimestamp(int64_t unix_micros, google::protobuf::Timestamp* out);

// UnixMicros returns the Timestamp in microseconds since the epoch (nanos
// below a microsecond are dropped), 0 for an unset one, and nullopt when it
// is not a valid Timestamp: nanos outside [0, 999999999] or seconds outside
// 0001-01-01 to 9999-12-31.
std::optional<int64_t> UnixMicros(const google::protobuf::Timestamp& time);

// TimeField is UnixMicros for a request field: InvalidArgument naming
// `field` when the Timestamp is not valid.
absl::StatusOr<int64_t> TimeField(absl::string_view field,
                                  const google::protobuf::Timestamp& time);

// Stored record -> wire message.
v1::Transfer ToWire(store::v1::TransferRecord record);
v1::Consumer ToWire(store::v1::ConsumerRecord record);
v1::Retailer ToWire(store::v1::RetailerRecord record);
v1::Order ToWire(store::v1::OrderRecord record);
v1::RelayCommand ToWire(store::v1::RelayCommandRecord record);
v1::Notification ToWire(store::v1::NotificationRecord record);
// The meter as registered, with its last recharge from its state.
v1::Meter ToWire(store::v1::MeterRecord record, const store::v1::MeterState& state);
// What an operator sees of a meter's policy state (AdminService.GetMeterState).
v1::MeterPolicyState ToWire(absl::string_view meter_id, const store::v1::MeterState& state);

// Wire input -> stored record. Output-only fields of the wire message
// (register_time, last recharge, create_time) are not copied.
store::v1::MeterRecord RecordOf(const v1::Meter& meter);
store::v1::ConsumerRecord RecordOf(const v1::Consumer& consumer);
store::v1::RetailerRecord RecordOf(const v1::Retailer& retailer);

}  // namespace wallet

#endif  // WALLET_WIRE_H_
