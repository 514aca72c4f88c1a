// notifierd end to end, every part a real process on loopback: walletd
// (example tariffs and policy, --notification_log=none), notifierd, and
// Kannel's bearerbox and smsbox with the fake SMSC (tests/testing/
// kannel_process.h). Notifications come from real operations: retailer
// recharges (receipts) and readings that take a balance low (alerts).
//
// Kannel stopped for a whole minute while receipts keep coming loses none:
// the notifier backs off (up to 4 s, so a minute costs it a few dozen
// attempts, not thousands), its backlog age shows the wait, and once Kannel
// is back every SMS arrives once.
//
// The notifier sends in stream order, so "nothing else was sent" is shown
// by a marker: a later notification whose SMS must arrive after the others,
// after which every earlier text is counted.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/testing/kannel_process.h"
#include "tests/testing/notifierd_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"
#include "tests/testing/walletd_process.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "wallet/v1/meter.grpc.pb.h"
#include "wallet/v1/retailer.grpc.pb.h"

namespace wallet::testing {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int kMeters = 3;
constexpr int kHindiMeter = 0;
constexpr int64_t kHourUs = int64_t{3600} * 1'000'000;

std::string PhoneOf(int meter) { return absl::StrCat("+91982600010", meter); }

class NotifierE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<WalletdProcess>> started =
        WalletdProcess::Start(ExampleConfigOptions(WALLETD_PATH, WALLET_SOURCE_DIR));
    ASSERT_THAT(started, IsOk());
    walletd_ = *std::move(started);
    channel_ = walletd_->NewChannel();
    admin_ = v1::AdminService::NewStub(channel_);
    retailer_ = v1::RetailerService::NewStub(channel_);
    ingest_ = v1::MeterIngestService::NewStub(channel_);

    TopologyOptions topology;
    topology.meters = kMeters;
    topology.tariff_id = "DOM-LT1";
    topology.sanctioned_load_w = 5000;
    topology.meter_gateway_key = true;
    topology.id_prefix = "N";
    topology.edit_registration = [](int index, v1::RegisterMeterRequest& request) {
      request.mutable_consumer()->set_phone(PhoneOf(index));
      request.mutable_consumer()->set_language(index == kHindiMeter ? v1::HINDI : v1::ENGLISH);
    };
    absl::StatusOr<Topology> created = CreateTestTopology(*admin_, walletd_->admin_key(), topology);
    ASSERT_THAT(created, IsOk());
    topology_ = *std::move(created);

    absl::StatusOr<std::unique_ptr<KannelProcess>> kannel = KannelProcess::Create(dir_.path());
    ASSERT_THAT(kannel, IsOk());
    kannel_ = *std::move(kannel);
    ASSERT_THAT(kannel_->Start(), IsOk()) << kannel_->Logs();

    ASSERT_NO_FATAL_FAILURE(StartNotifier());
  }

  void TearDown() override {
    if (HasFailure()) {
      dir_.Keep();
      ADD_FAILURE() << "logs in " << dir_.path() << kannel_->Logs()
                    << "\n--- notifierd.log (tail)\n"
                    << (notifier_ ? notifier_->LogTail() : "") << walletd_->KeepForInspection();
    }
  }

  // StartNotifier starts notifierd with a back-off of `retry_initial` up
  // to `retry_max` while Kannel is away.
  void StartNotifier(absl::Duration retry_initial = absl::Milliseconds(50),
                     absl::Duration retry_max = absl::Milliseconds(500)) {
    NotifierdOptions options;
    options.binary = NOTIFIERD_PATH;
    options.dir = dir_.path();
    options.wallet = walletd_->target();
    options.api_key = topology_.meter_gateway_key;
    options.kannel = kannel_.get();
    options.retry_initial = retry_initial;
    options.retry_max = retry_max;
    absl::StatusOr<std::unique_ptr<NotifierdProcess>> started = NotifierdProcess::Start(options);
    ASSERT_THAT(started, IsOk());
    notifier_ = *std::move(started);
  }

  double NotifierMetric(absl::string_view name) { return notifier_->Metric(name); }

  void Recharge(int meter, int64_t amount, const std::string& request_id) {
    v1::RetailerRechargeRequest request;
    request.set_request_id(request_id);
    request.set_meter_id(topology_.meter_ids[meter]);
    request.set_amount_paise(amount);
    v1::RetailerRechargeResponse response;
    ASSERT_THAT(
        retailer_->Recharge(MakeContext(topology_.retailer_keys[0]).get(), request, &response),
        IsOk());
  }

  // TakeBalanceLow reads 100 kWh on `meter` after a Rs 500 recharge: about
  // Rs 420 with duty, below every alert level of the example policy.
  void TakeBalanceLow(int meter) {
    const int64_t base_us = absl::ToUnixMicros(absl::Now()) - 20 * kHourUs;
    v1::IngestReadingsRequest request;
    request.set_batch_id(absl::StrCat("low-", meter));
    for (auto [wh, us] : {std::pair<int64_t, int64_t>{5'000'000, base_us},
                          std::pair<int64_t, int64_t>{5'100'000, base_us + 16 * kHourUs}}) {
      v1::Reading& reading = *request.add_readings();
      reading.set_meter_id(topology_.meter_ids[meter]);
      reading.set_register_wh(wh);
      *reading.mutable_meter_time() = TimeUtil::MicrosecondsToTimestamp(us);
    }
    v1::IngestReadingsResponse response;
    ASSERT_THAT(
        ingest_->IngestReadings(MakeContext(topology_.meter_gateway_key).get(), request, &response),
        IsOk());
    ASSERT_EQ(response.results_size(), 2);
    ASSERT_EQ(response.results(1).outcome(), v1::ReadingResult::DEBITED)
        << response.results(1).reason();
  }

  // CountOf is how many messages the fake SMSC got to `phone` with `text`.
  int CountOf(const std::string& phone, const std::string& text) {
    int count = 0;
    for (const FakeSms& sms : kannel_->Received()) count += sms.to == phone && sms.text == text;
    return count;
  }

  TempDir dir_;
  std::unique_ptr<WalletdProcess> walletd_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::RetailerService::Stub> retailer_;
  std::unique_ptr<v1::MeterIngestService::Stub> ingest_;
  Topology topology_;
  std::unique_ptr<KannelProcess> kannel_;
  std::unique_ptr<NotifierdProcess> notifier_;
};

TEST_F(NotifierE2eTest, HindiLowBalanceAlertReachesTheSmscWithItsTemplateIdAndIsDelivered) {
  const std::string meter = topology_.meter_ids[kHindiMeter];
  const std::string phone = PhoneOf(kHindiMeter);
  ASSERT_NO_FATAL_FAILURE(Recharge(kHindiMeter, 50'000, "hi-recharge"));
  ASSERT_NO_FATAL_FAILURE(TakeBalanceLow(kHindiMeter));

  const std::string low_prefix = absl::StrCat("कम शेष ", meter, ": ₹");
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const FakeSms& sms : kannel_->Received()) {
          if (sms.to == phone && absl::StartsWith(sms.text, low_prefix)) return true;
        }
        return false;
      },
      "the Hindi low-balance SMS at the fake SMSC"));
  bool low_seen = false;
  for (const FakeSms& sms : kannel_->Received()) {
    if (sms.to != phone) continue;
    EXPECT_EQ(sms.from, "TSTPWR");
    // Devanagari goes as UCS-2, and it arrives as written.
    EXPECT_TRUE(sms.ucs2) << sms.text;
    low_seen = low_seen || absl::StartsWith(sms.text, low_prefix);
  }
  EXPECT_TRUE(low_seen);
  EXPECT_EQ(CountOf(phone, absl::StrCat("रिचार्ज ", meter, " ₹500.00")), 1);

  // Bearerbox sent it with the DLT ids as SMPP meta-data.
  bool tagged = false;
  for (absl::string_view line : absl::StrSplit(kannel_->AccessLog(), '\n')) {
    tagged =
        tagged || (absl::StrContains(line, "Sent SMS") &&
                   absl::StrContains(line, "[META:?smpp?PE_ID=PE-TEST-1&TEMPLATE_ID=HI-LOW]") &&
                   absl::StrContains(line, absl::StrCat("[to:", phone, "]")));
  }
  EXPECT_TRUE(tagged) << kannel_->AccessLog();

  // The fake SMSC reports each delivered: every SMS sent comes back so.
  ASSERT_TRUE(WaitUntil(
      [&] {
        const double sent = NotifierMetric("sms_sent_total");
        return sent >= 2 && NotifierMetric("sms_delivered_total") == sent;
      },
      "delivery reports for every SMS sent"));
  EXPECT_EQ(NotifierMetric("sms_failed_total"), 0);
  EXPECT_EQ(NotifierMetric("notifier_stream_connected"), 1);
}

TEST_F(NotifierE2eTest, KannelDownLosesNoSmsAndSendsEachOnceAcrossRestarts) {
  ASSERT_THAT(kannel_->Stop(), IsOk());
  std::vector<std::pair<std::string, std::string>> expected;  // phone, text
  for (int round = 1; round <= 3; ++round) {
    for (int m = 1; m < kMeters; ++m) {
      const int64_t amount = 10'000 * round + 100 * m;
      ASSERT_NO_FATAL_FAILURE(Recharge(m, amount, absl::StrCat("down-", round, "-", m)));
      expected.emplace_back(PhoneOf(m), absl::StrCat("Receipt ", topology_.meter_ids[m], " Rs ",
                                                     amount / 100, ".00"));
    }
  }
  // The notifier keeps trying while Kannel is away.
  ASSERT_TRUE(WaitUntil([&] { return NotifierMetric("sms_send_retries_total") >= 2; },
                        "sends refused while Kannel is down"));
  EXPECT_EQ(NotifierMetric("sms_sent_total"), 0);
  EXPECT_GT(NotifierMetric("sms_backlog_age_seconds"), 0);

  ASSERT_THAT(kannel_->Start(), IsOk()) << kannel_->Logs();
  const auto marker = [&](const std::string& id, int64_t amount) {
    Recharge(1, amount, id);
    const std::string text =
        absl::StrCat("Receipt ", topology_.meter_ids[1], " Rs ", amount / 100, ".00");
    return WaitUntil([&] { return CountOf(PhoneOf(1), text) >= 1; }, "the marker SMS");
  };
  ASSERT_TRUE(marker("marker-1", 77'700));
  for (const auto& [phone, text] : expected) EXPECT_EQ(CountOf(phone, text), 1) << text;

  // A restarted notifier sends nothing again.
  absl::StatusOr<int> stopped = notifier_->Terminate();
  ASSERT_THAT(stopped, IsOkAndHolds(0));
  ASSERT_NO_FATAL_FAILURE(StartNotifier());
  ASSERT_TRUE(marker("marker-2", 88'800));
  for (const auto& [phone, text] : expected) EXPECT_EQ(CountOf(phone, text), 1) << text;
  EXPECT_EQ(CountOf(PhoneOf(1), absl::StrCat("Receipt ", topology_.meter_ids[1], " Rs 777.00")), 1);
  EXPECT_EQ(kannel_->Received().size(), expected.size() + 2);
}

TEST_F(NotifierE2eTest, KannelStoppedForAMinuteLosesNoSmsAndIsNotFlooded) {
  constexpr absl::Duration kOutage = absl::Seconds(60);
  constexpr absl::Duration kRetryMax = absl::Seconds(4);
  ASSERT_THAT(notifier_->Terminate(), IsOkAndHolds(0));
  ASSERT_NO_FATAL_FAILURE(StartNotifier(absl::Milliseconds(200), kRetryMax));
  ASSERT_THAT(kannel_->Stop(), IsOk());
  const absl::Time stopped = absl::Now();

  // A receipt, then the notifier's next failed attempt, and again, until
  // Kannel has been away a minute: notifications keep coming all along.
  std::vector<std::pair<std::string, std::string>> expected;  // phone, text
  double retries = NotifierMetric("sms_send_retries_total");
  for (int round = 1; absl::Now() - stopped < kOutage; ++round) {
    const int m = 1 + round % (kMeters - 1);
    const int64_t amount = 100 * (100 + 10 * round + m);  // whole rupees
    ASSERT_NO_FATAL_FAILURE(Recharge(m, amount, absl::StrCat("minute-", round)));
    expected.emplace_back(
        PhoneOf(m), absl::StrCat("Receipt ", topology_.meter_ids[m], " Rs ", amount / 100, ".00"));
    ASSERT_TRUE(WaitUntil(
        [&] {
          const double now = NotifierMetric("sms_send_retries_total");
          if (now <= retries) return false;
          retries = now;
          return true;
        },
        "another attempt while Kannel is down"));
  }
  EXPECT_EQ(NotifierMetric("sms_sent_total"), 0);
  // The first receipt has waited the whole minute.
  EXPECT_GE(NotifierMetric("sms_backlog_age_seconds"),
            absl::ToDoubleSeconds(kOutage - absl::Seconds(5)));
  // Back-off: 200 ms doubling to 4 s is about 20 attempts in a minute; 60
  // would be one a second.
  EXPECT_LT(NotifierMetric("sms_send_retries_total"), 60);

  ASSERT_THAT(kannel_->Start(), IsOk()) << kannel_->Logs();
  Recharge(1, 99'900, "minute-marker");
  const std::string marker = absl::StrCat("Receipt ", topology_.meter_ids[1], " Rs 999.00");
  ASSERT_TRUE(WaitUntil([&] { return CountOf(PhoneOf(1), marker) == 1; }, "the marker SMS",
                        absl::Seconds(60)));
  for (const auto& [phone, text] : expected) EXPECT_EQ(CountOf(phone, text), 1) << text;
  EXPECT_EQ(kannel_->Received().size(), expected.size() + 1);
  EXPECT_TRUE(WaitUntil([&] { return NotifierMetric("sms_backlog_age_seconds") == 0; },
                        "the backlog emptied"));
}

}  // namespace
}  // namespace wallet::testing
