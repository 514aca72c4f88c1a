#include "base/aead.h"

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "openssl/evp.h"
#include "openssl/rand.h"

namespace base {
namespace {

constexpr int kNonceBytes = 12;
constexpr int kTagBytes = 16;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherContext NewContext() { return CipherContext(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free); }

absl::Status CheckKey(absl::string_view key) {
  if (key.size() != kSealKeyBytes) {
    return absl::InvalidArgumentError("a seal key is 32 bytes");
  }
  return absl::OkStatus();
}

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

unsigned char* Bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

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
  std::string sealed(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  if (RAND_bytes(Bytes(sealed), kNonceBytes) != 1) {
    return absl::InternalError("no randomness for a nonce");
  }
  CipherContext ctx = NewContext();
  int length = 0;
  unsigned char* out = Bytes(sealed) + kNonceBytes;
  const bool ok =
      ctx != nullptr &&
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key), Bytes(sealed)) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &length, Bytes(aad), static_cast<int>(aad.size())) ==
          1 &&
      EVP_EncryptUpdate(ctx.get(), out, &length, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx.get(), out + length, &length) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, out + plaintext.size()) == 1;
  if (!ok) return absl::InternalError("AES-256-GCM sealing failed");
  return sealed;
}

absl::StatusOr<std::string> Open(absl::string_view key, absl::string_view sealed,
                                 absl::string_view aad) {
  if (absl::Status checked = CheckKey(key); !checked.ok()) return checked;
  if (sealed.size() < kSealOverheadBytes) return absl::DataLossError("sealed value too short");
  const size_t text_size = sealed.size() - kSealOverheadBytes;
  std::string plaintext(text_size, '\0');
  // The tag is only read, but OpenSSL's control call takes a mutable pointer.
  std::string tag(sealed.substr(kNonceBytes + text_size));
  CipherContext ctx = NewContext();
  int length = 0;
  const bool ok =
      ctx != nullptr &&
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key), Bytes(sealed)) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &length, Bytes(aad), static_cast<int>(aad.size())) ==
          1 &&
      EVP_DecryptUpdate(ctx.get(), Bytes(plaintext), &length, Bytes(sealed) + kNonceBytes,
                        static_cast<int>(text_size)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), Bytes(plaintext) + length, &length) == 1;
  if (!ok) return absl::DataLossError("sealed value does not open: changed, or another key");
  return plaintext;
}

}  // namespace base
