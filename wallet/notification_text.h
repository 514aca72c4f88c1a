// The words of the outbox's items: the SMS text of each notification (in
// English), and the reason each relay command gives the meter gateway and
// its log. The ledger decides what to send and calls these to word it; no
// other file writes a notification's text.
//
// Amounts are in paise and shown as rupees (FormatRupees). Meter ids and
// reasons are shown as given.
//
// Thread safety: pure functions; call from any thread.
//
// Example:
//   notification.set_text(RechargeReceiptText("M1", 50'000, 0, 72'500));
//   // "Recharge of Rs 500.00 received for meter M1. New balance Rs 725.00."
#ifndef WALLET_NOTIFICATION_TEXT_H_
#define WALLET_NOTIFICATION_TEXT_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "wallet/prepaid_policy.h"

namespace wallet {

// AlertText words a low-balance alert or a disconnection notice the policy
// decided for meter `meter_id`.
std::string AlertText(absl::string_view meter_id, const PolicyAlert& alert);

// RechargeReceiptText acknowledges a recharge of `amount_paise`, of which
// `arrears_paise` (0: none) went to legacy arrears, leaving `balance_paise`.
std::string RechargeReceiptText(absl::string_view meter_id, int64_t amount_paise,
                                int64_t arrears_paise, int64_t balance_paise);

// PaymentFailedText tells the consumer that an online payment of
// `amount_paise` for meter `meter_id` failed and nothing was credited.
std::string PaymentFailedText(absl::string_view meter_id, int64_t amount_paise);

// DuesReceiptText acknowledges a payment toward a meter's dues: what went
// to principal and to surcharge, and what is left (0: all paid).
std::string DuesReceiptText(absl::string_view meter_id, int64_t principal_paise,
                            int64_t surcharge_paise, int64_t dues_left_paise);

// DisconnectedText tells the consumer that supply was cut, for non-payment
// or by the utility (a hold); ReconnectedText that it is back; ArmedText
// that the consumer must press the meter's button to get it back.
std::string DisconnectedText(absl::string_view meter_id, bool for_nonpayment);
std::string ReconnectedText(absl::string_view meter_id);
std::string ArmedText(absl::string_view meter_id);

// For the utility, not the consumer: RelayTamperText when the relay reads
// closed while commanded off; BypassText when `energy_wh` were consumed
// while disconnected; QuarantinedText when a reading was set aside for
// `reason`.
std::string RelayTamperText(absl::string_view meter_id);
std::string BypassText(absl::string_view meter_id, int64_t energy_wh);
std::string QuarantinedText(absl::string_view meter_id, absl::string_view reason);

// RelayReasonText is the reason a relay command ordered for `reason` gives.
absl::string_view RelayReasonText(RelayReason reason);

// Collection drives (wallet/drive.h). DriveCutText tells the consumer that
// supply was cut for `dues_paise` of unpaid dues; DriveRestoreText that a
// payment toward them brings supply back, with what is still owed
// (`dues_paise`, the reconnection fee `fee_paise` included).
std::string DriveCutText(absl::string_view meter_id, int64_t dues_paise);
std::string DriveRestoreText(absl::string_view meter_id, int64_t dues_paise, int64_t fee_paise);
// DriveCutReason and DriveRestoreReason are the reasons a drive's relay
// commands give.
std::string DriveCutReason(absl::string_view drive_id);
std::string DriveRestoreReason(absl::string_view drive_id);

// Sign-in OTPs (wallet/otp.h). The stored text carries kOtpMask where the
// OTP goes: the notification stream puts the OTP there, so that the store
// and walletd's notification log never show it. SignInOtpText is for a
// sign-in; LinkOtpText for linking `consumer_id` to the app of the mobile
// `masked_mobile`. `minutes` is how long the OTP is valid.
inline constexpr absl::string_view kOtpMask = "******";
std::string SignInOtpText(absl::string_view otp, int64_t minutes);
std::string LinkOtpText(absl::string_view otp, absl::string_view consumer_id,
                        absl::string_view masked_mobile, int64_t minutes);

}  // namespace wallet

#endif  // WALLET_NOTIFICATION_TEXT_H_
