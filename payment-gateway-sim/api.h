// Api: the simulated gateway's HTTP API, Razorpay's orders API plus the
// simulator's own control call:
//   POST /v1/orders                 create an order (JSON body)
//   GET  /v1/orders/{id}            the order
//   GET  /v1/orders/{id}/payments   its payments, as a collection
//   POST /sim/orders/{id}/pay       the consumer completes checkout:
//        {"outcome":"captured"|"failed","method":"upi"} -> {"payment_id":"pay_..."}
//        and the checkout's webhooks are sent.
// The /v1 calls need HTTP basic authentication with the key id and secret
// (401 otherwise); /sim needs none. Errors are JSON
// {"error":{"code":"BAD_REQUEST_ERROR","description":"..."}}: 400 for a bad
// body or a paid order, 401, 404 for an unknown order or path.
//
// Threads: the handlers may run on any thread, at once.
//
// Example:
//   pg_sim::Api api(&book, &sender, &clock, &ids, {"rzp_test_key", secret});
//   std::vector<base::HttpRoute> routes = api.Routes();
#ifndef PAYMENT_GATEWAY_SIM_API_H_
#define PAYMENT_GATEWAY_SIM_API_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "base/clock.h"
#include "base/http_server.h"
#include "base/metrics.h"
#include "payment-gateway-sim/ids.h"
#include "payment-gateway-sim/order_book.h"
#include "payment-gateway-sim/webhook_sender.h"

namespace pg_sim {

// The key pair that API callers must present.
struct ApiKey {
  std::string id;
  std::string secret;
};

class Api final {
 public:
  // Nothing is owned; everything must outlive the routes.
  Api(OrderBook* book, WebhookSender* sender, base::Clock* clock, IdMaker* ids, ApiKey key)
      : book_(book), sender_(sender), clock_(clock), ids_(ids), key_(std::move(key)) {}

  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // Routes are the routes above, for base::HttpServer::Start.
  std::vector<base::HttpRoute> Routes();

  // RegisterMetrics adds orders created and payments by outcome.
  void RegisterMetrics(base::Metrics* metrics);

 private:
  base::HttpResponse CreateOrder(const base::HttpRequest& request);
  base::HttpResponse ReadOrder(const base::HttpRequest& request);
  base::HttpResponse Pay(const base::HttpRequest& request);
  // Authenticated says whether the request carries the key pair.
  bool Authenticated(const base::HttpRequest& request) const;
  // SendWebhooks sends a checkout's events.
  void SendWebhooks(const Checkout& checkout);

  OrderBook* const book_;
  WebhookSender* const sender_;
  base::Clock* const clock_;
  IdMaker* const ids_;
  const ApiKey key_;
  std::atomic<uint64_t> orders_{0};
  std::atomic<uint64_t> captured_{0};
  std::atomic<uint64_t> failed_{0};
};

}  // namespace pg_sim

#endif  // PAYMENT_GATEWAY_SIM_API_H_
