// Authenticated encryption (AES-256-GCM, base/aes_gcm.h) for a secret that must wait
// on disk until it is handed on, e.g. a one-time password in the
// notification outbox: the store then holds only ciphertext, and a changed
// byte or a ciphertext moved to another item is refused on opening.
//
// A sealed value is the 12-byte nonce, the ciphertext and the 16-byte tag.
// The nonce is random for every Seal, so one key may seal many values.
// `aad` (additional authenticated data) is not stored in the sealed value
// but must be given again, unchanged, to Open: it binds the value to where
// it is kept (e.g. the outbox item's id).
//
// Example:
//   WALLET_ASSIGN_OR_RETURN(std::string key, base::SealKeyOf(file_contents));
//   WALLET_ASSIGN_OR_RETURN(std::string sealed, base::Seal(key, "123456", "nt-7"));
//   WALLET_ASSIGN_OR_RETURN(std::string otp, base::Open(key, sealed, "nt-7"));
//
// Threads: every function may be called from any thread.
#ifndef BASE_AEAD_H_
#define BASE_AEAD_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace base {

// kSealKeyBytes is the length of a key: 32 bytes (AES-256).
inline constexpr size_t kSealKeyBytes = 32;
// kSealOverheadBytes is how much longer a sealed value is than its plain
// text: the nonce and the tag.
inline constexpr size_t kSealOverheadBytes = 12 + 16;

// SealKeyOf reads a key from a key file's contents: 64 hex digits (with or
// without a final newline) or exactly 32 raw bytes. InvalidArgument
// otherwise (the message never shows the contents).
absl::StatusOr<std::string> SealKeyOf(absl::string_view contents);

// Seal encrypts and authenticates `plaintext` under `key` (kSealKeyBytes)
// with a fresh random nonce, binding `aad`. InvalidArgument for a key of
// another length; Internal if OpenSSL fails (no randomness).
absl::StatusOr<std::string> Seal(absl::string_view key, absl::string_view plaintext,
                                 absl::string_view aad);

// Open returns the plain text of a value Seal made under `key` with the
// same `aad`. InvalidArgument for a key of another length; DataLoss when the
// value is too short, was changed, or was sealed under another key or aad.
absl::StatusOr<std::string> Open(absl::string_view key, absl::string_view sealed,
                                 absl::string_view aad);

}  // namespace base

#endif  // BASE_AEAD_H_
