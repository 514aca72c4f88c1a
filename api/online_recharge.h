// OnlineRecharge: StartRecharge when walletd runs with a payment gateway
// (--payment_gateway_url). The order is made in the wallet as without one;
// then the gateway's order for it (receipt = walletd's order id) and the
// gateway order id recorded on it; the answer carries the checkout the app
// needs (gateway order id, key id, amount, "INR").
//
// When the gateway cannot be reached (or refuses), StartRecharge fails
// UNAVAILABLE and the wallet's order stays PENDING without a gateway order:
// no checkout can pay it (a gateway order is what the consumer pays), the
// reconciler does not ask about it, and it expires at its expire_time. A
// retry with the same request_id finds that order and completes it, so a
// retry never makes a second order. A retry after success makes no second
// gateway order either: the recorded one is answered.
//
// Threads: Start is thread-safe and returns at once; `done` runs on one of
// the pool's threads. The destructor waits for calls in flight.
#ifndef API_ONLINE_RECHARGE_H_
#define API_ONLINE_RECHARGE_H_

#include "api/payment_gateway_client.h"
#include "api/worker_pool.h"
#include "wallet/v1/consumer.pb.h"
#include "wallet/wallet.h"

namespace api {

class OnlineRecharge final {
 public:
  // `wallet` and `gateway` are not owned and must outlive this.
  OnlineRecharge(wallet::Wallet* wallet, const PaymentGatewayClient* gateway);

  void Start(wallet::Principal who, wallet::v1::StartRechargeRequest req,
             wallet::Callback<wallet::v1::StartRechargeResponse> done);

 private:
  // Complete runs the whole StartRecharge on a pool thread.
  absl::StatusOr<wallet::v1::StartRechargeResponse> Complete(
      const wallet::Principal& who, const wallet::v1::StartRechargeRequest& req);
  // WithGatewayOrder returns the order as it is now, with its gateway
  // order: made at the gateway and recorded first if it awaits payment and
  // has none.
  absl::StatusOr<wallet::v1::Order> WithGatewayOrder(const wallet::v1::Order& order);

  wallet::Wallet* const wallet_;
  const PaymentGatewayClient* const gateway_;
  // Last member: destroyed first, so that calls in flight finish while the
  // rest is still there.
  WorkerPool pool_{8};
};

}  // namespace api

#endif  // API_ONLINE_RECHARGE_H_
