#include "payment-gateway-sim/wire.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace pg_sim {
namespace {

using nlohmann::json;

// Parse reads `body` as JSON without exceptions: a malformed body is a
// discarded value.
json Parse(absl::string_view body) {
  return json::parse(body.begin(), body.end(), /*cb=*/nullptr, /*allow_exceptions=*/false);
}

absl::Status ReadNotes(const json& notes, std::map<std::string, std::string>* out) {
  if (!notes.is_object()) return absl::InvalidArgumentError("notes must be an object");
  for (const auto& [key, value] : notes.items()) {
    if (value.is_string()) {
      (*out)[key] = value.get<std::string>();
    } else if (value.is_number()) {
      (*out)[key] = value.dump();
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("notes.", key, " must be a string or a number"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

json OrderJson(const Order& order) {
  return json{{"id", order.id},
              {"entity", "order"},
              {"amount", order.amount},
              {"amount_paid", order.amount_paid},
              {"amount_due", order.amount - order.amount_paid},
              {"currency", order.currency},
              {"receipt", order.receipt},
              {"status", order.status},
              {"attempts", order.attempts},
              {"notes", order.notes},
              {"created_at", order.created_at}};
}

json PaymentJson(const Payment& payment) {
  const bool captured = payment.status == "captured";
  return json{{"id", payment.id},
              {"entity", "payment"},
              {"amount", payment.amount},
              {"currency", payment.currency},
              {"status", payment.status},
              {"order_id", payment.order_id},
              {"method", payment.method},
              {"captured", captured},
              {"error_code", captured ? json(nullptr) : json("BAD_REQUEST_ERROR")},
              {"error_description",
               captured ? json(nullptr) : json("Payment failed at the customer's bank")},
              {"created_at", payment.created_at}};
}

json CollectionJson(const std::vector<Payment>& payments) {
  json items = json::array();
  for (const Payment& payment : payments) items.push_back(PaymentJson(payment));
  return json{{"entity", "collection"}, {"count", payments.size()}, {"items", std::move(items)}};
}

std::string ErrorJson(absl::string_view code, absl::string_view description) {
  return json{{"error", {{"code", code}, {"description", description}}}}.dump();
}

absl::StatusOr<NewOrder> ParseNewOrder(absl::string_view body) {
  const json request = Parse(body);
  if (!request.is_object()) return absl::InvalidArgumentError("the body must be a JSON object");
  NewOrder order;
  auto amount = request.find("amount");
  if (amount == request.end() || !amount->is_number_integer()) {
    return absl::InvalidArgumentError("amount must be an integer number of paise");
  }
  order.amount = amount->get<int64_t>();
  auto currency = request.find("currency");
  if (currency == request.end() || !currency->is_string()) {
    return absl::InvalidArgumentError("currency is required");
  }
  order.currency = currency->get<std::string>();
  if (auto receipt = request.find("receipt"); receipt != request.end()) {
    if (!receipt->is_string()) return absl::InvalidArgumentError("receipt must be a string");
    order.receipt = receipt->get<std::string>();
  }
  if (auto notes = request.find("notes"); notes != request.end()) {
    absl::Status read = ReadNotes(*notes, &order.notes);
    if (!read.ok()) return read;
  }
  return order;
}

absl::StatusOr<PayRequest> ParsePayRequest(absl::string_view body) {
  const json request = Parse(body);
  if (!request.is_object()) return absl::InvalidArgumentError("the body must be a JSON object");
  PayRequest pay;
  auto outcome = request.find("outcome");
  if (outcome == request.end() || !outcome->is_string() ||
      (*outcome != "captured" && *outcome != "failed")) {
    return absl::InvalidArgumentError("outcome must be \"captured\" or \"failed\"");
  }
  pay.captured = *outcome == "captured";
  if (auto method = request.find("method"); method != request.end()) {
    if (!method->is_string() || method->get<std::string>().empty()) {
      return absl::InvalidArgumentError("method must be a non-empty string");
    }
    pay.method = method->get<std::string>();
  }
  return pay;
}

std::string EventBody(absl::string_view name, const Checkout& checkout, int64_t created_at) {
  json payload = {{"payment", {{"entity", PaymentJson(checkout.payment)}}}};
  json contains = json::array({"payment"});
  if (name == "order.paid") {
    payload["order"] = {{"entity", OrderJson(checkout.order)}};
    contains.push_back("order");
  }
  return json{{"entity", "event"},
              {"account_id", "acc_sim"},
              {"event", name},
              {"contains", std::move(contains)},
              {"payload", std::move(payload)},
              {"created_at", created_at}}
      .dump();
}

}  // namespace pg_sim
