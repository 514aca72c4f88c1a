#include "walletctl/format.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "wallet/money.h"
#include "walletctl/values.h"

namespace walletctl {
namespace {

namespace v1 = ::wallet::v1;
using ::google::protobuf::util::TimeUtil;

bool IsUnset(const google::protobuf::Timestamp& time) {
  return time.seconds() == 0 && time.nanos() == 0;
}

absl::Time ToTime(const google::protobuf::Timestamp& time) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(time));
}

// Magnitude works in unsigned so that INT64_MIN has one.
uint64_t Magnitude(int64_t value) {
  return value < 0 ? ~static_cast<uint64_t>(value) + 1 : static_cast<uint64_t>(value);
}

}  // namespace

std::string FormatPaise(int64_t paise, bool plus) {
  return absl::StrCat(plus && paise > 0 ? "+" : "", wallet::FormatRupees(paise));
}

std::string DecimalRupees(int64_t paise) {
  const uint64_t magnitude = Magnitude(paise);
  return absl::StrFormat("%s%d.%02d", paise < 0 ? "-" : "", magnitude / 100, magnitude % 100);
}

std::string FormatTimestamp(const google::protobuf::Timestamp& time) {
  if (IsUnset(time)) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S IST", ToTime(time), Ist());
}

std::string LastRechargeText(int64_t paise, const google::protobuf::Timestamp& time) {
  if (IsUnset(time)) return "-";
  return absl::StrCat(FormatPaise(paise), " at ", FormatTimestamp(time));
}

std::string FormatKwh(int64_t wh) {
  const uint64_t magnitude = Magnitude(wh);
  return absl::StrFormat("%s%d.%03d kWh", wh < 0 ? "-" : "", magnitude / 1000, magnitude % 1000);
}

std::string FormatBps(int32_t bps) {
  if (bps < 0) return absl::StrCat(bps, " bps");
  return absl::StrFormat("%d.%02d %% (%d bps)", bps / 100, bps % 100, bps);
}

std::string OrDash(absl::string_view text) { return text.empty() ? "-" : std::string(text); }

Value MoneyValue(int64_t paise, bool plus) {
  return Value{FormatPaise(paise, plus), DecimalRupees(paise)};
}

Value TimeValue(const google::protobuf::Timestamp& time) {
  if (IsUnset(time)) return Value{"-", ""};
  return Value{FormatTimestamp(time), absl::FormatTime(absl::RFC3339_sec, ToTime(time), Ist())};
}

Value OrDashValue(absl::string_view text) { return Value{OrDash(text), std::string(text)}; }

std::string TransferTypeText(v1::TransferType type) {
  return EnumText(*v1::TransferType_descriptor(), type);
}

std::string MemoOf(const v1::Transfer& transfer) {
  if (transfer.duty_paise() <= 0) return transfer.memo();
  return absl::StrCat(transfer.memo(), transfer.memo().empty() ? "" : ", ", "incl. duty ",
                      FormatPaise(transfer.duty_paise()));
}

std::string TransferSummary(const v1::Transfer& transfer) {
  std::string text =
      absl::StrFormat("#%d %s %s %s -> %s at %s", transfer.seq(), TransferTypeText(transfer.type()),
                      FormatPaise(transfer.amount_paise()), transfer.debit_account(),
                      transfer.credit_account(), FormatTimestamp(transfer.create_time()));
  if (!transfer.request_ref().empty()) absl::StrAppend(&text, " ref ", transfer.request_ref());
  const std::string memo = MemoOf(transfer);
  if (!memo.empty()) absl::StrAppend(&text, " (", memo, ")");
  return text;
}

Value ArrearsRecoveredValue(bool recovered, const v1::Transfer& recovery) {
  if (!recovered) return Value{"none", DecimalRupees(0)};
  return Value{
      absl::StrCat(FormatPaise(recovery.amount_paise()), " (transfer #", recovery.seq(), ")"),
      DecimalRupees(recovery.amount_paise())};
}

std::string RelayStateText(v1::RelayState state) {
  return EnumText(*v1::RelayState_descriptor(), state, "RELAY_");
}

std::string ActionText(v1::RelayAction action) {
  if (action == v1::RELAY_ACTION_UNSPECIFIED) return "-";
  return EnumText(*v1::RelayAction_descriptor(), action);
}

std::string YesNo(bool value) { return value ? "yes" : "no"; }

}  // namespace walletctl
