#include "api/online_recharge.h"

#include <utility>

#include "api/await.h"
#include "glog/logging.h"
#include "wallet/orders.h"

namespace api {
namespace {

namespace v1 = ::wallet::v1;

// How long a step waits for the wallet's durable answer.
constexpr absl::Duration kWalletWait = absl::Seconds(30);

const wallet::Principal kWalletd{v1::ROLE_ADMIN, ""};

}  // namespace

OnlineRecharge::OnlineRecharge(wallet::Wallet* wallet, const PaymentGatewayClient* gateway)
    : wallet_(wallet), gateway_(gateway) {}

void OnlineRecharge::Start(wallet::Principal who, v1::StartRechargeRequest req,
                           wallet::Callback<v1::StartRechargeResponse> done) {
  pool_.Submit([this, who = std::move(who), req = std::move(req), done = std::move(done)] {
    done(Complete(who, req));
  });
}

absl::StatusOr<v1::StartRechargeResponse> OnlineRecharge::Complete(
    const wallet::Principal& who, const v1::StartRechargeRequest& req) {
  absl::StatusOr<v1::StartRechargeResponse> started = Await<v1::StartRechargeResponse>(
      [&](auto done) { wallet_->StartRecharge(who, req, std::move(done)); }, kWalletWait);
  if (!started.ok()) return started;
  absl::StatusOr<v1::Order> order = WithGatewayOrder(started->order());
  if (!order.ok()) return order.status();
  v1::StartRechargeResponse response;
  if (order->gateway_order_id().empty()) {
    *response.mutable_order() = *std::move(order);
    return response;
  }
  v1::Checkout& checkout = *response.mutable_checkout();
  checkout.set_gateway_order_id(order->gateway_order_id());
  checkout.set_key_id(gateway_->key_id());
  checkout.set_amount_paise(order->amount_paise());
  checkout.set_currency("INR");
  *response.mutable_order() = *std::move(order);
  return response;
}

absl::StatusOr<v1::Order> OnlineRecharge::WithGatewayOrder(const v1::Order& started) {
  // A retry: the order as it is now, which may have its gateway order.
  absl::StatusOr<v1::Order> now = wallet_->GetOrder(kWalletd, started.order_id());
  if (!now.ok()) return now.status();
  // Paid already (or cancelled, expired): nothing to check out.
  if (!now->gateway_order_id().empty() || !wallet::AwaitsPayment(now->state())) return now;
  absl::StatusOr<std::string> gateway_order_id =
      gateway_->CreateOrder(now->order_id(), now->meter_id(), now->amount_paise());
  if (!gateway_order_id.ok()) {
    LOG(WARNING) << "order " << now->order_id()
                 << " has no gateway order yet: " << gateway_order_id.status();
    return absl::UnavailableError(
        "the payment gateway cannot be reached; retry with the same request_id");
  }
  return Await<v1::Order>(
      [&](auto done) {
        wallet_->RecordGatewayOrder(now->order_id(), *gateway_order_id, std::move(done));
      },
      kWalletWait);
}

}  // namespace api
