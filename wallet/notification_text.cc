#include "wallet/notification_text.h"

#include "absl/strings/str_cat.h"
#include "wallet/money.h"

namespace wallet {
namespace {

std::string DaysText(int64_t days) {
  return days == 0 ? std::string("less than a day")
                   : absl::StrCat("about ", days, days == 1 ? " day" : " days");
}

}  // namespace

std::string AlertText(absl::string_view meter_id, const PolicyAlert& alert) {
  const std::string balance = FormatRupees(alert.balance_paise);
  switch (alert.why) {
    case PolicyAlert::Why::kThreshold:
      return absl::StrCat("Meter ", meter_id, ": balance ", balance,
                          " is low. Recharge soon to avoid disconnection.");
    case PolicyAlert::Why::kFloor:
      return absl::StrCat("Meter ", meter_id, ": balance ", balance, " has reached ",
                          FormatRupees(alert.amount_paise), ". Recharge soon.");
    case PolicyAlert::Why::kDaysLeft:
      return absl::StrCat("Meter ", meter_id, ": balance ", balance, " lasts ",
                          DaysText(alert.days_left), " at your recent usage. Recharge soon.");
    case PolicyAlert::Why::kNotice:
      return absl::StrCat("Meter ", meter_id, ": credit exhausted (balance ", balance, "). Notice ",
                          alert.notice_day, " of ", alert.notice_days,
                          ": supply will be disconnected after the notice period unless you "
                          "recharge.");
  }
  return std::string();
}

std::string RechargeReceiptText(absl::string_view meter_id, int64_t amount_paise,
                                int64_t arrears_paise, int64_t balance_paise) {
  return absl::StrCat(
      "Recharge of ", FormatRupees(amount_paise), " received for meter ", meter_id,
      arrears_paise > 0 ? absl::StrCat(", arrears recovered ", FormatRupees(arrears_paise)) : "",
      ". New balance ", FormatRupees(balance_paise), ".");
}

std::string PaymentFailedText(absl::string_view meter_id, int64_t amount_paise) {
  return absl::StrCat("Your online payment of ", FormatRupees(amount_paise), " for meter ",
                      meter_id, " failed. No money was credited; please try again.");
}

std::string DuesReceiptText(absl::string_view meter_id, int64_t principal_paise,
                            int64_t surcharge_paise, int64_t dues_left_paise) {
  std::string text = absl::StrCat("Payment of ", FormatRupees(principal_paise + surcharge_paise),
                                  " toward the dues of meter ", meter_id, " received");
  if (surcharge_paise > 0) {
    absl::StrAppend(&text, " (", FormatRupees(principal_paise), " principal, ",
                    FormatRupees(surcharge_paise), " surcharge)");
  }
  absl::StrAppend(&text, ". ",
                  dues_left_paise > 0
                      ? absl::StrCat("Dues left ", FormatRupees(dues_left_paise), ".")
                      : std::string("All dues are paid. Thank you."));
  return text;
}

std::string DisconnectedText(absl::string_view meter_id, bool for_nonpayment) {
  return for_nonpayment
             ? absl::StrCat("Meter ", meter_id,
                            ": supply disconnected for non-payment. Recharge to restore it.")
             : absl::StrCat("Meter ", meter_id,
                            ": supply disconnected by the utility. Please contact your section "
                            "office.");
}

std::string ReconnectedText(absl::string_view meter_id) {
  return absl::StrCat("Meter ", meter_id, ": supply restored. Thank you.");
}

std::string ArmedText(absl::string_view meter_id) {
  return absl::StrCat("Meter ", meter_id,
                      ": supply can be restored: press the button on your meter.");
}

std::string RelayTamperText(absl::string_view meter_id) {
  return absl::StrCat("Meter ", meter_id,
                      ": relay reported closed while commanded off: possible forced "
                      "reconnection.");
}

std::string BypassText(absl::string_view meter_id, int64_t energy_wh) {
  return absl::StrCat("Meter ", meter_id, ": ", energy_wh,
                      " Wh consumed while disconnected: possible bypass.");
}

std::string QuarantinedText(absl::string_view meter_id, absl::string_view reason) {
  return absl::StrCat("Meter ", meter_id, ": reading quarantined: ", reason);
}

absl::string_view RelayReasonText(RelayReason reason) {
  switch (reason) {
    case RelayReason::kRetry:
      return "retry after a failed command";
    case RelayReason::kHoldKeepDisconnected:
      return "admin hold: keep disconnected";
    case RelayReason::kHoldNeverDisconnect:
      return "admin hold: never disconnect";
    case RelayReason::kRestore:
      return "recharged";
    case RelayReason::kCut:
      return "credit exhausted, notice served";
    case RelayReason::kNowPostpaid:
      return "billing mode changed to post-paid";
    case RelayReason::kHoldLifted:
      return "admin hold lifted";
  }
  return "";
}

std::string DriveCutText(absl::string_view meter_id, int64_t dues_paise) {
  return absl::StrCat("Meter ", meter_id, ": supply disconnected for unpaid dues of ",
                      FormatRupees(dues_paise),
                      ". Pay your dues at the counter, a retailer or online to restore it.");
}

std::string DriveRestoreText(absl::string_view meter_id, int64_t dues_paise, int64_t fee_paise) {
  return absl::StrCat(
      "Meter ", meter_id, ": payment toward your dues received; supply is being restored.",
      fee_paise > 0 ? absl::StrCat(" Reconnection fee ", FormatRupees(fee_paise), " added.") : "",
      dues_paise > 0 ? absl::StrCat(" Dues left ", FormatRupees(dues_paise), ".") : "");
}

std::string DriveCutReason(absl::string_view drive_id) {
  return absl::StrCat("collection drive ", drive_id, ": dues unpaid");
}

std::string DriveRestoreReason(absl::string_view drive_id) {
  return absl::StrCat("collection drive ", drive_id, ": dues paid");
}

std::string SignInOtpText(absl::string_view otp, int64_t minutes) {
  return absl::StrCat("OTP ", otp, " signs you in to the electricity app. Valid ", minutes,
                      " minutes. Do not share it.");
}

std::string LinkOtpText(absl::string_view otp, absl::string_view consumer_id,
                        absl::string_view masked_mobile, int64_t minutes) {
  return absl::StrCat("OTP ", otp, " links consumer ", consumer_id, " to the app of mobile ",
                      masked_mobile, ". Valid ", minutes,
                      " minutes. Share it only if you asked for this.");
}

}  // namespace wallet
