// WebhookReceiver: a test's webhook endpoint (a base::HttpServer on a
// loopback port) that keeps every delivery and answers each with the next
// status of a script (200 once the script runs out), checking signatures
// against the webhook secret.
//
// Threads: deliveries arrive on the server's threads (one per connection);
// every method may be called from the test's thread meanwhile.
#ifndef TESTS_PAYMENT_GATEWAY_SIM_RECEIVER_H_
#define TESTS_PAYMENT_GATEWAY_SIM_RECEIVER_H_

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/hmac.h"
#include "base/http_server.h"
#include "nlohmann/json.hpp"

namespace pg_sim::testing {

// One delivery as received.
struct Delivery {
  std::string event_id;
  std::string event;  // the body's "event", e.g. "payment.captured"
  bool signature_valid = false;
  std::string content_type;
  nlohmann::json body;
};

class WebhookReceiver {
 public:
  explicit WebhookReceiver(std::string secret) : secret_(std::move(secret)) {
    std::vector<base::HttpRoute> routes;
    routes.push_back(
        {"/hook", {"POST"}, [this](const base::HttpRequest& request) { return Receive(request); }});
    base::HttpServerOptions options;
    options.thread_per_connection = true;  // deliveries arrive at once
    absl::StatusOr<std::unique_ptr<base::HttpServer>> server =
        base::HttpServer::Start("127.0.0.1:0", std::move(routes), options);
    if (server.ok()) server_ = *std::move(server);
  }

  bool ok() const { return server_ != nullptr; }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", server_->port(), "/hook"); }

  // Script sets the statuses of the next answers, in order.
  void Script(std::deque<int> statuses) {
    absl::MutexLock lock(&mu_);
    script_ = std::move(statuses);
  }

  // HoldUntil makes each delivery wait until `count` are being handled at
  // once (or 30 s have passed) before it is answered.
  void HoldUntil(int count) {
    absl::MutexLock lock(&mu_);
    hold_until_ = count;
  }

  std::vector<Delivery> deliveries() {
    absl::MutexLock lock(&mu_);
    return deliveries_;
  }
  int max_in_flight() {
    absl::MutexLock lock(&mu_);
    return max_in_flight_;
  }

 private:
  base::HttpResponse Receive(const base::HttpRequest& request) {
    Delivery delivery;
    delivery.event_id = request.Header("x-razorpay-event-id");
    delivery.signature_valid = base::ConstantTimeEquals(base::HmacSha256Hex(secret_, request.body),
                                                        request.Header("x-razorpay-signature"));
    delivery.content_type = request.Header("content-type");
    delivery.body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (delivery.body.is_object() && delivery.body.contains("event")) {
      delivery.event = delivery.body["event"].get<std::string>();
    }
    absl::MutexLock lock(&mu_);
    ++in_flight_;
    max_in_flight_ = std::max(max_in_flight_, in_flight_);
    mu_.AwaitWithTimeout(absl::Condition(this, &WebhookReceiver::Released), absl::Seconds(30));
    --in_flight_;
    deliveries_.push_back(std::move(delivery));
    int status = 200;
    if (!script_.empty()) {
      status = script_.front();
      script_.pop_front();
    }
    return base::HttpResponse(status, "application/json", "{}");
  }

  bool Released() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return max_in_flight_ >= hold_until_; }

  const std::string secret_;
  absl::Mutex mu_;
  std::vector<Delivery> deliveries_ ABSL_GUARDED_BY(mu_);
  std::deque<int> script_ ABSL_GUARDED_BY(mu_);
  int hold_until_ ABSL_GUARDED_BY(mu_) = 0;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int max_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  // Last: destroyed first, so no delivery runs while the rest goes.
  std::unique_ptr<base::HttpServer> server_;
};

}  // namespace pg_sim::testing

#endif  // TESTS_PAYMENT_GATEWAY_SIM_RECEIVER_H_
