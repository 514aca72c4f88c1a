// Changes of registered consumers and meters (AdminService.UpdateConsumer,
// UpdateMeter, MoveMeter) and the record kept of each: the utility's audit
// of who changed what, when and why (AdminService.ListChanges).
//
// A change is stored once under every meter and consumer it concerns, keyed
// so that a reverse scan lists one subject's changes newest first:
//   'm' meter id \0 be64(change seq)     -> ChangeRecord
//   'c' consumer id \0 be64(change seq)  -> ChangeRecord
#ifndef WALLET_REGISTRY_CHANGES_H_
#define WALLET_REGISTRY_CHANGES_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "wallet/store/v1/records.pb.h"
#include "wallet/v1/admin.pb.h"

namespace wallet {

// Meta key of the next change's seq (be64).
inline constexpr absl::string_view kNextChangeKey = "next_change";

// ChangePrefix is the prefix of the changes of a meter (`by` 'm') or a
// consumer ('c'); ChangeKey adds the change's seq.
std::string ChangePrefix(char by, absl::string_view id);
std::string ChangeKey(char by, absl::string_view id, uint64_t seq);

// ConsumerMeterKey is the key of `meter_id` in its consumer's list of meters
// (Table::kConsumerMeters): "<consumer id>\0<meter id>".
std::string ConsumerMeterKey(absl::string_view consumer_id, absl::string_view meter_id);

// ToWire converts a stored change to the message served.
v1::Change ToWire(store::v1::ChangeRecord record);

}  // namespace wallet

#endif  // WALLET_REGISTRY_CHANGES_H_
