// Message authentication and secret randomness (OpenSSL), for webhook
// signatures and the ids and tokens that must not be guessed.
//
// Example (checking a payment gateway's webhook):
//   const std::string expected = base::HmacSha256Hex(webhook_secret, request.body);
//   if (!base::ConstantTimeEquals(expected, request.Header("x-razorpay-signature"))) {
//     return Refuse(400, "bad signature");
//   }
//
// Threads: every function may be called from any thread.
#ifndef BASE_HMAC_H_
#define BASE_HMAC_H_

#include <string>

#include "absl/strings/string_view.h"

namespace base {

// HmacSha256Hex returns HMAC-SHA256 (RFC 2104) of `data` under `key`, as 64
// lower-case hex digits. Any key length is allowed (an empty one too).
std::string HmacSha256Hex(absl::string_view key, absl::string_view data);

// ConstantTimeEquals says whether `a` and `b` are the same bytes, taking
// the same time wherever they differ, so that a forger cannot find a
// signature byte by byte. Only the length comparison may return early (the
// length of a signature is no secret).
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

// RandomHex returns `bytes` bytes from OpenSSL's CSPRNG as 2 * `bytes`
// lower-case hex digits. Crashes if the CSPRNG fails (the system cannot
// make secrets; nothing safe can follow). `bytes` must not be negative.
std::string RandomHex(int bytes);

}  // namespace base

#endif  // BASE_HMAC_H_
