#include "wallet/otp.h"

#include <cstdint>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "wallet/auth.h"

namespace wallet {
namespace {

using store::v1::OtpChallenge;
using store::v1::OtpStateRecord;

int64_t Us(absl::Time t) { return absl::ToUnixMicros(t); }

// ForgetExpired drops what no longer counts at `now`: an ended lock, wrong
// answers older than the lock period, requests older than the window.
void ForgetExpired(OtpStateRecord& state, absl::Time now, const OtpOptions& options) {
  if (state.locked_until_us() != 0 && Us(now) >= state.locked_until_us()) {
    state.set_locked_until_us(0);
    state.set_wrong_attempts(0);
    state.set_first_wrong_us(0);
  }
  if (state.wrong_attempts() > 0 &&
      Us(now) - state.first_wrong_us() >= absl::ToInt64Microseconds(options.lock)) {
    state.set_wrong_attempts(0);
    state.set_first_wrong_us(0);
  }
  const int64_t window_start = Us(now - options.request_window);
  auto* requests = state.mutable_request_us();
  int keep_from = 0;
  while (keep_from < requests->size() && requests->Get(keep_from) <= window_start) ++keep_from;
  if (keep_from > 0) requests->erase(requests->begin(), requests->begin() + keep_from);
}

absl::Status Locked(absl::Time until) {
  return absl::ResourceExhaustedError(
      absl::StrCat("too many wrong OTPs: this mobile is locked until ",
                   absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", until, absl::UTCTimeZone())));
}

bool SameRequest(const OtpChallenge& pending, const OtpChallenge& wanted) {
  return pending.purpose() == wanted.purpose() && pending.link_mobile() == wanted.link_mobile() &&
         pending.consumer_id() == wanted.consumer_id();
}

}  // namespace

std::string OtpDigits(absl::string_view random_bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < kOtpRandomBytes && i < random_bytes.size(); ++i) {
    value = (value << 8) | static_cast<unsigned char>(random_bytes[i]);
  }
  return absl::StrFormat("%06u", static_cast<unsigned>(value % 1'000'000));
}

bool WellFormedOtp(absl::string_view otp) {
  if (otp.size() != kOtpDigits) return false;
  for (char c : otp) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

OtpChallenge NewOtpChallenge(OtpChallenge::Purpose purpose, absl::string_view salt,
                             absl::string_view otp, absl::Time now, const OtpOptions& options) {
  OtpChallenge challenge;
  challenge.set_purpose(purpose);
  challenge.set_salt(std::string(salt));
  challenge.set_otp_hash(HmacSha256(salt, otp));
  challenge.set_expire_us(Us(now + options.lifetime));
  return challenge;
}

absl::Time OtpLockedUntil(const OtpStateRecord& state, absl::Time now) {
  if (state.locked_until_us() == 0 || Us(now) >= state.locked_until_us()) {
    return absl::InfinitePast();
  }
  return absl::FromUnixMicros(state.locked_until_us());
}

absl::Status IssueOtp(OtpStateRecord& state, OtpChallenge challenge, absl::Time now,
                      const OtpOptions& options) {
  ForgetExpired(state, now, options);
  const absl::Time locked_until = OtpLockedUntil(state, now);
  if (locked_until != absl::InfinitePast()) return Locked(locked_until);
  if (state.request_us_size() >= options.max_requests) {
    return absl::ResourceExhaustedError(
        absl::StrCat("too many OTPs for this mobile: at most ", options.max_requests, " in ",
                     absl::FormatDuration(options.request_window), "; try again later"));
  }
  state.add_request_us(Us(now));
  *state.mutable_challenge() = std::move(challenge);
  return absl::OkStatus();
}

absl::Status CheckOtp(OtpStateRecord& state, const OtpChallenge& wanted, absl::string_view otp,
                      absl::Time now, const OtpOptions& options) {
  ForgetExpired(state, now, options);
  const absl::Time locked_until = OtpLockedUntil(state, now);
  if (locked_until != absl::InfinitePast()) return Locked(locked_until);
  const OtpChallenge& pending = state.challenge();
  // Every test runs whatever failed before it, so that the time taken says
  // nothing about which one failed.
  const bool live = state.has_challenge() && Us(now) < pending.expire_us();
  const bool same = SameRequest(pending, wanted);
  const bool right = EqualInConstantTime(HmacSha256(pending.salt(), otp), pending.otp_hash());
  if (live && same && right && WellFormedOtp(otp)) {
    state.clear_challenge();
    state.set_wrong_attempts(0);
    state.set_first_wrong_us(0);
    return absl::OkStatus();
  }
  if (state.wrong_attempts() == 0) state.set_first_wrong_us(Us(now));
  state.set_wrong_attempts(state.wrong_attempts() + 1);
  if (state.wrong_attempts() >= options.max_wrong) {
    state.set_locked_until_us(Us(now + options.lock));
    state.clear_challenge();
  }
  return absl::UnauthenticatedError("wrong or expired OTP");
}

}  // namespace wallet
