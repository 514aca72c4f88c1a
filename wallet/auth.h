// API keys are stored only as their SHA-256: a stolen database does not hand
// out working keys. Keys are long random tokens, so a fast hash is enough.
#ifndef WALLET_AUTH_H_
#define WALLET_AUTH_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace wallet {

// HashApiKey returns the lowercase hex SHA-256 of a key, as stored.
std::string HashApiKey(absl::string_view api_key);

// NewApiKey returns 32 random bytes as URL-safe text with a recognisable
// prefix ("wk_..."). Internal if the system has no randomness.
absl::StatusOr<std::string> NewApiKey();

// Sha256 returns the raw 32-byte SHA-256 of `bytes` (request fingerprints).
std::string Sha256(absl::string_view bytes);

// HmacSha256 returns the raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(absl::string_view key, absl::string_view data);

// EqualInConstantTime compares two byte strings in time that depends only on
// their lengths (tags, so that a forger learns nothing from timing).
bool EqualInConstantTime(absl::string_view a, absl::string_view b);

}  // namespace wallet

#endif  // WALLET_AUTH_H_
