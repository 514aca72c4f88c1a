// DuesBook: the ledger's in-memory copy of what the billing system last said
// about each meter (unpaid bills, oldest due date, the import and its as_of
// time) and of the recent payments toward its dues, which the next import
// deducts (wallet/dues.h). The amounts owed are not here: they are the
// balances of the meter's arrears and surcharge accounts (wallet/journal.h).
//
// Loaded from the store once; every change is written into the group's
// batch at once (Table::kDues, meter id -> store::v1::DuesRecord). A meter
// has a record from its first import row or payment toward dues on.
//
// Payments are kept for `window` after they were made: an import whose
// as_of time is older than that is refused (the ledger's check), so no
// import needs a payment the book has dropped.
//
// Thread safety: none; the ledger's writer thread owns it.
#ifndef WALLET_DUES_BOOK_H_
#define WALLET_DUES_BOOK_H_

#include <cstdint>

#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "wallet/dues.h"
#include "wallet/store.h"
#include "wallet/store/v1/records.pb.h"
#include "wallet/txn.h"

namespace wallet {

class DuesBook final {
 public:
  // Load reads every dues record into an empty book. Internal for a corrupt
  // record; otherwise the store's error.
  absl::Status Load(const Store& store);

  // Find returns the meter's record, or null if it has none.
  const store::v1::DuesRecord* Find(absl::string_view meter_id) const;

  // Put stores `record` as its meter's (after an import row), dropping the
  // payments older than `window` before txn.now.
  void Put(Txn& txn, store::v1::DuesRecord record, absl::Duration window);

  // RecordPayment adds a payment toward the meter's dues, made at txn.now,
  // and drops those older than `window`.
  void RecordPayment(Txn& txn, absl::string_view meter_id, const DuesAmounts& paid,
                     absl::Duration window);

 private:
  void Write(Txn& txn, store::v1::DuesRecord& record, absl::Duration window);

  absl::node_hash_map<std::string, store::v1::DuesRecord> records_;
};

}  // namespace wallet

#endif  // WALLET_DUES_BOOK_H_
