// The meter loop end to end, as real processes over real sockets: walletd
// (on a settable clock), meter-gatewayd and meter-sim. Credit runs out on a
// simulated meter drawing load, notices are served over three days, the cut
// waits for the morning, the relay opens and the energy stops; a recharge
// closes it again (how fast is relay_bench's figure, not this test's). A
// mode-1 meter is armed and closed by its button, an offline meter is retried
// until it answers, and a bypassed or forced meter raises a tamper alert. A
// CT-operated meter (no disconnect control) cannot be cut: the gateway
// reports the cut FAILED with NO_RELAY after one attempt, walletd does not
// order it again, and its energy is billed all the same.
//
// Every wait is for a condition with a generous deadline: the processes share
// a busy machine. SetClock answers after walletd's scheduler has run at the
// new time, so the policy's decision at that time can be read back at once.
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/meter_fleet.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wait.h"

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
    // The eighth meter is CT-operated.
    options.sim_args = {"--load_w=0", "--ct_every=8"};
    // Every simulated meter here answers, or (offline) hangs up, at once: the
    // DLMS timeouts only bound a failure, so a busy machine does not turn a
    // slow answer into a retry.
    options.gateway_args = {"--read_interval=1s", "--armed_poll_interval=300ms",
                            "--retry_initial=200ms", "--retry_max=1s", "--max_attempts=40",
                            "--connect_timeout=10s", "--response_timeout=10s"};
    absl::StatusOr<std::unique_ptr<MeterFleet>> fleet = MeterFleet::Start(options);
    ASSERT_THAT(fleet, IsOk());
    fleet_ = *std::move(fleet);
    // The stream counts as open before any command arrives (healthz).
    ASSERT_TRUE(WaitUntil(
        [&] {
          absl::StatusOr<double> up = fleet_->GatewayMetric("gateway_stream_connected");
          return up.ok() && *up == 1;
        },
        "the gateway's relay command stream"));
    monday_ = NextMondayMorning();
    ASSERT_THAT(fleet_->SetClock(monday_), IsOk());
  }

  void TearDown() override {
    if (HasFailure() && fleet_ != nullptr) {
      fleet_->KeepLogs();
      ADD_FAILURE() << "logs in " << fleet_->dir() << " and " << fleet_->walletd().temp_dir();
    }
    if (fleet_ != nullptr) {
      EXPECT_THAT(fleet_->StopGateway(), IsOk());
    }
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
  // CutOrdered: whether walletd's policy has ordered the meter's relay open.
  bool CutOrdered(const std::string& meter) {
    absl::StatusOr<v1::MeterPolicyState> s = fleet_->WalletState(meter);
    EXPECT_THAT(s, IsOk());
    return s.ok() && s->last_action() == v1::DISCONNECT;
  }
  // GatewayLogLines: meter-gatewayd's log lines that contain every one of
  // `parts`.
  int GatewayLogLines(const std::vector<std::string>& parts) {
    std::ifstream in(fleet_->dir() + "/meter-gatewayd.log");
    int count = 0;
    for (std::string line; std::getline(in, line);) {
      bool all = true;
      for (const std::string& part : parts) all = all && absl::StrContains(line, part);
      if (all) ++count;
    }
    return count;
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
    ASSERT_THAT(fleet_->Configure(r), IsOk());
  }
  // Cuts a meter with an admin hold and waits for the confirmed cut.
  void CutByHold(const std::string& meter) {
    ASSERT_THAT(fleet_->Recharge(meter, 10'000), IsOk());
    ASSERT_THAT(fleet_->SetHold(meter, v1::HOLD_KEEP_DISCONNECTED), IsOk());
    ASSERT_TRUE(WaitUntil([&] { return WalletRelay(meter) == v1::RELAY_DISCONNECTED; },
                          "the hold's cut confirmed"));
    EXPECT_EQ(SimState(meter), 0);
  }

  std::unique_ptr<MeterFleet> fleet_;
  absl::Time monday_;
};

TEST_F(RelayEndToEndTest, CreditRunsOutNoticeCutThenRechargeRestores) {
  const std::string m = fleet_->meter_id(0);
  // A meter with credit to spare: it shows below that energy flows while m's
  // relay is open. (Without credit it would be cut with m on Friday.)
  const std::string control = fleet_->meter_id(5);
  ASSERT_THAT(fleet_->Recharge(control, 100'000), IsOk());  // Rs 1,000
  // 36 kW at Rs 100/kWh: Rs 1 a second.
  Configure(m, [](auto& r) { r.set_load_w(36'000); });
  ASSERT_THAT(fleet_->Recharge(m, 1'000), IsOk());  // Rs 10
  ASSERT_TRUE(WaitUntil([&] { return NoticesSent(m) == 1; }, "credit to run out (notice 1)",
                        absl::Seconds(90)));
  EXPECT_TRUE(Logged("LOW_BALANCE", m));
  EXPECT_TRUE(Logged("NOTICE", m));

  // SetClock answers after the scheduler's pass at the new time: each day's
  // notice is there at once.
  ASSERT_THAT(fleet_->SetClock(monday_ + absl::Hours(24) + absl::Minutes(5)), IsOk());
  EXPECT_EQ(NoticesSent(m), 2) << "SetClock answered before the scheduler ran at the new time";
  ASSERT_THAT(fleet_->SetClock(monday_ + absl::Hours(48) + absl::Minutes(5)), IsOk());
  EXPECT_EQ(NoticesSent(m), 3);
  EXPECT_FALSE(CutOrdered(m)) << "cut ordered before the notice period ended";
  EXPECT_EQ(SimState(m), 1) << "cut before the notice period ended";

  // Thursday 19:00: notice served, but evening: the scheduler's pass at
  // 19:00 leaves the relay alone.
  ASSERT_THAT(fleet_->SetClock(monday_ + absl::Hours(72 + 9)), IsOk());
  EXPECT_FALSE(CutOrdered(m)) << "cut ordered in the evening";
  EXPECT_EQ(SimState(m), 1) << "cut in the evening";
  // Friday 08:00: the first allowed moment.
  ASSERT_THAT(fleet_->SetClock(monday_ + absl::Hours(96 - 2)), IsOk());
  EXPECT_TRUE(CutOrdered(m)) << "no cut ordered on Friday morning";
  ASSERT_TRUE(WaitUntil([&] { return SimState(m) == 0; }, "the relay to open"));
  ASSERT_TRUE(WaitUntil([&] { return WalletRelay(m) == v1::RELAY_DISCONNECTED; },
                        "walletd to record the cut"));
  // The energy stops: while the control meter, with the same load and a
  // closed relay, draws 20 Wh more, the cut meter's register does not move.
  Configure(control, [](auto& r) { r.set_load_w(36'000); });
  const int64_t stopped_at = SimRegister(m);
  const int64_t control_from = SimRegister(control);
  ASSERT_TRUE(WaitUntil([&] { return SimRegister(control) >= control_from + 20; },
                        "20 Wh through the control meter"));
  EXPECT_EQ(SimRegister(m), stopped_at) << "energy flows through an open relay";
  ASSERT_TRUE(WaitUntil([&] { return Logged("DISCONNECTED", m); }, "the DISCONNECTED SMS"));

  ASSERT_THAT(fleet_->Recharge(m, 50'000), IsOk());  // Rs 500: arrears of use and the fee
  ASSERT_TRUE(WaitUntil([&] { return SimState(m) == 1; }, "the relay to close after the recharge"));
  ASSERT_TRUE(WaitUntil([&] { return WalletRelay(m) == v1::RELAY_CONNECTED; },
                        "walletd to record the restore"));
  EXPECT_TRUE(WaitUntil([&] { return Logged("RECONNECTED", m); }, "the RECONNECTED SMS"));
  EXPECT_TRUE(WaitUntil([&] { return SimRegister(m) > stopped_at; },
                        "energy to flow again after the restore"));
}

TEST_F(RelayEndToEndTest, ModeOneMeterIsArmedThenClosedByItsButton) {
  const std::string m = fleet_->meter_id(1);
  Configure(m, [](auto& r) { r.set_control_mode(1); });
  CutByHold(m);
  ASSERT_THAT(fleet_->SetHold(m, v1::HOLD_NONE), IsOk());
  ASSERT_TRUE(WaitUntil([&] { return WalletRelay(m) == v1::RELAY_ARMED; }, "the relay armed"));
  EXPECT_EQ(SimState(m), 2);
  absl::StatusOr<double> armed = fleet_->GatewayMetric("gateway_relay_armed_total");
  ASSERT_THAT(armed, IsOk());
  EXPECT_GE(*armed, 1);

  sim::PressButtonRequest press;
  press.set_meter_id(m);
  sim::Meter after;
  grpc::ClientContext context;
  ASSERT_THAT(fleet_->sim_control().PressButton(&context, press, &after), IsOk());
  EXPECT_EQ(after.control_state(), 1);
  EXPECT_TRUE(WaitUntil([&] { return WalletRelay(m) == v1::RELAY_CONNECTED; },
                        "walletd to see the button's reconnection"));
}

TEST_F(RelayEndToEndTest, OfflineMeterIsRetriedUntilItAnswers) {
  const std::string m = fleet_->meter_id(2);
  ASSERT_THAT(fleet_->Recharge(m, 10'000), IsOk());
  Configure(m, [](auto& r) { r.set_fault(sim::FAULT_OFFLINE); });
  ASSERT_THAT(fleet_->SetHold(m, v1::HOLD_KEEP_DISCONNECTED), IsOk());
  ASSERT_TRUE(WaitUntil(
      [&] {
        absl::StatusOr<double> retries = fleet_->GatewayMetric("gateway_relay_retries_total");
        return retries.ok() && *retries >= 2;
      },
      "two retries of the offline meter"));
  EXPECT_EQ(SimState(m), 1);
  Configure(m, [](auto& r) { r.set_fault(sim::FAULT_NONE); });
  ASSERT_TRUE(WaitUntil([&] { return SimState(m) == 0; }, "the relay to open once online"));
  EXPECT_TRUE(WaitUntil([&] { return WalletRelay(m) == v1::RELAY_DISCONNECTED; },
                        "walletd to record the cut"));
}

TEST_F(RelayEndToEndTest, BypassAndForcedReconnectionRaiseTamperAlerts) {
  const std::string bypassed = fleet_->meter_id(3);
  CutByHold(bypassed);
  Configure(bypassed, [](auto& r) {
    r.set_fault(sim::FAULT_BYPASS);
    r.set_load_w(2'000);
  });
  EXPECT_TRUE(WaitUntil([&] { return Logged("TAMPER_ALERT", bypassed); },
                        "the bypassed meter's tamper alert"));
  EXPECT_EQ(SimState(bypassed), 0);

  const std::string forced = fleet_->meter_id(4);
  CutByHold(forced);
  Configure(forced, [](auto& r) { r.set_control_state(1); });  // closed by hand
  EXPECT_TRUE(WaitUntil([&] { return Logged("TAMPER_ALERT", forced); },
                        "the forced meter's tamper alert"));
  EXPECT_EQ(WalletRelay(forced), v1::RELAY_CONNECTED);
}

TEST_F(RelayEndToEndTest, CtMeterCutFailsWithNoRelayOnceWhileItsEnergyIsBilled) {
  const std::string ct = fleet_->meter_id(7);
  absl::StatusOr<sim::Meter> simulated = fleet_->SimMeter(ct);
  ASSERT_TRUE(simulated.ok()) << simulated.status();
  ASSERT_FALSE(simulated->has_relay()) << "meter-sim --ct_every=8 made no CT meter";
  ASSERT_TRUE(fleet_->Recharge(ct, 100'000).ok());  // Rs 1,000
  // 3.6 kW at Rs 100/kWh: 1 Wh and 10 paise a second.
  Configure(ct, [](auto& r) { r.set_load_w(3'600); });
  auto balance = [&] {
    absl::StatusOr<v1::MeterPolicyState> s = fleet_->WalletState(ct);
    return s.ok() ? s->balance_paise() : -1;
  };
  ASSERT_TRUE(WaitUntil([&] { return balance() > 0 && balance() < 100'000; },
                        "the CT meter's energy read and billed"));

  ASSERT_TRUE(fleet_->SetHold(ct, v1::HOLD_KEEP_DISCONNECTED).ok());
  // walletd records the command as failed for good: no command pending, and
  // none to be ordered again (no retry can switch a meter without a relay).
  ASSERT_TRUE(WaitUntil(
      [&] {
        absl::StatusOr<v1::MeterPolicyState> s = fleet_->WalletState(ct);
        return s.ok() && s->last_action() == v1::DISCONNECT &&
               s->pending_action() == v1::RELAY_ACTION_UNSPECIFIED;
      },
      "walletd to record the failed cut"));
  absl::StatusOr<v1::MeterPolicyState> failed = fleet_->WalletState(ct);
  ASSERT_THAT(failed, IsOk());
  EXPECT_FALSE(failed->has_relay_retry_time()) << "a cut the meter cannot make is to be retried";
  EXPECT_TRUE(failed->no_relay()) << "the operator sees why";
  EXPECT_NE(WalletRelay(ct), v1::RELAY_DISCONNECTED);
  absl::StatusOr<double> no_relay =
      fleet_->GatewayMetric("gateway_relay_failed_total{failure=\"no_relay\"}");
  ASSERT_TRUE(no_relay.ok()) << no_relay.status();
  EXPECT_EQ(*no_relay, 1);
  absl::StatusOr<double> retries = fleet_->GatewayMetric("gateway_relay_retries_total");
  ASSERT_TRUE(retries.ok()) << retries.status();
  EXPECT_EQ(*retries, 0) << "a cut the meter cannot make was retried";
  EXPECT_EQ(GatewayLogLines({ct, "FAILED (NO_RELAY)", "no disconnect control: CT-operated meter"}),
            1);
  EXPECT_EQ(SimState(ct), 1);
  simulated = fleet_->SimMeter(ct);
  ASSERT_TRUE(simulated.ok());
  EXPECT_EQ(simulated->relay_operations(), 0u);

  // The supply stays on and is billed as before.
  const int64_t after_cut = balance();
  EXPECT_TRUE(WaitUntil([&] { return balance() >= 0 && balance() < after_cut; },
                        "energy billed after the failed cut"));
}

}  // namespace
}  // namespace wallet::testing
