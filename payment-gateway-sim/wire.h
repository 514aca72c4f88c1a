// The gateway's JSON, Razorpay's shapes: order, payment and collection
// entities, error bodies, webhook events, and the requests it reads.
//
// Entities (amounts in paise, times in Unix seconds):
//   order    {"id","entity":"order","amount","amount_paid","amount_due","currency","receipt",
//             "status","attempts","notes":{...},"created_at"}
//   payment  {"id","entity":"payment","amount","currency","status","order_id","method",
//             "captured","error_code","error_description","created_at"}
//   event    {"entity":"event","account_id":"acc_sim","event","contains":[...],
//             "payload":{"payment":{"entity":{...}},"order":{"entity":{...}}},"created_at"}
//
// Threads: every function is pure and may be called from any thread.
#ifndef PAYMENT_GATEWAY_SIM_WIRE_H_
#define PAYMENT_GATEWAY_SIM_WIRE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "payment-gateway-sim/order_book.h"

namespace pg_sim {

nlohmann::json OrderJson(const Order& order);
nlohmann::json PaymentJson(const Payment& payment);
// CollectionJson is {"entity":"collection","count":N,"items":[...]}.
nlohmann::json CollectionJson(const std::vector<Payment>& payments);
// ErrorJson is {"error":{"code":<code>,"description":<description>}}.
std::string ErrorJson(absl::string_view code, absl::string_view description);

// ParseNewOrder reads a POST /v1/orders body. InvalidArgument, saying what
// is wrong, if it is not a JSON object, "amount" is missing or not an
// integer, "currency" is missing or not a string, "receipt" is not a string
// or "notes" is not an object of strings and numbers. The order book checks
// the values.
absl::StatusOr<NewOrder> ParseNewOrder(absl::string_view body);

// PayRequest is a POST /sim/orders/{id}/pay body.
struct PayRequest {
  bool captured = true;
  std::string method = "upi";
};
// ParsePayRequest reads {"outcome":"captured"|"failed","method":"..."};
// "method" is optional (default "upi"). InvalidArgument otherwise.
absl::StatusOr<PayRequest> ParsePayRequest(absl::string_view body);

// WebhookEvent is one event as delivered: its id (the X-Razorpay-Event-Id
// header, the same on every delivery), its name and its body.
struct WebhookEvent {
  std::string id;
  std::string name;
  std::string body;
};

// EventBody renders the event `name` about `checkout` at `created_at`:
// "payment.captured" and "payment.failed" contain the payment, "order.paid"
// the payment and the order.
std::string EventBody(absl::string_view name, const Checkout& checkout, int64_t created_at);

}  // namespace pg_sim

#endif  // PAYMENT_GATEWAY_SIM_WIRE_H_
