// Online payments through the payment gateway: the gateway's order recorded
// on walletd's, and the gateway's events (webhooks, or what the reconciler
// learnt) applied once each. Ledger member functions; see ledger.h for the
// contracts and orders.h for the order states. Writer thread only.
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "wallet/idempotency.h"
#include "wallet/ledger.h"
#include "wallet/notification_text.h"
#include "wallet/orders.h"
#include "wallet/validate.h"

namespace wallet {
namespace {

using store::v1::OrderRecord;

// The only currency walletd's orders are in.
constexpr absl::string_view kCurrency = "INR";
// A gateway's failure reason is kept and shown up to this length.
constexpr size_t kMaxFailureReason = 200;

absl::StatusOr<bool> Seen(Txn& txn, Table table, const std::string& key) {
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> stored, txn.batch->Get(table, key));
  return stored.has_value();
}

absl::Status ValidateEvent(const v1::PaymentEvent& event, int64_t max_amount_paise) {
  if (event.kind() != v1::PaymentEvent::CAPTURED && event.kind() != v1::PaymentEvent::FAILED) {
    return absl::InvalidArgumentError("kind must be CAPTURED or FAILED");
  }
  WALLET_RETURN_IF_ERROR(ValidateId("gateway_order_id", event.gateway_order_id()));
  WALLET_RETURN_IF_ERROR(ValidateId("payment_id", event.payment_id()));
  WALLET_RETURN_IF_ERROR(ValidateAmount("amount_paise", event.amount_paise(), max_amount_paise));
  if (event.currency() != kCurrency) {
    return absl::InvalidArgumentError(
        absl::StrCat("currency ", event.currency(), " is not ", kCurrency));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Order> Ledger::RecordGatewayOrder(Txn& txn, const std::string& order_id,
                                                     const std::string& gateway_order_id) {
  WALLET_RETURN_IF_ERROR(ValidateId("order_id", order_id));
  WALLET_RETURN_IF_ERROR(ValidateId("gateway_order_id", gateway_order_id));
  WALLET_ASSIGN_OR_RETURN(OrderRecord order, StoredOrder(txn, order_id));
  // The first gateway order stays: a retried StartRecharge may have made a
  // second one at the gateway, which nobody is shown and so nobody pays.
  if (!order.gateway_order_id().empty()) {
    return OrderAt(std::move(order), txn.now, options_.order_lifetime);
  }
  const v1::OrderState state = OrderStateAt(order, txn.now, options_.order_lifetime);
  if (!AwaitsPayment(state)) {
    return NotPending(order, state, options_.order_lifetime, ": no payment can be taken for it");
  }
  const std::string key = GatewayOrderKey(gateway_order_id);
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> other,
                          txn.batch->Get(Table::kOrderIndex, key));
  if (other) {
    return absl::AlreadyExistsError(
        absl::StrCat("gateway order ", gateway_order_id, " already pays order ", *other));
  }
  order.set_gateway_order_id(gateway_order_id);
  txn.batch->Put(Table::kOrders, order.order_id(), order.SerializeAsString());
  txn.batch->Put(Table::kOrderIndex, key, order.order_id());
  return OrderAt(std::move(order), txn.now, options_.order_lifetime);
}

absl::StatusOr<v1::PaymentEventResult> Ledger::ApplyPaymentEvent(Txn& txn,
                                                                 const v1::PaymentEvent& event) {
  WALLET_RETURN_IF_ERROR(ValidateId("event_id", event.event_id()));
  const std::string key = RequestKey("PaymentEvent", kGatewayScope, event.event_id());
  bool replayed = false;
  WALLET_ASSIGN_OR_RETURN(
      v1::PaymentEventResult result,
      Idempotent<v1::PaymentEventResult>(
          txn, key, event, [&] { return ApplyNewPaymentEvent(txn, event); }, &replayed));
  result.set_replayed(replayed);
  return result;
}

absl::StatusOr<v1::PaymentEventResult> Ledger::ApplyNewPaymentEvent(Txn& txn,
                                                                    const v1::PaymentEvent& event) {
  WALLET_RETURN_IF_ERROR(ValidateEvent(event, options_.max_amount_paise));
  WALLET_ASSIGN_OR_RETURN(
      std::optional<std::string> order_id,
      txn.batch->Get(Table::kOrderIndex, GatewayOrderKey(event.gateway_order_id())));
  if (!order_id) {
    return absl::NotFoundError(
        absl::StrCat("no order is paid by gateway order ", event.gateway_order_id()));
  }
  v1::PaymentEventResult result;
  if (event.kind() == v1::PaymentEvent::CAPTURED) {
    // The webhook, the reconciler and a client's ConfirmPayment may all
    // report one payment: ConfirmPayment credits it once.
    WALLET_ASSIGN_OR_RETURN(const bool credited_before,
                            Seen(txn, Table::kRequests,
                                 RequestKey("ConfirmPayment", kGatewayScope, event.payment_id())));
    v1::ConfirmPaymentRequest confirm;
    confirm.set_payment_id(event.payment_id());
    confirm.set_order_id(*order_id);
    confirm.set_amount_paise(event.amount_paise());
    WALLET_ASSIGN_OR_RETURN(v1::ConfirmPaymentResponse paid, ConfirmPayment(txn, confirm));
    result.set_outcome(credited_before ? v1::PaymentEventResult::ALREADY_CREDITED
                                       : v1::PaymentEventResult::CREDITED);
    *result.mutable_order() = std::move(*paid.mutable_order());
    return result;
  }
  WALLET_ASSIGN_OR_RETURN(OrderRecord order, StoredOrder(txn, *order_id));
  // Only a pending order fails: a failed attempt after a successful one (or
  // after the order was cancelled or expired) changes nothing.
  if (OrderStateAt(order, txn.now, options_.order_lifetime) == v1::ORDER_PENDING) {
    FailOrder(txn, order, event.failure_reason());
    result.set_outcome(v1::PaymentEventResult::MARKED_FAILED);
  } else {
    result.set_outcome(v1::PaymentEventResult::IGNORED);
  }
  *result.mutable_order() = OrderAt(std::move(order), txn.now, options_.order_lifetime);
  return result;
}

void Ledger::FailOrder(Txn& txn, OrderRecord& order, absl::string_view reason) {
  order.set_state(v1::ORDER_FAILED);
  order.set_failure_reason(reason.empty() ? "payment failed"
                                          : std::string(reason.substr(0, kMaxFailureReason)));
  order.set_failed_us(absl::ToUnixMicros(txn.now));
  txn.batch->Put(Table::kOrders, order.order_id(), order.SerializeAsString());
  if (const MeterEntry* m = meters_.Find(order.meter_id())) {
    Notify(txn, *m, v1::Notification::PAYMENT_FAILED, order.amount_paise(),
           PaymentFailedText(order.meter_id(), order.amount_paise()));
  }
}

}  // namespace wallet
