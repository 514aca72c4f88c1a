// The prepaid policy end to end inside the wallet, on a fake clock: readings
// rated and debited, alerts, notice days, the no-cutoff calendar, grace,
// admin holds, restore with the reconnection fee, and arrears recovery.
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wallet_harness.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

using ::wallet::testing::ExpectValue;
using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;
using Kind = v1::Notification::Kind;
using testing::MeterRequest;
using testing::Wait;
using testing::WalletHarness;

const absl::TimeZone kIst = absl::FixedTimeZone(19800);

absl::Time Ist(int day, int hour, int minute = 0) {
  return absl::FromCivil(absl::CivilSecond(2026, 11, day, hour, minute, 0), kIst);
}

// "T1": 500 paise per kWh and, if given, a fixed charge per kW a day.
v1::TariffBook FlatTariff(int64_t fixed_paise_per_kw_day = 0) {
  v1::TariffBook book = testing::FlatTariffBook("T1");
  book.mutable_tariffs(0)->set_fixed_paise_per_kw_day(fixed_paise_per_kw_day);
  return book;
}

v1::PolicyConfig Policy(int grace_days = 0) {
  v1::PolicyConfig config;
  config.set_utility("test discom");
  v1::Calendar* calendar = config.mutable_calendar();
  calendar->set_no_cutoff_start_minute(18 * 60);
  calendar->set_no_cutoff_end_minute(8 * 60);
  calendar->set_no_cutoff_sundays(true);
  calendar->add_holidays("2026-11-07");  // a Saturday
  v1::CategoryPolicy* p = config.mutable_defaults();
  p->add_alert_percent_bps(3000);
  p->add_alert_percent_bps(1000);
  p->add_alert_percent_bps(0);
  p->set_notice_days(3);
  p->set_reconnection_fee_paise(35'000);
  p->set_arrears_share_bps(2000);
  p->set_arrears_cap_paise(100'000);
  p->set_grace_days(grace_days);
  return config;
}

LedgerOptions Options(int grace_days = 0, int64_t fixed = 0, int32_t duty_bps = 0) {
  LedgerOptions options;
  options.tariffs = FlatTariff(fixed);
  options.tariffs.mutable_tariffs(0)->set_duty_bps(duty_bps);
  options.policy = Policy(grace_days);
  return options;
}

class PolicyTest : public ::testing::Test {
 protected:
  explicit PolicyTest(LedgerOptions options = Options()) : h_(std::move(options)) {}

  void SetUp() override {
    h_.clock().Set(Ist(2, 10));  // Monday 2 November 2026, 10:00 IST
    ASSERT_THAT(h_.CreateRetailer("R1", 0), IsOk());
    ASSERT_THAT(h_.TopUp("top", "R1", 10'000'000), IsOk());
  }

  void Register(const std::string& meter, int64_t arrears = 0) {
    auto req = MeterRequest(meter, "C-" + meter, arrears);
    req.mutable_meter()->set_tariff_id("T1");
    req.mutable_meter()->set_sanctioned_load_w(10'000);
    ASSERT_THAT(h_.Register(req), IsOk());
  }

  absl::StatusOr<v1::IngestReadingsResponse> Ingest(std::vector<v1::Reading> readings) {
    return h_.Ingest(absl::StrCat("b", ++batches_), readings);
  }

  v1::ReadingResult Read(const std::string& meter, int64_t register_wh, absl::Time at,
                         v1::Reading::Kind kind = v1::Reading::NORMAL) {
    // A reading arrives after it is taken.
    if (h_.clock().Now() < at) h_.clock().Set(at);
    v1::Reading r = testing::ReadingAt(meter, register_wh, at);
    r.set_kind(kind);
    auto response = Ingest({r});
    EXPECT_THAT(response, IsOk());
    return response.ok() ? response->results(0) : v1::ReadingResult();
  }

  // New notifications and relay commands since the last call.
  std::vector<v1::Notification> NewNotifications() { return outbox_.NewNotifications(h_.wallet()); }
  std::vector<v1::RelayCommand> NewCommands() { return outbox_.NewCommands(h_.wallet()); }
  static std::vector<Kind> Kinds(const std::vector<v1::Notification>& ns) {
    std::vector<Kind> kinds;
    for (const auto& n : ns) kinds.push_back(n.kind());
    return kinds;
  }

  void TickAt(absl::Time t) {
    h_.clock().Set(t);
    ASSERT_THAT(h_.wallet().Tick(), IsOk());
  }

  absl::StatusOr<v1::ReportRelayOutcomeResponse> Report(
      const v1::RelayCommand& command, v1::RelayOutcome::Result result, v1::RelayState state,
      v1::RelayOutcome::Failure failure = v1::RelayOutcome::FAILURE_UNSPECIFIED) {
    v1::RelayOutcome outcome = testing::OutcomeOf(command, result, failure);
    outcome.set_state(state);
    return h_.ReportOutcome(outcome);
  }

  absl::StatusOr<v1::SetHoldResponse> Hold(const std::string& meter, v1::Hold hold) {
    v1::SetHoldRequest req;
    req.set_request_id(absl::StrCat("hold-", ++batches_));
    req.set_meter_id(meter);
    req.set_hold(hold);
    req.set_reason("test");
    return Wait<v1::SetHoldResponse>([&](auto done) { h_.wallet().SetHold(req, done); });
  }

  // Takes a fresh meter with Rs 1,000 of credit down to exactly zero.
  void Exhaust(const std::string& meter, absl::Time at) {
    Register(meter);
    ASSERT_THAT(h_.Recharge("R1", "first-" + meter, meter, 100'000), IsOk());
    h_.clock().Set(at);
    Read(meter, 0, at - absl::Hours(20));
    ASSERT_EQ(Read(meter, 200'000, at).outcome(), v1::ReadingResult::DEBITED);  // 200 kWh
    ASSERT_EQ(h_.MeterBalance(meter), 0);
    NewNotifications();
    NewCommands();
  }

  WalletHarness h_;
  int batches_ = 0;
  testing::OutboxCursor outbox_;
};

TEST_F(PolicyTest, OneMeterFromRechargeThroughCutoffToRestore) {
  Register("M1");
  ASSERT_THAT(h_.Recharge("R1", "r1", "M1", 100'000), IsOk());  // Rs 1,000
  EXPECT_THAT(Kinds(NewNotifications()), ::testing::ElementsAre(v1::Notification::RECHARGE_RECEIPT));

  h_.clock().Set(Ist(2, 19));  // Monday evening
  EXPECT_EQ(Read("M1", 1'000'000, Ist(2, 0)).outcome(), v1::ReadingResult::RESET);
  // 140 kWh x Rs 5 = Rs 700: balance Rs 300 = 30 % of the last recharge.
  auto r1 = Read("M1", 1'140'000, Ist(2, 10));
  EXPECT_EQ(r1.outcome(), v1::ReadingResult::DEBITED);
  EXPECT_EQ(r1.charged_paise(), 70'000);
  EXPECT_EQ(r1.balance_paise(), 30'000);
  auto alerts = NewNotifications();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind(), v1::Notification::LOW_BALANCE);
  EXPECT_EQ(alerts[0].amount_paise(), 30'000);
  EXPECT_EQ(alerts[0].phone(), "+919800000001");
  // 40 kWh more: Rs 100 left = 10 %; 20 kWh more: Rs 0 = 0 %, credit exhausted.
  Read("M1", 1'180'000, Ist(2, 13));
  EXPECT_THAT(Kinds(NewNotifications()), ::testing::ElementsAre(v1::Notification::LOW_BALANCE));
  Read("M1", 1'200'000, Ist(2, 15));
  auto exhausted = NewNotifications();
  EXPECT_THAT(Kinds(exhausted),
              ::testing::ElementsAre(v1::Notification::LOW_BALANCE, v1::Notification::NOTICE));
  EXPECT_EQ(exhausted[1].notice_day(), 1);
  EXPECT_TRUE(NewCommands().empty());

  // A duplicate reading changes nothing.
  EXPECT_EQ(Read("M1", 1'200'000, Ist(2, 15)).outcome(), v1::ReadingResult::DUPLICATE);

  TickAt(Ist(3, 18, 59));  // not yet a full day
  EXPECT_TRUE(NewNotifications().empty());
  TickAt(Ist(3, 19));
  auto day2 = NewNotifications();
  ASSERT_EQ(day2.size(), 1u);
  EXPECT_EQ(day2[0].notice_day(), 2);
  TickAt(Ist(4, 19));
  auto day3 = NewNotifications();
  ASSERT_EQ(day3.size(), 1u);
  EXPECT_EQ(day3[0].notice_day(), 3);
  EXPECT_TRUE(NewCommands().empty());

  // Thursday 19:00: notice served, but evening: no cut. Nor at night, even
  // when a reading makes the policy look at the meter again.
  TickAt(Ist(5, 19));
  h_.clock().Set(Ist(5, 21));
  EXPECT_EQ(Read("M1", 1'201'000, Ist(5, 20)).outcome(), v1::ReadingResult::DEBITED);
  TickAt(Ist(6, 7, 59));
  EXPECT_TRUE(NewCommands().empty());
  // Friday 08:00: the first allowed moment.
  TickAt(Ist(6, 8));
  auto cut = NewCommands();
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_EQ(cut[0].action(), v1::DISCONNECT);
  EXPECT_EQ(cut[0].meter_id(), "M1");
  // Never a second identical command while one is pending.
  TickAt(Ist(6, 9));
  EXPECT_TRUE(NewCommands().empty());

  auto confirmed = Report(cut[0], v1::RelayOutcome::CONFIRMED, v1::RELAY_DISCONNECTED);
  ASSERT_THAT(confirmed, IsOk());
  EXPECT_EQ(confirmed->state(), v1::RELAY_DISCONNECTED);
  EXPECT_THAT(Kinds(NewNotifications()), ::testing::ElementsAre(v1::Notification::DISCONNECTED));

  // Rs 300 does not cover the Rs 350 reconnection fee: stays cut.
  // (The balance was -Rs 5 after Thursday's 1 kWh.)
  ASSERT_THAT(h_.Recharge("R1", "r2", "M1", 30'000), IsOk());
  EXPECT_TRUE(NewCommands().empty());
  // Rs 500 more: fee charged, reconnect ordered at once (even in the evening).
  h_.clock().Set(Ist(6, 21));
  ASSERT_THAT(h_.Recharge("R1", "r3", "M1", 50'000), IsOk());
  auto restore = NewCommands();
  ASSERT_EQ(restore.size(), 1u);
  EXPECT_EQ(restore[0].action(), v1::RECONNECT);
  EXPECT_EQ(h_.MeterBalance("M1"), -500 + 30'000 + 50'000 - 35'000);
  auto fees = h_.Journal("system:fees");
  ASSERT_THAT(fees, IsOk());
  ASSERT_EQ(fees->entries_size(), 1);
  EXPECT_EQ(fees->entries(0).transfer().type(), v1::RECONNECTION_FEE);
  EXPECT_EQ(fees->entries(0).transfer().amount_paise(), 35'000);
  ASSERT_THAT(Report(restore[0], v1::RelayOutcome::CONFIRMED, v1::RELAY_CONNECTED), IsOk());
  auto state = h_.wallet().GetMeterState("M1");
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ(state->relay(), v1::RELAY_CONNECTED);
  EXPECT_FALSE(state->has_exhaust_time());
  h_.ExpectLedgerBalanced();
}

TEST_F(PolicyTest, HolidaysAndSundaysDelayTheCut) {
  Exhaust("M2", Ist(4, 10));  // Wednesday 10:00
  TickAt(Ist(5, 10));
  TickAt(Ist(6, 10));
  TickAt(Ist(7, 10));  // eligible on Saturday 10:00, a declared holiday
  TickAt(Ist(8, 12));  // Sunday
  EXPECT_TRUE(NewCommands().empty());
  TickAt(Ist(9, 8));  // Monday 08:00
  auto cut = NewCommands();
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_EQ(cut[0].action(), v1::DISCONNECT);
}

TEST_F(PolicyTest, RechargeDuringNoticeCancelsIt) {
  Exhaust("M3", Ist(2, 10));
  TickAt(Ist(3, 10));
  ASSERT_THAT(h_.Recharge("R1", "save", "M3", 20'000), IsOk());
  TickAt(Ist(5, 10));
  TickAt(Ist(6, 10));
  EXPECT_TRUE(NewCommands().empty());
  auto state = h_.wallet().GetMeterState("M3");
  ASSERT_THAT(state, IsOk());
  EXPECT_FALSE(state->has_exhaust_time());
}

TEST_F(PolicyTest, AdminHoldsOverrideThePolicy) {
  Exhaust("M4", Ist(2, 10));
  ASSERT_THAT(Hold("M4", v1::HOLD_NEVER_DISCONNECT), IsOk());
  for (int day = 3; day <= 10; ++day) TickAt(Ist(day, 10));
  EXPECT_TRUE(NewCommands().empty());

  // Lifting the hold long after credit ran out restarts the notice period.
  ASSERT_THAT(Hold("M4", v1::HOLD_NONE), IsOk());
  auto restarted = NewNotifications();
  ASSERT_EQ(restarted.size(), 1u);
  EXPECT_EQ(restarted[0].notice_day(), 1);
  EXPECT_TRUE(NewCommands().empty());

  Register("M5");
  ASSERT_THAT(h_.Recharge("R1", "m5", "M5", 100'000), IsOk());
  ASSERT_THAT(Hold("M5", v1::HOLD_KEEP_DISCONNECTED), IsOk());
  auto cut = NewCommands();
  ASSERT_EQ(cut.size(), 1u);  // at once, whatever the balance
  EXPECT_EQ(cut[0].action(), v1::DISCONNECT);
  NewNotifications();
  // The meter was unreachable: the relay stays closed, and that is no tamper.
  ASSERT_THAT(Report(cut[0], v1::RelayOutcome::OFFLINE, v1::RELAY_CONNECTED), IsOk());
  EXPECT_TRUE(NewNotifications().empty());
  TickAt(h_.clock().Now() + absl::Minutes(16));  // ordered again 15 minutes later
  cut = NewCommands();
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_EQ(cut[0].action(), v1::DISCONNECT);
  ASSERT_THAT(Report(cut[0], v1::RelayOutcome::CONFIRMED, v1::RELAY_DISCONNECTED), IsOk());
  ASSERT_THAT(h_.Recharge("R1", "m5b", "M5", 100'000), IsOk());
  EXPECT_TRUE(NewCommands().empty());  // a recharge does not lift the hold
  ASSERT_THAT(Hold("M5", v1::HOLD_NONE), IsOk());
  auto back = NewCommands();
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].action(), v1::RECONNECT);
  EXPECT_EQ(h_.MeterBalance("M5"), 200'000);  // no reconnection fee for a hold's cut
  auto told = NewNotifications();
  ASSERT_FALSE(told.empty());
  EXPECT_THAT(told.back().text(), ::testing::Not(::testing::HasSubstr("non-payment")));
}

// SetHold and GetMeterState answer with the policy's view of the meter (its
// readings, notice and relay), times as timestamps, and nothing internal.
TEST_F(PolicyTest, SetHoldAndGetMeterStateShowThePolicyState) {
  Register("M9");
  ASSERT_THAT(h_.Recharge("R1", "m9", "M9", 100'000), IsOk());
  Read("M9", 0, Ist(2, 11));
  EXPECT_EQ(Read("M9", 2'000, Ist(2, 12)).charged_paise(), 1'000);
  auto held = Hold("M9", v1::HOLD_KEEP_DISCONNECTED);
  ASSERT_THAT(held, IsOk());
  auto cut = NewCommands();
  ASSERT_EQ(cut.size(), 1u);
  const v1::MeterPolicyState& state = held->state();
  EXPECT_EQ(state.meter_id(), "M9");
  EXPECT_EQ(state.balance_paise(), 99'000);
  EXPECT_EQ(state.last_recharge_paise(), 100'000);
  EXPECT_EQ(UnixMicros(state.last_recharge_time()), absl::ToUnixMicros(Ist(2, 10)));
  EXPECT_TRUE(state.has_reading());
  EXPECT_EQ(state.register_wh(), 2'000);
  EXPECT_EQ(UnixMicros(state.read_time()), absl::ToUnixMicros(Ist(2, 12)));
  EXPECT_EQ(state.month(), 202611);
  EXPECT_EQ(state.month_wh(), 2'000);
  EXPECT_GT(state.daily_spend_paise(), 0);
  EXPECT_EQ(state.quarantined_readings(), 0);
  EXPECT_FALSE(state.has_exhaust_time());
  EXPECT_EQ(state.notices_sent(), 0);
  EXPECT_EQ(UnixMicros(state.prepaid_start_time()), absl::ToUnixMicros(Ist(2, 10)));
  EXPECT_EQ(state.hold(), v1::HOLD_KEEP_DISCONNECTED);
  EXPECT_FALSE(state.cut_for_nonpayment());
  EXPECT_EQ(state.relay(), v1::RELAY_CONNECTED);
  EXPECT_EQ(state.pending_action(), v1::DISCONNECT);
  EXPECT_EQ(state.pending_command_id(), cut[0].command_id());
  EXPECT_EQ(state.last_action(), v1::DISCONNECT);
  EXPECT_EQ(state.last_command_id(), cut[0].command_id());
  EXPECT_FALSE(state.has_relay_retry_time());
  EXPECT_FALSE(state.tamper_alerted());
  auto read = h_.wallet().GetMeterState("M9");
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->SerializeAsString(), state.SerializeAsString());
  // The meter was unreachable: the command is ordered again later.
  ASSERT_THAT(Report(cut[0], v1::RelayOutcome::OFFLINE, v1::RELAY_OFFLINE), IsOk());
  read = h_.wallet().GetMeterState("M9");
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->relay(), v1::RELAY_OFFLINE);
  EXPECT_EQ(read->pending_action(), v1::RELAY_ACTION_UNSPECIFIED);
  EXPECT_TRUE(read->pending_command_id().empty());
  EXPECT_EQ(UnixMicros(read->relay_retry_time()),
            absl::ToUnixMicros(h_.clock().Now() + absl::Minutes(15)));
}

// A meter without a disconnect control object (CT-operated, though its
// record does not say so) cannot be switched: a command that fails so is
// not ordered again every 15 minutes, while other failures are.
TEST_F(PolicyTest, ACommandFailingForWantOfARelayIsNotOrderedAgain) {
  Register("M5");
  Register("M6");
  ASSERT_THAT(Hold("M5", v1::HOLD_KEEP_DISCONNECTED), IsOk());
  ASSERT_THAT(Hold("M6", v1::HOLD_KEEP_DISCONNECTED), IsOk());
  auto cuts = NewCommands();
  ASSERT_EQ(cuts.size(), 2u);
  ASSERT_THAT(
      Report(cuts[0], v1::RelayOutcome::FAILED, v1::RELAY_UNKNOWN, v1::RelayOutcome::NO_RELAY),
      IsOk());
  ASSERT_THAT(
      Report(cuts[1], v1::RelayOutcome::FAILED, v1::RELAY_UNKNOWN, v1::RelayOutcome::NO_ANSWER),
      IsOk());
  auto state = h_.wallet().GetMeterState("M5");
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ(state->pending_action(), v1::RELAY_ACTION_UNSPECIFIED);
  EXPECT_EQ(state->last_action(), v1::DISCONNECT) << "still what the hold wants";
  EXPECT_FALSE(state->has_relay_retry_time());
  EXPECT_EQ(state->relay(), v1::RELAY_CONNECTED);
  TickAt(Ist(2, 11));
  auto again = NewCommands();
  ASSERT_EQ(again.size(), 1u) << "only the unanswered cut";
  EXPECT_EQ(again[0].meter_id(), "M6");
  TickAt(Ist(3, 11));
  EXPECT_TRUE(NewCommands().empty());
}

TEST_F(PolicyTest, RelayObservationsWithoutACommand) {
  Register("M7");
  ASSERT_THAT(h_.Recharge("R1", "m7", "M7", 100'000), IsOk());
  ASSERT_THAT(Hold("M7", v1::HOLD_KEEP_DISCONNECTED), IsOk());
  auto cut = NewCommands();
  ASSERT_EQ(cut.size(), 1u);
  NewNotifications();
  v1::RelayOutcome seen;
  seen.set_meter_id("M7");
  seen.set_result(v1::RelayOutcome::CONFIRMED);
  seen.set_state(v1::RELAY_CONNECTED);
  // While the disconnect is on its way, a scheduled read is stale news.
  auto ignored = h_.ReportOutcome(seen);
  ASSERT_THAT(ignored, IsOk());
  EXPECT_TRUE(NewNotifications().empty());

  v1::RelayOutcome confirmed;
  confirmed.set_command_id(cut[0].command_id());
  confirmed.set_meter_id("M7");
  confirmed.set_result(v1::RelayOutcome::CONFIRMED);
  confirmed.set_state(v1::RELAY_DISCONNECTED);
  // The gateway read the relay back at 2,000.
  SetTimestamp(2'000, confirmed.mutable_observe_time());
  ASSERT_THAT(h_.ReportOutcome(confirmed), IsOk());
  NewNotifications();
  // A read taken before the command ran, reported after its outcome, is old
  // news: no false tamper alert.
  SetTimestamp(1'000, seen.mutable_observe_time());
  auto late = h_.ReportOutcome(seen);
  ASSERT_THAT(late, IsOk());
  EXPECT_EQ(late->state(), v1::RELAY_DISCONNECTED);
  EXPECT_TRUE(NewNotifications().empty());
  // Found closed afterwards: forced reconnection, one alert for the utility.
  SetTimestamp(3'000, seen.mutable_observe_time());
  auto forced = h_.ReportOutcome(seen);
  ASSERT_THAT(forced, IsOk());
  EXPECT_EQ(forced->state(), v1::RELAY_CONNECTED);
  auto alerts = NewNotifications();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind(), v1::Notification::TAMPER_ALERT);
  EXPECT_TRUE(alerts[0].phone().empty());
  EXPECT_TRUE(NewCommands().empty());

  // An observation must say what was read.
  v1::RelayOutcome vague = seen;
  vague.set_result(v1::RelayOutcome::FAILED);
  EXPECT_THAT(h_.ReportOutcome(vague), StatusIs(absl::StatusCode::kInvalidArgument));
  vague = seen;
  vague.set_state(v1::RELAY_UNKNOWN);
  EXPECT_THAT(h_.ReportOutcome(vague), StatusIs(absl::StatusCode::kInvalidArgument));
  h_.ExpectLedgerBalanced();
}

TEST_F(PolicyTest, EnergyMeteredBeforeTheCutIsNoBypass) {
  Register("M8");
  ASSERT_THAT(h_.Recharge("R1", "m8", "M8", 100'000), IsOk());
  h_.clock().Set(Ist(2, 18));
  Read("M8", 0, Ist(2, 10));
  ASSERT_THAT(Hold("M8", v1::HOLD_KEEP_DISCONNECTED), IsOk());
  auto cut = NewCommands();
  ASSERT_EQ(cut.size(), 1u);
  v1::RelayOutcome confirmed;
  confirmed.set_command_id(cut[0].command_id());
  confirmed.set_meter_id("M8");
  confirmed.set_result(v1::RelayOutcome::CONFIRMED);
  confirmed.set_state(v1::RELAY_DISCONNECTED);
  // Read open at 12:00.
  SetTimestamp(absl::ToUnixMicros(Ist(2, 12)), confirmed.mutable_observe_time());
  ASSERT_THAT(h_.ReportOutcome(confirmed), IsOk());
  NewNotifications();
  // Readings taken before the cut, delivered after its report: no alert.
  EXPECT_EQ(Read("M8", 1'000, Ist(2, 11)).outcome(), v1::ReadingResult::DEBITED);
  EXPECT_EQ(Read("M8", 2'000, Ist(2, 13)).outcome(), v1::ReadingResult::DEBITED);
  EXPECT_TRUE(NewNotifications().empty());
  // Energy over an interval that began with the relay open: bypass.
  Read("M8", 3'000, Ist(2, 14));
  auto alerts = NewNotifications();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind(), v1::Notification::TAMPER_ALERT);
}

TEST_F(PolicyTest, ArrearsShareIsRecoveredFromEachRechargeUpToTheCap) {
  Register("M6", 2'500'000);  // Rs 25,000 legacy arrears
  auto small = h_.Recharge("R1", "a1", "M6", 100'000);  // 20 % of Rs 1,000 = Rs 200
  ASSERT_THAT(small, IsOk());
  EXPECT_EQ(small->arrears_recovery().amount_paise(), 20'000);
  EXPECT_EQ(small->arrears_recovery().type(), v1::ARREARS_RECOVERY);
  EXPECT_EQ(small->meter_balance_paise(), 80'000);
  auto big = h_.Recharge("R1", "a2", "M6", 1'000'000);  // 20 % = Rs 2,000, capped at Rs 1,000
  ASSERT_THAT(big, IsOk());
  EXPECT_EQ(big->arrears_recovery().amount_paise(), 100'000);
  auto view = h_.wallet().GetMeter("M6");
  ASSERT_THAT(view, IsOk());
  EXPECT_EQ(view->arrears_paise(), 2'500'000 - 120'000);
  auto receipts = NewNotifications();
  ASSERT_EQ(receipts.size(), 2u);
  EXPECT_EQ(receipts[1].kind(), v1::Notification::RECHARGE_RECEIPT);
  EXPECT_EQ(receipts[1].arrears_recovered_paise(), 100'000);
  EXPECT_THAT(receipts[1].text(), ::testing::HasSubstr("arrears recovered Rs 1,000.00"));
  h_.ExpectLedgerBalanced();
}

TEST_F(PolicyTest, ReadingsOutOfOrderResetsAndImplausibleJumps) {
  Register("M7");
  ASSERT_THAT(h_.Recharge("R1", "m7", "M7", 1'000'000), IsOk());
  Read("M7", 5'000, Ist(2, 10));
  EXPECT_EQ(Read("M7", 6'000, Ist(2, 11)).charged_paise(), 500);  // 1 kWh
  EXPECT_EQ(Read("M7", 5'500, Ist(2, 10, 30)).outcome(), v1::ReadingResult::OUT_OF_ORDER);
  // 10 kW x 1 h x 150 % = 15 kWh at most; 20 kWh is quarantined, not debited.
  const int64_t before = h_.MeterBalance("M7");
  auto jump = Read("M7", 26'000, Ist(2, 12));
  EXPECT_EQ(jump.outcome(), v1::ReadingResult::QUARANTINED);
  EXPECT_EQ(h_.MeterBalance("M7"), before);
  EXPECT_THAT(Kinds(NewNotifications()),
              ::testing::Contains(v1::Notification::QUARANTINED_READING));
  // The next reading rates from the quarantined value.
  EXPECT_EQ(Read("M7", 27'000, Ist(2, 13)).charged_paise(), 500);
  // A register that goes backwards needs a reset event.
  EXPECT_EQ(Read("M7", 100, Ist(2, 14)).outcome(), v1::ReadingResult::QUARANTINED);
  EXPECT_EQ(Read("M7", 0, Ist(2, 15), v1::Reading::METER_REPLACED).outcome(),
            v1::ReadingResult::RESET);
  EXPECT_EQ(Read("M7", 2'000, Ist(2, 16)).charged_paise(), 1'000);
  auto unknown = Read("NOPE", 1, Ist(2, 16));
  EXPECT_EQ(unknown.outcome(), v1::ReadingResult::REJECTED);
  EXPECT_THAT(unknown.reason(), ::testing::HasSubstr("not registered"));
  // A meter clock running ahead: rejected, nothing charged, later readings fine.
  v1::Reading ahead;
  ahead.set_meter_id("M7");
  ahead.set_register_wh(3'000);
  SetTimestamp(absl::ToUnixMicros(Ist(2, 16) + absl::Hours(30)), ahead.mutable_meter_time());
  auto future = Ingest({ahead});
  ASSERT_THAT(future, IsOk());
  EXPECT_EQ(future->results(0).outcome(), v1::ReadingResult::REJECTED);
  EXPECT_EQ(Read("M7", 3'000, Ist(2, 17)).charged_paise(), 500);
  h_.ExpectLedgerBalanced();
}

TEST_F(PolicyTest, BatchIsIdempotentAndBadItemsDoNotStopTheRest) {
  Register("M8");
  ASSERT_THAT(h_.Recharge("R1", "m8", "M8", 1'000'000), IsOk());
  Read("M8", 0, Ist(2, 10));
  v1::IngestReadingsRequest req;
  req.set_batch_id("gw-42");
  auto add = [&](const std::string& meter, int64_t wh, absl::Time t) {
    v1::Reading* r = req.add_readings();
    r->set_meter_id(meter);
    r->set_register_wh(wh);
    SetTimestamp(absl::ToUnixMicros(t), r->mutable_meter_time());
  };
  add("M8", 2'000, Ist(2, 11));
  add("GHOST", 1, Ist(2, 11));
  add("bad id!", 1, Ist(2, 11));
  add("M8", 3'000, Ist(2, 12));
  h_.clock().Set(Ist(2, 12));
  auto first = Wait<v1::IngestReadingsResponse>(
      [&](auto done) { h_.wallet().IngestReadings(req, done); });
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->debited(), 2);
  EXPECT_EQ(first->rejected(), 2);
  auto again = Wait<v1::IngestReadingsResponse>(
      [&](auto done) { h_.wallet().IngestReadings(req, done); });
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(h_.MeterBalance("M8"), 1'000'000 - 1'500);  // 3 kWh, once
  req.mutable_readings(0)->set_register_wh(2'500);
  auto changed = Wait<v1::IngestReadingsResponse>(
      [&](auto done) { h_.wallet().IngestReadings(req, done); });
  EXPECT_THAT(changed, StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_F(PolicyTest, TariffVersionsAddedByAdminApplyFromTheirDateAndSurviveRestart) {
  Register("MT");
  ASSERT_THAT(h_.Recharge("R1", "mt", "MT", 1'000'000), IsOk());
  auto put = [&](const std::string& request_id, int version, const std::string& from,
                 int64_t rate) {
    v1::PutTariffRequest req;
    req.set_request_id(request_id);
    v1::Tariff* t = req.mutable_tariff();
    t->set_tariff_id("T1");
    t->set_version(version);
    t->set_effective_from(from);
    t->set_category(v1::DOMESTIC);
    t->add_slabs()->set_paise_per_kwh(rate);
    return Wait<v1::PutTariffResponse>([&](auto done) { h_.wallet().PutTariff(req, done); });
  };
  ASSERT_THAT(put("t2", 2, "2026-11-04", 600), IsOk());
  EXPECT_THAT(put("t2-again", 2, "2026-11-05", 600), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(put("t3-bad", 3, "2026-13-01", 600), StatusIs(absl::StatusCode::kInvalidArgument));
  h_.Reopen();
  Read("MT", 0, Ist(3, 10));
  EXPECT_EQ(Read("MT", 1'000, Ist(3, 11)).charged_paise(), 500);  // version 1
  Read("MT", 1'000, Ist(4, 0));
  EXPECT_EQ(Read("MT", 2'000, Ist(4, 1)).charged_paise(), 600);  // version 2 from the 4th
  auto book = h_.wallet().ListTariffs();
  ASSERT_THAT(book, IsOk());
  EXPECT_EQ(book->tariffs_size(), 2);
}

TEST_F(PolicyTest, MeterStateAndScheduleSurviveRestart) {
  Exhaust("MR", Ist(2, 19));
  ASSERT_THAT(Hold("MR", v1::HOLD_NONE), IsOk());
  h_.Reopen();
  auto state = h_.wallet().GetMeterState("MR");
  ASSERT_THAT(state, IsOk());
  EXPECT_TRUE(state->has_reading());
  EXPECT_EQ(state->notices_sent(), 1);
  EXPECT_EQ(UnixMicros(state->exhaust_time()), absl::ToUnixMicros(Ist(2, 19)));
  // The next reading is rated from the stored register, not taken as a first.
  EXPECT_EQ(Read("MR", 201'000, Ist(2, 20)).outcome(), v1::ReadingResult::DEBITED);
  // The due-time index is rebuilt: notices and the cut still come on time.
  TickAt(Ist(3, 19));
  TickAt(Ist(4, 19));
  EXPECT_EQ(NewNotifications().size(), 2u);
  h_.Reopen();
  TickAt(Ist(6, 8));
  ASSERT_EQ(NewCommands().size(), 1u);
}

class GracePolicyTest : public PolicyTest {
 protected:
  GracePolicyTest() : PolicyTest(Options(/*grace_days=*/30)) {}
};

TEST_F(GracePolicyTest, NoCutDuringTheGracePeriodAfterConversion) {
  Exhaust("M9", Ist(2, 10));
  for (int day = 3; day <= 30; ++day) TickAt(Ist(day, 10));
  EXPECT_TRUE(NewCommands().empty());
  // Registered on 2 November 10:00: grace ends on 2 December 10:00 (a Wednesday).
  TickAt(absl::FromCivil(absl::CivilSecond(2026, 12, 2, 10, 0, 0), kIst));
  auto cut = NewCommands();
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_EQ(cut[0].action(), v1::DISCONNECT);
}

class EmergencyCreditPolicyTest : public PolicyTest {
 protected:
  static LedgerOptions WithEmergencyCredit() {
    LedgerOptions options = Options();
    options.policy.mutable_defaults()->set_emergency_credit_paise(30'000);  // Rs 300
    return options;
  }
  EmergencyCreditPolicyTest() : PolicyTest(WithEmergencyCredit()) {}

  v1::GetBalanceResponse Status(const std::string& meter) {
    return ExpectValue(h_.wallet().GetBalance(Principal{v1::ROLE_CONSUMER, "C-" + meter}, meter));
  }
};

// What a consumer app shows through a whole cycle, and that the earliest cut
// time it shows is when the policy cuts.
TEST_F(EmergencyCreditPolicyTest, ConsumerStatusFromNewMeterThroughCutToRestore) {
  Register("ME");
  v1::GetBalanceResponse status = Status("ME");
  EXPECT_EQ(status.status(), v1::ON_EMERGENCY_CREDIT);  // not exhausted: Rs 300 to go
  EXPECT_EQ(status.balance_paise(), 0);
  EXPECT_EQ(status.emergency_credit_paise(), 30'000);
  EXPECT_EQ(status.emergency_credit_left_paise(), 30'000);
  EXPECT_TRUE(status.emergency_credit_in_use());
  EXPECT_EQ(status.supply(), v1::SUPPLY_ON);
  EXPECT_EQ(status.notice_day(), 0);
  EXPECT_EQ(status.notice_days(), 3);
  EXPECT_FALSE(status.has_earliest_cut_time());
  EXPECT_FALSE(status.has_days_left());

  // 60 kWh at Rs 5 overnight uses up the emergency credit on Tuesday 06:00.
  Read("ME", 0, Ist(2, 10));
  EXPECT_EQ(Read("ME", 60'000, Ist(3, 6)).balance_paise(), -30'000);
  status = Status("ME");
  EXPECT_EQ(status.status(), v1::NOTICE);
  EXPECT_EQ(status.emergency_credit_left_paise(), 0);
  EXPECT_FALSE(status.emergency_credit_in_use());
  EXPECT_EQ(status.notice_day(), 1);
  // Three days on is Friday 06:00, inside the night window: Friday 08:00.
  EXPECT_EQ(UnixMicros(status.earliest_cut_time()), absl::ToUnixMicros(Ist(6, 8)));
  ASSERT_TRUE(status.has_days_left());
  EXPECT_EQ(status.days_left(), 0);
  TickAt(Ist(4, 6));
  EXPECT_EQ(Status("ME").notice_day(), 2);
  TickAt(Ist(5, 6));
  EXPECT_EQ(Status("ME").notice_day(), 3);
  TickAt(Ist(6, 7, 59));
  EXPECT_TRUE(NewCommands().empty());
  TickAt(Ist(6, 8));
  auto cut = NewCommands();
  ASSERT_EQ(cut.size(), 1u);
  status = Status("ME");
  EXPECT_EQ(status.status(), v1::DISCONNECTED);
  EXPECT_EQ(status.supply(), v1::SUPPLY_ON);  // not yet
  EXPECT_EQ(status.supply_command(), v1::DISCONNECT);
  EXPECT_FALSE(status.has_earliest_cut_time());
  ASSERT_THAT(Report(cut[0], v1::RelayOutcome::CONFIRMED, v1::RELAY_DISCONNECTED), IsOk());
  status = Status("ME");
  EXPECT_EQ(status.status(), v1::DISCONNECTED);
  EXPECT_EQ(status.supply(), v1::SUPPLY_CUT);
  EXPECT_EQ(status.supply_command(), v1::RELAY_ACTION_UNSPECIFIED);

  // Rs 1,000 repays the emergency credit and the Rs 350 fee: restore ordered.
  ASSERT_THAT(h_.Recharge("R1", "me-1", "ME", 100'000), IsOk());
  auto restore = NewCommands();
  ASSERT_EQ(restore.size(), 1u);
  status = Status("ME");
  EXPECT_EQ(status.status(), v1::ACTIVE);
  EXPECT_EQ(status.balance_paise(), -30'000 + 100'000 - 35'000);
  EXPECT_EQ(status.emergency_credit_left_paise(), 30'000);
  EXPECT_EQ(status.supply(), v1::SUPPLY_CUT);
  EXPECT_EQ(status.supply_command(), v1::RECONNECT);
  EXPECT_EQ(status.last_recharge_paise(), 100'000);
  EXPECT_EQ(UnixMicros(status.last_recharge_time()), absl::ToUnixMicros(Ist(6, 8)));
  // The meter is armed: the consumer presses its button.
  ASSERT_THAT(Report(restore[0], v1::RelayOutcome::ARMED, v1::RELAY_ARMED), IsOk());
  status = Status("ME");
  EXPECT_EQ(status.supply(), v1::SUPPLY_ARMED);
  EXPECT_EQ(status.supply_command(), v1::RELAY_ACTION_UNSPECIFIED);
  // 35,000 + 30,000 paise of credit at about Rs 360 a day.
  ASSERT_TRUE(status.has_days_left());
  EXPECT_EQ(status.days_left(), 1);
}

class FixedChargePolicyTest : public PolicyTest {
 protected:
  // Rs 1 per kW per day on a 10 kW sanctioned load: Rs 10 a day.
  FixedChargePolicyTest() : PolicyTest(Options(0, /*fixed=*/100)) {}
};

TEST_F(FixedChargePolicyTest, FixedChargesOncePerDay) {
  Register("MF");
  ASSERT_THAT(h_.Recharge("R1", "mf", "MF", 1'000'000), IsOk());
  Read("MF", 0, Ist(2, 10));                        // base: no charge yet
  auto same_day = Read("MF", 1'000, Ist(2, 11));    // day 2 fixed + 1 kWh
  EXPECT_EQ(same_day.charged_paise(), 1'000 + 500);
  EXPECT_EQ(Read("MF", 2'000, Ist(2, 12)).charged_paise(), 500);  // day 2 already charged
  EXPECT_EQ(Read("MF", 2'000, Ist(4, 12)).charged_paise(), 2'000);  // days 3 and 4
  h_.ExpectLedgerBalanced();
}

class DutyPolicyTest : public PolicyTest {
 protected:
  // 8 % electricity duty on energy and on the Rs 10 fixed charge of each day.
  DutyPolicyTest() : PolicyTest(Options(0, /*fixed=*/100, /*duty_bps=*/800)) {}
};

TEST_F(DutyPolicyTest, OneChargePerReadingWithItsDutyMovedToTheDutyAccount) {
  Register("MD");
  ASSERT_THAT(h_.Recharge("R1", "md", "MD", 100'000), IsOk());
  Read("MD", 0, Ist(2, 10));
  // Day 2 fixed: 1,000 + 80 duty; 2 kWh: 1,000 + 80 duty.
  EXPECT_EQ(Read("MD", 2'000, Ist(2, 11)).charged_paise(), 2'160);
  EXPECT_EQ(h_.AccountBalance("system:duty"), 160);
  EXPECT_EQ(h_.AccountBalance("system:revenue"), 2'000);

  // The consumer's statement: one line per charge, each naming its duty.
  auto journal = h_.Journal("meter:MD");
  ASSERT_THAT(journal, IsOk());
  ASSERT_EQ(journal->entries_size(), 3);  // energy, fixed, recharge (newest first)
  const v1::Transfer& energy = journal->entries(0).transfer();
  EXPECT_EQ(energy.type(), v1::ENERGY_CHARGE);
  EXPECT_EQ(energy.amount_paise(), 1'080);
  EXPECT_EQ(energy.duty_paise(), 80);
  EXPECT_EQ(journal->entries(1).transfer().type(), v1::FIXED_CHARGE);
  EXPECT_EQ(journal->entries(1).transfer().duty_paise(), 80);
  EXPECT_EQ(journal->balance_paise(), 100'000 - 2'160);
  EXPECT_EQ(journal->entries(0).balance_after_paise(), 100'000 - 2'160);

  // The wallet is kept in the meter's state record and comes back with it.
  h_.Reopen();
  EXPECT_EQ(h_.MeterBalance("MD"), 100'000 - 2'160);
  auto balance = h_.wallet().GetBalance(Principal{v1::ROLE_ADMIN, ""}, "MD");
  ASSERT_THAT(balance, IsOk());
  EXPECT_EQ(balance->last_recharge_paise(), 100'000);
  EXPECT_EQ(Read("MD", 3'000, Ist(2, 12)).charged_paise(), 540);
  EXPECT_EQ(h_.AccountBalance("system:duty"), 200);
  h_.ExpectLedgerBalanced();
}

}  // namespace
}  // namespace wallet
