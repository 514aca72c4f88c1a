#include "api/payment_gateway_client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "nlohmann/json.hpp"

namespace api {
namespace {

using Json = nlohmann::json;

// Malformed is the error for a gateway answer we cannot read.
absl::Status Malformed(const std::string& what, const std::string& detail) {
  return absl::InternalError(
      absl::StrCat("the payment gateway's answer to ", what, " cannot be read: ", detail));
}

// StringField and IntField read a field of a JSON object; a missing or
// null string reads as empty.
std::string StringField(const Json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t IntField(const Json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

}  // namespace

PaymentGatewayClient::PaymentGatewayClient(PaymentGatewayOptions options)
    : options_(std::move(options)) {}

absl::StatusOr<std::string> PaymentGatewayClient::Call(const std::string& method,
                                                       const std::string& path,
                                                       const std::string& body) const {
  base::HttpCall call;
  call.method = method;
  call.url = options_.base_url + path;
  if (!body.empty()) call.headers = {{"Content-Type", "application/json"}};
  call.body = body;
  call.user = options_.key_id;
  call.password = options_.key_secret;
  call.timeout = options_.timeout;
  call.ca_file = options_.ca_file;
  absl::StatusOr<base::HttpReply> reply = http_.Send(call);
  const std::string what = absl::StrCat(method, " ", path);
  if (!reply.ok()) {
    return absl::UnavailableError(
        absl::StrCat("the payment gateway did not answer ", what, ": ", reply.status().message()));
  }
  if (reply->status >= 200 && reply->status < 300) return std::move(reply->body);
  if (reply->status >= 500) {
    return absl::UnavailableError(
        absl::StrCat("the payment gateway answered ", what, " with HTTP ", reply->status));
  }
  if (reply->status == 404) {
    return absl::NotFoundError(absl::StrCat("the payment gateway does not know ", path));
  }
  // Our key or our request was refused: the gateway's description says why
  // (it holds no secret of ours).
  std::string description;
  const Json error = Json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
  if (error.is_object() && error.contains("error") && error["error"].is_object()) {
    description = StringField(error["error"], "description");
  }
  return absl::InternalError(
      absl::StrCat("the payment gateway refused ", what, " with HTTP ", reply->status,
                   reply->status == 401 ? " (check the key id and secret)" : "",
                   description.empty() ? "" : ": ", description));
}

absl::StatusOr<std::string> PaymentGatewayClient::CreateOrder(const std::string& order_id,
                                                              const std::string& meter_id,
                                                              int64_t amount_paise) const {
  const Json request = {{"amount", amount_paise},
                        {"currency", "INR"},
                        {"receipt", order_id},
                        {"notes", {{"meter_id", meter_id}}}};
  absl::StatusOr<std::string> body = Call("POST", "/v1/orders", request.dump());
  if (!body.ok()) return body.status();
  const Json order = Json::parse(*body, nullptr, /*allow_exceptions=*/false);
  if (!order.is_object()) return Malformed("POST /v1/orders", "not a JSON object");
  std::string id = StringField(order, "id");
  if (id.empty()) return Malformed("POST /v1/orders", "no order id");
  if (IntField(order, "amount") != amount_paise || StringField(order, "currency") != "INR") {
    return Malformed("POST /v1/orders", "the amount or currency differs from ours");
  }
  return id;
}

absl::StatusOr<std::vector<GatewayPayment>> PaymentGatewayClient::ListPayments(
    const std::string& gateway_order_id) const {
  const std::string path = absl::StrCat("/v1/orders/", gateway_order_id, "/payments");
  absl::StatusOr<std::string> body = Call("GET", path, "");
  if (!body.ok()) return body.status();
  const Json collection = Json::parse(*body, nullptr, /*allow_exceptions=*/false);
  if (!collection.is_object() || !collection.contains("items") || !collection["items"].is_array()) {
    return Malformed(absl::StrCat("GET ", path), "no items");
  }
  std::vector<GatewayPayment> payments;
  for (const Json& item : collection["items"]) {
    if (!item.is_object()) return Malformed(absl::StrCat("GET ", path), "an item is no object");
    GatewayPayment payment;
    payment.payment_id = StringField(item, "id");
    payment.status = StringField(item, "status");
    payment.amount_paise = IntField(item, "amount");
    payment.currency = StringField(item, "currency");
    payment.error_description = StringField(item, "error_description");
    payments.push_back(std::move(payment));
  }
  return payments;
}

}  // namespace api
