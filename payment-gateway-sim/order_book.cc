#include "payment-gateway-sim/order_book.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace pg_sim {

absl::StatusOr<Order> OrderBook::Create(const NewOrder& request) {
  if (request.amount < kMinAmountPaise || request.amount > kMaxAmountPaise) {
    return absl::InvalidArgumentError(absl::StrCat("amount must be between ", kMinAmountPaise,
                                                   " and ", kMaxAmountPaise, " paise"));
  }
  if (request.currency != "INR") {
    return absl::InvalidArgumentError("currency must be INR");
  }
  if (request.receipt.size() > 40) {
    return absl::InvalidArgumentError("receipt must be at most 40 characters");
  }
  if (request.notes.size() > 15) {
    return absl::InvalidArgumentError("notes may have at most 15 entries");
  }
  Order order;
  order.id = ids_->Next("order");
  order.amount = request.amount;
  order.currency = request.currency;
  order.receipt = request.receipt;
  order.notes = request.notes;
  order.status = "created";
  order.created_at = absl::ToUnixSeconds(clock_->Now());
  absl::MutexLock lock(&mu_);
  orders_[order.id].order = order;
  return order;
}

absl::StatusOr<Order> OrderBook::Get(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  auto it = orders_.find(id);
  if (it == orders_.end()) return absl::NotFoundError(absl::StrCat("no order ", id));
  return it->second.order;
}

absl::StatusOr<std::vector<Payment>> OrderBook::Payments(const std::string& order_id) const {
  absl::MutexLock lock(&mu_);
  auto it = orders_.find(order_id);
  if (it == orders_.end()) return absl::NotFoundError(absl::StrCat("no order ", order_id));
  return it->second.payments;
}

absl::StatusOr<Checkout> OrderBook::Pay(const std::string& order_id, bool captured,
                                        const std::string& method) {
  const std::string payment_id = ids_->Next("pay");
  const int64_t now = absl::ToUnixSeconds(clock_->Now());
  absl::MutexLock lock(&mu_);
  auto it = orders_.find(order_id);
  if (it == orders_.end()) return absl::NotFoundError(absl::StrCat("no order ", order_id));
  Entry& entry = it->second;
  if (entry.order.status == "paid") {
    return absl::FailedPreconditionError(absl::StrCat("order ", order_id, " is already paid"));
  }
  Payment payment;
  payment.id = payment_id;
  payment.order_id = order_id;
  payment.amount = entry.order.amount - entry.order.amount_paid;
  payment.currency = entry.order.currency;
  payment.status = captured ? "captured" : "failed";
  payment.method = method;
  payment.created_at = now;
  entry.payments.push_back(payment);
  ++entry.order.attempts;
  if (captured) {
    entry.order.amount_paid += payment.amount;
    entry.order.status = "paid";
  } else {
    entry.order.status = "attempted";
  }
  return Checkout{payment, entry.order};
}

}  // namespace pg_sim
