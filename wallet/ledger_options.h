// LedgerOptions: what a deployment configures of the ledger (wallet/ledger.h):
// amount ceilings, the tariffs, the prepaid policy, the plausibility margin
// of readings and the lifetime of recharge orders.
#ifndef WALLET_LEDGER_OPTIONS_H_
#define WALLET_LEDGER_OPTIONS_H_

#include <cstdint>

#include "absl/time/time.h"
#include "wallet/otp.h"
#include "wallet/v1/policy.pb.h"
#include "wallet/v1/tariff.pb.h"

namespace wallet {

// Ceiling for single amounts a deployment may configure or a request may
// carry: arrears at registration, float limits, and --max_amount_paise.
// Rs 100 crore; every balance change is still overflow-checked.
inline constexpr int64_t kMaxLedgerAmount = 100'000'000'000;

struct LedgerOptions {
  // Largest single recharge, adjustment or top-up. walletd refuses to start
  // above kMaxLedgerAmount; the ledger itself takes any positive value (unit
  // tests drive balances to the edge of int64 with it).
  // Default: Rs 1,00,000.
  int64_t max_amount_paise = 10'000'000;
  // Commission for retailers created without one.
  // Default: 100 bps (1 %).
  int32_t default_commission_bps = 100;
  // Tariffs in force (deploy/config/tariffs.textproto). Default: none, and
  // readings of meters without a tariff in force are rejected.
  v1::TariffBook tariffs;
  // Prepaid policy (deploy/config/policy.textproto). Default: all-default
  // values: no alerts, no emergency credit, no notice, no calendar.
  v1::PolicyConfig policy;
  // A reading is implausible above sanctioned load x elapsed time x this
  // margin (in percent); it is quarantined, not debited.
  // Default: 150.
  int32_t plausible_load_percent = 150;
  // How long a recharge order waits for its payment: a payment confirmed
  // later is refused (the gateway refunds it).
  // Default: 30 minutes.
  absl::Duration order_lifetime = absl::Minutes(30);
  // How long payments toward dues are remembered for the dues imports that
  // deduct them (wallet/dues.h): an import's as_of time may be at most this
  // old.
  // Default: 90 days.
  absl::Duration dues_payment_window = absl::Hours(90 * 24);
  // Consumer sign-in: the OTP rules (wallet/otp.h) and how long a sign-in
  // token lives.
  // Default: OtpOptions' defaults; 30 minutes.
  OtpOptions otp;
  absl::Duration sign_in_token_lifetime = absl::Minutes(30);
};

}  // namespace wallet

#endif  // WALLET_LEDGER_OPTIONS_H_
