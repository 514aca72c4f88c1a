#include "wallet/random.h"

#include <openssl/rand.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "wallet/status_macros.h"

namespace wallet {

absl::StatusOr<std::string> SystemRandom::Bytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    return absl::InternalError("the system has no randomness to give");
  }
  return out;
}

absl::StatusOr<std::string> SeededRandom::Bytes(size_t n) {
  absl::MutexLock lock(&mu_);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(engine_() & 0xff);
  return out;
}

absl::StatusOr<std::string> RandomId(Random& random, absl::string_view prefix, size_t bytes) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  WALLET_ASSIGN_OR_RETURN(std::string raw, random.Bytes(bytes));
  std::string id(prefix);
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : raw) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      id.push_back(kAlphabet[(buffer >> bits) & 31]);
    }
  }
  if (bits > 0) id.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
  return id;
}

}  // namespace wallet
