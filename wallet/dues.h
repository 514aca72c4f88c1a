// Dues from the utility's billing system: the rules of one row of a dues
// import and of a payment toward dues, as pure functions.
//
// A meter's dues are two ledger accounts (wallet/accounts.h): arrears:<id>
// holds the principal (legacy arrears and billed dues), surcharge:<id> the
// late-payment surcharge, both negative while owed, against
// system:billed_dues (the billing system's receivable).
//
// Import rule. A row is the billing system's snapshot of what a meter owes
// as of the import's as_of time, not an increment. What the wallet collected
// toward the meter's dues after as_of (the billing system has not seen it
// yet) is deducted, allocated as payments are, principal first; the rest is
// the target, and the ledger posts the difference between the target and
// what the meter owes now: DUES_BILLED and SURCHARGE_BILLED raise the dues,
// DUES_REDUCED lowers them. A snapshot taken before everything paid since
// leaves nothing owed (never a credit).
//
// Payment rule. A payment goes to the principal first, then to the
// surcharge (a one-time settlement scheme may waive the surcharge later); it
// may be partial, and may not exceed what is owed.
//
// Thread safety: pure functions; call from any thread.
//
// Example:
//   WALLET_RETURN_IF_ERROR(ValidateDuesRow(row));
//   const DuesPlan plan = PlanDuesRow(OwedOf(arrears, surcharge),
//                                     {row.principal_paise(), row.surcharge_paise()},
//                                     PaidSince(record, as_of_us));
//   WALLET_ASSIGN_OR_RETURN(DuesAmounts paid, AllocateDuesPayment(meter_id, owed, amount));
#ifndef WALLET_DUES_H_
#define WALLET_DUES_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "wallet/store/v1/records.pb.h"
#include "wallet/v1/collection.pb.h"

namespace wallet {

// Most rows in one chunk of a dues import.
inline constexpr int kMaxDuesRowsPerChunk = 10'000;
// Most unpaid bills a row may name (a century of monthly bills).
inline constexpr int32_t kMaxUnpaidBills = 1'200;

// DuesAmounts is a principal and a surcharge: what a meter owes, what a row
// bills, what a payment pays.
struct DuesAmounts {
  int64_t principal_paise = 0;
  int64_t surcharge_paise = 0;

  // total saturates at int64's maximum (each part is at most the ledger's
  // ceiling in practice).
  int64_t total() const;
  friend bool operator==(const DuesAmounts& a, const DuesAmounts& b) {
    return a.principal_paise == b.principal_paise && a.surcharge_paise == b.surcharge_paise;
  }
};

// OwedOf is what a meter owes given the balances of its arrears and
// surcharge accounts (negative: owed; a positive balance owes nothing).
DuesAmounts OwedOf(int64_t arrears_balance, int64_t surcharge_balance);

// ValidateDuesRow accepts a row whose values can be imported: a valid meter
// id, line >= 1, amounts from 0 to kMaxLedgerAmount, 0 to kMaxUnpaidBills
// bills, and an oldest due date that is empty or a real YYYY-MM-DD date.
// InvalidArgument naming the field otherwise.
absl::Status ValidateDuesRow(const v1::DuesRow& row);

// DuesPlan is what one row changes: the target the meter will owe and the
// differences to post (positive: billed, negative: reduced).
struct DuesPlan {
  DuesAmounts target;
  int64_t principal_delta = 0;
  int64_t surcharge_delta = 0;
  bool posts() const { return principal_delta != 0 || surcharge_delta != 0; }
};

// PlanDuesRow applies the import rule: `billed` as of the snapshot, less
// `paid_since` (principal first), against `owed` now. Amounts are those
// ValidateDuesRow and the ledger's range allow, so nothing overflows.
DuesPlan PlanDuesRow(const DuesAmounts& owed, const DuesAmounts& billed, int64_t paid_since);

// AllocateDuesPayment splits a payment of `amount` toward the dues `owed`
// by meter `meter_id`: principal first, then surcharge. FailedPrecondition
// if the meter owes nothing or `amount` is more than it owes.
absl::StatusOr<DuesAmounts> AllocateDuesPayment(absl::string_view meter_id, const DuesAmounts& owed,
                                                int64_t amount);

// PaidSince adds up the payments `record` keeps that were made after
// `as_of_us`.
int64_t PaidSince(const store::v1::DuesRecord& record, int64_t as_of_us);

// DropPaymentsUpTo removes the payments made at or before `cutoff_us`: no
// later import can need them.
void DropPaymentsUpTo(int64_t cutoff_us, store::v1::DuesRecord* record);

}  // namespace wallet

#endif  // WALLET_DUES_H_
