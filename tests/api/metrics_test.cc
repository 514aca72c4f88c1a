// walletd's health and metrics in process: every metric counts what its help
// says (scheduler ticks are not operations), the commit-time histogram, the
// outbox backlog and lag gauges, /healthz and the metrics while writes are
// refused, and the notification log sink, which acknowledges only what it
// has durably written.
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "api/server.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fault_fs.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"
#include "tests/testing/wallet_harness.h"
#include "tests/testing/walletd_process.h"

namespace api {
namespace {

using ::testing::HasSubstr;
using wallet::testing::FaultFs;
using ::wallet::testing::IsOk;
using wallet::testing::MeterRequest;
using wallet::testing::PollUntil;
using ::wallet::testing::StatusIs;
using wallet::testing::Wait;

constexpr char kAdminKey[] = "wk_admin_key_for_metrics_01";

// Value returns the sample of `series` (name and labels) in a scrape.
std::optional<double> Value(const std::string& metrics, absl::string_view series) {
  for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
    if (!absl::ConsumePrefix(&line, series) || !absl::ConsumePrefix(&line, " ")) continue;
    double value;
    if (absl::SimpleAtod(line, &value)) return value;
  }
  return std::nullopt;
}

std::string Lines(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class MetricsTest : public ::testing::Test {
 protected:
  // Start opens the wallet with `options` (data_dir filled in) and serves it.
  void Start(wallet::WalletOptions options, ServerOptions server_options = {}) {
    options.data_dir = dir_.path() + "/db";
    // The meters registered here are on the test tariff.
    if (options.ledger.tariffs.tariffs_size() == 0) {
      options.ledger.tariffs = wallet::testing::TestTariffBook();
    }
    auto opened = wallet::Wallet::Open(options, &clock_);
    ASSERT_THAT(opened, IsOk());
    wallet_ = *std::move(opened);
    ASSERT_THAT(wallet_->EnsureApiKey(kAdminKey, v1::ROLE_ADMIN, "test"), IsOk());
    server_options.listen = "127.0.0.1:0";
    server_options.http_listen = "127.0.0.1:0";
    StartServer(server_options);
  }
  void StartServer(const ServerOptions& options) {
    auto server = WalletServer::Start(wallet_.get(), options);
    ASSERT_THAT(server, IsOk());
    server_ = *std::move(server);
  }

  std::string Scrape() {
    auto response = wallet::testing::HttpGetLocal(server_->http_port(), "/metrics");
    EXPECT_THAT(response, IsOk());
    return response.ok() ? response->body : "";
  }
  double Metric(absl::string_view series) {
    const std::string metrics = Scrape();
    std::optional<double> value = Value(metrics, series);
    EXPECT_TRUE(value.has_value()) << series << " missing from\n" << metrics;
    return value.value_or(-1);
  }

  absl::Status Register(const std::string& meter) {
    return Wait<v1::RegisterMeterResponse>(
               [&](auto done) { wallet_->RegisterMeter(MeterRequest(meter, "C-" + meter), done); })
        .status();
  }
  // Recharge is a retailer recharge of R1's: it sends the consumer a receipt.
  absl::Status Recharge(const std::string& id, const std::string& meter) {
    v1::RetailerRechargeRequest req;
    req.set_request_id(id);
    req.set_meter_id(meter);
    req.set_amount_paise(1'000);
    return Wait<v1::RetailerRechargeResponse>([&](auto done) {
             wallet_->RetailerRecharge(wallet::Principal{v1::ROLE_RETAILER, "R1"}, req, done);
           })
        .status();
  }
  void CreateFundedRetailer() {
    v1::CreateRetailerRequest create;
    create.set_request_id("ret-R1");
    create.mutable_retailer()->set_retailer_id("R1");
    create.mutable_retailer()->set_name("Shop");
    ASSERT_THAT(
        Wait<v1::CreateRetailerResponse>([&](auto done) { wallet_->CreateRetailer(create, done); }),
        IsOk());
    v1::TopUpFloatRequest top_up;
    top_up.set_request_id("top");
    top_up.set_retailer_id("R1");
    top_up.set_amount_paise(1'000'000);
    ASSERT_THAT(Wait<v1::TopUpFloatResponse>([&](auto done) { wallet_->TopUpFloat(top_up, done); }),
                IsOk());
  }

  void TearDown() override {
    server_.reset();
    wallet_.reset();
  }

  // Declared first: the wallet works through it until it is closed.
  std::shared_ptr<FaultFs> fs_ = FaultFs::Create();
  wallet::testing::TempDir dir_;
  wallet::testing::FakeClock clock_{absl::FromUnixSeconds(1'793'000'000)};
  std::unique_ptr<wallet::Wallet> wallet_;
  std::unique_ptr<WalletServer> server_;
};

TEST_F(MetricsTest, IdleWalletdCountsSchedulerTicksApartFromOperations) {
  wallet::WalletOptions options;
  options.tick_interval = absl::Milliseconds(10);
  Start(options);
  ASSERT_THAT(Register("M1"), IsOk());
  const double operations = Metric("walletd_operations_total");
  const double ticks = Metric("walletd_scheduler_ticks_total");
  // Idle: the scheduler wakes, and nothing is asked of the wallet.
  ASSERT_TRUE(PollUntil([&] { return Metric("walletd_scheduler_ticks_total") >= ticks + 5; }));
  EXPECT_EQ(Metric("walletd_operations_total"), operations);
  ASSERT_THAT(Register("M2"), IsOk());
  EXPECT_EQ(Metric("walletd_operations_total"), operations + 1);
}

TEST_F(MetricsTest, CommitHistogramCountsEveryCommit) {
  Start(wallet::WalletOptions{});
  for (int i = 0; i < 5; ++i) ASSERT_THAT(Register(absl::StrCat("M", i)), IsOk());
  const std::string metrics = Scrape();
  const double commits = Value(metrics, "walletd_commits_total").value_or(-1);
  EXPECT_GE(commits, 6);  // the admin key and five meters, one commit each
  EXPECT_EQ(Value(metrics, "walletd_commit_seconds_count"), commits) << metrics;
  EXPECT_EQ(Value(metrics, "walletd_commit_seconds_bucket{le=\"+Inf\"}"), commits) << metrics;
  EXPECT_GT(Value(metrics, "walletd_commit_seconds_sum").value_or(0), 0);
  double previous = 0;
  for (const char* le : {"0.0001", "0.001", "0.01", "0.1", "1"}) {
    const std::optional<double> bucket =
        Value(metrics, absl::StrCat("walletd_commit_seconds_bucket{le=\"", le, "\"}"));
    ASSERT_TRUE(bucket.has_value()) << le << "\n" << metrics;
    EXPECT_GE(*bucket, previous) << "buckets are cumulative";
    previous = *bucket;
  }
  EXPECT_THAT(metrics, HasSubstr("# TYPE walletd_commit_seconds histogram"));
  EXPECT_EQ(Value(metrics, "walletd_write_errors_total"), 0);
  EXPECT_EQ(Value(metrics, "walletd_writable"), 1);
}

// Every unary method of every service is listed, at zero, before its first
// call, under "<Service>/<Method>"; the streams are not counted as calls.
TEST_F(MetricsTest, EveryUnaryMethodIsListedBeforeItsFirstCall) {
  Start(wallet::WalletOptions{});
  const std::string metrics = Scrape();
  int unary = 0;
  for (const char* name : {"AdminService", "ConsumerService", "PaymentGatewayService",
                           "RetailerService", "CollectionService", "MeterIngestService",
                           "MeterGatewayService", "NotificationService", "SignInService"}) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            absl::StrCat("wallet.v1.", name));
    ASSERT_NE(service, nullptr) << name;
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor* method = service->method(i);
      const std::string series = absl::StrCat("walletd_rpc_latency_seconds_count{method=\"", name,
                                              "/", method->name(), "\"}");
      if (method->client_streaming() || method->server_streaming()) {
        EXPECT_EQ(Value(metrics, series), std::nullopt) << series;
      } else {
        ++unary;
        EXPECT_EQ(Value(metrics, series), 0) << series << " missing from\n" << metrics;
      }
    }
  }
  EXPECT_EQ(unary, 51);
}

TEST_F(MetricsTest, OutboxBacklogAndLagFollowTheStream) {
  Start(wallet::WalletOptions{});  // no log sink: notifications wait for a receiver
  ASSERT_THAT(Register("M1"), IsOk());
  CreateFundedRetailer();
  EXPECT_EQ(Metric("walletd_outbox_backlog{stream=\"notifications\"}"), 0);
  EXPECT_EQ(Metric("walletd_outbox_lag_seconds{stream=\"notifications\"}"), 0);
  ASSERT_THAT(Recharge("r1", "M1"), IsOk());  // a receipt
  ASSERT_THAT(Recharge("r2", "M1"), IsOk());
  const double committed = Metric("walletd_outbox_committed_total{stream=\"notifications\"}");
  EXPECT_GE(committed, 2);
  EXPECT_EQ(Metric("walletd_outbox_backlog{stream=\"notifications\"}"), committed);
  EXPECT_EQ(Metric("walletd_outbox_lag_seconds{stream=\"notifications\"}"), 0);
  clock_.Advance(absl::Hours(2));
  EXPECT_EQ(Metric("walletd_outbox_lag_seconds{stream=\"notifications\"}"), 7200);
  EXPECT_EQ(Metric("walletd_outbox_backlog{stream=\"relay\"}"), 0);
  EXPECT_EQ(Metric("walletd_outbox_lag_seconds{stream=\"relay\"}"), 0);

  ASSERT_THAT(Wait<bool>([&](auto done) {
                wallet_->AckOutbox(wallet::Stream::kNotification, static_cast<uint64_t>(committed),
                                   done);
              }),
              IsOk());
  EXPECT_EQ(Metric("walletd_outbox_acknowledged_total{stream=\"notifications\"}"), committed);
  EXPECT_EQ(Metric("walletd_outbox_backlog{stream=\"notifications\"}"), 0);
  EXPECT_EQ(Metric("walletd_outbox_lag_seconds{stream=\"notifications\"}"), 0);
}

TEST_F(MetricsTest, RefusedWritesShowOnHealthzMetricsAndCalls) {
  wallet::WalletOptions options;
  options.env = fs_->NewEnv();
  options.min_free_bytes = 64 << 20;
  options.disk_check_interval = absl::Milliseconds(5);
  Start(options);
  ASSERT_THAT(Register("M1"), IsOk());
  fs_->SetFreeBytes(1 << 20);
  absl::StatusOr<wallet::testing::HttpResponse> health;
  ASSERT_TRUE(PollUntil([&] {
    health = wallet::testing::HttpGetLocal(server_->http_port(), "/healthz");
    return health.ok() && health->status == 503;
  }));
  EXPECT_THAT(health->body, HasSubstr("below the free-space reserve"));
  EXPECT_EQ(Metric("walletd_writable"), 0);
  EXPECT_EQ(Metric("walletd_disk_free_bytes"), 1 << 20);

  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->grpc_port()),
                                     grpc::InsecureChannelCredentials());
  auto admin = v1::AdminService::NewStub(channel);
  auto call = [&](auto method, const auto& request, auto* response) {
    grpc::ClientContext context;
    context.AddMetadata(kApiKeyHeader, kAdminKey);
    return (admin.get()->*method)(&context, request, response);
  };
  v1::RegisterMeterResponse registered;
  const grpc::Status refused =
      call(&v1::AdminService::Stub::RegisterMeter, MeterRequest("M2", "C2"), &registered);
  EXPECT_THAT(refused, StatusIs(grpc::StatusCode::UNAVAILABLE, HasSubstr("nearly full")));
  EXPECT_THAT(refused.error_message(), HasSubstr("resume by themselves"));
  v1::GetMeterRequest get;
  get.set_meter_id("M1");
  v1::MeterView view;
  EXPECT_THAT(call(&v1::AdminService::Stub::GetMeter, get, &view), IsOk()) << "reads go on";

  fs_->SetFreeBytes(uint64_t{1} << 30);
  ASSERT_TRUE(PollUntil([&] {
    health = wallet::testing::HttpGetLocal(server_->http_port(), "/healthz");
    return health.ok() && health->status == 200;
  }));
  EXPECT_EQ(Metric("walletd_writable"), 1);
  EXPECT_THAT(call(&v1::AdminService::Stub::RegisterMeter, MeterRequest("M2", "C2"), &registered),
              IsOk());
}

TEST_F(MetricsTest, LogSinkNeverAcknowledgesWhatItCouldNotWrite) {
  ServerOptions server_options;
  server_options.notification_log = "/dev/full";  // every write: no space left
  Start(wallet::WalletOptions{}, server_options);
  ASSERT_THAT(Register("M1"), IsOk());
  CreateFundedRetailer();
  ASSERT_THAT(Recharge("r1", "M1"), IsOk());
  // Failed, retried after its back-off and failed again: it has had its
  // chance to acknowledge in between.
  ASSERT_TRUE(PollUntil([&] { return Metric("walletd_notification_log_errors_total") >= 2; }));
  EXPECT_EQ(Metric("walletd_outbox_acknowledged_total{stream=\"notifications\"}"), 0);
  EXPECT_EQ(Metric("walletd_outbox_backlog{stream=\"notifications\"}"),
            Metric("walletd_outbox_committed_total{stream=\"notifications\"}"));
}

TEST_F(MetricsTest, LogSinkWritesEachNotificationOnceAcrossRestarts) {
  const std::string log = dir_.path() + "/notifications.log";
  ServerOptions server_options;
  server_options.notification_log = log;
  Start(wallet::WalletOptions{}, server_options);
  ASSERT_THAT(Register("M1"), IsOk());
  CreateFundedRetailer();
  for (int i = 0; i < 3; ++i) ASSERT_THAT(Recharge(absl::StrCat("a", i), "M1"), IsOk());
  ASSERT_TRUE(
      PollUntil([&] { return Metric("walletd_outbox_backlog{stream=\"notifications\"}") == 0; }));
  const auto first = wallet_->GetOutboxStats(wallet::Stream::kNotification);
  ASSERT_THAT(first, IsOk());

  // The sink stops; three more receipts are committed. Then, as after a
  // crash in the middle of its work, the file holds the first of them whole
  // and the second cut short, none acknowledged.
  server_.reset();
  for (int i = 0; i < 3; ++i) ASSERT_THAT(Recharge(absl::StrCat("b", i), "M1"), IsOk());
  const uint64_t seq = first->committed;
  {
    std::ofstream out(log, std::ios::app);
    out << "nt-" << seq + 1 << " RECHARGE_RECEIPT to=+919800000001 meter=M1: written\n"
        << "nt-" << seq + 2 << " RECHARGE_REC";
  }
  StartServer(server_options);
  ASSERT_TRUE(
      PollUntil([&] { return Metric("walletd_outbox_backlog{stream=\"notifications\"}") == 0; }));
  const std::string text = Lines(log);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n') << "no line is left cut";
  const auto last = wallet_->GetOutboxStats(wallet::Stream::kNotification);
  ASSERT_THAT(last, IsOk());
  std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), last->committed) << text;
  for (uint64_t i = 0; i < lines.size(); ++i) {
    EXPECT_TRUE(absl::StartsWith(lines[i], absl::StrCat("nt-", i + 1, " "))) << lines[i];
  }
  EXPECT_THAT(lines[seq], HasSubstr(": written")) << "the line already there is kept, not repeated";
}

}  // namespace
}  // namespace api
