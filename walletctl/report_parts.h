// Parts of reports that commands of several roles show: the journal table
// (`journal`, `history`, `statement`) and an order's fields
// (`start-recharge`, `confirm-payment`).
#ifndef WALLETCTL_REPORT_PARTS_H_
#define WALLETCTL_REPORT_PARTS_H_

#include "google/protobuf/repeated_ptr_field.h"
#include "wallet/v1/common.pb.h"
#include "walletctl/output.h"

namespace walletctl {

// AddJournalTable sets `report`'s table to `entries`, in their order, one
// row per entry with the change to the account and its balance after it:
// SEQ, TIME, TYPE, CHANGE, BALANCE, COUNTERPART, REF, MEMO.
void AddJournalTable(const google::protobuf::RepeatedPtrField<wallet::v1::JournalEntry>& entries,
                     Report& report);

// AddOrderFields adds a recharge order's fields: order, meter, consumer,
// amount, state, created, payment, paid.
void AddOrderFields(const wallet::v1::Order& order, Report& report);

}  // namespace walletctl

#endif  // WALLETCTL_REPORT_PARTS_H_
