#include "bench/channel_payments.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "base/hmac.h"
#include "base/http_client.h"
#include "tests/testing/walletd_process.h"
#include "wallet/v1/payment.grpc.pb.h"

namespace wallet::bench {

using ::wallet::testing::MakeContext;
using ::wallet::testing::ToStatus;

absl::StatusOr<std::vector<PendingOrder>> StartOrders(v1::ConsumerService::Stub& consumer,
                                                      const std::string& admin_key,
                                                      const std::vector<std::string>& meters,
                                                      int64_t amount_paise, int parallel,
                                                      const std::string& tag) {
  std::vector<PendingOrder> orders(meters.size());
  const CallsResult made =
      RunCalls(static_cast<int>(meters.size()), parallel, [&](int i) -> absl::Status {
        v1::StartRechargeRequest request;
        request.set_request_id(absl::StrCat("bench-", tag, "-", i));
        request.set_meter_id(meters[i]);
        request.set_amount_paise(amount_paise);
        v1::StartRechargeResponse response;
        const grpc::Status status =
            consumer.StartRecharge(MakeContext(admin_key).get(), request, &response);
        if (!status.ok()) return ToStatus(status, absl::StrCat("StartRecharge ", meters[i]));
        if (response.checkout().gateway_order_id().empty()) {
          return absl::FailedPreconditionError(
              "walletd made no gateway order: no payment gateway?");
        }
        orders[i] = PendingOrder{meters[i], response.order().order_id(),
                                 response.checkout().gateway_order_id(), amount_paise,
                                 absl::StrFormat("pay_Bench%s%09d", tag, i)};
        return absl::OkStatus();
      });
  if (made.failed > 0) return made.first_error;
  return orders;
}

std::string CapturedWebhookBody(const PendingOrder& order) {
  return absl::StrFormat(
      R"({"entity":"event","account_id":"acc_Bench","event":"payment.captured",)"
      R"("contains":["payment"],"payload":{"payment":{"entity":{"id":"%s","entity":"payment",)"
      R"("amount":%d,"currency":"INR","status":"captured","order_id":"%s","method":"upi",)"
      R"("captured":true}}},"created_at":%d})",
      order.payment_id, order.amount_paise, order.gateway_order_id,
      absl::ToUnixSeconds(absl::Now()));
}

CallsResult PostWebhooks(const std::vector<PendingOrder>& orders, const std::string& url,
                         const std::string& secret, int concurrency) {
  // Signed before the clock starts: the gateway, not walletd, pays for that.
  std::vector<base::HttpCall> calls(orders.size());
  for (size_t i = 0; i < orders.size(); ++i) {
    base::HttpCall& call = calls[i];
    call.method = "POST";
    call.url = url;
    call.body = CapturedWebhookBody(orders[i]);
    call.headers = {{"Content-Type", "application/json"},
                    {"X-Razorpay-Signature", base::HmacSha256Hex(secret, call.body)},
                    {"X-Razorpay-Event-Id", absl::StrCat("evt_Bench", orders[i].payment_id)}};
  }
  base::HttpClient client;
  return RunCalls(static_cast<int>(orders.size()), concurrency, [&](int i) -> absl::Status {
    absl::StatusOr<base::HttpReply> reply = client.Send(calls[i]);
    if (!reply.ok()) return reply.status();
    if (reply->status < 200 || reply->status > 299) {
      return absl::UnknownError(absl::StrCat("webhook for ", orders[i].gateway_order_id,
                                             " answered ", reply->status, ": ", reply->body));
    }
    return absl::OkStatus();
  });
}

CallsResult ConfirmOverGrpc(const std::vector<PendingOrder>& orders,
                            const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                            const std::string& gateway_key, int concurrency) {
  std::vector<std::unique_ptr<v1::PaymentGatewayService::Stub>> stubs;
  for (const std::shared_ptr<grpc::Channel>& channel : channels) {
    stubs.push_back(v1::PaymentGatewayService::NewStub(channel));
  }
  return RunCalls(static_cast<int>(orders.size()), concurrency, [&](int i) -> absl::Status {
    v1::ConfirmPaymentRequest request;
    request.set_payment_id(orders[i].payment_id);
    request.set_order_id(orders[i].order_id);
    request.set_amount_paise(orders[i].amount_paise);
    v1::ConfirmPaymentResponse response;
    return ToStatus(
        stubs[i % stubs.size()]->ConfirmPayment(MakeContext(gateway_key).get(), request, &response),
        "ConfirmPayment");
  });
}

namespace {

// PaidOnce is why `order` is not paid once by its payment; OK if it is.
absl::Status PaidOnce(v1::ConsumerService::Stub& consumer, const std::string& admin_key,
                      const PendingOrder& order) {
  v1::GetOrderRequest get;
  get.set_order_id(order.order_id);
  v1::Order stored;
  grpc::Status status = consumer.GetOrder(MakeContext(admin_key).get(), get, &stored);
  if (!status.ok()) return ToStatus(status, "GetOrder");
  if (stored.state() != v1::ORDER_PAID || stored.payment_id() != order.payment_id) {
    return absl::FailedPreconditionError(
        absl::StrCat("order ", order.order_id, " is ", v1::OrderState_Name(stored.state()),
                     " with payment '", stored.payment_id(), "', not paid by ", order.payment_id));
  }
  v1::GetBalanceRequest balance;
  balance.set_meter_id(order.meter_id);
  v1::GetBalanceResponse answer;
  status = consumer.GetBalance(MakeContext(admin_key).get(), balance, &answer);
  if (!status.ok()) return ToStatus(status, "GetBalance");
  if (answer.balance_paise() != order.amount_paise) {
    return absl::FailedPreconditionError(absl::StrCat("meter ", order.meter_id, " has ",
                                                      answer.balance_paise(), " paise, not the ",
                                                      order.amount_paise, " paid once"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckPaidOnce(v1::ConsumerService::Stub& consumer, const std::string& admin_key,
                           const std::vector<PendingOrder>& orders) {
  const CallsResult checked = RunCalls(static_cast<int>(orders.size()), 16, [&](int i) {
    return PaidOnce(consumer, admin_key, orders[i]);
  });
  if (checked.failed == 0) return absl::OkStatus();
  return absl::Status(
      checked.first_error.code(),
      absl::StrCat(checked.failed, " of ", orders.size(),
                   " orders not paid once; first: ", checked.first_error.message()));
}

}  // namespace wallet::bench
