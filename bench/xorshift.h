// XorShift64: the cheap pseudo-random sequence the benches draw their load
// from (which meter, how much). Each client seeds its own from its index, so
// a run repeats and clients need no shared state. Not for anything that needs
// real randomness.
#ifndef BENCH_XORSHIFT_H_
#define BENCH_XORSHIFT_H_

#include <cstdint>

namespace wallet::bench {

class XorShift64 {
 public:
  // Client `index`'s sequence.
  explicit XorShift64(int index)
      : state_(0x9E3779B97F4A7C15ull * static_cast<uint64_t>(index + 1)) {}

  uint64_t Next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }

 private:
  uint64_t state_;
};

}  // namespace wallet::bench

#endif  // BENCH_XORSHIFT_H_
