// PaymentWebhook: walletd's endpoint for the payment gateway's webhooks
// (Razorpay style), POST /webhooks/payment-gateway on its own listener
// (--webhook_listen), apart from the monitoring port, since it faces the
// internet.
//
// Each request is checked, then applied, then answered:
//   401  X-Razorpay-Signature missing or not the HMAC-SHA256 (hex) of the raw
//        body under the webhook secret (compared in constant time);
//   400  no X-Razorpay-Event-Id, or a body that is not the event JSON;
//   200  an event walletd does not act on (e.g. refund.created), with nothing
//        changed;
//   404  no walletd order for the payment's gateway order;
//   422  the amount or currency is not the order's (or malformed ids);
//   409  the order cannot take the payment (paid by another payment,
//        cancelled, expired: the payment must be refunded at the gateway),
//        or the event id was seen with another body;
//   503  walletd cannot write now (the gateway retries later);
//   200  applied, only once the effect is durable: payment.captured and
//        order.paid credit the order (once per payment id), payment.failed
//        marks a pending order failed. A replayed event id answers 200 and
//        changes nothing.
// Nothing changes on any answer but the applied 200. Every answer is counted
// by result (walletd_webhooks_total) and every refusal logged, without the
// body or the secret.
//
// Threads: Answer is thread-safe and blocks until the wallet answers (at
// most `wait`).
#ifndef API_PAYMENT_WEBHOOK_H_
#define API_PAYMENT_WEBHOOK_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/http_server.h"
#include "base/metrics.h"
#include "wallet/v1/payment.pb.h"
#include "wallet/wallet.h"

namespace api {

inline constexpr char kWebhookPath[] = "/webhooks/payment-gateway";

// WebhookEvent is what a webhook's body says, once checked.
struct WebhookEvent {
  // The event's name, e.g. "payment.captured".
  std::string name;
  // Whether walletd acts on it; if not, `event` is empty.
  bool handled = false;
  wallet::v1::PaymentEvent event;
};

// ParseWebhookEvent reads a webhook body (event id from its header):
// InvalidArgument, saying what is wrong, for a body that is not an event.
absl::StatusOr<WebhookEvent> ParseWebhookEvent(const std::string& body,
                                               const std::string& event_id);

class PaymentWebhook final {
 public:
  // `wallet` is not owned and must outlive this; `secret` is the webhook
  // secret; `wait` bounds how long a request waits for the wallet (the
  // gateway gives up after 5 s). Registers its counters in `metrics` (not
  // owned; it must not outlive this).
  PaymentWebhook(wallet::Wallet* wallet, std::string secret, base::Metrics* metrics,
                 absl::Duration wait = absl::Seconds(4));

  // Answer handles one POST to kWebhookPath.
  base::HttpResponse Answer(const base::HttpRequest& request);

 private:
  enum Result {
    kCredited,
    kDuplicate,
    kFailed,
    kIgnored,
    kUnhandled,
    kBadSignature,
    kMalformed,
    kUnknownOrder,
    kMismatch,
    kRefused,
    kUnavailable,
    kError,
    kResultCount,
  };
  static const char* ResultName(Result result);
  base::HttpResponse Reply(Result result, int status, const std::string& message);
  base::HttpResponse Applied(const absl::StatusOr<wallet::v1::PaymentEventResult>& applied,
                             const std::string& event_id);

  wallet::Wallet* const wallet_;
  const std::string secret_;
  const absl::Duration wait_;
  std::array<std::atomic<uint64_t>, kResultCount> counts_{};
};

}  // namespace api

#endif  // API_PAYMENT_WEBHOOK_H_
