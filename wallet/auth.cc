#include "wallet/auth.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace wallet {

std::string Sha256(absl::string_view bytes) {
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

std::string HashApiKey(absl::string_view api_key) {
  return absl::BytesToHexString(Sha256(api_key));
}

absl::StatusOr<std::string> NewApiKey() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return absl::InternalError("no randomness for a new API key");
  }
  return absl::StrCat("wk_", absl::WebSafeBase64Escape(absl::string_view(
                                 reinterpret_cast<const char*>(bytes), sizeof(bytes))));
}

}  // namespace wallet
