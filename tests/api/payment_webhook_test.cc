// walletd's side of online payments, in process: the webhook handler
// (signature, malformed bodies, unknown orders, wrong amounts, replays,
// failed payments, each counted), StartRecharge through a fake payment
// gateway (the checkout; an unreachable gateway leaves no payable order and
// a retry completes it) and the order reconciler asking the fake gateway.
#include "api/payment_webhook.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "api/online_recharge.h"
#include "api/order_reconciler.h"
#include "api/payment_gateway_client.h"
#include "base/hmac.h"
#include "base/http_server.h"
#include "base/metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wait.h"
#include "tests/testing/wallet_harness.h"

namespace api {
namespace {

namespace v1 = ::wallet::v1;
using Json = nlohmann::json;
using ::testing::HasSubstr;
using ::wallet::testing::IsOk;
using wallet::testing::MeterRequest;
using ::wallet::testing::StatusIs;
using wallet::testing::WaitUntil;
using wallet::testing::WalletHarness;

constexpr char kSecret[] = "whsec_test_secret";
constexpr int64_t kAmount = 50'000;
const wallet::Principal kC1{v1::ROLE_CONSUMER, "C1"};

Json PaymentEntity(const std::string& payment_id, const std::string& gateway_order_id,
                   const std::string& status, int64_t amount = kAmount) {
  return {{"id", payment_id},
          {"entity", "payment"},
          {"amount", amount},
          {"currency", "INR"},
          {"status", status},
          {"order_id", gateway_order_id},
          {"method", "upi"},
          {"captured", status == "captured"},
          {"error_code", nullptr},
          {"error_description", status == "failed" ? "Bank declined" : ""},
          {"created_at", 1'790'000'000}};
}

// Patched is `json` with the fields of `patch` replaced.
Json Patched(Json json, const Json& patch) {
  json.merge_patch(patch);
  return json;
}

std::string EventBody(const std::string& event, const Json& payment) {
  return Json{{"entity", "event"},
              {"account_id", "acc_sim"},
              {"event", event},
              {"contains", {"payment"}},
              {"payload", {{"payment", {{"entity", payment}}}}},
              {"created_at", 1'790'000'000}}
      .dump();
}

base::HttpRequest Signed(const std::string& event_id, const std::string& body) {
  base::HttpRequest request;
  request.method = "POST";
  request.path = kWebhookPath;
  request.body = body;
  request.headers["x-razorpay-signature"] = base::HmacSha256Hex(kSecret, body);
  request.headers["x-razorpay-event-id"] = event_id;
  return request;
}

// FakeGateway answers the orders API as the payment gateway does, from a
// table the test fills; `down` makes every call fail with 503.
class FakeGateway {
 public:
  FakeGateway() {
    std::vector<base::HttpRoute> routes;
    routes.push_back(
        {"/v1/orders", {"POST"}, [this](const base::HttpRequest& r) { return CreateOrder(r); }});
    routes.push_back(
        {"/v1/orders/", {"GET"}, [this](const base::HttpRequest& r) { return ListPayments(r); }});
    auto server = base::HttpServer::Start("127.0.0.1:0", std::move(routes));
    EXPECT_THAT(server, IsOk());
    server_ = *std::move(server);
  }

  PaymentGatewayOptions Options() const {
    PaymentGatewayOptions options;
    options.base_url = absl::StrCat("http://127.0.0.1:", server_->port());
    options.key_id = "rzp_test_key";
    options.key_secret = "key_secret";
    options.timeout = absl::Seconds(5);
    return options;
  }

  void SetDown(bool down) {
    absl::MutexLock lock(&mu_);
    down_ = down;
  }
  void AddPayment(const std::string& gateway_order_id, Json payment) {
    absl::MutexLock lock(&mu_);
    payments_[gateway_order_id].push_back(std::move(payment));
  }
  int orders_made() {
    absl::MutexLock lock(&mu_);
    return next_;
  }

 private:
  base::HttpResponse CreateOrder(const base::HttpRequest& r) {
    absl::MutexLock lock(&mu_);
    if (down_) return {503, "application/json", "{}"};
    EXPECT_EQ(r.Header("authorization"), "Basic cnpwX3Rlc3Rfa2V5OmtleV9zZWNyZXQ=");
    const Json request = Json::parse(r.body);
    const std::string id = absl::StrCat("order_G", ++next_);
    return {200, "application/json",
            Json{{"id", id},
                 {"entity", "order"},
                 {"amount", request["amount"]},
                 {"currency", request["currency"]},
                 {"receipt", request["receipt"]},
                 {"status", "created"}}
                .dump()};
  }

  base::HttpResponse ListPayments(const base::HttpRequest& r) {
    absl::MutexLock lock(&mu_);
    if (down_) return {503, "application/json", "{}"};
    // /v1/orders/{id}/payments
    const std::string rest = r.path.substr(std::string("/v1/orders/").size());
    const std::string id = rest.substr(0, rest.find('/'));
    Json items = Json::array();
    for (const Json& payment : payments_[id]) items.push_back(payment);
    return {200, "application/json",
            Json{{"entity", "collection"}, {"count", items.size()}, {"items", items}}.dump()};
  }

  absl::Mutex mu_;
  bool down_ ABSL_GUARDED_BY(mu_) = false;
  int next_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, std::vector<Json>> payments_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<base::HttpServer> server_;
};

class PaymentWebhookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(h_.Register(MeterRequest("M1", "C1")), IsOk());
    auto started = Recharge("r1");
    ASSERT_THAT(started, IsOk());
    order_ = started->order();
  }

  absl::StatusOr<v1::StartRechargeResponse> Recharge(const std::string& request_id) {
    v1::StartRechargeRequest req;
    req.set_request_id(request_id);
    req.set_meter_id("M1");
    req.set_amount_paise(kAmount);
    return wallet::testing::Wait<v1::StartRechargeResponse>(
        [&](auto done) { online_.Start(kC1, req, done); });
  }

  int Count(const std::string& result) {
    const std::string line = absl::StrCat("walletd_webhooks_total{result=\"", result, "\"} ");
    const std::string text = metrics_.Render();
    const size_t at = text.find(line);
    return at == std::string::npos ? -1 : std::stoi(text.substr(at + line.size()));
  }

  v1::OrderState OrderState() {
    auto order = h_.wallet().GetOrder(kC1, order_.order_id());
    EXPECT_THAT(order, IsOk());
    return order.ok() ? order->state() : v1::ORDER_STATE_UNSPECIFIED;
  }

  WalletHarness h_;
  FakeGateway gateway_;
  PaymentGatewayClient client_{gateway_.Options()};
  base::Metrics metrics_;
  PaymentWebhook webhook_{&h_.wallet(), kSecret, &metrics_};
  OnlineRecharge online_{&h_.wallet(), &client_};
  v1::Order order_;
};

TEST_F(PaymentWebhookTest, StartRechargeAnswersTheCheckout) {
  auto started = Recharge("r2");
  ASSERT_THAT(started, IsOk());
  EXPECT_EQ(started->order().state(), v1::ORDER_PENDING);
  EXPECT_EQ(started->checkout().gateway_order_id(), "order_G2");
  EXPECT_EQ(started->order().gateway_order_id(), "order_G2");
  EXPECT_EQ(started->checkout().key_id(), "rzp_test_key");
  EXPECT_EQ(started->checkout().amount_paise(), kAmount);
  EXPECT_EQ(started->checkout().currency(), "INR");
  // A retry gets the same checkout and makes no second gateway order.
  auto again = Recharge("r2");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->checkout().gateway_order_id(), "order_G2");
  EXPECT_EQ(gateway_.orders_made(), 2);
}

TEST_F(PaymentWebhookTest, UnreachableGatewayLeavesNoPayableOrderAndRetryCompletes) {
  gateway_.SetDown(true);
  EXPECT_THAT(Recharge("r2"), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("retry")));
  v1::ListOrdersRequest list;
  list.set_meter_id("M1");
  auto orders = h_.wallet().ListOrders(kC1, list);
  ASSERT_THAT(orders, IsOk());
  ASSERT_EQ(orders->orders_size(), 2);
  // No gateway order: nothing the consumer could check out and pay.
  EXPECT_EQ(orders->orders(0).gateway_order_id(), "");
  gateway_.SetDown(false);
  auto retried = Recharge("r2");
  ASSERT_THAT(retried, IsOk());
  EXPECT_EQ(retried->order().order_id(), orders->orders(0).order_id());
  EXPECT_FALSE(retried->checkout().gateway_order_id().empty());
}

TEST_F(PaymentWebhookTest, CapturedPaymentCreditsOnceThenDuplicates) {
  const std::string body =
      EventBody("payment.captured", PaymentEntity("pay_1", "order_G1", "captured"));
  base::HttpResponse first = webhook_.Answer(Signed("evt_1", body));
  EXPECT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(h_.MeterBalance("M1"), kAmount);
  EXPECT_EQ(OrderState(), v1::ORDER_PAID);
  // Redelivered twice, and order.paid for the same payment.
  EXPECT_EQ(webhook_.Answer(Signed("evt_1", body)).status, 200);
  EXPECT_EQ(webhook_.Answer(Signed("evt_1", body)).status, 200);
  EXPECT_EQ(webhook_
                .Answer(Signed("evt_2", EventBody("order.paid",
                                                  PaymentEntity("pay_1", "order_G1", "captured"))))
                .status,
            200);
  EXPECT_EQ(h_.MeterBalance("M1"), kAmount);
  EXPECT_EQ(Count("credited"), 1);
  EXPECT_EQ(Count("duplicate"), 3);
  h_.ExpectLedgerBalanced();
}

struct Refusal {
  std::string name;
  base::HttpRequest request;
  int status;
  std::string result;
};

TEST_F(PaymentWebhookTest, RefusedWebhooksChangeNothing) {
  const std::string good =
      EventBody("payment.captured", PaymentEntity("pay_1", "order_G1", "captured"));
  base::HttpRequest forged = Signed("evt_1", good);
  forged.headers["x-razorpay-signature"] = base::HmacSha256Hex("not the secret", good);
  base::HttpRequest unsigned_request = Signed("evt_1", good);
  unsigned_request.headers.erase("x-razorpay-signature");
  base::HttpRequest tampered = Signed("evt_1", good);
  tampered.body =
      EventBody("payment.captured", PaymentEntity("pay_1", "order_G1", "captured", 5'000'000));
  base::HttpRequest no_event_id = Signed("evt_1", good);
  no_event_id.headers.erase("x-razorpay-event-id");
  const std::vector<Refusal> cases = {
      {"forged signature", forged, 401, "bad_signature"},
      {"no signature", unsigned_request, 401, "bad_signature"},
      {"body changed after signing", tampered, 401, "bad_signature"},
      {"no event id", no_event_id, 400, "malformed"},
      {"not JSON", Signed("evt_2", "{\"event\": "), 400, "malformed"},
      {"no payment", Signed("evt_3", R"({"event":"payment.captured","payload":{}})"), 400,
       "malformed"},
      {"amount as text",
       Signed("evt_4",
              EventBody("payment.captured", Patched(PaymentEntity("pay_4", "order_G1", "captured"),
                                                    {{"amount", "500"}}))),
       400, "malformed"},
      {"unknown order",
       Signed("evt_5",
              EventBody("payment.captured", PaymentEntity("pay_5", "order_Nope", "captured"))),
       404, "unknown_order"},
      {"wrong amount",
       Signed("evt_6", EventBody("payment.captured",
                                 PaymentEntity("pay_6", "order_G1", "captured", kAmount + 1))),
       422, "mismatch"},
      {"wrong currency",
       Signed("evt_7",
              EventBody("payment.captured", Patched(PaymentEntity("pay_7", "order_G1", "captured"),
                                                    {{"currency", "USD"}}))),
       422, "mismatch"},
  };
  for (const Refusal& c : cases) {
    base::HttpResponse answer = webhook_.Answer(c.request);
    EXPECT_EQ(answer.status, c.status) << c.name << ": " << answer.body;
    EXPECT_THAT(answer.body, HasSubstr(c.result)) << c.name;
  }
  EXPECT_EQ(h_.MeterBalance("M1"), 0);
  EXPECT_EQ(OrderState(), v1::ORDER_PENDING);
  EXPECT_EQ(Count("bad_signature"), 3);
  EXPECT_EQ(Count("malformed"), 4);
  EXPECT_EQ(Count("unknown_order"), 1);
  EXPECT_EQ(Count("mismatch"), 2);
  EXPECT_EQ(Count("credited"), 0);
}

TEST_F(PaymentWebhookTest, EventsNotActedOnAreAnsweredOkAndChangeNothing) {
  base::HttpResponse answer = webhook_.Answer(
      Signed("evt_1", EventBody("refund.created", PaymentEntity("pay_1", "order_G1", "captured"))));
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(Count("unhandled"), 1);
  EXPECT_EQ(h_.MeterBalance("M1"), 0);
}

TEST_F(PaymentWebhookTest, FailedPaymentMarksTheOrderFailed) {
  base::HttpResponse answer = webhook_.Answer(
      Signed("evt_1", EventBody("payment.failed", PaymentEntity("pay_1", "order_G1", "failed"))));
  EXPECT_EQ(answer.status, 200) << answer.body;
  auto order = h_.wallet().GetOrder(kC1, order_.order_id());
  ASSERT_THAT(order, IsOk());
  EXPECT_EQ(order->state(), v1::ORDER_FAILED);
  EXPECT_EQ(order->failure_reason(), "Bank declined");
  EXPECT_EQ(Count("failed"), 1);
  // The consumer retries on the same order and pays it; a further payment
  // cannot be taken (409: the gateway must refund it).
  answer = webhook_.Answer(Signed(
      "evt_2", EventBody("payment.captured", PaymentEntity("pay_2", "order_G1", "captured"))));
  EXPECT_EQ(answer.status, 200) << answer.body;
  answer = webhook_.Answer(Signed(
      "evt_3", EventBody("payment.captured", PaymentEntity("pay_3", "order_G1", "captured"))));
  EXPECT_EQ(answer.status, 409) << answer.body;
  EXPECT_EQ(h_.MeterBalance("M1"), kAmount);
}

TEST_F(PaymentWebhookTest, ReconcilerCreditsWhatTheWebhookNeverBrought) {
  gateway_.AddPayment("order_G1", PaymentEntity("pay_0", "order_G1", "failed"));
  gateway_.AddPayment("order_G1", PaymentEntity("pay_1", "order_G1", "captured"));
  ReconcilerOptions options;
  options.after = absl::ZeroDuration();
  options.every = absl::Hours(1);  // rounds run by the test
  OrderReconciler reconciler(&h_.wallet(), &client_, &metrics_, options);
  reconciler.RunRound();
  EXPECT_EQ(OrderState(), v1::ORDER_PAID);
  EXPECT_EQ(h_.MeterBalance("M1"), kAmount);
  // The webhook arrives late: already credited.
  base::HttpResponse late = webhook_.Answer(Signed(
      "evt_1", EventBody("payment.captured", PaymentEntity("pay_1", "order_G1", "captured"))));
  EXPECT_EQ(late.status, 200);
  reconciler.RunRound();  // nothing left to ask about
  EXPECT_EQ(h_.MeterBalance("M1"), kAmount);
  const std::string text = metrics_.Render();
  EXPECT_THAT(text, HasSubstr("walletd_reconciler_actions_total{action=\"credited\"} 1"));
  EXPECT_THAT(text, HasSubstr("walletd_reconciler_actions_total{action=\"checked\"} 1"));
}

TEST_F(PaymentWebhookTest, ReconcilerMarksFailedAndCountsGatewayErrors) {
  ReconcilerOptions options;
  options.after = absl::ZeroDuration();
  options.every = absl::Hours(1);
  OrderReconciler reconciler(&h_.wallet(), &client_, &metrics_, options);
  gateway_.SetDown(true);
  reconciler.RunRound();
  EXPECT_EQ(OrderState(), v1::ORDER_PENDING);
  gateway_.SetDown(false);
  reconciler.RunRound();  // no payment yet: nothing to do
  EXPECT_EQ(OrderState(), v1::ORDER_PENDING);
  gateway_.AddPayment("order_G1", PaymentEntity("pay_1", "order_G1", "failed"));
  reconciler.RunRound();
  EXPECT_EQ(OrderState(), v1::ORDER_FAILED);
  const std::string text = metrics_.Render();
  EXPECT_THAT(text, HasSubstr("walletd_reconciler_actions_total{action=\"errors\"} 1"));
  EXPECT_THAT(text, HasSubstr("walletd_reconciler_actions_total{action=\"failed\"} 1"));
}

}  // namespace
}  // namespace api
