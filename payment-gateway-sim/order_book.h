// OrderBook: the simulated gateway's orders and payments, in memory (a
// simulator keeps nothing across restarts).
//
// An order is created for an amount in paise and is paid at most once:
// each checkout attempt is a payment of the whole amount due, captured or
// failed. Order states move forward only: created -> attempted (a payment
// failed) -> paid (a payment was captured).
//
// Threads: every method may be called from any thread.
//
// Example:
//   pg_sim::OrderBook book(&clock, &ids);
//   absl::StatusOr<pg_sim::Order> order = book.Create({50000, "INR", "r1", notes});
//   absl::StatusOr<pg_sim::Checkout> checkout = book.Pay(order->id, /*captured=*/true, "upi");
#ifndef PAYMENT_GATEWAY_SIM_ORDER_BOOK_H_
#define PAYMENT_GATEWAY_SIM_ORDER_BOOK_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "payment-gateway-sim/ids.h"

namespace pg_sim {

// The largest amount an order may have: Rs 5,00,000 (in paise), as a
// gateway's per-transaction ceiling; the smallest is Re 1.
inline constexpr int64_t kMinAmountPaise = 100;
inline constexpr int64_t kMaxAmountPaise = 50'000'000;

struct NewOrder {
  int64_t amount = 0;  // paise
  std::string currency;
  std::string receipt;
  std::map<std::string, std::string> notes;
};

struct Order {
  std::string id;
  int64_t amount = 0;
  int64_t amount_paid = 0;
  std::string currency;
  std::string receipt;
  std::map<std::string, std::string> notes;
  std::string status;  // "created", "attempted" or "paid"
  int attempts = 0;
  int64_t created_at = 0;  // Unix seconds
};

struct Payment {
  std::string id;
  std::string order_id;
  int64_t amount = 0;
  std::string currency;
  std::string status;  // "captured" or "failed"
  std::string method;
  int64_t created_at = 0;
};

// Checkout is one payment and its order as it stands after it.
struct Checkout {
  Payment payment;
  Order order;
};

class OrderBook final {
 public:
  // `clock` and `ids` are not owned and must outlive the book.
  OrderBook(base::Clock* clock, IdMaker* ids) : clock_(clock), ids_(ids) {}

  OrderBook(const OrderBook&) = delete;
  OrderBook& operator=(const OrderBook&) = delete;

  // Create records a new order in state "created". InvalidArgument if the
  // amount is outside [kMinAmountPaise, kMaxAmountPaise], the currency is
  // not "INR", the receipt is longer than 40 characters or there are more
  // than 15 notes.
  absl::StatusOr<Order> Create(const NewOrder& request);

  // Get returns the order `id`; NotFound if there is none.
  absl::StatusOr<Order> Get(const std::string& id) const;

  // Payments returns the order's payments, oldest first; NotFound if there
  // is no such order.
  absl::StatusOr<std::vector<Payment>> Payments(const std::string& order_id) const;

  // Pay records one checkout attempt for the amount due: a captured payment
  // pays the order, a failed one marks it attempted. NotFound if there is
  // no such order; FailedPrecondition if it is already paid.
  absl::StatusOr<Checkout> Pay(const std::string& order_id, bool captured,
                               const std::string& method);

 private:
  struct Entry {
    Order order;
    std::vector<Payment> payments;
  };

  base::Clock* const clock_;
  IdMaker* const ids_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> orders_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pg_sim

#endif  // PAYMENT_GATEWAY_SIM_ORDER_BOOK_H_
