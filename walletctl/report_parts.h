// Parts of reports that commands of several roles show: the journal table
// (`journal`, `history`, `statement`), a meter with its consumer
// (`register-meter`, `get-meter`, `update-meter`, `move-meter`), recharge
// orders (`start-recharge`, `order`, `orders`, `cancel-order`,
// `confirm-payment`) and recorded changes (`update-*`, `move-meter`,
// `changes`).
#ifndef WALLETCTL_REPORT_PARTS_H_
#define WALLETCTL_REPORT_PARTS_H_

#include <string>

#include "google/protobuf/repeated_ptr_field.h"
#include "wallet/v1/admin.pb.h"
#include "wallet/v1/collection.pb.h"
#include "wallet/v1/common.pb.h"
#include "walletctl/output.h"

namespace walletctl {

// AddJournalTable sets `report`'s table to `entries`, in their order, one
// row per entry with the change to the account and its balance after it:
// SEQ, TIME, TYPE, CHANGE, BALANCE, COUNTERPART, REF, MEMO.
void AddJournalTable(const google::protobuf::RepeatedPtrField<wallet::v1::JournalEntry>& entries,
                     Report& report);

// AddMeterFields adds a meter's fields: meter, consumer (id, name and phone
// as far as `consumer` has them), category, location, sanctioned load,
// tariff, billing mode, CT-operated, address, registered, last recharge.
void AddMeterFields(const wallet::v1::Meter& meter, const wallet::v1::Consumer& consumer,
                    Report& report);

// AddDuesPaidFields adds what a payment toward dues answered: the
// transfers to principal and to surcharge ("-" for none), the dues left and
// whether a reconnect was ordered.
void AddDuesPaidFields(const wallet::v1::PayDuesResponse& paid, Report& report);

// AddOrderFields adds a recharge order's fields: order, meter, consumer,
// amount, state (pending, paid, cancelled or expired), created, expires,
// payment, paid, cancelled, cancel reason; "-" for what has not happened.
void AddOrderFields(const wallet::v1::Order& order, Report& report);

// AddOrderTable sets `report`'s table to `orders`, one row each: ORDER,
// METER, CONSUMER, AMOUNT, STATE, CREATED, EXPIRES, CLOSED (when it was paid
// or cancelled) and DETAIL ("payment <id>", or why it was cancelled); "-"
// for what has not happened. `order` shows one order field by field.
void AddOrderTable(const google::protobuf::RepeatedPtrField<wallet::v1::Order>& orders,
                   Report& report);

// ChangeKindText is "consumer_updated", "meter_updated" or "meter_moved".
std::string ChangeKindText(wallet::v1::Change::Kind kind);

// AdminKeyText names the admin key that made a change: "3fa9c1d2e4b5a6f7
// (control room)", the key id alone without a label, "-" without either.
std::string AdminKeyText(const wallet::v1::Change& change);

// FieldChangeText is "phone: +919826000102 -> +919826000999"; an empty
// value prints as "-".
std::string FieldChangeText(const wallet::v1::FieldChange& field);

// AddChangeFields adds what an update or move answered: "result"
// ("unchanged: ..., nothing recorded" when `unchanged`, else the change's
// number) and, for a recorded change, when, by which admin key, the reason
// and one "changed" field per field changed.
void AddChangeFields(bool unchanged, const wallet::v1::Change& change, Report& report);

// AddChangeTable sets `report`'s table to `changes`, one row per field
// changed: SEQ, TIME, KIND, METER, CONSUMER, BY, REASON, FIELD, BEFORE,
// AFTER. For people, a change's later rows leave its first seven columns
// blank; CSV repeats them, so that each row stands alone.
void AddChangeTable(const google::protobuf::RepeatedPtrField<wallet::v1::Change>& changes,
                    Report& report);

}  // namespace walletctl

#endif  // WALLETCTL_REPORT_PARTS_H_
