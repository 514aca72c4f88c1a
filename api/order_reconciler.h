// OrderReconciler: asks the payment gateway about orders whose webhook has
// not come (--reconcile_after, default 2 minutes, after the order was
// made), every --reconcile_every, and applies what it learns as the webhook
// would have: a captured payment credits the order (once per payment id,
// whichever reports it first), a failed one marks a pending order failed.
// Events it applies have ids "reconcile:<payment id>:<status>", so that a
// round repeated after a crash applies nothing twice.
//
// Counted in walletd_reconciler_actions_total by action: checked (orders
// asked about), credited, failed, errors (gateway or wallet).
//
// Threads: one thread of its own, started by the constructor and stopped
// (after the order in hand) by the destructor.
#ifndef API_ORDER_RECONCILER_H_
#define API_ORDER_RECONCILER_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "api/payment_gateway_client.h"
#include "base/metrics.h"
#include "wallet/wallet.h"

namespace api {

struct ReconcilerOptions {
  // Orders made at least this long ago are asked about.
  // Default: 2 minutes.
  absl::Duration after = absl::Minutes(2);
  // How often a round runs (wall time).
  // Default: 30 seconds.
  absl::Duration every = absl::Seconds(30);
  // Orders asked about in one round at most (oldest first).
  // Default: 500.
  int max_per_round = 500;
};

class OrderReconciler final {
 public:
  // `wallet` and `gateway` are not owned and must outlive this; the
  // counters go into `metrics`, which must not outlive this.
  OrderReconciler(wallet::Wallet* wallet, const PaymentGatewayClient* gateway,
                  base::Metrics* metrics, ReconcilerOptions options);
  ~OrderReconciler();

  // RunRound asks about the orders due now; called by the thread.
  void RunRound();

 private:
  enum Action { kChecked, kCredited, kFailed, kErrors, kActionCount };
  void Reconcile(const wallet::v1::Order& order);
  void Count(Action action) { counts_[action].fetch_add(1, std::memory_order_relaxed); }

  wallet::Wallet* const wallet_;
  const PaymentGatewayClient* const gateway_;
  const ReconcilerOptions options_;
  std::array<std::atomic<uint64_t>, kActionCount> counts_{};
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace api

#endif  // API_ORDER_RECONCILER_H_
