// walletd's services in process over a real socket: authentication, roles,
// status codes, the payment flow, health and the HTTP endpoints.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_replace.h"
#include "api/server.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/testing/health_check.h"
#include "tests/testing/local_server.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wallet_harness.h"
#include "wallet/auth.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "wallet/v1/consumer.grpc.pb.h"
#include "wallet/v1/payment.grpc.pb.h"
#include "wallet/v1/retailer.grpc.pb.h"

namespace api {
namespace {

using ::wallet::testing::CheckHealth;
using ::wallet::testing::IsOk;
using wallet::testing::MeterRequest;
using ::wallet::testing::StatusIs;

constexpr char kAdminKey[] = "wk_admin_key_for_tests_0001";

// StartRechargeOf is a consumer's order of `amount_paise` for `meter_id`.
v1::StartRechargeRequest StartRechargeOf(const std::string& request_id, const std::string& meter_id,
                                         int64_t amount_paise) {
  v1::StartRechargeRequest request;
  request.set_request_id(request_id);
  request.set_meter_id(meter_id);
  request.set_amount_paise(amount_paise);
  return request;
}

// PaymentOf is the payment gateway's confirmation that `payment_id` paid
// `amount_paise` for `order_id`.
v1::ConfirmPaymentRequest PaymentOf(const std::string& payment_id, const std::string& order_id,
                                    int64_t amount_paise) {
  v1::ConfirmPaymentRequest request;
  request.set_payment_id(payment_id);
  request.set_order_id(order_id);
  request.set_amount_paise(amount_paise);
  return request;
}

// HttpGet fetches http://127.0.0.1:port/path and returns the raw response.
std::string HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return "";
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
  (void)!write(fd, request.data(), request.size());
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;) response.append(buffer, n);
  close(fd);
  return response;
}

// GatedClock is a fixed clock that can hold every caller of Now() until
// released. The wallet's writer asks for the time when it takes up queued
// operations, so holding it keeps those calls in flight.
class GatedClock final : public base::Clock {
 public:
  explicit GatedClock(absl::Time now) : now_(now) {}
  absl::Time Now() override {
    absl::MutexLock lock(&mu_);
    ++waiting_;
    mu_.Await(absl::Condition(this, &GatedClock::Open));
    --waiting_;
    return now_;
  }
  void Hold() {
    absl::MutexLock lock(&mu_);
    held_ = true;
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    held_ = false;
  }
  // WaitForCaller waits until someone is held in Now(); false after `timeout`.
  bool WaitForCaller(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(this, &GatedClock::Waiting), timeout);
  }

 private:
  bool Open() const ABSL_SHARED_LOCKS_REQUIRED(mu_) { return !held_; }
  bool Waiting() const ABSL_SHARED_LOCKS_REQUIRED(mu_) { return waiting_ > 0; }

  absl::Mutex mu_;
  const absl::Time now_;
  bool held_ ABSL_GUARDED_BY(mu_) = false;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
};

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = wallet::Wallet::Open(wallet::testing::TestWalletOptions(dir_.path()), &clock_);
    ASSERT_THAT(opened, IsOk());
    wallet_ = *std::move(opened);
    ASSERT_THAT(wallet_->EnsureApiKey(kAdminKey, v1::ROLE_ADMIN, "test"), IsOk());
    auto server = wallet::testing::StartLocalServer(wallet_.get(), /*http=*/true);
    ASSERT_THAT(server, IsOk());
    server_ = *std::move(server);
    channel_ = wallet::testing::LocalChannel(*server_);
    admin_ = v1::AdminService::NewStub(channel_);
    consumer_ = v1::ConsumerService::NewStub(channel_);
    retailer_ = v1::RetailerService::NewStub(channel_);
    payment_ = v1::PaymentGatewayService::NewStub(channel_);

    v1::RegisterMeterResponse registered;
    ASSERT_THAT(Call(kAdminKey, &v1::AdminService::Stub::RegisterMeter, admin_.get(),
                     MeterRequest("M1", "C1"), &registered),
                IsOk());
    ASSERT_THAT(Call(kAdminKey, &v1::AdminService::Stub::RegisterMeter, admin_.get(),
                     MeterRequest("M2", "C2"), &registered),
                IsOk());
    consumer_key_ = IssueKey("k-c1", v1::ROLE_CONSUMER, "C1");
    gateway_key_ = IssueKey("k-pg", v1::ROLE_PAYMENT_GATEWAY, "");
  }

  void TearDown() override {
    server_.reset();
    wallet_.reset();
  }

  template <typename Stub, typename Request, typename Response>
  grpc::Status Call(const std::string& key,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    Stub* stub, const Request& request, Response* response) {
    grpc::ClientContext ctx;
    if (!key.empty()) ctx.AddMetadata(kApiKeyHeader, key);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return (stub->*method)(&ctx, request, response);
  }

  std::string IssueKey(const std::string& request_id, v1::Role role, const std::string& subject) {
    v1::IssueApiKeyRequest req;
    req.set_request_id(request_id);
    req.set_role(role);
    req.set_subject_id(subject);
    v1::IssueApiKeyResponse resp;
    grpc::Status s = Call(kAdminKey, &v1::AdminService::Stub::IssueApiKey, admin_.get(), req, &resp);
    EXPECT_THAT(s, IsOk());
    return resp.api_key();
  }

  wallet::testing::TempDir dir_;
  GatedClock clock_{absl::FromUnixSeconds(1'793'000'000)};
  std::unique_ptr<wallet::Wallet> wallet_;
  std::unique_ptr<WalletServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::ConsumerService::Stub> consumer_;
  std::unique_ptr<v1::RetailerService::Stub> retailer_;
  std::unique_ptr<v1::PaymentGatewayService::Stub> payment_;
  std::string consumer_key_;
  std::string gateway_key_;
};

TEST_F(ApiTest, MissingOrWrongKeyIsUnauthenticated) {
  v1::GetMeterRequest req;
  req.set_meter_id("M1");
  v1::MeterView view;
  EXPECT_THAT(Call("", &v1::AdminService::Stub::GetMeter, admin_.get(), req, &view),
              StatusIs(grpc::StatusCode::UNAUTHENTICATED));
  EXPECT_THAT(Call("wk_not_a_key", &v1::AdminService::Stub::GetMeter, admin_.get(), req, &view),
              StatusIs(grpc::StatusCode::UNAUTHENTICATED));
  EXPECT_THAT(Call(kAdminKey, &v1::AdminService::Stub::GetMeter, admin_.get(), req, &view), IsOk());
  EXPECT_EQ(view.meter().consumer_id(), "C1");
}

TEST_F(ApiTest, RolesAndOwnershipAreEnforced) {
  v1::GetMeterRequest get;
  get.set_meter_id("M1");
  v1::MeterView view;
  EXPECT_THAT(Call(consumer_key_, &v1::AdminService::Stub::GetMeter, admin_.get(), get, &view),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED));
  v1::GetBalanceRequest mine;
  mine.set_meter_id("M1");
  v1::GetBalanceResponse balance;
  EXPECT_THAT(
      Call(consumer_key_, &v1::ConsumerService::Stub::GetBalance, consumer_.get(), mine, &balance),
      IsOk());
  v1::GetBalanceRequest theirs;
  theirs.set_meter_id("M2");
  EXPECT_THAT(Call(consumer_key_, &v1::ConsumerService::Stub::GetBalance, consumer_.get(), theirs,
                   &balance),
              StatusIs(grpc::StatusCode::NOT_FOUND));
  // A consumer can never confirm its own payment.
  const v1::ConfirmPaymentRequest confirm = PaymentOf("pay-self", "ord-0000000001", 100);
  v1::ConfirmPaymentResponse paid;
  EXPECT_THAT(Call(consumer_key_, &v1::PaymentGatewayService::Stub::ConfirmPayment, payment_.get(),
                   confirm, &paid),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_THAT(Call(kAdminKey, &v1::PaymentGatewayService::Stub::ConfirmPayment, payment_.get(),
                   confirm, &paid),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED));
}

TEST_F(ApiTest, RechargeByPaymentIsCreditedOnceOnConfirmation) {
  const v1::StartRechargeRequest start = StartRechargeOf("app-1", "M1", 50'000);
  v1::StartRechargeResponse order;
  ASSERT_THAT(Call(consumer_key_, &v1::ConsumerService::Stub::StartRecharge, consumer_.get(), start,
                   &order),
              IsOk());
  const v1::ConfirmPaymentRequest confirm = PaymentOf("pay_N8x2", order.order().order_id(), 50'000);
  v1::ConfirmPaymentResponse first, second;
  ASSERT_THAT(Call(gateway_key_, &v1::PaymentGatewayService::Stub::ConfirmPayment, payment_.get(),
                   confirm, &first),
              IsOk());
  ASSERT_THAT(Call(gateway_key_, &v1::PaymentGatewayService::Stub::ConfirmPayment, payment_.get(),
                   confirm, &second),
              IsOk());
  EXPECT_EQ(first.transfer().seq(), second.transfer().seq());
  v1::GetBalanceRequest get;
  get.set_meter_id("M1");
  v1::GetBalanceResponse balance;
  ASSERT_THAT(
      Call(consumer_key_, &v1::ConsumerService::Stub::GetBalance, consumer_.get(), get, &balance),
      IsOk());
  EXPECT_EQ(balance.balance_paise(), 50'000);
  EXPECT_EQ(balance.last_recharge_paise(), 50'000);
  v1::ListTransactionsRequest history;
  history.set_meter_id("M1");
  v1::ListTransactionsResponse entries;
  ASSERT_THAT(Call(consumer_key_, &v1::ConsumerService::Stub::ListTransactions, consumer_.get(),
                   history, &entries),
              IsOk());
  ASSERT_EQ(entries.entries_size(), 1);
  EXPECT_EQ(entries.entries(0).transfer().request_ref(), "pay_N8x2");
}

TEST_F(ApiTest, RetailerActsOnlyOnItsOwnFloatAndErrorsMapToCodes) {
  v1::CreateRetailerRequest create;
  create.set_request_id("r1");
  create.mutable_retailer()->set_retailer_id("R1");
  create.mutable_retailer()->set_name("Sharma General Store");
  create.mutable_retailer()->set_commission_bps(-1);  // server default
  v1::CreateRetailerResponse created;
  ASSERT_THAT(
      Call(kAdminKey, &v1::AdminService::Stub::CreateRetailer, admin_.get(), create, &created),
      IsOk());
  EXPECT_EQ(created.retailer().commission_bps(), 100);
  v1::TopUpFloatRequest top;
  top.set_request_id("t1");
  top.set_retailer_id("R1");
  top.set_amount_paise(100'000);
  v1::TopUpFloatResponse topped;
  ASSERT_THAT(Call(kAdminKey, &v1::AdminService::Stub::TopUpFloat, admin_.get(), top, &topped),
              IsOk());
  const std::string retailer_key = IssueKey("k-r1", v1::ROLE_RETAILER, "R1");

  auto recharge = [&](const std::string& id, const std::string& meter, int64_t amount,
                      const std::string& retailer = "") {
    v1::RetailerRechargeRequest req;
    req.set_request_id(id);
    req.set_meter_id(meter);
    req.set_amount_paise(amount);
    req.set_retailer_id(retailer);
    v1::RetailerRechargeResponse resp;
    return Call(retailer_key, &v1::RetailerService::Stub::Recharge, retailer_.get(), req, &resp);
  };
  EXPECT_THAT(recharge("p1", "M1", 20'000), IsOk());
  EXPECT_THAT(recharge("p2", "NOPE", 100), StatusIs(grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(recharge("p3", "M1", 0), StatusIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(recharge("p4", "M1", 10'000'001), StatusIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(recharge("p5", "M1", 90'000), StatusIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_THAT(recharge("bad id", "M1", 100), StatusIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(recharge("p6", "M1", 100, "R2"), StatusIs(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_THAT(recharge("p1", "M1", 30'000), StatusIs(grpc::StatusCode::ALREADY_EXISTS));

  v1::GetFloatRequest get_float;
  v1::GetFloatResponse float_view;
  ASSERT_THAT(Call(retailer_key, &v1::RetailerService::Stub::GetFloat, retailer_.get(), get_float,
                   &float_view),
              IsOk());
  EXPECT_EQ(float_view.balance_paise(), 100'000 - 20'000 + 200);
  v1::CheckLedgerResponse check;
  ASSERT_THAT(Call(kAdminKey, &v1::AdminService::Stub::CheckLedger, admin_.get(),
                   v1::CheckLedgerRequest(), &check),
              IsOk());
  EXPECT_TRUE(check.ok());
  EXPECT_EQ(check.transfers(), 3u);
}

TEST_F(ApiTest, HealthAndMetricsAreServed) {
  grpc::health::v1::HealthCheckResponse resp;
  ASSERT_THAT(CheckHealth(channel_, "", &resp), IsOk());
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  const std::string healthz = HttpGet(server_->http_port(), "/healthz");
  EXPECT_NE(healthz.find("200 OK"), std::string::npos) << healthz;
  const std::string metrics = HttpGet(server_->http_port(), "/metrics");
  EXPECT_NE(metrics.find("walletd_rpc_total{method=\"AdminService/RegisterMeter\",code=\"OK\"} 2"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("walletd_commits_total"), std::string::npos);
  EXPECT_NE(HttpGet(server_->http_port(), "/nope").find("404"), std::string::npos);
}

// A consumer asking about another consumer's meter gets exactly the answer
// it gets for a meter that does not exist, from every call a consumer key
// reaches; an admin key still tells them apart.
TEST_F(ApiTest, ConsumerCannotTellForeignMetersFromUnknownOnes) {
  // The answer with the meter id taken out.
  auto answer = [](const grpc::Status& status, const std::string& meter_id) {
    return std::make_pair(status.error_code(),
                          absl::StrReplaceAll(status.error_message(), {{meter_id, "<id>"}}));
  };
  auto balance = [&](const std::string& key, const std::string& meter_id) {
    v1::GetBalanceRequest request;
    request.set_meter_id(meter_id);
    v1::GetBalanceResponse response;
    return answer(Call(key, &v1::ConsumerService::Stub::GetBalance, consumer_.get(), request,
                       &response),
                  meter_id);
  };
  auto history = [&](const std::string& key, const std::string& meter_id) {
    v1::ListTransactionsRequest request;
    request.set_meter_id(meter_id);
    v1::ListTransactionsResponse response;
    return answer(Call(key, &v1::ConsumerService::Stub::ListTransactions, consumer_.get(),
                       request, &response),
                  meter_id);
  };
  auto order = [&](const std::string& key, const std::string& meter_id) {
    v1::StartRechargeResponse response;
    return answer(Call(key, &v1::ConsumerService::Stub::StartRecharge, consumer_.get(),
                       StartRechargeOf("probe-" + meter_id, meter_id, 10'000), &response),
                  meter_id);
  };
  auto orders = [&](const std::string& key, const std::string& meter_id) {
    v1::ListOrdersRequest request;
    request.set_meter_id(meter_id);
    v1::ListOrdersResponse response;
    return answer(Call(key, &v1::ConsumerService::Stub::ListOrders, consumer_.get(), request,
                       &response),
                  meter_id);
  };
  using Probe = std::function<std::pair<grpc::StatusCode, std::string>(const std::string&,
                                                                      const std::string&)>;
  for (const auto& [name, probe] : std::vector<std::pair<std::string, Probe>>{
           {"GetBalance", balance},
           {"ListTransactions", history},
           {"StartRecharge", order},
           {"ListOrders", orders}}) {
    const auto foreign = probe(consumer_key_, "M2");
    const auto unknown = probe(consumer_key_, "NOPE");
    EXPECT_EQ(foreign.first, grpc::StatusCode::NOT_FOUND) << name;
    EXPECT_EQ(foreign, unknown) << name << ": '" << foreign.second << "' vs '" << unknown.second
                                << "'";
    EXPECT_EQ(probe(consumer_key_, "M1").first, grpc::StatusCode::OK) << name;
  }
  // Admins still get the full answer.
  EXPECT_EQ(balance(kAdminKey, "M2").first, grpc::StatusCode::OK);
  EXPECT_EQ(balance(kAdminKey, "NOPE").first, grpc::StatusCode::NOT_FOUND);
}

// Every wallet.v1 service is known to the standard health service by name,
// SERVING while walletd serves and NOT_SERVING from the start of a shutdown,
// while the calls in flight finish.
TEST_F(ApiTest, HealthIsReportedForEveryService) {
  const std::vector<std::string> services = {
      "",
      "wallet.v1.AdminService",
      "wallet.v1.ConsumerService",
      "wallet.v1.PaymentGatewayService",
      "wallet.v1.RetailerService",
      "wallet.v1.MeterIngestService",
      "wallet.v1.MeterGatewayService",
      "wallet.v1.NotificationService",
  };
  for (const std::string& service : services) {
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = CheckHealth(channel_, service, &response);
    ASSERT_THAT(status, IsOk()) << "'" << service << "'";
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING) << service;
  }
  grpc::health::v1::HealthCheckResponse unknown;
  EXPECT_THAT(CheckHealth(channel_, "wallet.v1.NoSuchService", &unknown),
              StatusIs(grpc::StatusCode::NOT_FOUND));

  // Keep one call in flight, so that the shutdown waits for it.
  clock_.Hold();
  std::thread in_flight([&] {
    v1::AdjustBalanceRequest adjust;
    adjust.set_request_id("adj-during-shutdown");
    adjust.set_meter_id("M1");
    adjust.set_amount_paise(100);
    adjust.set_direction(v1::AdjustBalanceRequest::CREDIT);
    adjust.set_reason("test");
    v1::AdjustBalanceResponse adjusted;
    grpc::Status status =
        Call(kAdminKey, &v1::AdminService::Stub::AdjustBalance, admin_.get(), adjust, &adjusted);
    EXPECT_THAT(status, IsOk());
  });
  ASSERT_TRUE(clock_.WaitForCaller(absl::Seconds(60)));
  std::thread stop([&] { server_->Shutdown(absl::Seconds(120)); });
  for (const std::string& service : services) {
    grpc::health::v1::HealthCheckResponse response;
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    while (CheckHealth(channel_, service, &response).ok() &&
           response.status() == grpc::health::v1::HealthCheckResponse::SERVING &&
           absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::NOT_SERVING) << service;
  }
  clock_.Release();
  in_flight.join();
  stop.join();
}

// The owner gets, lists and cancels its orders over gRPC; another consumer
// cannot tell them from unknown ones, and the gateway's payment for a
// cancelled order is refused.
TEST_F(ApiTest, OrdersAreTheOwnersToSeeAndCancel) {
  const v1::StartRechargeRequest start = StartRechargeOf("app-1", "M1", 25'000);
  v1::StartRechargeResponse started;
  ASSERT_THAT(Call(consumer_key_, &v1::ConsumerService::Stub::StartRecharge, consumer_.get(), start,
                   &started),
              IsOk());
  const std::string id = started.order().order_id();
  EXPECT_EQ(id.rfind("ord_", 0), 0u) << id;
  EXPECT_TRUE(started.order().has_expire_time());

  v1::GetOrderRequest get;
  get.set_order_id(id);
  v1::Order order;
  ASSERT_THAT(
      Call(consumer_key_, &v1::ConsumerService::Stub::GetOrder, consumer_.get(), get, &order),
      IsOk());
  EXPECT_EQ(order.state(), v1::ORDER_PENDING);
  const std::string other_key = IssueKey("k-c2", v1::ROLE_CONSUMER, "C2");
  grpc::Status foreign =
      Call(other_key, &v1::ConsumerService::Stub::GetOrder, consumer_.get(), get, &order);
  v1::GetOrderRequest unknown;
  unknown.set_order_id("ord_aaaaaaaaaaaaaaaaaaaaaaaaaa");
  grpc::Status missing =
      Call(other_key, &v1::ConsumerService::Stub::GetOrder, consumer_.get(), unknown, &order);
  EXPECT_THAT(foreign, StatusIs(grpc::StatusCode::NOT_FOUND));
  EXPECT_EQ(absl::StrReplaceAll(foreign.error_message(), {{id, "<id>"}}),
            absl::StrReplaceAll(missing.error_message(), {{unknown.order_id(), "<id>"}}));

  v1::ListOrdersRequest list;
  v1::ListOrdersResponse listed;
  ASSERT_THAT(
      Call(consumer_key_, &v1::ConsumerService::Stub::ListOrders, consumer_.get(), list, &listed),
      IsOk());
  ASSERT_EQ(listed.orders_size(), 1);
  EXPECT_EQ(listed.orders(0).order_id(), id);
  ASSERT_THAT(
      Call(other_key, &v1::ConsumerService::Stub::ListOrders, consumer_.get(), list, &listed),
      IsOk());
  EXPECT_EQ(listed.orders_size(), 0);
  list.set_page_token("abc");
  EXPECT_THAT(
      Call(consumer_key_, &v1::ConsumerService::Stub::ListOrders, consumer_.get(), list, &listed),
      StatusIs(grpc::StatusCode::INVALID_ARGUMENT));

  v1::CancelOrderRequest cancel;
  cancel.set_request_id("cancel-1");
  cancel.set_order_id(id);
  v1::CancelOrderResponse cancelled;
  EXPECT_THAT(
      Call(other_key, &v1::ConsumerService::Stub::CancelOrder, consumer_.get(), cancel, &cancelled),
      StatusIs(grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(Call(gateway_key_, &v1::ConsumerService::Stub::CancelOrder, consumer_.get(), cancel,
                   &cancelled),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED));
  ASSERT_THAT(Call(consumer_key_, &v1::ConsumerService::Stub::CancelOrder, consumer_.get(), cancel,
                   &cancelled),
              IsOk());
  EXPECT_EQ(cancelled.order().state(), v1::ORDER_CANCELLED);

  const v1::ConfirmPaymentRequest confirm = PaymentOf("pay_late", id, 25'000);
  v1::ConfirmPaymentResponse paid;
  EXPECT_THAT(Call(gateway_key_, &v1::PaymentGatewayService::Stub::ConfirmPayment, payment_.get(),
                   confirm, &paid),
              StatusIs(grpc::StatusCode::FAILED_PRECONDITION));
  v1::GetBalanceRequest balance_request;
  balance_request.set_meter_id("M1");
  v1::GetBalanceResponse balance;
  ASSERT_THAT(Call(consumer_key_, &v1::ConsumerService::Stub::GetBalance, consumer_.get(),
                   balance_request, &balance),
              IsOk());
  EXPECT_EQ(balance.balance_paise(), 0);
}

// Malformed and foreign page tokens are refused over the wire as the README
// says: INVALID_ARGUMENT.
TEST_F(ApiTest, MalformedPageTokensAreInvalidArgument) {
  for (const char* bad : {"abc", "-1", "M1"}) {
    v1::ListMetersRequest meters;
    meters.set_page_token(bad);
    v1::ListMetersResponse listed;
    EXPECT_THAT(Call(kAdminKey, &v1::AdminService::Stub::ListMeters, admin_.get(), meters, &listed),
                StatusIs(grpc::StatusCode::INVALID_ARGUMENT))
        << bad;
    v1::GetJournalRequest journal;
    journal.set_account("system:adjustments");
    journal.set_page_token(bad);
    v1::GetJournalResponse entries;
    EXPECT_THAT(
        Call(kAdminKey, &v1::AdminService::Stub::GetJournal, admin_.get(), journal, &entries),
        StatusIs(grpc::StatusCode::INVALID_ARGUMENT))
        << bad;
  }
  v1::ListMetersRequest first;
  first.set_page_size(1);
  v1::ListMetersResponse page;
  ASSERT_THAT(Call(kAdminKey, &v1::AdminService::Stub::ListMeters, admin_.get(), first, &page),
              IsOk());
  ASSERT_FALSE(page.next_page_token().empty());
  v1::ListMetersRequest next = first;
  next.set_page_token(page.next_page_token());
  ASSERT_THAT(Call(kAdminKey, &v1::AdminService::Stub::ListMeters, admin_.get(), next, &page),
              IsOk());
  EXPECT_EQ(page.meters(0).meter().meter_id(), "M2");
  next.set_circle("Raipur");  // another filter
  EXPECT_THAT(Call(kAdminKey, &v1::AdminService::Stub::ListMeters, admin_.get(), next, &page),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT));
}

// The admin update calls over gRPC: only an admin key may make them, each
// change is recorded with that key's id (never the key) and label, and
// ListChanges reads them back.
TEST_F(ApiTest, AdminUpdatesAreRecordedWithTheAdminsKey) {
  v1::UpdateConsumerRequest consumer;
  consumer.set_request_id("upd-1");
  consumer.set_consumer_id("C1");
  consumer.set_phone("+917000000001");
  consumer.set_reason("consumer's request");
  v1::UpdateConsumerResponse updated;
  EXPECT_THAT(Call(consumer_key_, &v1::AdminService::Stub::UpdateConsumer, admin_.get(), consumer,
                   &updated),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED));
  ASSERT_THAT(
      Call(kAdminKey, &v1::AdminService::Stub::UpdateConsumer, admin_.get(), consumer, &updated),
      IsOk());
  EXPECT_EQ(updated.consumer().phone(), "+917000000001");
  const std::string key_id = wallet::HashApiKey(kAdminKey).substr(0, 16);
  EXPECT_EQ(updated.change().admin_key_id(), key_id);
  EXPECT_EQ(updated.change().admin_key_label(), "test");

  v1::UpdateMeterRequest meter;
  meter.set_request_id("upd-2");
  meter.set_meter_id("M1");
  meter.set_tariff_id("NO-SUCH");
  meter.set_reason("tariff order");
  v1::UpdateMeterResponse meter_updated;
  EXPECT_THAT(
      Call(kAdminKey, &v1::AdminService::Stub::UpdateMeter, admin_.get(), meter, &meter_updated),
      StatusIs(grpc::StatusCode::NOT_FOUND));
  meter.clear_tariff_id();
  meter.set_sanctioned_load_w(5000);
  ASSERT_THAT(
      Call(kAdminKey, &v1::AdminService::Stub::UpdateMeter, admin_.get(), meter, &meter_updated),
      IsOk());
  EXPECT_EQ(meter_updated.meter().sanctioned_load_w(), 5000);

  v1::MoveMeterRequest move;
  move.set_request_id("move-1");
  move.set_meter_id("M1");
  move.mutable_consumer()->set_consumer_id("C2");
  move.set_reason("premises sold");
  v1::MoveMeterResponse moved;
  ASSERT_THAT(Call(kAdminKey, &v1::AdminService::Stub::MoveMeter, admin_.get(), move, &moved),
              IsOk());
  EXPECT_EQ(moved.meter().consumer_id(), "C2");
  // C1's key no longer reaches the meter.
  v1::GetBalanceRequest balance;
  balance.set_meter_id("M1");
  v1::GetBalanceResponse balance_response;
  EXPECT_THAT(Call(consumer_key_, &v1::ConsumerService::Stub::GetBalance, consumer_.get(), balance,
                   &balance_response),
              StatusIs(grpc::StatusCode::NOT_FOUND));

  v1::ListChangesRequest list;
  list.set_meter_id("M1");
  v1::ListChangesResponse changes;
  EXPECT_THAT(
      Call(consumer_key_, &v1::AdminService::Stub::ListChanges, admin_.get(), list, &changes),
      StatusIs(grpc::StatusCode::PERMISSION_DENIED));
  ASSERT_THAT(Call(kAdminKey, &v1::AdminService::Stub::ListChanges, admin_.get(), list, &changes),
              IsOk());
  ASSERT_EQ(changes.changes_size(), 2);
  EXPECT_EQ(changes.changes(0).kind(), v1::Change::METER_MOVED);
  EXPECT_EQ(changes.changes(1).kind(), v1::Change::METER_UPDATED);
  list.set_page_token("-1");
  EXPECT_THAT(Call(kAdminKey, &v1::AdminService::Stub::ListChanges, admin_.get(), list, &changes),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT));
}

}  // namespace
}  // namespace api
