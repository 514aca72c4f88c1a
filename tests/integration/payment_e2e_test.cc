// Online payments end to end with real processes over real sockets: walletd
// with its payment gateway and webhook listener, and payment-gateway-sim.
// A checkout whose webhooks come three times each, shuffled, credits once; a
// forged signature, an unknown order and a wrong amount (POSTed by the test)
// change nothing; a failed payment marks the order failed and tells the
// consumer; with every webhook dropped, the reconciler credits the order.
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/hmac.h"
#include "base/http_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/payment_sim_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wait.h"
#include "tests/testing/walletd_process.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "wallet/v1/consumer.grpc.pb.h"

namespace wallet::testing {
namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;

constexpr int64_t kAmount = 50'000;

class PaymentE2eTest : public ::testing::Test {
 protected:
  // Start runs the simulator with `sim_flags` and walletd against it; with
  // `https`, both serve HTTPS with certificates from deploy/make-certs.sh.
  void Start(const std::vector<std::string>& sim_flags, bool https = false) {
    dir_ = ::testing::TempDir() + "/payment_e2e_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(system(absl::StrCat("rm -rf '", dir_, "' && mkdir -p '", dir_, "'").c_str()), 0);
    PaymentSimOptions sim;
    sim.binary = PAYMENT_GATEWAY_SIM_PATH;
    sim.dir = dir_;
    sim.args = sim_flags;
    if (https) {
      sim.certs_dir = dir_ + "/certs";
      ASSERT_EQ(system(absl::StrCat("/bin/bash '", WALLET_SOURCE_DIR, "/deploy/make-certs.sh' '",
                                    sim.certs_dir, "' >/dev/null")
                           .c_str()),
                0);
    }
    auto started = PaymentSimProcess::Start(sim);
    ASSERT_THAT(started, IsOk());
    sim_ = *std::move(started);

    WalletdOptions options;
    options.binary = WALLETD_PATH;
    options.extra_args = sim_->WalletdFlags();
    options.extra_args.insert(options.extra_args.end(),
                              {"--reconcile_after=0s", "--reconcile_every=200ms"});
    auto walletd = WalletdProcess::Start(options);
    ASSERT_THAT(walletd, IsOk());
    walletd_ = *std::move(walletd);
    admin_ = v1::AdminService::NewStub(walletd_->NewChannel());
    consumer_ = v1::ConsumerService::NewStub(walletd_->NewChannel());
    TopologyOptions topology;
    topology.meters = 1;
    topology.retailers = 0;
    topology.consumer_keys = true;
    auto made = CreateTestTopology(*admin_, walletd_->admin_key(), topology);
    ASSERT_THAT(made, IsOk());
    topology_ = *std::move(made);
  }

  void TearDown() override {
    if (HasFailure() && walletd_ != nullptr) {
      ADD_FAILURE() << walletd_->KeepForInspection() << "\nsimulator log:\n"
                    << (sim_ ? sim_->process().LogTail() : "");
    }
  }

  absl::StatusOr<v1::StartRechargeResponse> Recharge(const std::string& request_id) {
    v1::StartRechargeRequest request;
    request.set_request_id(request_id);
    request.set_meter_id(topology_.meter_ids[0]);
    request.set_amount_paise(kAmount);
    v1::StartRechargeResponse response;
    auto context = MakeContext(topology_.consumer_keys[0]);
    grpc::Status status = consumer_->StartRecharge(context.get(), request, &response);
    if (!status.ok()) return ToStatus(status, "StartRecharge");
    return response;
  }

  void Pay(const std::string& gateway_order_id, const std::string& outcome) {
    ASSERT_THAT(sim_->Pay(gateway_order_id, outcome), IsOk());
  }

  // PostWebhook sends `body` to walletd's webhook listener signed with
  // `secret` and returns the HTTP status.
  int PostWebhook(const std::string& event_id, const std::string& body,
                  const std::string& secret = kWebhookSecret) {
    base::HttpCall call;
    call.method = "POST";
    call.url = absl::StrCat(sim_->scheme(), "://127.0.0.1:", sim_->webhook_port(),
                            "/webhooks/payment-gateway");
    call.ca_file = sim_->ca_file();
    call.headers = {{"Content-Type", "application/json"},
                    {"X-Razorpay-Signature", base::HmacSha256Hex(secret, body)},
                    {"X-Razorpay-Event-Id", event_id}};
    call.body = body;
    auto reply = http_.Send(call);
    EXPECT_THAT(reply, IsOk());
    return reply.ok() ? reply->status : 0;
  }

  absl::StatusOr<v1::Order> GetOrder(const std::string& order_id) {
    v1::GetOrderRequest request;
    request.set_order_id(order_id);
    v1::Order order;
    auto context = MakeContext(topology_.consumer_keys[0]);
    grpc::Status status = consumer_->GetOrder(context.get(), request, &order);
    if (!status.ok()) return ToStatus(status, "GetOrder");
    return order;
  }

  int64_t Balance() {
    v1::GetBalanceRequest request;
    request.set_meter_id(topology_.meter_ids[0]);
    v1::GetBalanceResponse response;
    auto context = MakeContext(topology_.consumer_keys[0]);
    grpc::Status status = consumer_->GetBalance(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.balance_paise();
  }

  // Metric returns the value of the metric line `name` (with its labels)
  // on walletd's /metrics, or -1.
  double Metric(const std::string& name) {
    auto metrics = walletd_->HttpGet("/metrics");
    if (!metrics.ok()) return -1;
    std::istringstream lines(metrics->body);
    for (std::string line; std::getline(lines, line);) {
      if (absl::StartsWith(line, name + " ")) return std::stod(line.substr(name.size() + 1));
    }
    return -1;
  }

  std::string dir_;
  std::unique_ptr<PaymentSimProcess> sim_;
  std::unique_ptr<WalletdProcess> walletd_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::ConsumerService::Stub> consumer_;
  Topology topology_;
  base::HttpClient http_;
};

TEST_F(PaymentE2eTest, CheckoutCreditsOnceThoughEveryWebhookComesThreeTimes) {
  Start({"--webhook_copies=3", "--webhook_shuffle"});
  auto started = Recharge("r1");
  ASSERT_THAT(started, IsOk());
  const v1::Checkout& checkout = started->checkout();
  EXPECT_EQ(checkout.key_id(), kPaymentKeyId);
  EXPECT_EQ(checkout.amount_paise(), kAmount);
  EXPECT_EQ(checkout.currency(), "INR");
  ASSERT_TRUE(absl::StartsWith(checkout.gateway_order_id(), "order_"));
  Pay(checkout.gateway_order_id(), "captured");
  // payment.captured and order.paid, three times each: one credit.
  EXPECT_TRUE(WaitUntil(
      [&] {
        return Metric("walletd_webhooks_total{result=\"credited\"}") +
                   Metric("walletd_webhooks_total{result=\"duplicate\"}") >=
               6;
      },
      "six deliveries answered", absl::Seconds(30)));
  EXPECT_EQ(Metric("walletd_webhooks_total{result=\"credited\"}"), 1);
  EXPECT_EQ(Balance(), kAmount);
  auto order = GetOrder(started->order().order_id());
  ASSERT_THAT(order, IsOk());
  EXPECT_EQ(order->state(), v1::ORDER_PAID);
}

TEST_F(PaymentE2eTest, OverHttpsTheCheckoutCreditsOnceAndForgeriesChangeNothing) {
  Start({"--webhook_copies=2"}, /*https=*/true);
  auto started = Recharge("r1");
  ASSERT_THAT(started, IsOk());
  Pay(started->checkout().gateway_order_id(), "captured");
  EXPECT_TRUE(
      WaitUntil([&] { return Balance() == kAmount; }, "the credit over HTTPS", absl::Seconds(30)));
  EXPECT_EQ(PostWebhook("evt_forged", "{}", "not the secret"), 401);
  // A client that does not trust the certificate gets no answer at all.
  base::HttpCall call;
  call.method = "POST";
  call.url = absl::StrCat("https://127.0.0.1:", sim_->webhook_port(), "/webhooks/payment-gateway");
  call.body = "{}";
  EXPECT_THAT(http_.Send(call), StatusIs(absl::StatusCode::kUnavailable));
  auto order = GetOrder(started->order().order_id());
  ASSERT_THAT(order, IsOk());
  EXPECT_EQ(order->state(), v1::ORDER_PAID);
  EXPECT_EQ(Balance(), kAmount);
}

TEST_F(PaymentE2eTest, ForgedUnknownAndWrongAmountWebhooksChangeNothing) {
  Start({"--webhook_drop"});
  auto started = Recharge("r1");
  ASSERT_THAT(started, IsOk());
  const std::string gateway_order = started->checkout().gateway_order_id();
  auto body = [&](const std::string& order, int64_t amount) {
    const Json payment = {{"id", "pay_Forged000000001"},
                          {"entity", "payment"},
                          {"amount", amount},
                          {"currency", "INR"},
                          {"status", "captured"},
                          {"order_id", order},
                          {"method", "upi"},
                          {"captured", true}};
    return Json{{"entity", "event"},
                {"event", "payment.captured"},
                {"contains", {"payment"}},
                {"payload", {{"payment", {{"entity", payment}}}}}}
        .dump();
  };
  EXPECT_EQ(PostWebhook("evt_forged", body(gateway_order, kAmount), "not the secret"), 401);
  EXPECT_EQ(PostWebhook("evt_unknown", body("order_Unknown0000001", kAmount)), 404);
  EXPECT_EQ(PostWebhook("evt_amount", body(gateway_order, kAmount * 100)), 422);
  EXPECT_EQ(PostWebhook("evt_garbage", "{not json"), 400);
  EXPECT_EQ(Balance(), 0);
  auto order = GetOrder(started->order().order_id());
  ASSERT_THAT(order, IsOk());
  EXPECT_EQ(order->state(), v1::ORDER_PENDING);
  EXPECT_EQ(Metric("walletd_webhooks_total{result=\"bad_signature\"}"), 1);
  EXPECT_EQ(Metric("walletd_webhooks_total{result=\"unknown_order\"}"), 1);
  EXPECT_EQ(Metric("walletd_webhooks_total{result=\"mismatch\"}"), 1);
}

TEST_F(PaymentE2eTest, FailedPaymentMarksTheOrderFailedAndTellsTheConsumer) {
  Start({});
  auto started = Recharge("r1");
  ASSERT_THAT(started, IsOk());
  Pay(started->checkout().gateway_order_id(), "failed");
  EXPECT_TRUE(WaitUntil(
      [&] {
        auto order = GetOrder(started->order().order_id());
        return order.ok() && order->state() == v1::ORDER_FAILED;
      },
      "the order is failed", absl::Seconds(30)));
  EXPECT_EQ(Balance(), 0);
  // The consumer's SMS stand-in: walletd's notification log.
  const std::string log_path = walletd_->data_dir() + "/notifications.log";
  EXPECT_TRUE(WaitUntil(
      [&] {
        std::ifstream log(log_path);
        std::stringstream text;
        text << log.rdbuf();
        return absl::StrContains(text.str(), "PAYMENT_FAILED");
      },
      "a PAYMENT_FAILED notification", absl::Seconds(30)));
}

TEST_F(PaymentE2eTest, ReconcilerCreditsWhenNoWebhookComes) {
  Start({"--webhook_drop"});
  auto started = Recharge("r1");
  ASSERT_THAT(started, IsOk());
  Pay(started->checkout().gateway_order_id(), "captured");
  EXPECT_TRUE(
      WaitUntil([&] { return Balance() == kAmount; }, "the reconciler credits", absl::Seconds(30)));
  EXPECT_EQ(Metric("walletd_webhooks_total{result=\"credited\"}"), 0);
  EXPECT_EQ(Metric("walletd_reconciler_actions_total{action=\"credited\"}"), 1);
  auto order = GetOrder(started->order().order_id());
  ASSERT_THAT(order, IsOk());
  EXPECT_EQ(order->state(), v1::ORDER_PAID);
}

}  // namespace
}  // namespace wallet::testing
