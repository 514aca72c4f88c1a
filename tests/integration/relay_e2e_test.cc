// The meter loop end to end, as real processes over real sockets: walletd
// (on a settable clock), meter-gatewayd and meter-sim. Credit runs out on a
// simulated meter drawing load, notices are served over three days, the cut
// waits for the morning, the relay opens and the energy stops; a recharge
// closes it within a second. A mode-1 meter is armed and closed by its
// button, an offline meter is retried until it answers, and a bypassed or
// forced meter raises a tamper alert.
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/meter_fleet.h"

namespace wallet::testing {
namespace {

namespace v1 = ::wallet::v1;
namespace sim = ::metersim::v1;

const absl::TimeZone kIst = absl::FixedTimeZone(5 * 3600 + 1800);

// The first Monday 10:00 IST at least a day after the real time, so that
// walletd's clock is always ahead of the meters' reading timestamps.
absl::Time NextMondayMorning() {
  absl::CivilDay day = absl::ToCivilDay(absl::Now() + absl::Hours(24), kIst);
  while (absl::GetWeekday(day) != absl::Weekday::monday) ++day;
  return absl::FromCivil(absl::CivilHour(day) + 10, kIst);
}

class RelayEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FleetOptions options;
    options.walletd = WALLETD_PATH;
    options.meter_sim = METER_SIM_PATH;
    options.gatewayd = METER_GATEWAYD_PATH;
    options.meters = 8;
    options.sim_args = {"--load_w=0"};
    options.gateway_args = {"--read_interval=1s", "--armed_poll_interval=300ms",
                            "--retry_initial=200ms", "--retry_max=1s", "--max_attempts=40",
                            "--connect_timeout=500ms", "--response_timeout=1s"};
    absl::StatusOr<std::unique_ptr<MeterFleet>> fleet = MeterFleet::Start(options);
    ASSERT_TRUE(fleet.ok()) << fleet.status();
    fleet_ = *std::move(fleet);
    // The stream counts as open before any command arrives (healthz).
    ASSERT_TRUE(MeterFleet::WaitFor(
        [&] {
          absl::StatusOr<double> up = fleet_->GatewayMetric("gateway_stream_connected");
          return up.ok() && *up == 1;
        },
        absl::Seconds(10)));
    monday_ = NextMondayMorning();
    ASSERT_TRUE(fleet_->SetClock(monday_).ok());
  }

  void TearDown() override {
    if (HasFailure() && fleet_ != nullptr) {
      fleet_->KeepLogs();
      ADD_FAILURE() << "logs in " << fleet_->dir() << " and " << fleet_->walletd().temp_dir();
    }
    if (fleet_ != nullptr) EXPECT_TRUE(fleet_->StopGateway().ok());
  }

  int SimState(const std::string& meter) {
    absl::StatusOr<sim::Meter> m = fleet_->SimMeter(meter);
    return m.ok() ? m->control_state() : -1;
  }
  int64_t SimRegister(const std::string& meter) {
    absl::StatusOr<sim::Meter> m = fleet_->SimMeter(meter);
    return m.ok() ? m->register_wh() : -1;
  }
  v1::RelayState WalletRelay(const std::string& meter) {
    absl::StatusOr<v1::MeterPolicyState> s = fleet_->WalletState(meter);
    return s.ok() ? s->relay() : v1::RELAY_UNKNOWN;
  }
  int NoticesSent(const std::string& meter) {
    absl::StatusOr<v1::MeterPolicyState> s = fleet_->WalletState(meter);
    return s.ok() ? s->notices_sent() : -1;
  }
  bool Logged(const std::string& kind, const std::string& meter) {
    const std::string log = fleet_->NotificationLog();
    for (absl::string_view line : absl::StrSplit(log, '\n')) {
      if (absl::StrContains(line, " " + kind + " ") &&
          absl::StrContains(line, "meter=" + meter + ":")) {
        return true;
      }
    }
    return false;
  }
  void Configure(const std::string& meter, const std::function<void(sim::ConfigureMeterRequest&)>& f) {
    sim::ConfigureMeterRequest r;
    r.set_meter_id(meter);
    f(r);
    ASSERT_TRUE(fleet_->Configure(r).ok());
  }
  // Cuts a meter with an admin hold and waits for the confirmed cut.
  void CutByHold(const std::string& meter) {
    ASSERT_TRUE(fleet_->Recharge(meter, 10'000).ok());
    ASSERT_TRUE(fleet_->SetHold(meter, v1::HOLD_KEEP_DISCONNECTED).ok());
    ASSERT_TRUE(MeterFleet::WaitFor([&] { return WalletRelay(meter) == v1::RELAY_DISCONNECTED; },
                                    absl::Seconds(10)));
    EXPECT_EQ(SimState(meter), 0);
  }

  std::unique_ptr<MeterFleet> fleet_;
  absl::Time monday_;
};

TEST_F(RelayEndToEndTest, CreditRunsOutNoticeCutThenRechargeRestoresWithinASecond) {
  const std::string m = fleet_->meter_id(0);
  // 36 kW at Rs 100/kWh: Rs 1 a second.
  Configure(m, [](auto& r) { r.set_load_w(36'000); });
  ASSERT_TRUE(fleet_->Recharge(m, 1'000).ok());  // Rs 10
  ASSERT_TRUE(MeterFleet::WaitFor([&] { return NoticesSent(m) == 1; }, absl::Seconds(40)))
      << "credit never ran out";
  EXPECT_TRUE(Logged("LOW_BALANCE", m));
  EXPECT_TRUE(Logged("NOTICE", m));

  ASSERT_TRUE(fleet_->SetClock(monday_ + absl::Hours(24) + absl::Minutes(5)).ok());
  ASSERT_TRUE(MeterFleet::WaitFor([&] { return NoticesSent(m) == 2; }, absl::Seconds(5)));
  ASSERT_TRUE(fleet_->SetClock(monday_ + absl::Hours(48) + absl::Minutes(5)).ok());
  ASSERT_TRUE(MeterFleet::WaitFor([&] { return NoticesSent(m) == 3; }, absl::Seconds(5)));
  EXPECT_EQ(SimState(m), 1) << "cut before the notice period ended";

  // Thursday 19:00: notice served, but evening: no cut.
  ASSERT_TRUE(fleet_->SetClock(monday_ + absl::Hours(72 + 9)).ok());
  absl::SleepFor(absl::Milliseconds(2500));
  EXPECT_EQ(SimState(m), 1) << "cut in the evening";
  // Friday 08:00: the first allowed moment.
  ASSERT_TRUE(fleet_->SetClock(monday_ + absl::Hours(96 - 2)).ok());
  ASSERT_TRUE(MeterFleet::WaitFor([&] { return SimState(m) == 0; }, absl::Seconds(10)));
  ASSERT_TRUE(MeterFleet::WaitFor([&] { return WalletRelay(m) == v1::RELAY_DISCONNECTED; },
                                  absl::Seconds(5)));
  absl::SleepFor(absl::Milliseconds(300));
  const int64_t stopped_at = SimRegister(m);
  absl::SleepFor(absl::Milliseconds(1500));
  EXPECT_EQ(SimRegister(m), stopped_at) << "energy flows through an open relay";
  ASSERT_TRUE(MeterFleet::WaitFor([&] { return Logged("DISCONNECTED", m); }, absl::Seconds(3)));

  const absl::Time paid = absl::Now();
  ASSERT_TRUE(fleet_->Recharge(m, 50'000).ok());  // Rs 500: arrears of use and the fee
  ASSERT_TRUE(MeterFleet::WaitFor([&] { return SimState(m) == 1; }, absl::Seconds(5)));
  EXPECT_LT(absl::Now() - paid, absl::Seconds(1)) << "restore took too long";
  ASSERT_TRUE(MeterFleet::WaitFor([&] { return WalletRelay(m) == v1::RELAY_CONNECTED; },
                                  absl::Seconds(5)));
  EXPECT_TRUE(MeterFleet::WaitFor([&] { return Logged("RECONNECTED", m); }, absl::Seconds(3)));
  EXPECT_TRUE(MeterFleet::WaitFor([&] { return SimRegister(m) > stopped_at; }, absl::Seconds(3)))
      << "energy does not flow again after the restore";
}

TEST_F(RelayEndToEndTest, ModeOneMeterIsArmedThenClosedByItsButton) {
  const std::string m = fleet_->meter_id(1);
  Configure(m, [](auto& r) { r.set_control_mode(1); });
  CutByHold(m);
  ASSERT_TRUE(fleet_->SetHold(m, v1::HOLD_NONE).ok());
  ASSERT_TRUE(MeterFleet::WaitFor([&] { return WalletRelay(m) == v1::RELAY_ARMED; },
                                  absl::Seconds(10)));
  EXPECT_EQ(SimState(m), 2);
  absl::StatusOr<double> armed = fleet_->GatewayMetric("gateway_relay_armed_total");
  ASSERT_TRUE(armed.ok()) << armed.status();
  EXPECT_GE(*armed, 1);

  sim::PressButtonRequest press;
  press.set_meter_id(m);
  sim::Meter after;
  grpc::ClientContext context;
  ASSERT_TRUE(fleet_->sim_control().PressButton(&context, press, &after).ok());
  EXPECT_EQ(after.control_state(), 1);
  EXPECT_TRUE(MeterFleet::WaitFor([&] { return WalletRelay(m) == v1::RELAY_CONNECTED; },
                                  absl::Seconds(5)));
}

TEST_F(RelayEndToEndTest, OfflineMeterIsRetriedUntilItAnswers) {
  const std::string m = fleet_->meter_id(2);
  ASSERT_TRUE(fleet_->Recharge(m, 10'000).ok());
  Configure(m, [](auto& r) { r.set_fault(sim::FAULT_OFFLINE); });
  ASSERT_TRUE(fleet_->SetHold(m, v1::HOLD_KEEP_DISCONNECTED).ok());
  ASSERT_TRUE(MeterFleet::WaitFor(
      [&] {
        absl::StatusOr<double> retries = fleet_->GatewayMetric("gateway_relay_retries_total");
        return retries.ok() && *retries >= 2;
      },
      absl::Seconds(10)));
  EXPECT_EQ(SimState(m), 1);
  Configure(m, [](auto& r) { r.set_fault(sim::FAULT_NONE); });
  ASSERT_TRUE(MeterFleet::WaitFor([&] { return SimState(m) == 0; }, absl::Seconds(10)));
  EXPECT_TRUE(MeterFleet::WaitFor([&] { return WalletRelay(m) == v1::RELAY_DISCONNECTED; },
                                  absl::Seconds(5)));
}

TEST_F(RelayEndToEndTest, BypassAndForcedReconnectionRaiseTamperAlerts) {
  const std::string bypassed = fleet_->meter_id(3);
  CutByHold(bypassed);
  Configure(bypassed, [](auto& r) {
    r.set_fault(sim::FAULT_BYPASS);
    r.set_load_w(2'000);
  });
  EXPECT_TRUE(MeterFleet::WaitFor([&] { return Logged("TAMPER_ALERT", bypassed); },
                                  absl::Seconds(10)));
  EXPECT_EQ(SimState(bypassed), 0);

  const std::string forced = fleet_->meter_id(4);
  CutByHold(forced);
  Configure(forced, [](auto& r) { r.set_control_state(1); });  // closed by hand
  EXPECT_TRUE(MeterFleet::WaitFor([&] { return Logged("TAMPER_ALERT", forced); },
                                  absl::Seconds(10)));
  EXPECT_EQ(WalletRelay(forced), v1::RELAY_CONNECTED);
}

}  // namespace
}  // namespace wallet::testing
