// The consumer's status of a meter as a pure function of its stored state,
// its category policy, the cutoff calendar and the time: one row per case a
// consumer app has to show.
#include "wallet/meter_status.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/wallet/november_2026.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

using testing::kIst;
using testing::Nov;
using testing::Us;

v1::CategoryPolicy Domestic(int32_t notice_days = 3, int32_t grace_days = 0) {
  v1::CategoryPolicy policy;
  policy.set_category(v1::DOMESTIC);
  policy.set_emergency_credit_paise(30'000);  // Rs 300
  policy.set_notice_days(notice_days);
  policy.set_grace_days(grace_days);
  return policy;
}

// A meter registered (converted to prepaid) on 1 October, supply on.
store::v1::MeterState Registered(int64_t balance) {
  store::v1::MeterState state;
  state.set_prepaid_since_us(Us(absl::FromCivil(absl::CivilDay(2026, 10, 1), kIst)));
  state.set_relay(v1::RELAY_CONNECTED);
  state.set_balance_paise(balance);
  return state;
}

store::v1::MeterState Exhausted(absl::Time at, int32_t notices) {
  store::v1::MeterState state = Registered(-30'000);
  state.set_exhausted_us(Us(at));
  state.set_notices_sent(notices);
  return state;
}

// One row: a meter's state and the time, and what the consumer should see.
struct Case {
  Case(std::string name, store::v1::MeterState state, absl::Time now, v1::MeterStatus status,
       v1::SupplyState supply, int64_t credit_left, bool credit_in_use)
      : name(std::move(name)),
        state(std::move(state)),
        now(now),
        status(status),
        supply(supply),
        credit_left(credit_left),
        credit_in_use(credit_in_use) {}
  Case& Notice(int32_t day, std::optional<absl::Time> cut) {
    notice_day = day;
    earliest_cut = cut;
    return *this;
  }
  Case& DaysLeft(int64_t daily_spend, int32_t days) {
    state.set_daily_spend_paise(daily_spend);
    days_left = days;
    return *this;
  }

  std::string name;
  store::v1::MeterState state;
  absl::Time now;
  v1::MeterStatus status;
  v1::SupplyState supply;
  int64_t credit_left;
  bool credit_in_use;
  int32_t notice_day = 0;
  std::optional<absl::Time> earliest_cut;
  std::optional<int32_t> days_left;
  v1::RelayAction command = v1::RELAY_ACTION_UNSPECIFIED;
  v1::CategoryPolicy policy = Domestic();
};

std::vector<Case> Cases() {
  std::vector<Case> cases;
  cases.emplace_back("new meter with Rs 0 runs on its Rs 300 of emergency credit", Registered(0),
                     Nov(2, 10), v1::ON_EMERGENCY_CREDIT, v1::SUPPLY_ON, 30'000, true);
  // Rs 500 + Rs 300 at Rs 100 a day.
  cases.emplace_back("credit above zero", Registered(50'000), Nov(2, 10), v1::ACTIVE,
                     v1::SUPPLY_ON, 30'000, false)
      .DaysLeft(10'000, 8);
  // Rs 200 left at Rs 60 a day.
  cases.emplace_back("Rs 100 of the emergency credit used", Registered(-10'000), Nov(2, 10),
                     v1::ON_EMERGENCY_CREDIT, v1::SUPPLY_ON, 20'000, true)
      .DaysLeft(6'000, 3);
  cases.emplace_back("notice day 1, cut from Thursday 10:00", Exhausted(Nov(2, 10), 1),
                     Nov(2, 10, 30), v1::NOTICE, v1::SUPPLY_ON, 0, false)
      .Notice(1, Nov(5, 10))
      .DaysLeft(6'000, 0);
  cases.emplace_back("exhausted in the evening: Thursday 19:00 is in the no-cutoff window, so "
                     "Friday 08:00",
                     Exhausted(Nov(2, 19), 2), Nov(3, 19, 30), v1::NOTICE, v1::SUPPLY_ON, 0,
                     false)
      .Notice(2, Nov(6, 8));
  cases.emplace_back("notice served, now in the window: the window's end",
                     Exhausted(Nov(2, 10), 3), Nov(6, 7), v1::NOTICE, v1::SUPPLY_ON, 0, false)
      .Notice(3, Nov(6, 8));
  cases.emplace_back("notice served, now outside the window: now", Exhausted(Nov(2, 10), 3),
                     Nov(5, 12), v1::NOTICE, v1::SUPPLY_ON, 0, false)
      .Notice(3, Nov(5, 12));
  cases.emplace_back("served on a Sunday: Monday 08:00", Exhausted(Nov(5, 10), 3), Nov(8, 11),
                     v1::NOTICE, v1::SUPPLY_ON, 0, false)
      .Notice(3, Nov(9, 8));
  cases.emplace_back("due on the Saturday holiday, then Sunday: Monday 08:00",
                     Exhausted(Nov(4, 10), 2), Nov(6, 10), v1::NOTICE, v1::SUPPLY_ON, 0, false)
      .Notice(2, Nov(9, 8));
  cases.emplace_back("exhausted but not yet looked at by the policy: counted from now",
                     Registered(-30'000), Nov(2, 10), v1::NOTICE, v1::SUPPLY_ON, 0, false)
      .Notice(0, Nov(5, 10));
  {
    Case& c = cases.emplace_back("grace period of a new prepaid meter: after it ends",
                                 Exhausted(Nov(2, 10), 1), Nov(2, 11), v1::NOTICE, v1::SUPPLY_ON,
                                 0, false);
    c.Notice(1, Nov(16, 9));
    c.state.set_prepaid_since_us(Us(Nov(1, 9)));  // 15 days on: Monday the 16th, 09:00
    c.policy = Domestic(3, /*grace_days=*/15);
  }
  {
    Case& c = cases.emplace_back("no notice required: cut may come now", Registered(0),
                                 Nov(2, 10), v1::NOTICE, v1::SUPPLY_ON, 0, false);
    c.Notice(0, Nov(2, 10));
    c.policy = Domestic(/*notice_days=*/0);
    c.policy.set_emergency_credit_paise(0);
  }
  {
    Case& c = cases.emplace_back("cut ordered, command on its way", Exhausted(Nov(2, 10), 3),
                                 Nov(5, 10), v1::DISCONNECTED, v1::SUPPLY_ON, 0, false);
    c.state.set_last_action(v1::DISCONNECT);
    c.state.set_pending_action(v1::DISCONNECT);
    c.state.set_cut_for_nonpayment(true);
    c.command = v1::DISCONNECT;
  }
  {
    Case& c = cases.emplace_back("cut", Exhausted(Nov(2, 10), 3), Nov(5, 11), v1::DISCONNECTED,
                                 v1::SUPPLY_CUT, 0, false);
    c.state.set_last_action(v1::DISCONNECT);
    c.state.set_cut_for_nonpayment(true);
    c.state.set_relay(v1::RELAY_DISCONNECTED);
  }
  {
    Case& c = cases.emplace_back("recharged after the cut: restore in progress",
                                 Registered(20'000), Nov(5, 12), v1::ACTIVE, v1::SUPPLY_CUT,
                                 30'000, false);
    c.state.set_last_action(v1::RECONNECT);
    c.state.set_pending_action(v1::RECONNECT);
    c.state.set_relay(v1::RELAY_DISCONNECTED);
    c.command = v1::RECONNECT;
  }
  {
    Case& c = cases.emplace_back("restored to armed: press the button", Registered(20'000),
                                 Nov(5, 12), v1::ACTIVE, v1::SUPPLY_ARMED, 30'000, false);
    c.state.set_last_action(v1::RECONNECT);
    c.state.set_relay(v1::RELAY_ARMED);
  }
  {
    Case& c = cases.emplace_back("kept disconnected by the utility, whatever the balance",
                                 Registered(90'000), Nov(5, 12), v1::DISCONNECTED_BY_UTILITY,
                                 v1::SUPPLY_CUT, 30'000, false);
    c.state.set_hold(v1::HOLD_KEEP_DISCONNECTED);
    c.state.set_last_action(v1::DISCONNECT);
    c.state.set_relay(v1::RELAY_DISCONNECTED);
  }
  cases.emplace_back("exhausted but never disconnected (hold)", Registered(-45'000), Nov(5, 12),
                     v1::PROTECTED, v1::SUPPLY_ON, 0, false)
      .state.set_hold(v1::HOLD_NEVER_DISCONNECT);
  cases.emplace_back("meter offline: supply unknown", Registered(10'000), Nov(5, 12), v1::ACTIVE,
                     v1::SUPPLY_STATE_UNSPECIFIED, 30'000, false)
      .state.set_relay(v1::RELAY_OFFLINE);
  return cases;
}

TEST(MeterStatusTest, WhatTheConsumerSees) {
  const CutoffCalendar calendar(testing::FriendlyHours());
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    const v1::GetBalanceResponse status = MeterStatusOf("M1", c.state, c.policy, calendar, c.now);
    EXPECT_EQ(status.meter_id(), "M1");
    EXPECT_EQ(status.balance_paise(), c.state.balance_paise());
    EXPECT_EQ(v1::MeterStatus_Name(status.status()), v1::MeterStatus_Name(c.status));
    EXPECT_EQ(v1::SupplyState_Name(status.supply()), v1::SupplyState_Name(c.supply));
    EXPECT_EQ(status.supply_command(), c.command);
    EXPECT_EQ(status.emergency_credit_paise(), c.policy.emergency_credit_paise());
    EXPECT_EQ(status.emergency_credit_left_paise(), c.credit_left);
    EXPECT_EQ(status.emergency_credit_in_use(), c.credit_in_use);
    EXPECT_EQ(status.notice_day(), c.notice_day);
    EXPECT_EQ(status.notice_days(), c.policy.notice_days());
    if (c.earliest_cut) {
      EXPECT_EQ(UnixMicros(status.earliest_cut_time()), Us(*c.earliest_cut))
          << absl::FormatTime(absl::FromUnixMicros(*UnixMicros(status.earliest_cut_time())),
                              kIst);
    } else {
      EXPECT_FALSE(status.has_earliest_cut_time());
    }
    EXPECT_EQ(status.has_days_left(), c.days_left.has_value());
    if (c.days_left) {
      EXPECT_EQ(status.days_left(), *c.days_left);
    }
  }
}

TEST(MeterStatusTest, LastRechargeIsATimestamp) {
  store::v1::MeterState state = Registered(35'000);
  const CutoffCalendar calendar(testing::FriendlyHours());
  EXPECT_FALSE(MeterStatusOf("M1", state, Domestic(), calendar, Nov(2, 10))
                   .has_last_recharge_time());
  state.set_last_recharge_paise(35'000);
  state.set_last_recharge_us(Us(Nov(2, 9)));
  const v1::GetBalanceResponse status =
      MeterStatusOf("M1", state, Domestic(), calendar, Nov(2, 10));
  EXPECT_EQ(status.last_recharge_paise(), 35'000);
  EXPECT_EQ(UnixMicros(status.last_recharge_time()), Us(Nov(2, 9)));
}

// The earliest cut is the scheduler's rule: the ledger's cut condition and
// its due time use the same CutoffEligibleUs.
TEST(MeterStatusTest, CutoffEligibleAfterNoticeAndGrace) {
  EXPECT_EQ(CutoffEligibleUs(Us(Nov(2, 10)), Us(Nov(1, 0)), Domestic()), Us(Nov(5, 10)));
  EXPECT_EQ(CutoffEligibleUs(Us(Nov(2, 10)), Us(Nov(1, 0)), Domestic(3, 10)), Us(Nov(11, 0)));
  v1::CategoryPolicy unset = Domestic();
  unset.clear_notice_days();  // the default three days
  EXPECT_EQ(CutoffEligibleUs(Us(Nov(2, 10)), 0, unset), Us(Nov(5, 10)));
}

}  // namespace
}  // namespace wallet
