// Recharge orders (ConsumerService.StartRecharge, PaymentGatewayService.
// ConfirmPayment): their random ids, their index by consumer and by meter,
// and what a client sees of one at a given time.
//
// An order is PENDING until it is paid, cancelled, or reaches its expiry
// time; from then on it reads as EXPIRED and a payment for it is refused.
// Expiry needs no write: the state at a time follows from the stored record
// and that time, which only moves forward, so states only move forward.
//
// With a payment gateway (Ledger::ApplyPaymentEvent) an order may also fail:
//
//   PENDING --payment.failed--> FAILED --payment.captured--> PAID
//      |                          |
//      +--captured--> PAID        +--cancel / expiry--> CANCELLED / EXPIRED
//      +--cancel / expiry--> CANCELLED / EXPIRED
//
// FAILED awaits payment as PENDING does: the gateway lets the consumer retry
// on the same order, and a later captured payment credits it. PAID,
// CANCELLED and EXPIRED are final.
#ifndef WALLET_ORDERS_H_
#define WALLET_ORDERS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "wallet/store/v1/records.pb.h"
#include "wallet/v1/common.pb.h"

namespace wallet {

// Meta key of the next order's creation sequence (be64), which orders the
// index.
inline constexpr absl::string_view kNextOrderKey = "next_order";

// Order ids are "ord_" and a TimeOrderedId (wallet/random.h): the creation
// time and 80 random bits.
inline constexpr absl::string_view kOrderIdPrefix = "ord_";

// OrderIndexPrefix is the prefix of the order index keys (Table::kOrderIndex)
// of one consumer (`by` 'c') or meter ('m'); OrderIndexKey adds the order's
// creation sequence, so that a reverse scan lists the newest first. The
// value is the order id.
std::string OrderIndexPrefix(char by, absl::string_view id);
std::string OrderIndexKey(char by, absl::string_view id, uint64_t seq);

// OrderExpiry is when `order` expires: its expire_us, or for an order made
// before orders expired, `lifetime` after its creation.
absl::Time OrderExpiry(const store::v1::OrderRecord& order, absl::Duration lifetime);

// AwaitsPayment is true for the states a payment may still pay: PENDING and
// FAILED.
bool AwaitsPayment(v1::OrderState state);

// GatewayOrderKey is the order index key (Table::kOrderIndex) that maps the
// payment gateway's order id to walletd's (the value).
std::string GatewayOrderKey(absl::string_view gateway_order_id);

// OrderStateAt is the order's state at `now`: a pending or failed order at
// or past its expiry is EXPIRED.
v1::OrderState OrderStateAt(const store::v1::OrderRecord& order, absl::Time now,
                            absl::Duration lifetime);

// OrderNotFound is the NotFound error for an unknown order (or another
// consumer's).
absl::Status OrderNotFound(absl::string_view order_id);

// NotPending is the FailedPrecondition error that explains why an order in
// `state` (not awaiting payment) can be neither paid nor cancelled, ending
// with `consequence`; Internal for a state that awaits payment.
absl::Status NotPending(const store::v1::OrderRecord& order, v1::OrderState state,
                        absl::Duration lifetime, absl::string_view consequence);

// OrderAt is what a client sees of the order at `now`.
v1::Order OrderAt(store::v1::OrderRecord order, absl::Time now, absl::Duration lifetime);

}  // namespace wallet

#endif  // WALLET_ORDERS_H_
