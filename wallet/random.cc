#include "wallet/random.h"

#include <openssl/rand.h>

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

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

namespace {

// Base32 appends `raw` to `out` in lowercase base32 with Crockford's
// alphabet (digits, then letters without i, l, o, u), most significant bits
// first and without padding: the alphabet is in ASCII order, so encodings of
// equally long byte strings sort as the bytes do.
void Base32(absl::string_view raw, std::string* out) {
  static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
  std::string& id = *out;
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
}

}  // namespace

absl::StatusOr<std::string> TimeOrderedId(Random& random, absl::Time now,
                                          absl::string_view prefix) {
  constexpr size_t kTimeBytes = 6;
  constexpr size_t kRandomBytes = 10;
  WALLET_ASSIGN_OR_RETURN(std::string random_bytes, random.Bytes(kRandomBytes));
  const uint64_t millis = static_cast<uint64_t>(std::max<int64_t>(0, absl::ToUnixMillis(now)));
  std::string raw;
  for (int i = kTimeBytes - 1; i >= 0; --i) raw.push_back(static_cast<char>(millis >> (8 * i)));
  raw += random_bytes;
  std::string id(prefix);
  Base32(raw, &id);
  return id;
}

}  // namespace wallet
