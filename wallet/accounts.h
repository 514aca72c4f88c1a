// Account names of the double-entry ledger. Every balance belongs to one
// account; every transfer moves money from one account to another, so the
// balances of all accounts always sum to zero.
//
//   meter:<id>      a meter's prepaid wallet (consumer's credit, >= 0 except by policy)
//   arrears:<id>    post-paid dues of a meter, principal: legacy arrears of
//                   a meter converted to prepaid and dues imported from
//                   billing (negative: owed)
//   surcharge:<id>  late-payment surcharge a meter owes (negative: owed)
//   retailer:<id>   a retailer's prepaid float
//   system:*        the utility's own accounts, listed below
#ifndef WALLET_ACCOUNTS_H_
#define WALLET_ACCOUNTS_H_

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace wallet {

// Money the payment gateway has collected for us and will settle.
inline constexpr absl::string_view kPaymentClearing = "system:payment_clearing";
// Cash retailers deposited with the utility against their floats.
inline constexpr absl::string_view kFloatDeposits = "system:float_deposits";
// Commission paid to retailers (an expense).
inline constexpr absl::string_view kCommission = "system:commission";
// Counterpart of admin credit and debit adjustments.
inline constexpr absl::string_view kAdjustments = "system:adjustments";
// Counterpart of legacy arrears brought into the ledger at registration.
inline constexpr absl::string_view kLegacyArrears = "system:legacy_arrears";
// Energy revenue and fees, used by rating and policy.
inline constexpr absl::string_view kRevenue = "system:revenue";
inline constexpr absl::string_view kFees = "system:fees";
// Electricity duty collected for the state government.
inline constexpr absl::string_view kDuty = "system:duty";
// The billing system's receivable: counterpart of dues imported from it.
inline constexpr absl::string_view kBilledDues = "system:billed_dues";
// Cash taken at the utility's counters toward dues.
inline constexpr absl::string_view kCounterCash = "system:counter_cash";

// Key prefix of tariff versions added through the API, in the meta table.
inline constexpr absl::string_view kTariffPrefix = "tariff/";

inline bool IsSystemAccount(absl::string_view account) {
  return absl::StartsWith(account, "system:");
}

// MeterOfAccount sets *meter_id and returns true for a meter wallet
// ("meter:<id>").
inline bool MeterOfAccount(absl::string_view account, absl::string_view* meter_id) {
  if (!absl::StartsWith(account, "meter:")) return false;
  *meter_id = account.substr(6);
  return true;
}

inline std::string MeterAccount(absl::string_view meter_id) {
  return absl::StrCat("meter:", meter_id);
}
inline std::string ArrearsAccount(absl::string_view meter_id) {
  return absl::StrCat("arrears:", meter_id);
}
inline std::string SurchargeAccount(absl::string_view meter_id) {
  return absl::StrCat("surcharge:", meter_id);
}
inline std::string RetailerAccount(absl::string_view retailer_id) {
  return absl::StrCat("retailer:", retailer_id);
}

}  // namespace wallet

#endif  // WALLET_ACCOUNTS_H_
