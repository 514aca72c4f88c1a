// The payment side of channel_bench: orders made through walletd (which
// makes each at the payment gateway, the simulator), then credited either by
// the gateway's signed webhook POSTed straight to walletd's endpoint or by
// gRPC ConfirmPayment, and the check that every order was paid once.
//
// Thread safety: the functions may run at once on different orders; each
// makes its calls from its own threads (RunCalls).
//
// Example:
//   absl::StatusOr<std::vector<PendingOrder>> orders =
//       StartOrders(consumer, admin_key, meters, 10'000, 64, "w");
//   CallsResult r = PostWebhooks(*orders, webhook_url, secret, 64);
//   absl::Status money = CheckPaidOnce(consumer, admin_key, *orders);
#ifndef BENCH_CHANNEL_PAYMENTS_H_
#define BENCH_CHANNEL_PAYMENTS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench/run_calls.h"
#include "grpcpp/grpcpp.h"
#include "wallet/v1/consumer.grpc.pb.h"

namespace wallet::bench {

// A recharge order walletd made at the payment gateway, not yet paid.
struct PendingOrder {
  std::string meter_id;
  std::string order_id;          // walletd's "ord_..."
  std::string gateway_order_id;  // the gateway's "order_..."
  int64_t amount_paise = 0;
  // The payment that is to pay it ("pay_..."), unique in the run.
  std::string payment_id;
};

// StartOrders calls StartRecharge for `amount_paise` on each of `meters`
// with `admin_key`, `parallel` calls at once; payment ids and request ids
// carry `tag`. The first error if any call failed.
absl::StatusOr<std::vector<PendingOrder>> StartOrders(v1::ConsumerService::Stub& consumer,
                                                      const std::string& admin_key,
                                                      const std::vector<std::string>& meters,
                                                      int64_t amount_paise, int parallel,
                                                      const std::string& tag);

// CapturedWebhookBody is the gateway's payment.captured event for `order`,
// as Razorpay sends it (the fields walletd reads and a few more).
std::string CapturedWebhookBody(const PendingOrder& order);

// PostWebhooks POSTs each order's payment.captured event to `url`, signed
// with `secret` (X-Razorpay-Signature) under a unique X-Razorpay-Event-Id,
// from `concurrency` threads with kept-alive connections. Only a 2xx answer
// counts as ok.
CallsResult PostWebhooks(const std::vector<PendingOrder>& orders, const std::string& url,
                         const std::string& secret, int concurrency);

// ConfirmOverGrpc confirms each order's payment with
// PaymentGatewayService.ConfirmPayment and `gateway_key`, from `concurrency`
// threads spread over `channels`.
CallsResult ConfirmOverGrpc(const std::vector<PendingOrder>& orders,
                            const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                            const std::string& gateway_key, int concurrency);

// CheckPaidOnce says whether every order is PAID by its own payment and its
// meter's balance is exactly the order's amount (each meter started at zero
// and has this one order): FailedPrecondition naming the first order that is
// not, with how many are not; the error of a call that failed.
absl::Status CheckPaidOnce(v1::ConsumerService::Stub& consumer, const std::string& admin_key,
                           const std::vector<PendingOrder>& orders);

}  // namespace wallet::bench

#endif  // BENCH_CHANNEL_PAYMENTS_H_
