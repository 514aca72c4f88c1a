#include "wallet/dues.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "base/status_macros.h"
#include "wallet/ledger_options.h"
#include "wallet/money.h"
#include "wallet/tariff.h"
#include "wallet/validate.h"

namespace wallet {
namespace {

// Owed is what a balance of an arrears or surcharge account owes.
int64_t Owed(int64_t balance) {
  if (balance >= 0) return 0;
  if (balance == std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::max();
  return -balance;
}

absl::Status ValidateDuesAmount(absl::string_view field, int64_t paise) {
  if (paise < 0 || paise > kMaxLedgerAmount) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must be between 0 and ", FormatRupees(kMaxLedgerAmount)));
  }
  return absl::OkStatus();
}

}  // namespace

int64_t DuesAmounts::total() const {
  if (principal_paise > std::numeric_limits<int64_t>::max() - surcharge_paise) {
    return std::numeric_limits<int64_t>::max();
  }
  return principal_paise + surcharge_paise;
}

DuesAmounts OwedOf(int64_t arrears_balance, int64_t surcharge_balance) {
  return {Owed(arrears_balance), Owed(surcharge_balance)};
}

absl::Status ValidateDuesRow(const v1::DuesRow& row) {
  WALLET_RETURN_IF_ERROR(ValidateId("meter_id", row.meter_id()));
  if (row.line() < 1) return absl::InvalidArgumentError("line must be 1 or more");
  WALLET_RETURN_IF_ERROR(ValidateDuesAmount("principal", row.principal_paise()));
  WALLET_RETURN_IF_ERROR(ValidateDuesAmount("surcharge", row.surcharge_paise()));
  if (row.unpaid_bills() < 0 || row.unpaid_bills() > kMaxUnpaidBills) {
    return absl::InvalidArgumentError(
        absl::StrCat("unpaid_bills must be between 0 and ", kMaxUnpaidBills));
  }
  absl::CivilDay day;
  if (!row.oldest_due_date().empty() && !ParseIsoDate(row.oldest_due_date(), &day)) {
    return absl::InvalidArgumentError(
        absl::StrCat("oldest_due_date \"", row.oldest_due_date(), "\" is not a date (YYYY-MM-DD)"));
  }
  return absl::OkStatus();
}

DuesPlan PlanDuesRow(const DuesAmounts& owed, const DuesAmounts& billed, int64_t paid_since) {
  DuesPlan plan;
  // What was paid since the snapshot settles its principal first.
  const int64_t to_principal = std::min(billed.principal_paise, std::max<int64_t>(paid_since, 0));
  const int64_t to_surcharge =
      std::min(billed.surcharge_paise, std::max<int64_t>(paid_since, 0) - to_principal);
  plan.target.principal_paise = billed.principal_paise - to_principal;
  plan.target.surcharge_paise = billed.surcharge_paise - to_surcharge;
  plan.principal_delta = plan.target.principal_paise - owed.principal_paise;
  plan.surcharge_delta = plan.target.surcharge_paise - owed.surcharge_paise;
  return plan;
}

absl::StatusOr<DuesAmounts> AllocateDuesPayment(absl::string_view meter_id, const DuesAmounts& owed,
                                                int64_t amount) {
  const int64_t total = owed.total();
  if (total == 0) {
    return absl::FailedPreconditionError(absl::StrCat("meter ", meter_id, " owes no dues"));
  }
  if (amount > total) {
    return absl::FailedPreconditionError(
        absl::StrCat(FormatRupees(amount), " is more than the dues meter ", meter_id, " owes (",
                     FormatRupees(total), "); pay at most that"));
  }
  DuesAmounts paid;
  paid.principal_paise = std::min(amount, owed.principal_paise);
  paid.surcharge_paise = amount - paid.principal_paise;
  return paid;
}

int64_t PaidSince(const store::v1::DuesRecord& record, int64_t as_of_us) {
  int64_t paid = 0;
  for (const store::v1::DuesPaymentRecord& payment : record.payments()) {
    if (payment.time_us() > as_of_us) {
      paid += payment.principal_paise() + payment.surcharge_paise();
    }
  }
  return paid;
}

void DropPaymentsUpTo(int64_t cutoff_us, store::v1::DuesRecord* record) {
  auto* payments = record->mutable_payments();
  payments->erase(std::remove_if(payments->begin(), payments->end(),
                                 [cutoff_us](const store::v1::DuesPaymentRecord& payment) {
                                   return payment.time_us() <= cutoff_us;
                                 }),
                  payments->end());
}

}  // namespace wallet
