// PaymentGatewayClient: walletd's client of the payment gateway's orders API
// (Razorpay style: JSON over HTTP(S), basic auth with the key id and secret).
// It makes the gateway's order for each of walletd's orders, and lists an
// order's payments for the order reconciler.
//
// Errors: Unavailable when the gateway cannot be reached, times out or
// answers 5xx (try again later); Internal when it refuses our credentials
// (401) or our request (other 4xx), or answers what cannot be parsed — a
// configuration or integration fault an operator must look at. NotFound
// from ListPayments for an order the gateway does not know.
//
// Thread safety: thread-safe; each call is one blocking HTTP exchange on
// the calling thread. The key secret is never logged.
//
// Example:
//   PaymentGatewayClient client({.base_url = "https://api.gateway.example",
//                                .key_id = "rzp_live_x", .key_secret = secret});
//   absl::StatusOr<std::string> id = client.CreateOrder("ord_...", "M1", 50'000);
#ifndef API_PAYMENT_GATEWAY_CLIENT_H_
#define API_PAYMENT_GATEWAY_CLIENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/http_client.h"

namespace api {

struct PaymentGatewayOptions {
  // The gateway's base URL, e.g. "https://api.razorpay.com"; paths such as
  // /v1/orders are appended.
  // Default: empty (no gateway).
  std::string base_url;
  // walletd's key id at the gateway: the basic-auth user, and shown to the
  // app for its checkout.
  std::string key_id;
  // The key secret: the basic-auth password. Never logged.
  std::string key_secret;
  // How long one call may take.
  // Default: 10 seconds.
  absl::Duration timeout = absl::Seconds(10);
  // CA certificates to verify an HTTPS gateway with; empty: the system's.
  // Default: empty.
  std::string ca_file;
};

// A payment of a gateway order, as the gateway lists it.
struct GatewayPayment {
  std::string payment_id;  // "pay_..."
  std::string status;      // "captured", "failed", "created", "authorized", ...
  int64_t amount_paise = 0;
  std::string currency;
  std::string error_description;  // a failed payment's reason
};

class PaymentGatewayClient final {
 public:
  explicit PaymentGatewayClient(PaymentGatewayOptions options);

  // CreateOrder makes the gateway's order of `amount_paise` in INR for
  // walletd's order `order_id` (its receipt; `meter_id` goes in its notes)
  // and returns the gateway's order id.
  absl::StatusOr<std::string> CreateOrder(const std::string& order_id, const std::string& meter_id,
                                          int64_t amount_paise) const;
  // ListPayments lists the payments of the gateway order `gateway_order_id`.
  absl::StatusOr<std::vector<GatewayPayment>> ListPayments(
      const std::string& gateway_order_id) const;

  const std::string& key_id() const { return options_.key_id; }

 private:
  // Call sends one request and returns the body of a 2xx answer.
  absl::StatusOr<std::string> Call(const std::string& method, const std::string& path,
                                   const std::string& body) const;

  const PaymentGatewayOptions options_;
  base::HttpClient http_;
};

}  // namespace api

#endif  // API_PAYMENT_GATEWAY_CLIENT_H_
