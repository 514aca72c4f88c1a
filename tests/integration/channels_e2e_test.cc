// Every channel at once, each part a real process over real sockets:
// walletd serving gRPC over mutual TLS (certificates from
// deploy/make-certs.sh), meter-gatewayd and meter-sim with their own client
// certificates, payment-gateway-sim delivering every webhook three times
// over HTTPS, notifierd (client certificate too) and Kannel's bearerbox and
// smsbox with the fake SMSC.
//
// A Hindi-speaking consumer's prepaid meter runs out of credit and is cut at
// the simulated meter; the consumer starts a recharge with a consumer key
// and pays at the simulator; the six webhook deliveries credit once (the
// meter's journal checked entry by entry) and the relay closes at the
// simulated meter. The recharge receipt, low-balance, cut and restore SMS
// reach the fake SMSC in Hindi with their DLT template ids, once each, and
// come back reported delivered.
//
// Forged, unknown-order and wrong-amount webhooks are payment_e2e_test's;
// how fast the relay closes is a benchmark's figure, not this test's.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/kannel_process.h"
#include "tests/testing/meter_fleet.h"
#include "tests/testing/notifierd_process.h"
#include "tests/testing/payment_sim_process.h"
#include "tests/testing/run_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"
#include "tests/testing/walletd_process.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "wallet/v1/consumer.grpc.pb.h"

namespace wallet::testing {
namespace {

namespace v1 = ::wallet::v1;
namespace sim = ::metersim::v1;

constexpr char kPhone[] = "+919826000301";
constexpr int64_t kOpeningRecharge = 2'000;  // Rs 20: 20 s at the fleet's 36 kW
constexpr int64_t kOnlineAmount = 50'000;    // Rs 500
constexpr int64_t kReconnectionFee = 5'000;  // the policy's Rs 50
constexpr absl::Duration kGenerous = absl::Seconds(90);

// No notice days and no friendly hours: a meter whose credit runs out is
// cut at once. Alerts at 30 % and 10 % of the last recharge. Rs 1 of
// emergency credit, so that the new meter, at zero, is not cut before its
// first recharge.
constexpr char kPolicy[] = R"(
utility: "channels test"
defaults {
  alert_percent_bps: [3000, 1000]
  emergency_credit_paise: 100
  notice_days: 0
  reconnection_fee_paise: 5000
  restore_threshold_paise: 0
  grace_days: 0
}
)";

class ChannelsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* sub : {"payment", "kannel", "notifier"}) {
      std::filesystem::create_directories(absl::StrCat(dir_.path(), "/", sub));
    }
    absl::StatusOr<ProcessResult> certs = RunProcess(
        {"/bin/bash", absl::StrCat(WALLET_SOURCE_DIR, "/deploy/make-certs.sh"), CertsDir()}, {},
        absl::Seconds(60));
    ASSERT_THAT(certs, IsOk());
    ASSERT_EQ(certs->exit_code, 0) << certs->err;

    PaymentSimOptions payment;
    payment.binary = PAYMENT_GATEWAY_SIM_PATH;
    payment.dir = dir_.path() + "/payment";
    payment.certs_dir = CertsDir();
    payment.args = {"--webhook_copies=3", "--webhook_shuffle"};
    absl::StatusOr<std::unique_ptr<PaymentSimProcess>> payment_sim =
        PaymentSimProcess::Start(payment);
    ASSERT_THAT(payment_sim, IsOk());
    payment_ = *std::move(payment_sim);

    ASSERT_NO_FATAL_FAILURE(StartFleet());
    ASSERT_NO_FATAL_FAILURE(StartSms());
    consumer_ = v1::ConsumerService::NewStub(fleet_->walletd().NewChannel());
  }

  void TearDown() override {
    if (!HasFailure()) return;
    dir_.Keep();
    std::string logs = absl::StrCat("logs in ", dir_.path());
    if (kannel_ != nullptr) absl::StrAppend(&logs, kannel_->Logs());
    if (notifier_ != nullptr) absl::StrAppend(&logs, "\n--- notifierd\n", notifier_->LogTail());
    if (fleet_ != nullptr) {
      fleet_->KeepLogs();
      absl::StrAppend(&logs, "\nfleet logs in ", fleet_->dir(), "\n",
                      fleet_->walletd().KeepForInspection());
    }
    ADD_FAILURE() << logs;
  }

  std::string CertsDir() const { return dir_.path() + "/certs"; }
  std::string Cert(const std::string& name) const { return absl::StrCat(CertsDir(), "/", name); }
  base::ClientTlsFiles ClientTls(const std::string& who) const {
    return {Cert("ca.crt"), Cert(who + ".crt"), Cert(who + ".key")};
  }

  // StartFleet runs walletd (mutual TLS, the payment gateway, notifications
  // for notifierd), meter-sim with one idle meter of a Hindi-speaking
  // consumer, and meter-gatewayd.
  void StartFleet() {
    FleetOptions options;
    options.walletd = WALLETD_PATH;
    options.meter_sim = METER_SIM_PATH;
    options.gatewayd = METER_GATEWAYD_PATH;
    options.meters = 1;
    options.policy = kPolicy;
    options.walletd_args = {"--tls_cert_file=" + Cert("walletd.crt"),
                            "--tls_key_file=" + Cert("walletd.key"),
                            "--tls_client_ca_file=" + Cert("ca.crt"), "--notification_log=none"};
    for (const std::string& flag : payment_->WalletdFlags()) options.walletd_args.push_back(flag);
    options.walletd_tls = ClientTls("operator");
    options.sim_args = {"--load_w=0"};
    options.gateway_args = {"--wallet_tls_ca=" + Cert("ca.crt"),
                            "--wallet_tls_cert=" + Cert("meter-gateway.crt"),
                            "--wallet_tls_key=" + Cert("meter-gateway.key"),
                            "--read_interval=1s",
                            "--retry_initial=200ms",
                            "--retry_max=1s",
                            "--connect_timeout=10s",
                            "--response_timeout=10s"};
    options.edit_registration = [](int, v1::RegisterMeterRequest& request) {
      request.mutable_consumer()->set_phone(kPhone);
      request.mutable_consumer()->set_language(v1::HINDI);
    };
    absl::StatusOr<std::unique_ptr<MeterFleet>> fleet = MeterFleet::Start(options);
    ASSERT_THAT(fleet, IsOk());
    fleet_ = *std::move(fleet);
    meter_ = fleet_->meter_id(0);
    ASSERT_TRUE(WaitUntil(
        [&] {
          absl::StatusOr<double> up = fleet_->GatewayMetric("gateway_stream_connected");
          return up.ok() && *up == 1;
        },
        "the gateway's relay command stream"));
  }

  // StartSms runs Kannel and notifierd, which reaches walletd with its own
  // client certificate and the meter gateway's key.
  void StartSms() {
    absl::StatusOr<std::unique_ptr<KannelProcess>> kannel =
        KannelProcess::Create(dir_.path() + "/kannel");
    ASSERT_THAT(kannel, IsOk());
    kannel_ = *std::move(kannel);
    ASSERT_THAT(kannel_->Start(), IsOk()) << kannel_->Logs();
    NotifierdOptions options;
    options.binary = NOTIFIERD_PATH;
    options.dir = dir_.path() + "/notifier";
    options.wallet = fleet_->walletd().target();
    options.wallet_tls = ClientTls("notifier");
    options.api_key = fleet_->gateway_key();
    options.kannel = kannel_.get();
    absl::StatusOr<std::unique_ptr<NotifierdProcess>> notifier = NotifierdProcess::Start(options);
    ASSERT_THAT(notifier, IsOk());
    notifier_ = *std::move(notifier);
  }

  // ConsumerKey issues an API key for the meter's consumer.
  std::string ConsumerKey() {
    v1::GetMeterRequest get;
    get.set_meter_id(meter_);
    v1::MeterView view;
    EXPECT_THAT(fleet_->admin().GetMeter(MakeContext(fleet_->admin_key()).get(), get, &view),
                IsOk());
    v1::IssueApiKeyRequest request;
    request.set_request_id("consumer-key");
    request.set_role(v1::ROLE_CONSUMER);
    request.set_subject_id(view.meter().consumer_id());
    request.set_label("the consumer's app");
    v1::IssueApiKeyResponse response;
    EXPECT_THAT(
        fleet_->admin().IssueApiKey(MakeContext(fleet_->admin_key()).get(), request, &response),
        IsOk());
    return response.api_key();
  }

  void SetLoad(int64_t watts) {
    sim::ConfigureMeterRequest request;
    request.set_meter_id(meter_);
    request.set_load_w(watts);
    ASSERT_THAT(fleet_->Configure(request), IsOk());
  }
  int SimRelay() {
    absl::StatusOr<sim::Meter> m = fleet_->SimMeter(meter_);
    return m.ok() ? m->control_state() : -1;  // 0 open, 1 closed
  }
  v1::RelayState WalletRelay() {
    absl::StatusOr<v1::MeterPolicyState> s = fleet_->WalletState(meter_);
    return s.ok() ? s->relay() : v1::RELAY_UNKNOWN;
  }
  double WalletdMetric(const std::string& name) {
    absl::StatusOr<HttpResponse> page = fleet_->walletd().HttpGet("/metrics");
    return page.ok() ? MetricValue(page->body, name) : -1;
  }

  // Texts is every text the fake SMSC got for the consumer's phone.
  std::vector<std::string> Texts() {
    std::vector<std::string> texts;
    for (const FakeSms& sms : kannel_->Received()) {
      if (sms.to == kPhone) texts.push_back(sms.text);
    }
    return texts;
  }
  int CountStartingWith(const std::string& prefix) {
    int count = 0;
    for (const std::string& text : Texts()) count += absl::StartsWith(text, prefix);
    return count;
  }
  bool Arrived(const std::string& prefix) { return CountStartingWith(prefix) > 0; }
  // SentWithTemplate: bearerbox's access log has an SMS to the phone sent
  // with DLT template `id` (and the principal entity id).
  bool SentWithTemplate(const std::string& id) {
    for (absl::string_view line : absl::StrSplit(kannel_->AccessLog(), '\n')) {
      if (absl::StrContains(line, "Sent SMS") &&
          absl::StrContains(line, absl::StrCat("[to:", kPhone, "]")) &&
          absl::StrContains(line, absl::StrCat("PE_ID=PE-TEST-1&TEMPLATE_ID=", id, "]"))) {
        return true;
      }
    }
    return false;
  }

  TempDir dir_;
  std::unique_ptr<PaymentSimProcess> payment_;
  std::unique_ptr<MeterFleet> fleet_;
  std::unique_ptr<KannelProcess> kannel_;
  std::unique_ptr<NotifierdProcess> notifier_;
  std::unique_ptr<v1::ConsumerService::Stub> consumer_;
  std::string meter_;
};

TEST_F(ChannelsE2eTest, CutMeterPaidOnlineIsCreditedOnceRestoredAndToldInHindi) {
  const std::string receipt = absl::StrCat("रिचार्ज ", meter_, " ₹");
  const std::string low = absl::StrCat("कम शेष ", meter_, ": ₹");
  const std::string cut = absl::StrCat("बिजली कटी ", meter_);
  const std::string restored = absl::StrCat("बिजली बहाल ", meter_);

  // Rs 20 at Rs 1 a second: credit runs out and the relay opens.
  ASSERT_THAT(fleet_->Recharge(meter_, kOpeningRecharge), IsOk());
  ASSERT_NO_FATAL_FAILURE(SetLoad(36'000));
  ASSERT_TRUE(WaitUntil([&] { return SimRelay() == 0; }, "the relay open at the meter", kGenerous));
  ASSERT_TRUE(WaitUntil([&] { return WalletRelay() == v1::RELAY_DISCONNECTED; },
                        "walletd to record the cut"));
  // Nothing is drawn from here on, and walletd has every reading of the
  // register, so that the journal after the payment holds only what the
  // payment caused.
  ASSERT_NO_FATAL_FAILURE(SetLoad(0));
  ASSERT_TRUE(WaitUntil(
      [&] {
        absl::StatusOr<sim::Meter> simulated = fleet_->SimMeter(meter_);
        absl::StatusOr<v1::MeterPolicyState> state = fleet_->WalletState(meter_);
        return simulated.ok() && state.ok() && state->register_wh() == simulated->register_wh();
      },
      "walletd to have the register's last value"));
  ASSERT_TRUE(WaitUntil([&] { return Arrived(cut); }, "the Hindi cut SMS", kGenerous));
  EXPECT_TRUE(Arrived(low));
  EXPECT_EQ(CountStartingWith(receipt + "20.00"), 1);

  // The consumer recharges in the app and pays at the gateway.
  const std::string key = ConsumerKey();
  v1::StartRechargeRequest start;
  start.set_request_id("app-1");
  start.set_meter_id(meter_);
  start.set_amount_paise(kOnlineAmount);
  v1::StartRechargeResponse started;
  ASSERT_THAT(consumer_->StartRecharge(MakeContext(key).get(), start, &started), IsOk());
  ASSERT_TRUE(absl::StartsWith(started.checkout().gateway_order_id(), "order_"));
  ASSERT_THAT(payment_->Pay(started.checkout().gateway_order_id(), "captured"), IsOk());

  // payment.captured and order.paid, three times each, over HTTPS.
  ASSERT_TRUE(WaitUntil(
      [&] {
        return WalletdMetric("walletd_webhooks_total{result=\"credited\"}") +
                   WalletdMetric("walletd_webhooks_total{result=\"duplicate\"}") >=
               6;
      },
      "six webhook deliveries answered", kGenerous));
  EXPECT_EQ(WalletdMetric("walletd_webhooks_total{result=\"credited\"}"), 1);
  ASSERT_TRUE(
      WaitUntil([&] { return SimRelay() == 1; }, "the relay closed at the meter", kGenerous));
  ASSERT_TRUE(WaitUntil([&] { return WalletRelay() == v1::RELAY_CONNECTED; },
                        "walletd to record the restore"));

  // The journal: one credit of the order's amount, then the reconnection
  // fee, and nothing else since the payment.
  v1::GetOrderRequest get_order;
  get_order.set_order_id(started.order().order_id());
  v1::Order order;
  ASSERT_THAT(consumer_->GetOrder(MakeContext(key).get(), get_order, &order), IsOk());
  EXPECT_EQ(order.state(), v1::ORDER_PAID);
  int64_t balance = 0;
  absl::StatusOr<std::vector<v1::JournalEntry>> journal =
      ReadJournal(fleet_->admin(), fleet_->admin_key(), absl::StrCat("meter:", meter_), &balance);
  ASSERT_THAT(journal, IsOk());
  std::vector<v1::JournalEntry> since_payment;  // oldest first
  for (const v1::JournalEntry& entry : *journal) {
    if (entry.transfer().seq() >= order.transfer_seq())
      since_payment.insert(since_payment.begin(), entry);
  }
  ASSERT_EQ(since_payment.size(), 2u);
  EXPECT_EQ(since_payment[0].transfer().type(), v1::PAYMENT_RECHARGE);
  EXPECT_EQ(since_payment[0].delta_paise(), kOnlineAmount);
  EXPECT_EQ(since_payment[0].transfer().seq(), order.transfer_seq());
  EXPECT_EQ(since_payment[1].transfer().type(), v1::RECONNECTION_FEE);
  EXPECT_EQ(since_payment[1].delta_paise(), -kReconnectionFee);
  // The credit found the wallet exhausted, and the balance is what is left.
  EXPECT_LE(since_payment[0].balance_after_paise() - kOnlineAmount, 0);
  EXPECT_EQ(balance, since_payment[0].balance_after_paise() - kReconnectionFee);
  v1::GetBalanceRequest get_balance;
  get_balance.set_meter_id(meter_);
  v1::GetBalanceResponse seen;
  ASSERT_THAT(consumer_->GetBalance(MakeContext(key).get(), get_balance, &seen), IsOk());
  EXPECT_EQ(seen.balance_paise(), balance);

  // A last receipt marks the end: the notifier sends in stream order, so
  // every SMS before it is at the fake SMSC once it is.
  ASSERT_THAT(fleet_->Recharge(meter_, 1'000), IsOk());
  ASSERT_TRUE(
      WaitUntil([&] { return Arrived(receipt + "10.00"); }, "the marker receipt", kGenerous));
  EXPECT_EQ(CountStartingWith(receipt + "500.00"), 1);
  EXPECT_EQ(CountStartingWith(cut), 1);
  EXPECT_EQ(CountStartingWith(restored), 1);
  for (const FakeSms& sms : kannel_->Received()) {
    if (sms.to != kPhone) continue;
    EXPECT_EQ(sms.from, "TSTPWR");
    EXPECT_TRUE(sms.ucs2) << "not sent as Unicode: " << sms.text;
  }
  for (const char* id : {"HI-RCPT", "HI-LOW", "HI-DIS", "HI-REC"}) {
    EXPECT_TRUE(SentWithTemplate(id)) << id << "\n" << kannel_->AccessLog();
  }

  // Every SMS sent comes back reported delivered.
  const double texts = static_cast<double>(Texts().size());
  EXPECT_TRUE(WaitUntil(
      [&] {
        const double sent = notifier_->Metric("sms_sent_total");
        return sent == texts && notifier_->Metric("sms_delivered_total") == sent;
      },
      "a delivery report for every SMS", kGenerous));
  EXPECT_EQ(notifier_->Metric("sms_failed_total"), 0);
}

}  // namespace
}  // namespace wallet::testing
