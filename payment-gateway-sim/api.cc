#include "payment-gateway-sim/api.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "base/hmac.h"
#include "glog/logging.h"
#include "payment-gateway-sim/wire.h"

namespace pg_sim {
namespace {

constexpr char kJson[] = "application/json";

base::HttpResponse Json(int status, std::string body) {
  return base::HttpResponse(status, kJson, std::move(body));
}

// Error answers as the gateway does; `status` decides the code's name.
base::HttpResponse Error(int status, absl::string_view description) {
  return Json(status, ErrorJson(status >= 500 ? "SERVER_ERROR" : "BAD_REQUEST_ERROR", description));
}

base::HttpResponse FromStatus(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return Error(404, "The id provided does not exist");
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
      return Error(400, status.message());
    default:
      return Error(500, "The server could not answer");
  }
}

// The order id and what follows it in "/v1/orders/{id}[/payments]" or
// "/sim/orders/{id}/pay", after `prefix`.
std::vector<std::string> PathParts(const std::string& path, absl::string_view prefix) {
  return absl::StrSplit(absl::StripPrefix(path, prefix), '/');
}

}  // namespace

std::vector<base::HttpRoute> Api::Routes() {
  std::vector<base::HttpRoute> routes;
  routes.push_back({"/v1/orders", {"POST"}, [this](const base::HttpRequest& request) {
                      return CreateOrder(request);
                    }});
  routes.push_back({"/v1/orders/", {"GET"}, [this](const base::HttpRequest& request) {
                      return ReadOrder(request);
                    }});
  routes.push_back({"/sim/orders/", {"POST"}, [this](const base::HttpRequest& request) {
                      return Pay(request);
                    }});
  return routes;
}

bool Api::Authenticated(const base::HttpRequest& request) const {
  const std::string header = request.Header("authorization");
  absl::string_view encoded = header;
  if (!absl::ConsumePrefix(&encoded, "Basic ")) return false;
  std::string decoded;
  if (!absl::Base64Unescape(encoded, &decoded)) return false;
  return base::ConstantTimeEquals(decoded, absl::StrCat(key_.id, ":", key_.secret));
}

base::HttpResponse Api::CreateOrder(const base::HttpRequest& request) {
  if (!Authenticated(request)) return Error(401, "Authentication failed");
  absl::StatusOr<NewOrder> parsed = ParseNewOrder(request.body);
  if (!parsed.ok()) return FromStatus(parsed.status());
  absl::StatusOr<Order> order = book_->Create(*parsed);
  if (!order.ok()) return FromStatus(order.status());
  ++orders_;
  LOG(INFO) << "order " << order->id << " created: " << order->amount << " paise, receipt "
            << order->receipt;
  return Json(200, OrderJson(*order).dump());
}

base::HttpResponse Api::ReadOrder(const base::HttpRequest& request) {
  if (!Authenticated(request)) return Error(401, "Authentication failed");
  const std::vector<std::string> parts = PathParts(request.path, "/v1/orders/");
  if (parts.size() == 1 && !parts[0].empty()) {
    absl::StatusOr<Order> order = book_->Get(parts[0]);
    if (!order.ok()) return FromStatus(order.status());
    return Json(200, OrderJson(*order).dump());
  }
  if (parts.size() == 2 && parts[1] == "payments") {
    absl::StatusOr<std::vector<Payment>> payments = book_->Payments(parts[0]);
    if (!payments.ok()) return FromStatus(payments.status());
    return Json(200, CollectionJson(*payments).dump());
  }
  return Error(404, "The requested URL was not found on the server");
}

base::HttpResponse Api::Pay(const base::HttpRequest& request) {
  const std::vector<std::string> parts = PathParts(request.path, "/sim/orders/");
  if (parts.size() != 2 || parts[0].empty() || parts[1] != "pay") {
    return Error(404, "The requested URL was not found on the server");
  }
  absl::StatusOr<PayRequest> pay = ParsePayRequest(request.body);
  if (!pay.ok()) return FromStatus(pay.status());
  absl::StatusOr<Checkout> checkout = book_->Pay(parts[0], pay->captured, pay->method);
  if (!checkout.ok()) return FromStatus(checkout.status());
  ++(pay->captured ? captured_ : failed_);
  LOG(INFO) << "payment " << checkout->payment.id << " " << checkout->payment.status
            << " for order " << checkout->order.id << ": " << checkout->payment.amount
            << " paise by " << checkout->payment.method;
  SendWebhooks(*checkout);
  return Json(200, nlohmann::json{{"payment_id", checkout->payment.id}}.dump());
}

void Api::SendWebhooks(const Checkout& checkout) {
  const int64_t now = absl::ToUnixSeconds(clock_->Now());
  std::vector<WebhookEvent> events;
  if (checkout.payment.status == "captured") {
    for (const char* name : {"payment.captured", "order.paid"}) {
      events.push_back({ids_->Next("evt"), name, EventBody(name, checkout, now)});
    }
  } else {
    events.push_back(
        {ids_->Next("evt"), "payment.failed", EventBody("payment.failed", checkout, now)});
  }
  sender_->Send(std::move(events));
}

void Api::RegisterMetrics(base::Metrics* metrics) {
  metrics->RegisterCounter("payment_gateway_sim_orders_total", "Orders created.", &orders_);
  const std::string payments = "payment_gateway_sim_payments_total";
  const std::string help = "Checkout attempts (payments) by outcome.";
  metrics->RegisterCounter(payments + "{outcome=\"captured\"}", help, &captured_);
  metrics->RegisterCounter(payments + "{outcome=\"failed\"}", help, &failed_);
}

}  // namespace pg_sim
