// How walletctl writes the wallet's values, for people and for CSV: amounts
// in rupees with Indian digit grouping, times in IST, energy in kWh, rates in
// percent. The Value makers give both forms (output.h).
//
// Example:
//   FormatPaise(12345678);          // "Rs 1,23,456.78"
//   MoneyValue(-500).csv;           // "-5.00"
//   FormatTimestamp(unset);         // "-"
#ifndef WALLETCTL_FORMAT_H_
#define WALLETCTL_FORMAT_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/timestamp.pb.h"
#include "wallet/v1/common.pb.h"
#include "wallet/v1/meter.pb.h"
#include "walletctl/output.h"

namespace walletctl {

// FormatPaise renders paise as "Rs 1,23,456.78" or "-Rs 5.00"; `plus` marks
// positive amounts "+Rs", for journal changes.
std::string FormatPaise(int64_t paise, bool plus = false);

// DecimalRupees renders paise as plain rupees for machines: "123456.78",
// "-5.00"; exact for every int64.
std::string DecimalRupees(int64_t paise);

// FormatTimestamp renders a time in IST, "2025-04-01 08:00:00 IST"; "-" when
// it is unset ("never").
std::string FormatTimestamp(const google::protobuf::Timestamp& time);

// LastRechargeText is "Rs 500.00 at 2025-04-01 08:00:00 IST", or "-" when
// `time` is unset (never recharged).
std::string LastRechargeText(int64_t paise, const google::protobuf::Timestamp& time);

// FormatKwh renders Wh as kWh with three decimals: 1234 is "1.234 kWh".
std::string FormatKwh(int64_t wh);

// FormatBps renders basis points as a percentage: 150 is "1.50 % (150 bps)".
std::string FormatBps(int32_t bps);

// OrDash is `text`, or "-" when it is empty.
std::string OrDash(absl::string_view text);

// MoneyValue is FormatPaise for people and DecimalRupees for CSV.
Value MoneyValue(int64_t paise, bool plus = false);

// TimeValue is FormatTimestamp for people and RFC 3339 in IST for CSV
// ("2025-04-01T08:00:00+05:30"; empty when unset).
Value TimeValue(const google::protobuf::Timestamp& time);

// OrDashValue is OrDash for people and the text as is for CSV.
Value OrDashValue(absl::string_view text);

// TransferSummary is one line about a transfer: "#12 retailer_recharge
// Rs 500.00 retailer:R1 -> meter:M1 at 2025-04-01 08:00:00 IST
// (memo)".
std::string TransferSummary(const wallet::v1::Transfer& transfer);

// MemoOf is the transfer's memo with the duty it includes, if any.
std::string MemoOf(const wallet::v1::Transfer& transfer);

// TransferTypeText is the transfer type's lower-case name.
std::string TransferTypeText(wallet::v1::TransferType type);

// ArrearsRecoveredValue shows the share of a recharge that went to legacy
// arrears: "Rs 105.00 (transfer #14)", or "none" (CSV "0.00") when the
// response has no `arrears_recovery` transfer.
Value ArrearsRecoveredValue(bool recovered, const wallet::v1::Transfer& recovery);

// RelayStateText is "connected", "disconnected", "armed", "offline" or
// "unknown".
std::string RelayStateText(wallet::v1::RelayState state);

// ActionText is "disconnect" or "reconnect"; "-" for no action.
std::string ActionText(wallet::v1::RelayAction action);

// YesNo is "yes" or "no".
std::string YesNo(bool value);

}  // namespace walletctl

#endif  // WALLETCTL_FORMAT_H_
