// The gateway's parts against real simulated meters (an in-process meter-sim
// over loopback DLMS) with a CT-operated meter among them, walletd faked at
// the connection layer and the gateway's clock fake: a relay command to the
// CT meter fails with NO_RELAY after one session and is never tried again,
// while its scheduled reads bill energy and report no relay.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "base/metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "meter-gateway/gateway/directory.h"
#include "meter-gateway/gateway/meter_link.h"
#include "meter-gateway/gateway/meter_session.h"
#include "meter-gateway/gateway/read_scheduler.h"
#include "meter-gateway/gateway/relay_commands.h"
#include "meter-gateway/sim/clock.h"
#include "meter-gateway/sim/simulator.h"
#include "tests/meter-gateway/gateway_fakes.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_monotonic_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wait.h"

namespace meter_gateway::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::wallet::testing::ExpectValue;
using ::wallet::testing::kGenerousDeadline;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);
constexpr char kCt[] = "SIM000002";      // CT-operated: no disconnect control
constexpr char kDirect[] = "SIM000001";  // whole-current, with a relay

class CtMeterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    meter_sim::SimulatorOptions options;
    options.fleet.meters = 3;
    options.fleet.ct_meter_ids = {kCt};
    options.dlms.port = 0;
    absl::StatusOr<std::unique_ptr<meter_sim::Simulator>> sim =
        meter_sim::Simulator::Start(options, &sim_clock_);
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
    absl::StatusOr<MeterDirectory> directory = ParseMeterDirectory(sim_->DirectoryCsv());
    ASSERT_TRUE(directory.ok()) << directory.status();
    directory_ = *directory;
    // The timeouts only bound a failure: every simulated meter here answers.
    dlms_.connect_timeout = kGenerousDeadline;
    dlms_.response_timeout = kGenerousDeadline;
    meters_ = MakeDlmsMeterLink(directory_, dlms_);

    RelayCommandOptions relay;
    relay.retry.initial_backoff = absl::Seconds(1);
    relay.retry.max_backoff = absl::Seconds(4);
    relay.retry.jitter = 0;
    relay.retry.max_attempts = 5;
    path_ = std::make_unique<RelayCommandPath>(relay, &wallet_, meters_.get(), &clock_, &work_,
                                               nullptr);
  }

  // RunDue runs every relay job due now; returns how many ran.
  int RunDue() {
    int ran = 0;
    while (std::optional<RelayJob> job = path_->TakeDue()) {
      path_->Run(*job);
      ++ran;
    }
    return ran;
  }

  metersim::v1::Meter SimMeter(const std::string& meter_id) {
    return ExpectValue(sim_->fleet().GetMeter(meter_id));
  }

  wallet::testing::FakeMonotonicClock sim_clock_;
  std::unique_ptr<meter_sim::Simulator> sim_;
  MeterDirectory directory_;
  dlms::ClientOptions dlms_;
  std::unique_ptr<MeterLink> meters_;
  FakeWalletConnection wallet_;
  wallet::testing::FakeClock clock_{kT0};
  WorkSignal work_;
  std::unique_ptr<RelayCommandPath> path_;
};

TEST_F(CtMeterTest, EitherRelayMethodIsNoRelayAndFinal) {
  for (v1::RelayAction action : {v1::DISCONNECT, v1::RECONNECT}) {
    const RelayAttempt attempt =
        ExecuteRelayCommand(directory_.at(kCt), Command(1, kCt, action), dlms_);
    EXPECT_EQ(attempt.outcome.result(), v1::RelayOutcome::FAILED) << action;
    EXPECT_EQ(attempt.outcome.failure(), v1::RelayOutcome::NO_RELAY) << action;
    EXPECT_EQ(attempt.outcome.reason(), "no disconnect control: CT-operated meter");
    EXPECT_EQ(attempt.outcome.state(), v1::RELAY_UNKNOWN);
    EXPECT_EQ(attempt.outcome.command_id(), "cmd-1");
    EXPECT_TRUE(attempt.outcome.has_observe_time());
    EXPECT_FALSE(attempt.retryable) << action;
  }
  const RelayAttempt direct =
      ExecuteRelayCommand(directory_.at(kDirect), Command(2, kDirect, v1::DISCONNECT), dlms_);
  EXPECT_EQ(direct.outcome.result(), v1::RelayOutcome::CONFIRMED);
  EXPECT_EQ(direct.outcome.failure(), v1::RelayOutcome::FAILURE_UNSPECIFIED);
  EXPECT_EQ(SimMeter(kCt).relay_operations(), 0u);
  EXPECT_EQ(SimMeter(kDirect).relay_operations(), 1u);
}

TEST_F(CtMeterTest, ADisconnectIsReportedOnceAsNoRelayAndNeverRetried) {
  base::Metrics metrics;
  path_->RegisterMetrics(&metrics);
  path_->OnCommand(Command(1, kCt, v1::DISCONNECT));
  path_->OnCommand(Command(2, kDirect, v1::DISCONNECT));
  EXPECT_EQ(RunDue(), 2);

  const std::vector<v1::RelayOutcome> reports = wallet_.reports();
  ASSERT_THAT(reports, SizeIs(2));
  const v1::RelayOutcome& ct = reports[0].meter_id() == kCt ? reports[0] : reports[1];
  const v1::RelayOutcome& direct = reports[0].meter_id() == kCt ? reports[1] : reports[0];
  EXPECT_EQ(ct.command_id(), "cmd-1");
  EXPECT_EQ(ct.result(), v1::RelayOutcome::FAILED);
  EXPECT_EQ(ct.failure(), v1::RelayOutcome::NO_RELAY);
  EXPECT_EQ(ct.reason(), "no disconnect control: CT-operated meter");
  EXPECT_EQ(direct.result(), v1::RelayOutcome::CONFIRMED);

  // Final at once: nothing waits for a retry, both are acknowledged, and
  // however far the clock moves past every back-off nothing runs again.
  EXPECT_EQ(path_->NextDue(), std::nullopt);
  EXPECT_EQ(path_->waiting(), 0u);
  EXPECT_EQ(path_->Acked(), 2u);
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(RunDue(), 0);
  EXPECT_THAT(wallet_.reports(), SizeIs(2));
  EXPECT_EQ(path_->stats().attempts, 2u);
  EXPECT_EQ(path_->stats().retries, 0u);
  EXPECT_EQ(path_->stats().failed, 1u);
  EXPECT_EQ(path_->stats().failed_by[v1::RelayOutcome::NO_RELAY], 1u);
  // One association with the CT meter, and its supply untouched.
  const metersim::v1::Meter meter = SimMeter(kCt);
  EXPECT_EQ(meter.sessions(), 1u);
  EXPECT_EQ(meter.relay_operations(), 0u);
  EXPECT_TRUE(meter.output_state());

  const std::string text = metrics.Render();
  EXPECT_THAT(text, HasSubstr("gateway_relay_failed_total{failure=\"no_relay\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("gateway_relay_failed_total{failure=\"no_answer\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("gateway_relay_confirmed_total 1\n"));
}

TEST_F(CtMeterTest, ScheduledReadsBillTheEnergyAndObserveNoRelay) {
  absl::StatusOr<MeterRead> read = ReadMeter(directory_.at(kCt), dlms_);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_FALSE(read->has_relay);

  FakeMeterSessions sessions;
  FakeReadingSink sink;
  ReadSchedulerOptions options;
  options.read_interval = absl::Minutes(15);
  ReadScheduler reads(options, {kDirect, kCt}, &sessions, meters_.get(), &sink, &wallet_,
                      &clock_, &work_);
  sim_clock_.Advance(absl::Hours(1));  // 1000 W on every meter: 1000 Wh
  clock_.Advance(options.read_interval);
  std::vector<std::string> read_meters;
  while (std::optional<std::string> meter = reads.TakeDue()) {
    reads.Run(*meter);
    read_meters.push_back(*meter);
  }
  ASSERT_THAT(read_meters, SizeIs(2));
  std::vector<std::string> billed;
  for (const v1::Reading& reading : sink.readings()) {
    billed.push_back(absl::StrCat(reading.meter_id(), " ", reading.register_wh()));
  }
  EXPECT_THAT(billed, ::testing::UnorderedElementsAre(absl::StrCat(kDirect, " 1000"),
                                                      absl::StrCat(kCt, " 1000")));
  // The meter with a relay is observed connected on its first read; the CT
  // meter has nothing to observe.
  std::vector<std::string> observed;
  for (const v1::RelayOutcome& report : wallet_.reports()) {
    observed.push_back(report.meter_id());
  }
  EXPECT_THAT(observed, ElementsAre(kDirect));
  EXPECT_EQ(reads.stats().reads_ok, 2u);
  EXPECT_EQ(reads.stats().observations, 1u);
}

}  // namespace
}  // namespace meter_gateway::testing
