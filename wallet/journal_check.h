// CheckJournal: the ledger check (AdminService.CheckLedger). Every balance is
// rebuilt from the journal and compared with the stored one, and the
// journal's own invariants are checked:
//   * transfers are numbered 1, 2, 3, ... without gaps, each moves a
//     positive amount, and the duty inside a charge is within it;
//   * each meter wallet's chain (TransferRecord.wallet_prev_seq and
//     wallet_balance_after) links every one of its transfers, and its head
//     is the wallet's last_seq;
//   * all the duty inside charges has been swept to system:duty;
//   * every account's rebuilt balance equals its stored one and fits in
//     int64, accounts without a stored balance hold nothing, and the stored
//     balances sum to zero.
// Sums are taken in 128 bits, so that a balance out of int64's range (or a
// sum that is not zero) cannot hide behind a wrap-around.
//
// Reads one snapshot of the store: a commit meanwhile is not a mismatch.
// Thread-safe; reads the whole journal, so it takes time on a large store.
#ifndef WALLET_JOURNAL_CHECK_H_
#define WALLET_JOURNAL_CHECK_H_

#include "absl/status/statusor.h"
#include "wallet/store.h"
#include "wallet/v1/admin.pb.h"

namespace wallet {

// CheckJournal returns what it found: `ok` with the counts when everything
// holds, otherwise the accounts (and transfers, "transfer #n", "chain at
// transfer #n", "chain head of <meter>") that do not. Errors: Internal for a
// record that does not parse; the store's errors.
absl::StatusOr<v1::CheckLedgerResponse> CheckJournal(const Store& store);

}  // namespace wallet

#endif  // WALLET_JOURNAL_CHECK_H_
