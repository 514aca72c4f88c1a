// Await: run an asynchronous wallet mutation and wait for its answer, for
// the HTTP handlers and background threads that must answer only once the
// effect is durable.
//
// Example:
//   absl::StatusOr<v1::Order> order = Await<v1::Order>(
//       [&](auto done) { wallet->RecordGatewayOrder(id, gateway_id, done); }, absl::Seconds(4));
#ifndef API_AWAIT_H_
#define API_AWAIT_H_

#include <memory>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "wallet/wallet.h"

namespace api {

// Await calls `start(done)` and waits up to `timeout` for `done`. On a
// timeout it returns DeadlineExceeded; the mutation may still complete
// later (its answer is then dropped safely), so callers use it only for
// idempotent work.
template <typename T, typename Start>
absl::StatusOr<T> Await(Start start, absl::Duration timeout) {
  struct State {
    static bool Answered(State* s) ABSL_NO_THREAD_SAFETY_ANALYSIS { return s->result.has_value(); }
    absl::Mutex mu;
    std::optional<absl::StatusOr<T>> result ABSL_GUARDED_BY(mu);
  };
  // Shared with the callback, which may outlive this call after a timeout.
  auto state = std::make_shared<State>();
  start(wallet::Callback<T>([state](absl::StatusOr<T> result) {
    absl::MutexLock lock(&state->mu);
    state->result = std::move(result);
  }));
  absl::MutexLock lock(&state->mu);
  if (!state->mu.AwaitWithTimeout(absl::Condition(&State::Answered, state.get()), timeout)) {
    return absl::DeadlineExceededError("the wallet did not answer in time");
  }
  return *std::move(state->result);
}

}  // namespace api

#endif  // API_AWAIT_H_
