// IdMaker: the gateway's ids, Razorpay's shape: a prefix, '_' and 14
// letters and digits ("order_Kx3f9QeZ1mB2cD", "pay_...", "evt_...").
//
// From a seed, the same sequence of ids every run (tests and the demo can
// repeat a run); the ids of a simulator need to be unique, not secret.
//
// Threads: Next may be called from any thread.
#ifndef PAYMENT_GATEWAY_SIM_IDS_H_
#define PAYMENT_GATEWAY_SIM_IDS_H_

#include <cstdint>
#include <random>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace pg_sim {

class IdMaker final {
 public:
  explicit IdMaker(uint64_t seed) : random_(seed) {}

  // Next returns "<prefix>_" and 14 random letters and digits.
  std::string Next(absl::string_view prefix) {
    static constexpr absl::string_view kAlphabet =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    std::string id(prefix);
    id.push_back('_');
    absl::MutexLock lock(&mu_);
    std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
    for (int i = 0; i < 14; ++i) id.push_back(kAlphabet[pick(random_)]);
    return id;
  }

 private:
  absl::Mutex mu_;
  std::mt19937_64 random_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pg_sim

#endif  // PAYMENT_GATEWAY_SIM_IDS_H_
