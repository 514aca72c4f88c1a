// One-time passwords (OTPs) for consumer sign-in: the rules alone, on one
// mobile's OtpStateRecord and a given time, with no store and no clock.
//
// An OTP is 6 random digits, valid for OtpOptions::lifetime, kept only as
// HMAC-SHA256 under a random per-OTP salt (a stolen store does not show it,
// and one precomputed table does not reverse every hash). A mobile gets at
// most `max_requests` OTPs in any `request_window`. Every wrong answer
// counts, with or without an OTP pending; the `max_wrong`-th within `lock`
// of the first locks the mobile for `lock`: no OTP is sent or accepted until
// then, the right one included. A new OTP replaces the pending one; an
// accepted OTP is used up.
//
// Example:
//   store::v1::OtpStateRecord state;  // as stored for the mobile
//   WALLET_RETURN_IF_ERROR(IssueOtp(state, NewOtpChallenge(purpose, salt, otp, now, options),
//                                   now, options));
//   ...
//   absl::Status answer = CheckOtp(state, wanted, "123456", now, options);  // store `state`
//
// Thread safety: pure functions.
#ifndef WALLET_OTP_H_
#define WALLET_OTP_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "wallet/store/v1/records.pb.h"

namespace wallet {

struct OtpOptions {
  // How long an OTP is accepted. Default: 5 minutes.
  absl::Duration lifetime = absl::Minutes(5);
  // OTPs one mobile may be sent within `request_window`.
  // Default: 3 in 10 minutes.
  int max_requests = 3;
  absl::Duration request_window = absl::Minutes(10);
  // Wrong answers (within `lock` of the first) that lock the mobile, and for
  // how long. Default: 5, 30 minutes.
  int max_wrong = 5;
  absl::Duration lock = absl::Minutes(30);
};

// kOtpDigits is the length of an OTP; kOtpRandomBytes how many random bytes
// OtpDigits needs.
inline constexpr int kOtpDigits = 6;
inline constexpr size_t kOtpRandomBytes = 8;
// kOtpSaltBytes is the length of a salt.
inline constexpr size_t kOtpSaltBytes = 16;

// OtpDigits turns kOtpRandomBytes random bytes into kOtpDigits decimal
// digits (the 64-bit value modulo 10^6: the bias is below 10^-13).
std::string OtpDigits(absl::string_view random_bytes);

// WellFormedOtp says whether `otp` is kOtpDigits ASCII digits.
bool WellFormedOtp(absl::string_view otp);

// NewOtpChallenge is the record of OTP `otp` sent now for `purpose`: salt
// and hash, expiring after options.lifetime. The caller fills in link_mobile
// and consumer_id for a LINK.
store::v1::OtpChallenge NewOtpChallenge(store::v1::OtpChallenge::Purpose purpose,
                                        absl::string_view salt, absl::string_view otp,
                                        absl::Time now, const OtpOptions& options);

// IssueOtp installs `challenge` as the mobile's pending OTP and counts the
// request. ResourceExhausted, with `state` unchanged but for expired
// counters, while the mobile is locked or when it was sent max_requests OTPs
// within the window.
absl::Status IssueOtp(store::v1::OtpStateRecord& state, store::v1::OtpChallenge challenge,
                      absl::Time now, const OtpOptions& options);

// CheckOtp answers an attempt with `otp` at a pending OTP sent for what
// `wanted` says (purpose, link_mobile, consumer_id; its salt and hash are
// ignored). OK uses the OTP up and clears the wrong-answer count.
// Unauthenticated for a wrong, expired, used or absent OTP, or one sent for
// something else: the answer does not say which, and the attempt counts; the
// max_wrong-th such answer also locks the mobile. ResourceExhausted while
// the mobile is locked (the attempt is not counted).
absl::Status CheckOtp(store::v1::OtpStateRecord& state, const store::v1::OtpChallenge& wanted,
                      absl::string_view otp, absl::Time now, const OtpOptions& options);

// OtpLockedUntil is when the mobile's lock ends, or InfinitePast if it is
// not locked at `now`.
absl::Time OtpLockedUntil(const store::v1::OtpStateRecord& state, absl::Time now);

}  // namespace wallet

#endif  // WALLET_OTP_H_
