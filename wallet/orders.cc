// Recharge orders: created by consumers, paid by the payment gateway,
// cancelled while pending, expired by time. Ledger operations (writer thread,
// see ledger.h) and the wallet's readers (any thread, see wallet.h).
#include "wallet/orders.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "wallet/accounts.h"
#include "wallet/dues.h"
#include "wallet/idempotency.h"
#include "wallet/ledger.h"
#include "wallet/paging.h"
#include "wallet/random.h"
#include "wallet/record_io.h"
#include "wallet/validate.h"
#include "wallet/wallet.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

using store::v1::OrderRecord;

constexpr int32_t kDefaultOrderPage = 50;
// A filtered listing stops after this many index rows and hands back a token.
constexpr int kMaxOrdersScannedPerPage = 100'000;

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone());
}

// NoRandom gives zero bytes: with it TimeOrderedId makes the smallest order
// id of a millisecond, a bound for scanning the orders table by time.
class NoRandom final : public Random {
 public:
  absl::StatusOr<std::string> Bytes(size_t n) override { return std::string(n, '\0'); }
};

}  // namespace

absl::Status OrderNotFound(absl::string_view order_id) {
  return absl::NotFoundError(absl::StrCat("order ", order_id, " not found"));
}

absl::Status NotPending(const OrderRecord& order, v1::OrderState state, absl::Duration lifetime,
                        absl::string_view consequence) {
  switch (state) {
    case v1::ORDER_PAID:
      return absl::FailedPreconditionError(absl::StrCat(
          "order ", order.order_id(), " was already paid by payment ", order.payment_id()));
    case v1::ORDER_CANCELLED:
      return absl::FailedPreconditionError(absl::StrCat("order ", order.order_id(),
                                                        " was cancelled (", order.cancel_reason(),
                                                        ")", consequence));
    case v1::ORDER_EXPIRED:
      return absl::FailedPreconditionError(
          absl::StrCat("order ", order.order_id(), " expired at ",
                       Rfc3339(OrderExpiry(order, lifetime)), consequence));
    default:
      return absl::InternalError(absl::StrCat("order ", order.order_id(), " in state ", state));
  }
}

std::string OrderIndexPrefix(char by, absl::string_view id) {
  return KeyPrefix(absl::StrCat(absl::string_view(&by, 1), id));
}

std::string OrderIndexKey(char by, absl::string_view id, uint64_t seq) {
  return absl::StrCat(OrderIndexPrefix(by, id), BigEndian64(seq));
}

absl::Time OrderExpiry(const OrderRecord& order, absl::Duration lifetime) {
  return order.expire_us() != 0 ? absl::FromUnixMicros(order.expire_us())
                                : absl::FromUnixMicros(order.created_us()) + lifetime;
}

bool AwaitsPayment(v1::OrderState state) {
  return state == v1::ORDER_PENDING || state == v1::ORDER_FAILED;
}

std::string GatewayOrderKey(absl::string_view gateway_order_id) {
  return OrderIndexPrefix('g', gateway_order_id);
}

v1::OrderState OrderStateAt(const OrderRecord& order, absl::Time now, absl::Duration lifetime) {
  if (AwaitsPayment(order.state()) && now >= OrderExpiry(order, lifetime)) {
    return v1::ORDER_EXPIRED;
  }
  return order.state();
}

v1::Order OrderAt(OrderRecord order, absl::Time now, absl::Duration lifetime) {
  const v1::OrderState state = OrderStateAt(order, now, lifetime);
  const absl::Time expiry = OrderExpiry(order, lifetime);
  v1::Order out = ToWire(std::move(order));
  out.set_state(state);
  SetTimestamp(absl::ToUnixMicros(expiry), out.mutable_expire_time());
  return out;
}

// ---- Ledger: the writer's side -------------------------------------------

absl::StatusOr<v1::StartRechargeResponse> Ledger::StartRecharge(
    Txn& txn, const Principal& who, const v1::StartRechargeRequest& req,
    const std::string& order_id) {
  return IdempotentRequest<v1::StartRechargeResponse>(
      txn, "StartRecharge", RequestScope(who), req,
      [&]() -> absl::StatusOr<v1::StartRechargeResponse> {
        WALLET_RETURN_IF_ERROR(ValidateId("meter_id", req.meter_id()));
        WALLET_RETURN_IF_ERROR(
            ValidateAmount("amount_paise", req.amount_paise(), options_.max_amount_paise));
        const MeterEntry* m = meters_.Find(req.meter_id());
        if (!who.is_admin() && (m == nullptr || !who.OwnsConsumer(m->meter.consumer_id()))) {
          return NotYourMeter(req.meter_id());
        }
        if (m == nullptr) {
          return absl::NotFoundError(absl::StrCat("meter ", req.meter_id(), " is not registered"));
        }
        if (!v1::OrderPurpose_IsValid(req.purpose())) {
          return absl::InvalidArgumentError("purpose must be RECHARGE or DUES");
        }
        if (req.purpose() == v1::DUES) {
          // At most what is owed now; the payment is checked again when it
          // comes (the dues may have been paid at a counter meanwhile).
          WALLET_RETURN_IF_ERROR(
              AllocateDuesPayment(req.meter_id(), DuesOwedBy(*m), req.amount_paise()).status());
        } else {
          WALLET_RETURN_IF_ERROR(RefuseIfPostpaid(*m));
        }
        WALLET_RETURN_IF_ERROR(ValidateId("order_id", order_id));
        WALLET_ASSIGN_OR_RETURN(std::optional<std::string> taken,
                                txn.batch->Get(Table::kOrders, order_id));
        // 80 random bits within a millisecond: never in practice, but never a
        // second order under one id either.
        if (taken) return absl::AbortedError("order id already taken; retry the request");
        OrderRecord order;
        order.set_order_id(order_id);
        order.set_meter_id(req.meter_id());
        order.set_consumer_id(m->meter.consumer_id());
        order.set_amount_paise(req.amount_paise());
        order.set_state(v1::ORDER_PENDING);
        order.set_created_us(absl::ToUnixMicros(txn.now));
        order.set_expire_us(absl::ToUnixMicros(txn.now + options_.order_lifetime));
        order.set_purpose(req.purpose());
        const uint64_t seq = next_order_++;
        txn.batch->Put(Table::kMeta, kNextOrderKey, BigEndian64(next_order_));
        txn.batch->Put(Table::kOrders, order.order_id(), order.SerializeAsString());
        txn.batch->Put(Table::kOrderIndex, OrderIndexKey('c', order.consumer_id(), seq), order_id);
        txn.batch->Put(Table::kOrderIndex, OrderIndexKey('m', order.meter_id(), seq), order_id);
        v1::StartRechargeResponse response;
        *response.mutable_order() = OrderAt(std::move(order), txn.now, options_.order_lifetime);
        return response;
      });
}

absl::StatusOr<v1::ConfirmPaymentResponse> Ledger::ConfirmPayment(
    Txn& txn, const v1::ConfirmPaymentRequest& req) {
  WALLET_RETURN_IF_ERROR(ValidateId("payment_id", req.payment_id()));
  return Idempotent<v1::ConfirmPaymentResponse>(
      txn, RequestKey("ConfirmPayment", kGatewayScope, req.payment_id()), req,
      [&]() -> absl::StatusOr<v1::ConfirmPaymentResponse> {
        WALLET_RETURN_IF_ERROR(ValidateId("order_id", req.order_id()));
        WALLET_RETURN_IF_ERROR(
            ValidateAmount("amount_paise", req.amount_paise(), options_.max_amount_paise));
        WALLET_ASSIGN_OR_RETURN(OrderRecord order, StoredOrder(txn, req.order_id()));
        constexpr absl::string_view kRefund = "; the payment must be refunded";
        const v1::OrderState state = OrderStateAt(order, txn.now, options_.order_lifetime);
        if (!AwaitsPayment(state)) {
          return NotPending(order, state, options_.order_lifetime, kRefund);
        }
        const MeterEntry& m = *meters_.Find(order.meter_id());
        // MoveMeter cancels the meter's pending orders; one it could not see
        // yet (made in the same commit group) is refused here.
        if (m.meter.consumer_id() != order.consumer_id()) {
          return absl::FailedPreconditionError(
              absl::StrCat("meter ", order.meter_id(), " has moved to another consumer since ",
                           "order ", order.order_id(), " was made", kRefund));
        }
        if (order.amount_paise() != req.amount_paise()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "amount ", req.amount_paise(), " differs from the order's ", order.amount_paise()));
        }
        const std::string account = MeterAccount(order.meter_id());
        const int64_t amount = order.amount_paise();
        v1::ConfirmPaymentResponse response;
        if (order.purpose() == v1::DUES) {
          absl::StatusOr<v1::PayDuesResponse> paid =
              PayDues(txn, *meters_.Find(order.meter_id()), std::string(kPaymentClearing), amount,
                      req.payment_id(), order.order_id());
          if (absl::IsFailedPrecondition(paid.status())) {
            return absl::FailedPreconditionError(
                absl::StrCat(paid.status().message(), kRefund));
          }
          WALLET_RETURN_IF_ERROR(paid.status());
          *response.mutable_transfer() = paid->has_principal() ? paid->principal()
                                                               : paid->surcharge();
          *response.mutable_dues() = *std::move(paid);
          PaidOrder(txn, order, req.payment_id(), response);
          response.set_balance_paise(journal_.Balance(account));
          return response;
        }
        const int64_t share = ArrearsShareOf(m, amount);
        const int64_t fee = ReconnectionFeeOf(m);
        WALLET_RETURN_IF_ERROR(journal_.CheckRange({{kPaymentClearing, -amount},
                                                    {account, amount},
                                                    {account, -share},
                                                    {ArrearsAccount(order.meter_id()), share},
                                                    {account, -fee},
                                                    {kFees, fee}}));
        *response.mutable_transfer() =
            ToWire(journal_.Post(txn, v1::PAYMENT_RECHARGE, std::string(kPaymentClearing), account,
                                 amount, req.payment_id(), order.order_id()));
        if (auto arrears =
                Recharged(txn, *meters_.Find(order.meter_id()), amount, req.payment_id())) {
          *response.mutable_arrears_recovery() = ToWire(*std::move(arrears));
        }
        PaidOrder(txn, order, req.payment_id(), response);
        response.set_balance_paise(journal_.Balance(account));
        return response;
      });
}

absl::StatusOr<v1::CancelOrderResponse> Ledger::CancelOrder(Txn& txn, const Principal& who,
                                                           const v1::CancelOrderRequest& req) {
  return IdempotentRequest<v1::CancelOrderResponse>(
      txn, "CancelOrder", RequestScope(who), req, [&]() -> absl::StatusOr<v1::CancelOrderResponse> {
        WALLET_RETURN_IF_ERROR(ValidateId("order_id", req.order_id()));
        WALLET_ASSIGN_OR_RETURN(OrderRecord order, StoredOrder(txn, req.order_id()));
        // Another consumer's order answers as an unknown one.
        if (!who.is_admin() && !who.OwnsConsumer(order.consumer_id())) {
          return OrderNotFound(req.order_id());
        }
        const v1::OrderState state = OrderStateAt(order, txn.now, options_.order_lifetime);
        if (!AwaitsPayment(state)) {
          return NotPending(order, state, options_.order_lifetime,
                            ": only a pending or failed order can be cancelled");
        }
        Cancel(txn, order,
               who.is_admin() ? "cancelled by the utility" : "cancelled by the consumer");
        v1::CancelOrderResponse response;
        *response.mutable_order() = OrderAt(std::move(order), txn.now, options_.order_lifetime);
        return response;
      });
}

absl::StatusOr<OrderRecord> Ledger::StoredOrder(Txn& txn, absl::string_view order_id) {
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                          txn.batch->Get(Table::kOrders, order_id));
  if (!stored) return OrderNotFound(order_id);
  return ParseRecord<OrderRecord>(*stored, "order");
}

void Ledger::PaidOrder(Txn& txn, OrderRecord& order, const std::string& payment_id,
                       v1::ConfirmPaymentResponse& response) {
  order.set_state(v1::ORDER_PAID);
  order.set_payment_id(payment_id);
  order.set_paid_us(absl::ToUnixMicros(txn.now));
  order.set_transfer_seq(response.transfer().seq());
  txn.batch->Put(Table::kOrders, order.order_id(), order.SerializeAsString());
  *response.mutable_order() = OrderAt(std::move(order), txn.now, options_.order_lifetime);
}

void Ledger::Cancel(Txn& txn, OrderRecord& order, absl::string_view reason) {
  order.set_state(v1::ORDER_CANCELLED);
  order.set_cancelled_us(absl::ToUnixMicros(txn.now));
  order.set_cancel_reason(std::string(reason));
  txn.batch->Put(Table::kOrders, order.order_id(), order.SerializeAsString());
}

absl::StatusOr<std::vector<OrderRecord>> Ledger::PendingOrdersOf(Txn& txn,
                                                                 absl::string_view meter_id) {
  std::vector<std::string> ids;
  WALLET_RETURN_IF_ERROR(store_->Scan(Table::kOrderIndex, OrderIndexPrefix('m', meter_id), "",
                                      /*reverse=*/true,
                                      [&](absl::string_view, absl::string_view value) {
                                        ids.emplace_back(value);
                                        return true;
                                      }));
  std::vector<OrderRecord> pending;
  for (const std::string& id : ids) {
    WALLET_ASSIGN_OR_RETURN(std::optional<std::string> stored, txn.batch->Get(Table::kOrders, id));
    if (!stored) return absl::InternalError(absl::StrCat("order index names a missing order ", id));
    WALLET_ASSIGN_OR_RETURN(OrderRecord order, ParseRecord<OrderRecord>(*stored, "order"));
    if (AwaitsPayment(OrderStateAt(order, txn.now, options_.order_lifetime))) {
      pending.push_back(std::move(order));
    }
  }
  return pending;
}

// ---- Wallet: readers (the mutations are queued in wallet.cc) --------------

absl::StatusOr<v1::Order> Wallet::GetOrder(const Principal& who,
                                           const std::string& order_id) const {
  WALLET_RETURN_IF_ERROR(ValidateId("order_id", order_id));
  WALLET_ASSIGN_OR_RETURN(std::optional<OrderRecord> order,
                          ReadRecord<OrderRecord>(*store_, Table::kOrders, order_id, "order"));
  if (!order || (!who.is_admin() && !who.OwnsConsumer(order->consumer_id()))) {
    return OrderNotFound(order_id);
  }
  return OrderAt(*std::move(order), clock_->Now(), order_lifetime_);
}

absl::StatusOr<std::string> Wallet::OrdersConsumer(const Principal& who,
                                                   const v1::ListOrdersRequest& req) const {
  if (!req.consumer_id().empty()) {
    if (!req.meter_id().empty())
      WALLET_RETURN_IF_ERROR(ReadOwnedMeter(who, req.meter_id()).status());
    return req.consumer_id();
  }
  if (!req.meter_id().empty()) {
    WALLET_ASSIGN_OR_RETURN(store::v1::MeterRecord meter, ReadOwnedMeter(who, req.meter_id()));
    return meter.consumer_id();
  }
  std::vector<std::string> consumers = who.Consumers();
  if (consumers.size() > 1) {
    return absl::InvalidArgumentError(
        "this sign-in covers several consumers: give consumer_id or meter_id");
  }
  return consumers.empty() ? std::string() : std::move(consumers.front());
}

absl::StatusOr<v1::ListOrdersResponse> Wallet::ListOrders(const Principal& who,
                                                          const v1::ListOrdersRequest& req) const {
  v1::ListOrdersRequest filter = PageFilter(req);
  if (!req.meter_id().empty()) WALLET_RETURN_IF_ERROR(ValidateId("meter_id", req.meter_id()));
  if (!req.consumer_id().empty()) {
    WALLET_RETURN_IF_ERROR(ValidateId("consumer_id", req.consumer_id()));
  }
  if (!who.is_admin()) {
    if (!req.consumer_id().empty() && !who.OwnsConsumer(req.consumer_id())) {
      return absl::PermissionDeniedError("a consumer key lists only its own orders");
    }
    WALLET_ASSIGN_OR_RETURN(std::string consumer_id, OrdersConsumer(who, req));
    if (consumer_id.empty()) return v1::ListOrdersResponse();  // a sign-in with no consumer
    filter.set_consumer_id(std::move(consumer_id));
  } else {
    if (req.meter_id().empty() && req.consumer_id().empty()) {
      return absl::InvalidArgumentError("give meter_id or consumer_id");
    }
    if (!req.meter_id().empty()) WALLET_RETURN_IF_ERROR(ReadMeter(req.meter_id()).status());
    if (!req.consumer_id().empty()) {
      WALLET_ASSIGN_OR_RETURN(std::optional<std::string> consumer,
                              store_->Get(Table::kConsumers, req.consumer_id()));
      if (!consumer) {
        return absl::NotFoundError(absl::StrCat("consumer ", req.consumer_id(), " not found"));
      }
    }
  }
  std::string after;  // the last index key of the previous page
  if (!req.page_token().empty()) {
    WALLET_ASSIGN_OR_RETURN(after, tokens_.Open("ListOrders", filter, req.page_token()));
  }
  const bool by_consumer = !filter.consumer_id().empty();
  const std::string prefix = by_consumer ? OrderIndexPrefix('c', filter.consumer_id())
                                         : OrderIndexPrefix('m', filter.meter_id());
  const absl::Time now = clock_->Now();
  const auto snapshot = store_->TakeSnapshot();
  v1::ListOrdersResponse response;
  WALLET_ASSIGN_OR_RETURN(
      std::string next,
      ScanPage(
          *store_, Table::kOrderIndex, prefix, after, /*reverse=*/true,
          PageSize(req.page_size(), kDefaultOrderPage), kMaxOrdersScannedPerPage,
          [&](absl::string_view, absl::string_view order_id) -> absl::StatusOr<bool> {
            WALLET_ASSIGN_OR_RETURN(std::optional<OrderRecord> order,
                                    ReadRecord<OrderRecord>(*store_, Table::kOrders, order_id,
                                                            "order", snapshot.get()));
            if (!order) return absl::InternalError("the order index names a missing order");
            if (!filter.meter_id().empty() && order->meter_id() != filter.meter_id()) return false;
            *response.add_orders() = OrderAt(*std::move(order), now, order_lifetime_);
            return true;
          },
          snapshot.get()));
  if (!next.empty()) response.set_next_page_token(tokens_.Issue("ListOrders", filter, next));
  return response;
}

absl::StatusOr<std::vector<v1::Order>> Wallet::OrdersAwaitingGateway(absl::Duration age,
                                                                     int limit) const {
  const absl::Time now = clock_->Now();
  NoRandom zero;
  // Order ids begin with their creation time: the orders made in the
  // lifetime before now, less `age`, are one range of keys, oldest first.
  WALLET_ASSIGN_OR_RETURN(const std::string first,
                          TimeOrderedId(zero, now - order_lifetime_, kOrderIdPrefix));
  // The whole millisecond of `now - age` is in.
  WALLET_ASSIGN_OR_RETURN(const std::string end,
                          TimeOrderedId(zero, now - age + absl::Milliseconds(1), kOrderIdPrefix));
  std::vector<v1::Order> orders;
  absl::Status parsed;
  WALLET_RETURN_IF_ERROR(
      store_->Scan(Table::kOrders, kOrderIdPrefix, first, /*reverse=*/false,
                   [&](absl::string_view key, absl::string_view value) {
                     if (key >= end || static_cast<int>(orders.size()) >= limit) return false;
                     absl::StatusOr<OrderRecord> order = ParseRecord<OrderRecord>(value, "order");
                     if (!order.ok()) {
                       parsed = order.status();
                       return false;
                     }
                     if (!order->gateway_order_id().empty() &&
                         AwaitsPayment(OrderStateAt(*order, now, order_lifetime_))) {
                       orders.push_back(OrderAt(*std::move(order), now, order_lifetime_));
                     }
                     return true;
                   }));
  WALLET_RETURN_IF_ERROR(parsed);
  return orders;
}

}  // namespace wallet
