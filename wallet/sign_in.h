// Consumer sign-in: where its state lives in the store and how a sign-in
// token becomes a Principal. The OTP rules are wallet/otp.h; the ledger's
// operations are in ledger_sign_in.cc, the wallet's in wallet_sign_in.cc.
//
// A token is 32 random bytes shown once ("st_..."); only its SHA-256 is
// stored, with the mobile, its expiry and, once signed out or revoked, when.
// A mobile's record lists the consumers linked to it (every consumer whose
// phone is the mobile, at each sign-in, and those linked by an OTP sent to
// their phone) and the tokens that may still be live.
//
// Store layout (Table::kSignIn; part of the store's format). Mobiles are
// keyed without a leading '+' (MobileKey):
//   'o' mobile       -> store::v1::OtpStateRecord       (OTPs and counters)
//   'm' mobile       -> store::v1::MobileSignInsRecord  (links and tokens)
//   't' token id     -> store::v1::SignInTokenRecord    (hex SHA-256 of the token)
//
// Thread safety: pure functions; the readers are as thread-safe as Store.
#ifndef WALLET_SIGN_IN_H_
#define WALLET_SIGN_IN_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "wallet/principal.h"
#include "wallet/store.h"

namespace wallet {

// Attempt is the outcome of an operation that writes even when it refuses
// (a wrong OTP counts toward the lock): the refusal is handed to the caller
// only once the write is durable. OK `refusal`: `response` is the answer.
template <typename Response>
struct Attempt {
  absl::Status refusal;
  Response response;
};

// NewOtp is what the caller drew for one OTP: its digits, its salt and
// `seal`, which seals the digits bound to the notification id it is given
// (the ledger draws no random numbers itself).
struct NewOtp {
  std::string otp;
  std::string salt;
  std::function<absl::StatusOr<std::string>(absl::string_view notification_id)> seal;
};

// kTokenPrefix starts every sign-in token ("st_" and 43 URL-safe characters).
inline constexpr absl::string_view kTokenPrefix = "st_";

// MobileKey is a mobile without its leading '+': "+919876543210" and
// "919876543210" are one mobile.
std::string MobileKey(absl::string_view mobile);

// MaskMobile shows only a mobile's last four digits: "******3210".
std::string MaskMobile(absl::string_view mobile);

// The keys of the three records of a mobile or token.
std::string OtpStateKey(absl::string_view mobile);
std::string MobileSignInsKey(absl::string_view mobile);
std::string TokenKey(absl::string_view token_id);

// TokenId is a token's hex SHA-256, as stored.
std::string TokenId(absl::string_view token);

// ReadSignIn returns the principal of token `token` at `now`: ROLE_CONSUMER
// with the mobile, the token's id and the consumers linked to the mobile,
// and `*expire` set to the token's expiry. Unauthenticated for a token that
// is malformed, unknown, signed out, revoked or expired at `now`; Internal
// for a corrupt record.
absl::StatusOr<Principal> ReadSignIn(const Store& store, absl::string_view token, absl::Time now,
                                     absl::Time* expire);

}  // namespace wallet

#endif  // WALLET_SIGN_IN_H_
