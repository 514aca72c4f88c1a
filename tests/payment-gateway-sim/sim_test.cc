// payment-gateway-sim as a real child process over loopback sockets: the
// orders API with its authentication and errors, and the signed webhooks of
// checkouts delivered to a receiver in the test (once, in copies, in random
// order, retried after a failure, or not at all), with its metrics.
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/http_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/payment-gateway-sim/receiver.h"
#include "tests/testing/child_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"
#include "tests/testing/write_file.h"

namespace pg_sim {
namespace {

using ::nlohmann::json;
using ::wallet::testing::ChildOptions;
using ::wallet::testing::ChildProcess;
using ::wallet::testing::IsOk;
using ::wallet::testing::IsOkAndHolds;
using ::wallet::testing::WaitUntil;

constexpr char kKeyId[] = "rzp_test_k1";
constexpr char kKeySecret[] = "key-secret-1";
constexpr char kWebhookSecret[] = "webhook-secret-1";

class PaymentGatewaySimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    wallet::testing::WriteFile(dir_.path() + "/key", std::string(kKeySecret) + "\n");
    wallet::testing::WriteFile(dir_.path() + "/webhook", std::string(kWebhookSecret) + "\n");
  }

  void TearDown() override {
    if (HasFailure() && sim_ != nullptr) {
      dir_.Keep();
      ADD_FAILURE() << "log kept: " << sim_->LogTail();
    }
  }

  // StartSim starts the simulator with quick retries and `extra` flags.
  void StartSim(std::vector<std::string> extra) {
    ChildOptions options;
    options.binary = PAYMENT_GATEWAY_SIM_PATH;
    options.args = {"--listen=127.0.0.1:0",
                    absl::StrCat("--key_id=", kKeyId),
                    "--key_secret_file=" + dir_.path() + "/key",
                    "--webhook_secret_file=" + dir_.path() + "/webhook",
                    "--ready_file=" + dir_.path() + "/ready",
                    "--seed=42",
                    "--webhook_retry_initial=50ms",
                    "--webhook_retry_max=200ms"};
    options.args.insert(options.args.end(), extra.begin(), extra.end());
    options.log_path = dir_.path() + "/sim.log";
    options.ready_file = dir_.path() + "/ready";
    absl::StatusOr<std::unique_ptr<ChildProcess>> sim = ChildProcess::Start(options);
    ASSERT_THAT(sim, IsOk());
    sim_ = *std::move(sim);
    absl::StatusOr<int> port = sim_->ReadyInt("http_port");
    ASSERT_THAT(port, IsOk());
    port_ = *port;
  }

  // StartWithReceiver starts a webhook receiver in the test and the
  // simulator delivering to it.
  void StartWithReceiver(std::vector<std::string> extra = {}) {
    receiver_ = std::make_unique<testing::WebhookReceiver>(kWebhookSecret);
    ASSERT_TRUE(receiver_->ok());
    extra.push_back("--webhook_url=" + receiver_->url());
    StartSim(std::move(extra));
  }

  absl::StatusOr<base::HttpReply> Call(const std::string& method, const std::string& target,
                                       const std::string& body = "",
                                       const std::string& secret = kKeySecret) {
    base::HttpCall call;
    call.method = method;
    call.url = absl::StrCat("http://127.0.0.1:", port_, target);
    call.body = body;
    call.headers = {{"Content-Type", "application/json"}};
    if (!secret.empty()) {
      call.user = kKeyId;
      call.password = secret;
    }
    return client_.Send(call);
  }

  // CreateOrder creates an order of `amount` paise and returns its entity.
  json CreateOrder(int64_t amount, const std::string& receipt = "rcpt-1") {
    absl::StatusOr<base::HttpReply> reply = Call("POST", "/v1/orders",
                                                 json{{"amount", amount},
                                                      {"currency", "INR"},
                                                      {"receipt", receipt},
                                                      {"notes", {{"meter_id", "SIM000001"}}}}
                                                     .dump());
    EXPECT_THAT(reply, IsOk());
    if (!reply.ok()) return json();
    EXPECT_EQ(reply->status, 200) << reply->body;
    return json::parse(reply->body, nullptr, false);
  }

  // Pay completes checkout of `order_id` with `outcome`; the payment id.
  std::string Pay(const std::string& order_id, const std::string& outcome) {
    absl::StatusOr<base::HttpReply> reply =
        Call("POST", absl::StrCat("/sim/orders/", order_id, "/pay"),
             json{{"outcome", outcome}, {"method", "upi"}}.dump(), "");
    EXPECT_THAT(reply, IsOk());
    if (!reply.ok()) return "";
    EXPECT_EQ(reply->status, 200) << reply->body;
    json answer = json::parse(reply->body, nullptr, false);
    return answer.is_object() ? answer.value("payment_id", "") : "";
  }

  // Metric reads one value of the simulator's /metrics; -1 if absent.
  double Metric(const std::string& name) {
    absl::StatusOr<base::HttpReply> page = Call("GET", "/metrics", "", "");
    if (!page.ok()) return -1;
    for (absl::string_view line : absl::StrSplit(page->body, '\n')) {
      double value = 0;
      if (absl::ConsumePrefix(&line, name + " ") && absl::SimpleAtod(line, &value)) return value;
    }
    return -1;
  }

  // Settled says whether every queued delivery is done and `delivered`
  // were taken by the receiver.
  bool Settled(double delivered) {
    return Metric("payment_gateway_sim_webhook_runs_pending") == 0 &&
           Metric("payment_gateway_sim_webhook_deliveries_total{result=\"delivered\"}") ==
               delivered;
  }

  wallet::testing::TempDir dir_;
  std::unique_ptr<testing::WebhookReceiver> receiver_;
  std::unique_ptr<ChildProcess> sim_;
  int port_ = 0;
  base::HttpClient client_;
};

void ExpectError(const absl::StatusOr<base::HttpReply>& reply, int status) {
  ASSERT_THAT(reply, IsOk());
  EXPECT_EQ(reply->status, status) << reply->body;
  json body = json::parse(reply->body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << reply->body;
  EXPECT_EQ(body["error"]["code"], "BAD_REQUEST_ERROR") << reply->body;
  EXPECT_TRUE(body["error"]["description"].is_string()) << reply->body;
}

TEST_F(PaymentGatewaySimTest, OrdersAreCreatedReadAndPaidThroughTheApi) {
  StartSim({});
  json order = CreateOrder(50000, "wallet-order-7");
  ASSERT_TRUE(order.is_object());
  const std::string id = order["id"];
  EXPECT_THAT(id, ::testing::MatchesRegex("order_[0-9A-Za-z]{14}"));
  EXPECT_EQ(order["entity"], "order");
  EXPECT_EQ(order["amount"], 50000);
  EXPECT_EQ(order["amount_paid"], 0);
  EXPECT_EQ(order["amount_due"], 50000);
  EXPECT_EQ(order["currency"], "INR");
  EXPECT_EQ(order["receipt"], "wallet-order-7");
  EXPECT_EQ(order["status"], "created");
  EXPECT_EQ(order["attempts"], 0);
  EXPECT_EQ(order["notes"]["meter_id"], "SIM000001");
  EXPECT_TRUE(order["created_at"].is_number_integer());

  absl::StatusOr<base::HttpReply> read = Call("GET", "/v1/orders/" + id);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->status, 200);
  EXPECT_EQ(json::parse(read->body), order);
  absl::StatusOr<base::HttpReply> none = Call("GET", "/v1/orders/" + id + "/payments");
  ASSERT_THAT(none, IsOk());
  EXPECT_EQ(json::parse(none->body),
            (json{{"entity", "collection"}, {"count", 0}, {"items", json::array()}}));

  // A failed attempt, then a captured one: attempted, then paid.
  const std::string failed = Pay(id, "failed");
  read = Call("GET", "/v1/orders/" + id);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(json::parse(read->body)["status"], "attempted");
  const std::string captured = Pay(id, "captured");
  EXPECT_THAT(captured, ::testing::MatchesRegex("pay_[0-9A-Za-z]{14}"));
  read = Call("GET", "/v1/orders/" + id);
  ASSERT_THAT(read, IsOk());
  json paid = json::parse(read->body);
  EXPECT_EQ(paid["status"], "paid");
  EXPECT_EQ(paid["amount_paid"], 50000);
  EXPECT_EQ(paid["amount_due"], 0);
  EXPECT_EQ(paid["attempts"], 2);

  absl::StatusOr<base::HttpReply> payments = Call("GET", "/v1/orders/" + id + "/payments");
  ASSERT_THAT(payments, IsOk());
  json collection = json::parse(payments->body);
  ASSERT_EQ(collection["count"], 2);
  EXPECT_EQ(collection["items"][0]["id"], failed);
  EXPECT_EQ(collection["items"][0]["status"], "failed");
  EXPECT_EQ(collection["items"][0]["captured"], false);
  EXPECT_EQ(collection["items"][0]["error_code"], "BAD_REQUEST_ERROR");
  EXPECT_EQ(collection["items"][1]["id"], captured);
  EXPECT_EQ(collection["items"][1]["status"], "captured");
  EXPECT_EQ(collection["items"][1]["captured"], true);
  EXPECT_EQ(collection["items"][1]["amount"], 50000);
  EXPECT_EQ(collection["items"][1]["order_id"], id);
  EXPECT_TRUE(collection["items"][1]["error_code"].is_null());

  // A paid order takes no further payment.
  ExpectError(Call("POST", "/sim/orders/" + id + "/pay", R"({"outcome":"captured"})", ""), 400);
  EXPECT_EQ(Metric("payment_gateway_sim_orders_total"), 1);
  EXPECT_EQ(Metric("payment_gateway_sim_payments_total{outcome=\"captured\"}"), 1);
  EXPECT_EQ(Metric("payment_gateway_sim_payments_total{outcome=\"failed\"}"), 1);
}

TEST_F(PaymentGatewaySimTest, RefusesBadCredentialsBadBodiesAndUnknownOrders) {
  StartSim({});
  const std::string good = R"({"amount":50000,"currency":"INR"})";
  ExpectError(Call("POST", "/v1/orders", good, "wrong-secret"), 401);
  ExpectError(Call("POST", "/v1/orders", good, ""), 401);
  ExpectError(Call("GET", "/v1/orders/order_x", "", "wrong-secret"), 401);

  for (const char* body :
       {"", "not json", "[1,2]", R"({"currency":"INR"})", R"({"amount":"500","currency":"INR"})",
        R"({"amount":500.5,"currency":"INR"})", R"({"amount":50000})",
        R"({"amount":50000,"currency":"USD"})", R"({"amount":0,"currency":"INR"})",
        R"({"amount":-100,"currency":"INR"})", R"({"amount":50000,"currency":"INR","receipt":7})",
        R"({"amount":50000,"currency":"INR","notes":["a"]})"}) {
    SCOPED_TRACE(body);
    ExpectError(Call("POST", "/v1/orders", body), 400);
  }
  // None of those made an order.
  EXPECT_EQ(Metric("payment_gateway_sim_orders_total"), 0);

  ExpectError(Call("GET", "/v1/orders/order_00000000000000"), 404);
  ExpectError(Call("GET", "/v1/orders/order_00000000000000/payments"), 404);
  ExpectError(Call("POST", "/sim/orders/order_00000000000000/pay", R"({"outcome":"captured"})", ""),
              404);
  const std::string id = CreateOrder(10000)["id"];
  ExpectError(Call("POST", "/sim/orders/" + id + "/pay", R"({"outcome":"maybe"})", ""), 400);
  ExpectError(Call("POST", "/sim/orders/" + id + "/pay", "", ""), 400);
  absl::StatusOr<base::HttpReply> read = Call("GET", "/v1/orders/" + id);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(json::parse(read->body)["status"], "created");
}

TEST_F(PaymentGatewaySimTest, ACapturedCheckoutDeliversPaymentCapturedThenOrderPaidSigned) {
  StartWithReceiver();
  const json order = CreateOrder(25000);
  const std::string payment_id = Pay(order["id"], "captured");
  ASSERT_TRUE(WaitUntil([&] { return Settled(2); }, "both webhooks delivered"));

  const std::vector<testing::Delivery> deliveries = receiver_->deliveries();
  ASSERT_EQ(deliveries.size(), 2u);
  EXPECT_EQ(deliveries[0].event, "payment.captured");
  EXPECT_EQ(deliveries[1].event, "order.paid");
  for (const testing::Delivery& delivery : deliveries) {
    SCOPED_TRACE(delivery.event);
    EXPECT_TRUE(delivery.signature_valid);
    EXPECT_EQ(delivery.content_type, "application/json");
    EXPECT_THAT(delivery.event_id, ::testing::MatchesRegex("evt_[0-9A-Za-z]{14}"));
    EXPECT_EQ(delivery.body["entity"], "event");
    EXPECT_EQ(delivery.body["account_id"], "acc_sim");
    const json& payment = delivery.body["payload"]["payment"]["entity"];
    EXPECT_EQ(payment["id"], payment_id);
    EXPECT_EQ(payment["order_id"], order["id"]);
    EXPECT_EQ(payment["amount"], 25000);
    EXPECT_EQ(payment["currency"], "INR");
    EXPECT_EQ(payment["status"], "captured");
  }
  EXPECT_NE(deliveries[0].event_id, deliveries[1].event_id);
  EXPECT_EQ(deliveries[0].body["contains"], json::array({"payment"}));
  EXPECT_EQ(deliveries[1].body["contains"], json::array({"payment", "order"}));
  const json& paid = deliveries[1].body["payload"]["order"]["entity"];
  EXPECT_EQ(paid["id"], order["id"]);
  EXPECT_EQ(paid["status"], "paid");
  EXPECT_EQ(paid["amount_paid"], 25000);
}

TEST_F(PaymentGatewaySimTest, EveryEventIsDeliveredAsManyTimesAsCopiesAsksWithOneId) {
  StartWithReceiver({"--webhook_copies=3"});
  Pay(CreateOrder(10000)["id"], "captured");
  ASSERT_TRUE(WaitUntil([&] { return Settled(6); }, "three copies of both webhooks"));

  std::map<std::string, int> by_id;
  std::map<std::string, std::set<std::string>> ids_by_event;
  for (const testing::Delivery& delivery : receiver_->deliveries()) {
    EXPECT_TRUE(delivery.signature_valid);
    ++by_id[delivery.event_id];
    ids_by_event[delivery.event].insert(delivery.event_id);
  }
  ASSERT_EQ(by_id.size(), 2u);
  for (const auto& [id, count] : by_id) EXPECT_EQ(count, 3) << id;
  EXPECT_EQ(ids_by_event["payment.captured"].size(), 1u);
  EXPECT_EQ(ids_by_event["order.paid"].size(), 1u);
}

TEST_F(PaymentGatewaySimTest, AFailedDeliveryIsRetriedWithTheSameEventAndSignature) {
  StartWithReceiver();
  receiver_->Script({500});
  Pay(CreateOrder(10000)["id"], "captured");
  ASSERT_TRUE(WaitUntil([&] { return Settled(2); }, "both webhooks delivered after a retry"));

  const std::vector<testing::Delivery> deliveries = receiver_->deliveries();
  ASSERT_EQ(deliveries.size(), 3u);
  // The first answer was 500: the same event came again, and only then the
  // next one (events of a checkout stay in order).
  EXPECT_EQ(deliveries[0].event, "payment.captured");
  EXPECT_EQ(deliveries[1].event_id, deliveries[0].event_id);
  EXPECT_EQ(deliveries[1].body, deliveries[0].body);
  EXPECT_TRUE(deliveries[1].signature_valid);
  EXPECT_EQ(deliveries[2].event, "order.paid");
  EXPECT_EQ(Metric("payment_gateway_sim_webhook_deliveries_total{result=\"retried\"}"), 1);
  EXPECT_EQ(Metric("payment_gateway_sim_webhook_deliveries_total{result=\"given_up\"}"), 0);
}

TEST_F(PaymentGatewaySimTest, AReceiverThatNeverTakesItIsGivenUpAfterTheLastAttempt) {
  StartWithReceiver({"--webhook_max_attempts=2"});
  receiver_->Script({503, 503, 503});
  Pay(CreateOrder(10000)["id"], "failed");
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Metric("payment_gateway_sim_webhook_deliveries_total{result=\"given_up\"}") == 1 &&
               Metric("payment_gateway_sim_webhook_runs_pending") == 0;
      },
      "the delivery given up"));
  EXPECT_EQ(receiver_->deliveries().size(), 2u);
  EXPECT_EQ(Metric("payment_gateway_sim_webhook_deliveries_total{result=\"delivered\"}"), 0);
}

TEST_F(PaymentGatewaySimTest, AFailedCheckoutDeliversPaymentFailedOnly) {
  StartWithReceiver();
  const json order = CreateOrder(10000);
  const std::string payment_id = Pay(order["id"], "failed");
  ASSERT_TRUE(WaitUntil([&] { return Settled(1); }, "the webhook delivered"));

  const std::vector<testing::Delivery> deliveries = receiver_->deliveries();
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0].event, "payment.failed");
  EXPECT_TRUE(deliveries[0].signature_valid);
  const json& payment = deliveries[0].body["payload"]["payment"]["entity"];
  EXPECT_EQ(payment["id"], payment_id);
  EXPECT_EQ(payment["status"], "failed");
  EXPECT_EQ(payment["captured"], false);
  EXPECT_EQ(payment["error_code"], "BAD_REQUEST_ERROR");
  EXPECT_FALSE(deliveries[0].body["payload"].contains("order"));
}

TEST_F(PaymentGatewaySimTest, ShuffleDeliversACheckoutsEventsInEitherOrder) {
  StartWithReceiver({"--webhook_shuffle", "--webhook_threads=1"});
  constexpr int kCheckouts = 20;
  for (int i = 0; i < kCheckouts; ++i) Pay(CreateOrder(10000 + i)["id"], "captured");
  ASSERT_TRUE(WaitUntil([&] { return Settled(2 * kCheckouts); }, "every webhook delivered"));

  // Whichever came first for each payment; with 20 fair draws, both orders
  // appear (all alike has probability 2^-19).
  std::map<std::string, std::string> first;
  for (const testing::Delivery& delivery : receiver_->deliveries()) {
    first.emplace(delivery.body["payload"]["payment"]["entity"]["id"], delivery.event);
  }
  ASSERT_EQ(first.size(), static_cast<size_t>(kCheckouts));
  std::set<std::string> firsts;
  for (const auto& [payment, event] : first) firsts.insert(event);
  EXPECT_EQ(firsts, (std::set<std::string>{"order.paid", "payment.captured"}));
}

TEST_F(PaymentGatewaySimTest, CheckoutsAreDeliveredAtOnceOnTheWorkerThreads) {
  // Each delivery is held until 8 are in flight: only 8 workers delivering
  // at once release them (else each waits 30 s, the assertion below fails).
  StartWithReceiver({"--webhook_threads=8", "--webhook_timeout=60s"});
  receiver_->HoldUntil(8);
  for (int i = 0; i < 8; ++i) Pay(CreateOrder(10000)["id"], "failed");
  ASSERT_TRUE(WaitUntil([&] { return Settled(8); }, "eight webhooks delivered"));
  EXPECT_EQ(receiver_->max_in_flight(), 8);
}

TEST_F(PaymentGatewaySimTest, DropDeliversNothingAndCountsWhatItDropped) {
  StartWithReceiver({"--webhook_drop"});
  Pay(CreateOrder(10000)["id"], "captured");
  // Dropping is decided when the checkout is made: counted by the time it answers.
  EXPECT_EQ(Metric("payment_gateway_sim_webhook_deliveries_total{result=\"dropped\"}"), 2);
  EXPECT_EQ(Metric("payment_gateway_sim_webhook_runs_pending"), 0);
  EXPECT_TRUE(receiver_->deliveries().empty());
}

TEST_F(PaymentGatewaySimTest, StopsCleanlyOnSigtermAndServesHealth) {
  StartSim({});
  absl::StatusOr<base::HttpReply> health = Call("GET", "/healthz", "", "");
  ASSERT_THAT(health, IsOk());
  EXPECT_EQ(health->status, 200);
  EXPECT_THAT(sim_->Terminate(), IsOkAndHolds(0));
  sim_.reset();
}

TEST_F(PaymentGatewaySimTest, RefusesToStartWithoutItsSecrets) {
  ChildOptions options;
  options.binary = PAYMENT_GATEWAY_SIM_PATH;
  options.args = {"--listen=127.0.0.1:0", "--key_secret_file=" + dir_.path() + "/missing"};
  options.log_path = dir_.path() + "/fail.log";
  absl::StatusOr<std::unique_ptr<ChildProcess>> sim = ChildProcess::Start(options);
  ASSERT_THAT(sim, IsOk());
  EXPECT_THAT((*sim)->Wait(absl::Seconds(30)), IsOkAndHolds(1));

  options.args = {"--listen=127.0.0.1:0", "--key_secret_file=" + dir_.path() + "/key",
                  "--webhook_url=http://127.0.0.1:1/hook"};
  sim = ChildProcess::Start(options);
  ASSERT_THAT(sim, IsOk());
  EXPECT_THAT((*sim)->Wait(absl::Seconds(30)), IsOkAndHolds(1));
  // The secret itself never reaches the log.
  EXPECT_EQ((*sim)->LogTail(100000).find(kKeySecret), std::string::npos);
}

}  // namespace
}  // namespace pg_sim
