#include "api/payment_webhook.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "api/await.h"
#include "base/hmac.h"
#include "glog/logging.h"
#include "nlohmann/json.hpp"

namespace api {
namespace {

namespace v1 = ::wallet::v1;
using Json = nlohmann::json;

// The events walletd acts on, and what each means for the order.
std::optional<v1::PaymentEvent::Kind> KindOf(const std::string& name) {
  if (name == "payment.captured" || name == "order.paid") return v1::PaymentEvent::CAPTURED;
  if (name == "payment.failed") return v1::PaymentEvent::FAILED;
  return std::nullopt;
}

absl::Status Missing(const std::string& field) {
  return absl::InvalidArgumentError(absl::StrCat("the event has no ", field));
}

}  // namespace

absl::StatusOr<WebhookEvent> ParseWebhookEvent(const std::string& body,
                                               const std::string& event_id) {
  const Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return absl::InvalidArgumentError("the body is not a JSON object");
  auto name = json.find("event");
  if (name == json.end() || !name->is_string()) return Missing("\"event\" name");
  WebhookEvent out;
  out.name = name->get<std::string>();
  const std::optional<v1::PaymentEvent::Kind> kind = KindOf(out.name);
  if (!kind) return out;
  const Json* payment = nullptr;
  if (auto payload = json.find("payload"); payload != json.end() && payload->is_object()) {
    if (auto p = payload->find("payment"); p != payload->end() && p->is_object()) {
      if (auto entity = p->find("entity"); entity != p->end() && entity->is_object()) {
        payment = &*entity;
      }
    }
  }
  if (payment == nullptr) return Missing("payload.payment.entity");
  auto text = [payment](const char* field) -> absl::StatusOr<std::string> {
    auto it = payment->find(field);
    if (it == payment->end() || !it->is_string()) return Missing(absl::StrCat("payment ", field));
    return it->get<std::string>();
  };
  auto amount = payment->find("amount");
  if (amount == payment->end() || !amount->is_number_integer()) return Missing("payment amount");
  v1::PaymentEvent& event = out.event;
  event.set_event_id(event_id);
  event.set_kind(*kind);
  event.set_amount_paise(amount->get<int64_t>());
  absl::StatusOr<std::string> payment_id = text("id");
  if (!payment_id.ok()) return payment_id.status();
  absl::StatusOr<std::string> gateway_order_id = text("order_id");
  if (!gateway_order_id.ok()) return gateway_order_id.status();
  absl::StatusOr<std::string> currency = text("currency");
  if (!currency.ok()) return currency.status();
  event.set_payment_id(*std::move(payment_id));
  event.set_gateway_order_id(*std::move(gateway_order_id));
  event.set_currency(*std::move(currency));
  if (*kind == v1::PaymentEvent::FAILED) {
    auto reason = payment->find("error_description");
    if (reason != payment->end() && reason->is_string()) {
      event.set_failure_reason(reason->get<std::string>());
    }
  }
  out.handled = true;
  return out;
}

PaymentWebhook::PaymentWebhook(wallet::Wallet* wallet, std::string secret, base::Metrics* metrics,
                               absl::Duration wait)
    : wallet_(wallet), secret_(std::move(secret)), wait_(wait) {
  for (int r = 0; r < kResultCount; ++r) {
    metrics->RegisterCounter(
        absl::StrCat("walletd_webhooks_total{result=\"", ResultName(static_cast<Result>(r)), "\"}"),
        "Payment gateway webhooks answered, by result: credited, duplicate (payment or event "
        "seen before), failed (order marked failed), ignored, unhandled (an event walletd does "
        "not act on), and the refusals.",
        &counts_[r]);
  }
}

const char* PaymentWebhook::ResultName(Result result) {
  switch (result) {
    case kCredited:
      return "credited";
    case kDuplicate:
      return "duplicate";
    case kFailed:
      return "failed";
    case kIgnored:
      return "ignored";
    case kUnhandled:
      return "unhandled";
    case kBadSignature:
      return "bad_signature";
    case kMalformed:
      return "malformed";
    case kUnknownOrder:
      return "unknown_order";
    case kMismatch:
      return "mismatch";
    case kRefused:
      return "refused";
    case kUnavailable:
      return "unavailable";
    case kError:
      return "error";
    case kResultCount:
      break;
  }
  return "error";
}

base::HttpResponse PaymentWebhook::Reply(Result result, int status, const std::string& message) {
  counts_[result].fetch_add(1, std::memory_order_relaxed);
  if (status >= 300) LOG(WARNING) << "payment webhook refused (" << status << "): " << message;
  base::HttpResponse response;
  response.status = status;
  response.content_type = "application/json";
  response.body = Json{{"result", ResultName(result)}, {"message", message}}.dump() + "\n";
  return response;
}

base::HttpResponse PaymentWebhook::Answer(const base::HttpRequest& request) {
  const std::string signature = request.Header("x-razorpay-signature");
  if (signature.empty() ||
      !base::ConstantTimeEquals(base::HmacSha256Hex(secret_, request.body), signature)) {
    return Reply(kBadSignature, 401, "missing or bad X-Razorpay-Signature");
  }
  const std::string event_id = request.Header("x-razorpay-event-id");
  if (event_id.empty()) return Reply(kMalformed, 400, "no X-Razorpay-Event-Id");
  absl::StatusOr<WebhookEvent> parsed = ParseWebhookEvent(request.body, event_id);
  if (!parsed.ok()) return Reply(kMalformed, 400, std::string(parsed.status().message()));
  if (!parsed->handled) {
    return Reply(kUnhandled, 200, absl::StrCat("event ", parsed->name, " is not acted on"));
  }
  absl::StatusOr<v1::PaymentEventResult> applied = Await<v1::PaymentEventResult>(
      [&](auto done) { wallet_->ApplyPaymentEvent(parsed->event, std::move(done)); }, wait_);
  return Applied(applied, event_id);
}

base::HttpResponse PaymentWebhook::Applied(const absl::StatusOr<v1::PaymentEventResult>& applied,
                                           const std::string& event_id) {
  if (applied.ok()) {
    const std::string order = applied->order().order_id();
    if (applied->replayed()) return Reply(kDuplicate, 200, "event " + event_id + " seen before");
    switch (applied->outcome()) {
      case v1::PaymentEventResult::CREDITED:
        return Reply(kCredited, 200, "order " + order + " credited");
      case v1::PaymentEventResult::ALREADY_CREDITED:
        return Reply(kDuplicate, 200, "order " + order + " was credited for this payment before");
      case v1::PaymentEventResult::MARKED_FAILED:
        return Reply(kFailed, 200, "order " + order + " marked failed");
      default:
        return Reply(kIgnored, 200, "order " + order + " no longer awaits this payment");
    }
  }
  const absl::Status& status = applied.status();
  const std::string message = absl::StrCat("event ", event_id, ": ", status.message());
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return Reply(kUnknownOrder, 404, message);
    case absl::StatusCode::kInvalidArgument:
      return Reply(kMismatch, 422, message);
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
      return Reply(kRefused, 409, message);
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return Reply(kUnavailable, 503, message);
    default:
      LOG(ERROR) << "payment webhook: " << status;
      return Reply(kError, 500, "internal error");
  }
}

}  // namespace api
