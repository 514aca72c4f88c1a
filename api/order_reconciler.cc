#include "api/order_reconciler.h"

#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/await.h"
#include "glog/logging.h"

namespace api {
namespace {

namespace v1 = ::wallet::v1;

constexpr absl::Duration kWalletWait = absl::Seconds(30);

// Settled picks what the gateway's payments say about an order: a captured
// payment if there is one (it pays the order), else the newest failed one.
std::optional<GatewayPayment> Settled(const std::vector<GatewayPayment>& payments) {
  std::optional<GatewayPayment> failed;
  for (const GatewayPayment& payment : payments) {
    if (payment.status == "captured") return payment;
    if (payment.status == "failed") failed = payment;
  }
  return failed;
}

}  // namespace

OrderReconciler::OrderReconciler(wallet::Wallet* wallet, const PaymentGatewayClient* gateway,
                                 base::Metrics* metrics, ReconcilerOptions options)
    : wallet_(wallet), gateway_(gateway), options_(options) {
  static constexpr const char* kNames[kActionCount] = {"checked", "credited", "failed", "errors"};
  for (int a = 0; a < kActionCount; ++a) {
    metrics->RegisterCounter(
        absl::StrCat("walletd_reconciler_actions_total{action=\"", kNames[a], "\"}"),
        "What the order reconciler did: orders asked about at the payment gateway, orders it "
        "credited or marked failed, and errors (gateway unreachable, wallet refused).",
        &counts_[a]);
  }
  thread_ = std::thread([this] {
    while (!stop_.WaitForNotificationWithTimeout(options_.every)) RunRound();
  });
}

OrderReconciler::~OrderReconciler() {
  stop_.Notify();
  thread_.join();
}

void OrderReconciler::RunRound() {
  absl::StatusOr<std::vector<v1::Order>> due =
      wallet_->OrdersAwaitingGateway(options_.after, options_.max_per_round);
  if (!due.ok()) {
    Count(kErrors);
    LOG(WARNING) << "order reconciler: cannot list orders: " << due.status();
    return;
  }
  for (const v1::Order& order : *due) {
    if (stop_.HasBeenNotified()) return;
    Reconcile(order);
  }
}

void OrderReconciler::Reconcile(const v1::Order& order) {
  Count(kChecked);
  absl::StatusOr<std::vector<GatewayPayment>> payments =
      gateway_->ListPayments(order.gateway_order_id());
  if (!payments.ok()) {
    Count(kErrors);
    LOG(WARNING) << "order reconciler: order " << order.order_id() << ": " << payments.status();
    return;
  }
  std::optional<GatewayPayment> settled = Settled(*payments);
  if (!settled) return;  // the consumer has not paid (yet)
  const bool captured = settled->status == "captured";
  // A failure needs no second report: the order already shows it.
  if (!captured && order.state() == v1::ORDER_FAILED) return;
  v1::PaymentEvent event;
  event.set_event_id(absl::StrCat("reconcile:", settled->payment_id, ":", settled->status));
  event.set_kind(captured ? v1::PaymentEvent::CAPTURED : v1::PaymentEvent::FAILED);
  event.set_gateway_order_id(order.gateway_order_id());
  event.set_payment_id(settled->payment_id);
  event.set_amount_paise(settled->amount_paise);
  event.set_currency(settled->currency);
  event.set_failure_reason(settled->error_description);
  absl::StatusOr<v1::PaymentEventResult> applied = Await<v1::PaymentEventResult>(
      [&](auto done) { wallet_->ApplyPaymentEvent(event, std::move(done)); }, kWalletWait);
  if (!applied.ok()) {
    Count(kErrors);
    LOG(WARNING) << "order reconciler: order " << order.order_id() << ", payment "
                 << settled->payment_id << ": " << applied.status();
    return;
  }
  if (applied->replayed()) return;
  if (applied->outcome() == v1::PaymentEventResult::CREDITED) {
    Count(kCredited);
    LOG(INFO) << "order reconciler: credited order " << order.order_id() << " (payment "
              << settled->payment_id << ", no webhook had come)";
  } else if (applied->outcome() == v1::PaymentEventResult::MARKED_FAILED) {
    Count(kFailed);
    LOG(INFO) << "order reconciler: order " << order.order_id() << " failed (payment "
              << settled->payment_id << ")";
  }
}

}  // namespace api
