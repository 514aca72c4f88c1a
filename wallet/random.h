// Random: where the wallet core gets randomness (order ids, the page-token
// key). It is injected like the clock, so that tests and replay can fix it
// (DESIGN.md principle 5): the ledger itself never draws a random number,
// callers draw and pass the result in.
//
// Example:
//   SystemRandom random;
//   WALLET_ASSIGN_OR_RETURN(std::string id, TimeOrderedId(random, clock.Now(), "ord_"));
#ifndef WALLET_RANDOM_H_
#define WALLET_RANDOM_H_

#include <cstdint>
#include <random>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace wallet {

class Random {
 public:
  virtual ~Random() = default;
  // Bytes returns `n` random bytes; Internal if there is no randomness to
  // be had. Thread-safe.
  virtual absl::StatusOr<std::string> Bytes(size_t n) = 0;
};

// SystemRandom draws from the operating system through OpenSSL's RAND_bytes.
class SystemRandom final : public Random {
 public:
  absl::StatusOr<std::string> Bytes(size_t n) override;
};

// SeededRandom is a deterministic stream for tests: the same seed gives the
// same bytes. Not for production: its output can be predicted. Thread-safe.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : engine_(seed) {}
  absl::StatusOr<std::string> Bytes(size_t n) override;

 private:
  absl::Mutex mu_;
  std::mt19937_64 engine_ ABSL_GUARDED_BY(mu_);
};

// TimeOrderedId returns `prefix` and 16 bytes in lowercase base32 with
// Crockford's alphabet (digits and letters but i, l, o and u; 26 characters
// that ValidateId accepts): the milliseconds of `now` since the epoch in 48
// bits, then 80 random bits. Ids made later sort after earlier ones (within a
// millisecond by chance), so that a table keyed by them grows at its end as
// one keyed by a counter does, which keeps its inserts and lookups cheap; yet
// no id can be guessed from another, not even from one made in the same
// millisecond: 2^80 candidates. Errors as Random::Bytes.
absl::StatusOr<std::string> TimeOrderedId(Random& random, absl::Time now,
                                          absl::string_view prefix);

}  // namespace wallet

#endif  // WALLET_RANDOM_H_
