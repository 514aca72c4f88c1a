// AES-GCM (NIST SP 800-38D) with the caller's IV, over OpenSSL: the cipher of
// DLMS/COSEM security suite 0, where the IV is the sender's system title and
// invocation counter, tags are truncated to 12 bytes and GMAC (GCM over
// additional data only) authenticates the HLS challenges.
//
// The caller owns IV uniqueness: an IV used twice under one key breaks both
// confidentiality and authenticity. For secrets at rest with a random nonce
// use base/aead.h (Seal and Open) instead of these functions.
//
// Example:
//   absl::StatusOr<std::string> sealed =
//       base::AesGcmEncrypt(key, iv, aad, plaintext, /*tag_size=*/12);
//   // sealed = ciphertext || tag
//   absl::StatusOr<std::string> opened = base::AesGcmDecrypt(key, iv, aad, *sealed, 12);
//
// Errors: InvalidArgument for a key that is not 16 or 32 bytes, an IV that
// is not 12 bytes, a tag size outside {4, 8, 12, 13, 14, 15, 16}, or sealed
// input shorter than its tag; Unauthenticated when the tag does not verify
// (nothing of the plaintext is returned then). Internal only if OpenSSL
// itself fails.
//
// Threads: every function may be called from any thread.
#ifndef BASE_AES_GCM_H_
#define BASE_AES_GCM_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace base {

constexpr size_t kAesGcmIvSize = 12;
constexpr size_t kAesGcmMaxTagSize = 16;

// AesGcmEncrypt returns ciphertext || tag: the ciphertext is as long as
// `plaintext`, the tag is the first `tag_size` bytes of the full GCM tag.
absl::StatusOr<std::string> AesGcmEncrypt(absl::string_view key, absl::string_view iv,
                                          absl::string_view aad, absl::string_view plaintext,
                                          size_t tag_size);

// AesGcmDecrypt opens ciphertext || tag as AesGcmEncrypt made it and returns
// the plaintext; Unauthenticated when the tag (compared in constant time)
// does not match the key, IV, additional data and ciphertext.
absl::StatusOr<std::string> AesGcmDecrypt(absl::string_view key, absl::string_view iv,
                                          absl::string_view aad, absl::string_view sealed,
                                          size_t tag_size);

// Gmac returns the GCM tag over `aad` alone (no plaintext), truncated to
// `tag_size` bytes.
absl::StatusOr<std::string> Gmac(absl::string_view key, absl::string_view iv, absl::string_view aad,
                                 size_t tag_size);

}  // namespace base

#endif  // BASE_AES_GCM_H_
