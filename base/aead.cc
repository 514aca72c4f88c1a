#include "base/aead.h"

#include <openssl/rand.h>

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "base/aes_gcm.h"

namespace base {
namespace {

constexpr size_t kNonceBytes = 12;
constexpr int kTagBytes = 16;

absl::Status CheckKey(absl::string_view key) {
  if (key.size() != kSealKeyBytes) {
    return absl::InvalidArgumentError("a seal key is 32 bytes");
  }
  return absl::OkStatus();
}

bool IsHex(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::string> SealKeyOf(absl::string_view contents) {
  if (contents.size() == kSealKeyBytes) return std::string(contents);
  const absl::string_view text = absl::StripAsciiWhitespace(contents);
  if (text.size() == 2 * kSealKeyBytes && IsHex(text)) return absl::HexStringToBytes(text);
  return absl::InvalidArgumentError(
      "a seal key file holds 64 hex digits or 32 raw bytes (e.g. `openssl rand -hex 32`)");
}

absl::StatusOr<std::string> Seal(absl::string_view key, absl::string_view plaintext,
                                 absl::string_view aad) {
  if (absl::Status checked = CheckKey(key); !checked.ok()) return checked;
  std::string nonce(kNonceBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), kNonceBytes) != 1) {
    return absl::InternalError("no randomness for a nonce");
  }
  absl::StatusOr<std::string> sealed = AesGcmEncrypt(key, nonce, aad, plaintext, kTagBytes);
  if (!sealed.ok()) return absl::InternalError("AES-256-GCM sealing failed");
  return nonce + *sealed;
}

absl::StatusOr<std::string> Open(absl::string_view key, absl::string_view sealed,
                                 absl::string_view aad) {
  if (absl::Status checked = CheckKey(key); !checked.ok()) return checked;
  if (sealed.size() < kSealOverheadBytes) return absl::DataLossError("sealed value too short");
  absl::StatusOr<std::string> plaintext =
      AesGcmDecrypt(key, sealed.substr(0, kNonceBytes), aad, sealed.substr(kNonceBytes), kTagBytes);
  if (!plaintext.ok()) {
    return absl::DataLossError("sealed value does not open: changed, or another key");
  }
  return plaintext;
}

}  // namespace base
