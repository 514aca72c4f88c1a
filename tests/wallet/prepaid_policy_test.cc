// The prepaid policy as a pure function: one table per rule, each row a
// meter's state, its policy and the time, and what the policy decides. No
// store, no clock, no ledger: DecidePolicy alone.
#include "wallet/prepaid_policy.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/wallet/november_2026.h"
#include "wallet/notification_text.h"

namespace wallet {
namespace {

using testing::kIst;
using testing::Nov;
using testing::Us;

// Not scheduled: the policy looks at the meter again only on an event.
const absl::Time kOnEvent = absl::InfinitePast();

absl::Time DueOf(const PolicyDecision& d) {
  return d.next_due_us == 0 ? kOnEvent : absl::FromUnixMicros(d.next_due_us);
}

// No cut from 18:00 to 08:00, on Sundays and on 7 November.
const CutoffCalendar& Calendar() {
  static const CutoffCalendar* calendar = new CutoffCalendar(testing::FriendlyHours());
  return *calendar;
}

// Policy is a category policy as an operator writes it in the policy file:
// three notice days and a Rs 350 reconnection fee, then `text` on top; no
// alerts, no emergency credit, no grace unless `text` says so.
v1::CategoryPolicy Policy(const std::string& text = "") {
  v1::CategoryPolicy policy;
  policy.set_notice_days(3);
  policy.set_reconnection_fee_paise(35'000);
  EXPECT_TRUE(google::protobuf::TextFormat::MergeFromString(text, &policy)) << text;
  return policy;
}

// Meter builds a meter's policy state: converted to prepaid on 1 October
// (any grace is over), supply on, last recharge Rs 1,000.
struct Meter {
  PolicyState st;
  explicit Meter(int64_t balance) {
    st.balance_paise = balance;
    st.last_recharge_paise = 100'000;
    st.prepaid_since_us = Us(absl::FromCivil(absl::CivilDay(2026, 10, 1), kIst));
    st.relay = v1::RELAY_CONNECTED;
  }
  Meter& AlertsSent(int32_t bits) {
    st.alerts_sent = bits;
    return *this;
  }
  Meter& DailySpend(int64_t paise) {
    st.daily_spend_paise = paise;
    return *this;
  }
  // Credit ran out at `at`; `notices` have gone out since.
  Meter& Exhausted(absl::Time at, int32_t notices) {
    st.exhausted_us = Us(at);
    st.notices_sent = notices;
    return *this;
  }
  // The policy cut the meter and the relay confirmed it.
  Meter& Cut(bool for_nonpayment = true) {
    st.last_action = v1::DISCONNECT;
    st.relay = v1::RELAY_DISCONNECTED;
    st.cut_for_nonpayment = for_nonpayment;
    return *this;
  }
  // `action` was ordered and is not yet reported.
  Meter& Pending(v1::RelayAction action) {
    st.last_action = action;
    st.pending_action = action;
    return *this;
  }
  // `action` was ordered and failed for good; it is to be ordered again at
  // `retry_at`.
  Meter& Failed(v1::RelayAction action, absl::Time retry_at) {
    st.last_action = action;
    st.pending_action = v1::RELAY_ACTION_UNSPECIFIED;
    st.relay_retry_us = Us(retry_at);
    return *this;
  }
  Meter& Hold(v1::Hold hold) {
    st.hold = hold;
    return *this;
  }
  // Set sets any other field: Set(&PolicyState::tamper_alerted, true).
  template <typename Field, typename Value>
  Meter& Set(Field PolicyState::*field, Value value) {
    st.*field = value;
    return *this;
  }
  Meter& Postpaid() {
    st.postpaid = true;
    return *this;
  }
  // A collection drive cut the meter and the relay confirmed it.
  Meter& DriveCut() {
    st.last_action = v1::DISCONNECT;
    st.relay = v1::RELAY_DISCONNECTED;
    st.drive_cut = true;
    return *this;
  }
};

// Describe lists what the decision does, in the order it is carried out:
// "threshold 30000, notice 1 of 3, fee 35000, reconnect (recharged)", or
// "nothing".
std::string Describe(const PolicyDecision& d) {
  std::vector<std::string> parts;
  for (const PolicyAlert& alert : d.alerts) {
    switch (alert.why) {
      case PolicyAlert::Why::kThreshold:
        parts.push_back(absl::StrCat("threshold ", alert.amount_paise));
        break;
      case PolicyAlert::Why::kFloor:
        parts.push_back(absl::StrCat("floor ", alert.amount_paise));
        break;
      case PolicyAlert::Why::kDaysLeft:
        parts.push_back(absl::StrCat("days left ", alert.days_left));
        break;
      case PolicyAlert::Why::kNotice:
        parts.push_back(absl::StrCat("notice ", alert.notice_day, " of ", alert.notice_days));
        break;
    }
  }
  for (const RelayOrder& order : d.relay_orders) {
    if (order.reason == RelayReason::kRestore && d.reconnection_fee_paise > 0) {
      parts.push_back(absl::StrCat("fee ", d.reconnection_fee_paise));
    }
    parts.push_back(absl::StrCat(order.action == v1::DISCONNECT ? "disconnect" : "reconnect", " (",
                                 RelayReasonText(order.reason), ")"));
  }
  return parts.empty() ? "nothing" : absl::StrJoin(parts, ", ");
}

TEST(PrepaidPolicyTest, LowBalanceAlertsOncePerRechargeCycle) {
  // Thresholds Rs 300, Rs 100 and Rs 0 of a Rs 1,000 recharge; a Rs 50
  // floor; an alert when the balance lasts fewer than three days. Rs 100 of
  // emergency credit keeps a zero balance from being exhausted.
  const v1::CategoryPolicy policy = Policy(
      "alert_percent_bps: [3000, 1000, 0] alert_floor_paise: 5000 alert_days_left: 3 "
      "emergency_credit_paise: 10000");
  struct Case {
    const char* name;
    PolicyState meter;
    std::string decision;
    int32_t alerts_sent;
    bool floor_sent;
    bool days_left_sent;
  } cases[] = {
      {"above every threshold", Meter(50'000).st, "nothing", 0, false, false},
      {"down to 30 %", Meter(30'000).st, "threshold 30000", 0b1, false, false},
      {"past 30 % and 10 % in one debit: one alert, for 10 %", Meter(9'000).st, "threshold 10000",
       0b11, false, false},
      {"30 % already sent", Meter(25'000).AlertsSent(0b1).st, "nothing", 0b1, false, false},
      {"10 % after 30 %", Meter(10'000).AlertsSent(0b1).st, "threshold 10000", 0b11, false, false},
      {"down to the floor", Meter(5'000).AlertsSent(0b11).st, "floor 5000", 0b11, true, false},
      {"a threshold and the floor together: the threshold only", Meter(0).AlertsSent(0b11).st,
       "threshold 0", 0b111, true, false},
      {"floor already sent",
       Meter(4'000).AlertsSent(0b11).Set(&PolicyState::floor_alert_sent, true).st, "nothing", 0b11,
       true, false},
      {"no recharge yet: no percentages, but the floor",
       Meter(3'000).Set(&PolicyState::last_recharge_paise, 0).st, "floor 5000", 0, true, false},
      {"lasts two days at Rs 100 a day", Meter(25'000).AlertsSent(0b1).DailySpend(10'000).st,
       "days left 2", 0b1, false, true},
      {"lasts less than a day", Meter(8'000).AlertsSent(0b11).DailySpend(10'000).st, "days left 0",
       0b11, false, true},
      {"lasts three days: not fewer than three",
       Meter(30'000).AlertsSent(0b1).DailySpend(10'000).st, "nothing", 0b1, false, false},
      {"days-left alert already sent",
       Meter(20'000)
           .AlertsSent(0b1)
           .DailySpend(10'000)
           .Set(&PolicyState::days_left_alert_sent, true)
           .st,
       "nothing", 0b1, false, true},
      {"no recent spend: no days-left alert", Meter(20'000).AlertsSent(0b1).st, "nothing", 0b1,
       false, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const PolicyDecision d = DecidePolicy(c.meter, policy, Calendar(), Nov(2, 10));
    EXPECT_EQ(Describe(d), c.decision);
    EXPECT_EQ(d.next.alerts_sent, c.alerts_sent);
    EXPECT_EQ(d.next.floor_alert_sent, c.floor_sent);
    EXPECT_EQ(d.next.days_left_alert_sent, c.days_left_sent);
    for (const PolicyAlert& alert : d.alerts) {
      EXPECT_EQ(alert.kind, v1::Notification::LOW_BALANCE);
      EXPECT_EQ(alert.balance_paise, c.meter.balance_paise);
    }
  }
}

TEST(PrepaidPolicyTest, EmergencyCreditAndExhaustion) {
  const absl::Time now = Nov(2, 10);
  struct Case {
    const char* name;
    v1::CategoryPolicy policy;
    PolicyState meter;
    std::string decision;
    absl::Time exhausted;  // InfinitePast: not exhausted
    int32_t notices;
  } cases[] = {
      {"inside Rs 100 of emergency credit: not exhausted", Policy("emergency_credit_paise: 10000"),
       Meter(-5'000).st, "nothing", absl::InfinitePast(), 0},
      {"emergency credit used up: exhausted now, first notice",
       Policy("emergency_credit_paise: 10000"), Meter(-10'000).st, "notice 1 of 3", now, 1},
      {"without emergency credit a zero balance is exhausted", Policy(), Meter(0).st,
       "notice 1 of 3", now, 1},
      {"a positive balance is not", Policy(), Meter(1).st, "nothing", absl::InfinitePast(), 0},
      {"exhausted earlier: counted from then", Policy(), Meter(-20'000).Exhausted(Nov(2, 9), 1).st,
       "nothing", Nov(2, 9), 1},
      {"recharged during the notice period: all forgotten", Policy(),
       Meter(5'000).Exhausted(Nov(1, 9), 2).st, "nothing", absl::InfinitePast(), 0},
      {"back inside emergency credit is enough", Policy("emergency_credit_paise: 10000"),
       Meter(-5'000).Exhausted(Nov(1, 9), 2).st, "nothing", absl::InfinitePast(), 0},
      {"cut: stays exhausted until restored", Policy(),
       Meter(20'000).Exhausted(Nov(1, 9), 3).Cut().st, "nothing", Nov(1, 9), 3},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const PolicyDecision d = DecidePolicy(c.meter, c.policy, Calendar(), now);
    EXPECT_EQ(Describe(d), c.decision);
    EXPECT_EQ(d.next.exhausted_us, c.exhausted == absl::InfinitePast() ? 0 : Us(c.exhausted));
    EXPECT_EQ(d.next.notices_sent, c.notices);
  }
}

TEST(PrepaidPolicyTest, OneNoticeADayBeforeACut) {
  // Credit ran out on Monday at 10:00 (balance Rs -1).
  const absl::Time ran_out = Nov(2, 10);
  struct Case {
    const char* name;
    v1::CategoryPolicy policy;
    PolicyState meter;
    absl::Time now;
    std::string decision;
    int32_t notices;
    absl::Time next_due;
  } cases[] = {
      {"credit runs out: notice 1", Policy(), Meter(-100).st, ran_out, "notice 1 of 3", 1,
       Nov(3, 10)},
      {"a day less a minute later: nothing yet", Policy(), Meter(-100).Exhausted(ran_out, 1).st,
       Nov(3, 9, 59), "nothing", 1, Nov(3, 10)},
      {"a day later: notice 2", Policy(), Meter(-100).Exhausted(ran_out, 1).st, Nov(3, 10),
       "notice 2 of 3", 2, Nov(4, 10)},
      {"two days later: notice 3, the cut is due a day later", Policy(),
       Meter(-100).Exhausted(ran_out, 2).st, Nov(4, 10), "notice 3 of 3", 3, Nov(5, 10)},
      {"looked at late: only the notice due now", Policy(), Meter(-100).Exhausted(ran_out, 1).st,
       Nov(4, 11), "notice 3 of 3", 3, Nov(5, 10)},
      {"every notice served: waits for the cut", Policy(), Meter(-100).Exhausted(ran_out, 3).st,
       Nov(5, 9), "nothing", 3, Nov(5, 10)},
      {"five notice days", Policy("notice_days: 5"), Meter(-100).Exhausted(ran_out, 3).st,
       Nov(5, 10), "notice 4 of 5", 4, Nov(6, 10)},
      {"held never to be cut: no notice", Policy(),
       Meter(-100).Exhausted(ran_out, 1).Hold(v1::HOLD_NEVER_DISCONNECT).st, Nov(3, 10), "nothing",
       1, kOnEvent},
      {"already cut: no more notices", Policy(), Meter(-100).Exhausted(ran_out, 3).Cut().st,
       Nov(6, 10), "nothing", 3, kOnEvent},
      {"no notice days: cut at once, in allowed hours", Policy("notice_days: 0"), Meter(-100).st,
       ran_out, "disconnect (credit exhausted, notice served)", 0, kOnEvent},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const PolicyDecision d = DecidePolicy(c.meter, c.policy, Calendar(), c.now);
    EXPECT_EQ(Describe(d), c.decision);
    EXPECT_EQ(d.next.notices_sent, c.notices);
    EXPECT_EQ(DueOf(d), c.next_due);
    for (const PolicyAlert& alert : d.alerts) {
      EXPECT_EQ(alert.kind, v1::Notification::NOTICE);
      EXPECT_EQ(alert.amount_paise, -100);
    }
  }
}

TEST(PrepaidPolicyTest, CutOnlyAfterNoticeAndGraceAndNeverInFriendlyHours) {
  const v1::CategoryPolicy policy = Policy();
  const v1::CategoryPolicy with_grace = Policy("grace_days: 10");
  struct Case {
    const char* name;
    v1::CategoryPolicy policy;
    PolicyState meter;
    absl::Time now;
    std::string decision;
    absl::Time next_due;
  } cases[] = {
      {"notice served, Thursday 10:00: cut", policy, Meter(-100).Exhausted(Nov(2, 10), 3).st,
       Nov(5, 10), "disconnect (credit exhausted, notice served)", kOnEvent},
      {"a minute early: not yet", policy, Meter(-100).Exhausted(Nov(2, 10), 3).st, Nov(5, 9, 59),
       "nothing", Nov(5, 10)},
      {"due at 19:00: waits for 08:00", policy, Meter(-100).Exhausted(Nov(2, 19), 3).st, Nov(5, 19),
       "nothing", Nov(6, 8)},
      {"due at 07:59: waits a minute", policy, Meter(-100).Exhausted(Nov(2, 7, 59), 3).st,
       Nov(5, 7, 59), "nothing", Nov(5, 8)},
      {"due Friday evening: not on the holiday Saturday nor Sunday", policy,
       Meter(-100).Exhausted(Nov(3, 19), 3).st, Nov(6, 19), "nothing", Nov(9, 8)},
      {"due on the holiday: Monday 08:00", policy, Meter(-100).Exhausted(Nov(4, 10), 3).st,
       Nov(7, 10), "nothing", Nov(9, 8)},
      {"due on a Sunday: Monday 08:00", policy, Meter(-100).Exhausted(Nov(5, 10), 3).st, Nov(8, 10),
       "nothing", Nov(9, 8)},
      {"Monday after the weekend: cut", policy, Meter(-100).Exhausted(Nov(5, 10), 3).st, Nov(9, 8),
       "disconnect (credit exhausted, notice served)", kOnEvent},
      {"within ten days of conversion: grace", with_grace,
       Meter(-100).Set(&PolicyState::prepaid_since_us, Us(Nov(2, 0))).Exhausted(Nov(2, 10), 3).st,
       Nov(5, 10), "nothing", Nov(12, 8)},
      {"grace over: cut", with_grace,
       Meter(-100).Set(&PolicyState::prepaid_since_us, Us(Nov(2, 0))).Exhausted(Nov(2, 10), 3).st,
       Nov(12, 8), "disconnect (credit exhausted, notice served)", kOnEvent},
      {"a notice still due: served first, the cut waits a day", policy,
       Meter(-100).Exhausted(Nov(2, 10), 2).st, Nov(4, 10), "notice 3 of 3", Nov(5, 10)},
      {"already cut: not ordered again", policy, Meter(-100).Exhausted(Nov(2, 10), 3).Cut().st,
       Nov(5, 10), "nothing", kOnEvent},
      {"a cut pending: not ordered twice", policy,
       Meter(-100).Exhausted(Nov(2, 10), 3).Pending(v1::DISCONNECT).st, Nov(5, 10), "nothing",
       kOnEvent},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const PolicyDecision d = DecidePolicy(c.meter, c.policy, Calendar(), c.now);
    EXPECT_EQ(Describe(d), c.decision);
    EXPECT_EQ(DueOf(d), c.next_due);
    if (!d.relay_orders.empty()) {
      EXPECT_TRUE(d.next.cut_for_nonpayment);
      EXPECT_EQ(d.next.last_action, v1::DISCONNECT);
      EXPECT_EQ(d.next.pending_action, v1::DISCONNECT);
    }
  }
}

TEST(PrepaidPolicyTest, RestoreOnPaymentWithTheReconnectionFee) {
  const absl::Time now = Nov(6, 12);
  // Cut for non-payment after credit ran out on Monday.
  auto cut = [](int64_t balance) {
    return Meter(balance).Exhausted(Nov(2, 10), 3).Cut().Set(&PolicyState::tamper_alerted, true);
  };
  struct Case {
    const char* name;
    v1::CategoryPolicy policy;
    PolicyState meter;
    bool restore_blocked;
    std::string decision;
  } cases[] = {
      {"the recharge covers the Rs 350 fee: fee, then reconnect", Policy(), cut(50'000).st, false,
       "fee 35000, reconnect (recharged)"},
      {"short of the fee: stays cut", Policy(), cut(30'000).st, false, "nothing"},
      {"the fee would leave nothing: stays cut", Policy(), cut(35'000).st, false, "nothing"},
      {"a paisa more than the fee", Policy(), cut(35'001).st, false,
       "fee 35000, reconnect (recharged)"},
      {"below the restore threshold after the fee", Policy("restore_threshold_paise: 20000"),
       cut(50'000).st, false, "nothing"},
      {"at the restore threshold after the fee", Policy("restore_threshold_paise: 20000"),
       cut(55'000).st, false, "fee 35000, reconnect (recharged)"},
      {"emergency credit does not count towards a restore", Policy("emergency_credit_paise: 10000"),
       cut(30'000).st, false, "nothing"},
      {"cut by the utility, hold lifted: no fee", Policy(), cut(100).Cut(false).st, false,
       "reconnect (recharged)"},
      {"the cut never confirmed: no fee", Policy(),
       cut(100).Set(&PolicyState::relay, v1::RELAY_CONNECTED).st, false, "reconnect (recharged)"},
      {"the fee cannot be charged: stays cut", Policy(), cut(50'000).st, true, "nothing"},
      {"a reconnect already pending: not twice", Policy(),
       Meter(50'000).Cut().Pending(v1::RECONNECT).st, false, "nothing"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const PolicyDecision d = DecidePolicy(c.meter, c.policy, Calendar(), now, c.restore_blocked);
    EXPECT_EQ(Describe(d), c.decision);
    if (d.relay_orders.empty()) {
      EXPECT_EQ(d.next, c.meter) << "nothing decided, nothing changed";
      EXPECT_EQ(d.reconnection_fee_paise, 0);
    } else {
      // Restored: a new credit cycle, and a new tamper watch.
      EXPECT_EQ(d.next.exhausted_us, 0);
      EXPECT_EQ(d.next.notices_sent, 0);
      EXPECT_FALSE(d.next.tamper_alerted);
      EXPECT_EQ(d.next.pending_action, v1::RECONNECT);
      EXPECT_EQ(DueOf(d), kOnEvent);
    }
  }
}

TEST(PrepaidPolicyTest, HoldsOverrideTheBalance) {
  const absl::Time now = Nov(6, 12);
  struct Case {
    const char* name;
    PolicyState meter;
    std::string decision;
    bool cut_for_nonpayment;
  } cases[] = {
      {"keep disconnected: cut by the utility, in credit",
       Meter(50'000).Hold(v1::HOLD_KEEP_DISCONNECTED).st,
       "disconnect (admin hold: keep disconnected)", false},
      {"keep disconnected, out of credit: no notice, cut by the utility",
       Meter(-100).Hold(v1::HOLD_KEEP_DISCONNECTED).st,
       "disconnect (admin hold: keep disconnected)", false},
      {"keep disconnected a meter cut for non-payment: no second command",
       Meter(-100).Exhausted(Nov(2, 10), 3).Cut().Hold(v1::HOLD_KEEP_DISCONNECTED).st, "nothing",
       true},
      {"keep disconnected while the cut is on its way: not ordered twice",
       Meter(50'000).Pending(v1::DISCONNECT).Hold(v1::HOLD_KEEP_DISCONNECTED).st, "nothing", false},
      {"keep disconnected while a reconnect is pending: superseded",
       Meter(50'000).Pending(v1::RECONNECT).Hold(v1::HOLD_KEEP_DISCONNECTED).st,
       "disconnect (admin hold: keep disconnected)", false},
      {"never disconnect lifts a cut, without a fee",
       Meter(-100).Exhausted(Nov(2, 10), 3).Cut().Hold(v1::HOLD_NEVER_DISCONNECT).st,
       "reconnect (admin hold: never disconnect)", true},
      {"never disconnect: out of credit, no notice and no cut",
       Meter(-100).Exhausted(Nov(2, 10), 3).Hold(v1::HOLD_NEVER_DISCONNECT).st, "nothing", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const PolicyDecision d = DecidePolicy(c.meter, Policy(), Calendar(), now);
    EXPECT_EQ(Describe(d), c.decision);
    EXPECT_EQ(d.next.cut_for_nonpayment, c.cut_for_nonpayment);
    EXPECT_EQ(d.reconnection_fee_paise, 0);
    EXPECT_EQ(DueOf(d), kOnEvent) << "a held meter waits for the hold to change";
  }
}

TEST(PrepaidPolicyTest, APostpaidMeterHasOnlyHoldsAndRetries) {
  // Every alert, a Rs 50 floor, no emergency credit: as prepaid meters, each
  // of these would be alerted, noticed, cut or restored.
  const v1::CategoryPolicy policy =
      Policy("alert_percent_bps: [3000, 1000, 0] alert_floor_paise: 5000 alert_days_left: 3");
  const absl::Time now = Nov(6, 12);
  const absl::Time retry_at = Nov(6, 11);
  struct Case {
    const char* name;
    PolicyState meter;
    std::string decision;
  } cases[] = {
      {"no balance: no alert and no notice", Meter(0).DailySpend(10'000).Postpaid().st, "nothing"},
      {"counted as exhausted when prepaid: forgotten, never cut",
       Meter(-5'000).Exhausted(Nov(2, 10), 3).Postpaid().st, "nothing"},
      {"its hold lifted: so is the cut, without fee",
       Meter(0).Cut(/*for_nonpayment=*/false).Postpaid().st, "reconnect (admin hold lifted)"},
      {"its hold lifted while the cut is on its way: superseded",
       Meter(0).Pending(v1::DISCONNECT).Postpaid().st, "reconnect (admin hold lifted)"},
      {"keep disconnected: cut by the utility",
       Meter(0).Hold(v1::HOLD_KEEP_DISCONNECTED).Postpaid().st,
       "disconnect (admin hold: keep disconnected)"},
      {"never disconnect lifts a cut",
       Meter(0).Cut(/*for_nonpayment=*/false).Hold(v1::HOLD_NEVER_DISCONNECT).Postpaid().st,
       "reconnect (admin hold: never disconnect)"},
      {"a held meter's failed cut is ordered again",
       Meter(0).Failed(v1::DISCONNECT, retry_at).Hold(v1::HOLD_KEEP_DISCONNECTED).Postpaid().st,
       "disconnect (retry after a failed command)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const PolicyDecision d = DecidePolicy(c.meter, policy, Calendar(), now);
    EXPECT_EQ(Describe(d), c.decision);
    EXPECT_EQ(d.reconnection_fee_paise, 0);
    EXPECT_EQ(d.next.exhausted_us, 0);
    EXPECT_EQ(d.next.notices_sent, 0);
    EXPECT_EQ(d.next.alerts_sent, 0);
  }
}

TEST(PrepaidPolicyTest, AFailedCommandIsOrderedAgainAtItsRetryTime) {
  const absl::Time retry_at = Nov(5, 10, 15);
  // A cut ordered on Thursday at 10:00 failed: the relay is still closed.
  auto failed_cut = [&](int64_t balance) {
    return Meter(balance).Exhausted(Nov(2, 10), 3).Failed(v1::DISCONNECT, retry_at);
  };
  struct Case {
    const char* name;
    PolicyState meter;
    absl::Time now;
    std::string decision;
    absl::Time next_due;
  } cases[] = {
      {"before its retry time: waits", failed_cut(-100).st, Nov(5, 10, 14), "nothing", retry_at},
      {"at its retry time: ordered again", failed_cut(-100).st, retry_at,
       "disconnect (retry after a failed command)", kOnEvent},
      {"paid meanwhile: the retry, then a reconnect without fee", failed_cut(50'000).st, retry_at,
       "disconnect (retry after a failed command), reconnect (recharged)", kOnEvent},
      {"never while a command is pending",
       Meter(-100)
           .Exhausted(Nov(2, 10), 3)
           .Failed(v1::DISCONNECT, retry_at)
           .Pending(v1::DISCONNECT)
           .st,
       retry_at, "nothing", retry_at},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const PolicyDecision d = DecidePolicy(c.meter, Policy(), Calendar(), c.now);
    EXPECT_EQ(Describe(d), c.decision);
    EXPECT_EQ(DueOf(d), c.next_due);
    if (!d.relay_orders.empty()) {
      EXPECT_EQ(d.next.relay_retry_us, 0);
    }
  }
}

TEST(PrepaidPolicyTest, ARetriedCutForNonPaymentWaitsOutTheProtectedHours) {
  // Thursday 5 November: a cut ordered at 17:50 failed; its retry falls due
  // at 19:00, inside the no-cutoff window, so it waits for Friday 08:00. A
  // hold's cut is no cut for non-payment: retried at once.
  const absl::Time evening = Nov(5, 19, 0);
  struct Case {
    const char* name;
    PolicyState meter;
    std::string decision;
    absl::Time next_due;
  } cases[] = {
      {"the policy's cut: waits for the morning",
       Meter(-100)
           .Exhausted(Nov(2, 10), 3)
           .Cut()
           .Failed(v1::DISCONNECT, evening)
           .Set(&PolicyState::relay, v1::RELAY_CONNECTED)
           .st,
       "nothing", Nov(6, 8, 0)},
      {"a drive's cut: waits for the morning",
       Meter(50'000)
           .DriveCut()
           .Failed(v1::DISCONNECT, evening)
           .Set(&PolicyState::relay, v1::RELAY_CONNECTED)
           .st,
       "nothing", Nov(6, 8, 0)},
      {"a hold's cut: at once",
       Meter(50'000)
           .Hold(v1::HOLD_KEEP_DISCONNECTED)
           .Cut(/*for_nonpayment=*/false)
           .Failed(v1::DISCONNECT, evening)
           .Set(&PolicyState::relay, v1::RELAY_CONNECTED)
           .st,
       "disconnect (retry after a failed command)", kOnEvent},
      {"a reconnect: at once",
       Meter(50'000)
           .Failed(v1::RECONNECT, evening)
           .Set(&PolicyState::relay, v1::RELAY_DISCONNECTED)
           .st,
       "reconnect (retry after a failed command)", kOnEvent},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const PolicyDecision d = DecidePolicy(c.meter, Policy(), Calendar(), evening);
    EXPECT_EQ(Describe(d), c.decision);
    EXPECT_EQ(DueOf(d), c.next_due);
  }
  // At 08:00 the waiting cut goes out.
  PolicyState waiting = Meter(50'000)
                            .DriveCut()
                            .Failed(v1::DISCONNECT, Nov(6, 8, 0))
                            .Set(&PolicyState::relay, v1::RELAY_CONNECTED)
                            .st;
  EXPECT_EQ(Describe(DecidePolicy(waiting, Policy(), Calendar(), Nov(6, 8, 0))),
            "disconnect (retry after a failed command)");
}

TEST(PrepaidPolicyTest, ARechargeDoesNotRestoreAMeterADriveCut) {
  // Rs 500 in the wallet: the policy would restore a meter it cut itself;
  // a drive's cut waits for the drive's restore rule (dues paid).
  EXPECT_EQ(Describe(DecidePolicy(Meter(50'000).Cut().st, Policy(), Calendar(), Nov(3, 10))),
            "fee 35000, reconnect (recharged)");
  EXPECT_EQ(Describe(DecidePolicy(Meter(50'000).DriveCut().st, Policy(), Calendar(), Nov(3, 10))),
            "nothing");
  // A never-disconnect hold still overrides it.
  EXPECT_EQ(Describe(DecidePolicy(Meter(50'000).DriveCut().Hold(v1::HOLD_NEVER_DISCONNECT).st,
                                  Policy(), Calendar(), Nov(3, 10))),
            "reconnect (admin hold: never disconnect)");
}

TEST(PrepaidPolicyTest, ArrearsShareOfARecharge) {
  // 20 % of each recharge, at most Rs 1,000, at most what is owed.
  v1::CategoryPolicy policy;
  policy.set_arrears_share_bps(2000);
  policy.set_arrears_cap_paise(100'000);
  v1::CategoryPolicy uncapped = policy;
  uncapped.clear_arrears_cap_paise();
  v1::CategoryPolicy none;
  struct Case {
    const char* name;
    const v1::CategoryPolicy& policy;
    int64_t amount;
    int64_t owed;
    int64_t share;
  } cases[] = {
      {"a fifth of the recharge", policy, 50'000, 1'000'000, 10'000},
      {"capped at Rs 1,000", policy, 1'000'000, 1'000'000, 100'000},
      {"no cap", uncapped, 1'000'000, 1'000'000, 200'000},
      {"no more than is owed", policy, 50'000, 3'000, 3'000},
      {"nothing owed", policy, 50'000, 0, 0},
      {"a category that recovers nothing", none, 50'000, 1'000'000, 0},
      {"rounded down", policy, 4, 1'000'000, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ArrearsShare(c.policy, c.amount, c.owed), c.share);
  }
}

TEST(PrepaidPolicyTest, ReconnectionFeeBoundOnlyAfterACut) {
  v1::CategoryPolicy policy;
  policy.set_reconnection_fee_paise(35'000);
  store::v1::MeterState state;
  EXPECT_EQ(ReconnectionFeeBound(state, policy), 0);
  state.set_last_action(v1::RECONNECT);
  EXPECT_EQ(ReconnectionFeeBound(state, policy), 0);
  state.set_last_action(v1::DISCONNECT);
  EXPECT_EQ(ReconnectionFeeBound(state, policy), 35'000);
}

TEST(PrepaidPolicyTest, StateRoundTripsAndStoreInKeepsTheRest) {
  store::v1::MeterState stored;
  stored.set_balance_paise(12'345);
  stored.set_last_seq(77);
  stored.set_pending_command_id("rc-9");
  stored.set_register_wh(1'000);
  PolicyState st = PolicyState::Of(stored);
  EXPECT_EQ(st.balance_paise, 12'345);
  st.exhausted_us = 5;
  st.notices_sent = 2;
  st.alerts_sent = 0b101;
  st.floor_alert_sent = true;
  st.days_left_alert_sent = true;
  st.last_action = v1::DISCONNECT;
  st.pending_action = v1::DISCONNECT;
  st.relay_retry_us = 9;
  st.cut_for_nonpayment = true;
  st.tamper_alerted = true;
  st.balance_paise = 1;  // not the policy's: StoreIn leaves it
  st.StoreIn(&stored);
  EXPECT_EQ(stored.balance_paise(), 12'345);
  EXPECT_EQ(stored.last_seq(), 77u);
  EXPECT_EQ(stored.pending_command_id(), "rc-9");
  EXPECT_EQ(stored.register_wh(), 1'000);
  st.balance_paise = 12'345;
  EXPECT_EQ(PolicyState::Of(stored), st);
}

TEST(NotificationTextTest, EachAlertInWords) {
  PolicyAlert alert;
  alert.balance_paise = 25'000;
  alert.why = PolicyAlert::Why::kThreshold;
  alert.amount_paise = 30'000;
  EXPECT_EQ(AlertText("M1", alert),
            "Meter M1: balance Rs 250.00 is low. Recharge soon to avoid disconnection.");
  alert.why = PolicyAlert::Why::kFloor;
  alert.amount_paise = 5'000;
  alert.balance_paise = 4'000;
  EXPECT_EQ(AlertText("M1", alert),
            "Meter M1: balance Rs 40.00 has reached Rs 50.00. Recharge soon.");
  alert.why = PolicyAlert::Why::kDaysLeft;
  alert.days_left = 0;
  EXPECT_EQ(AlertText("M1", alert),
            "Meter M1: balance Rs 40.00 lasts less than a day at your recent usage. Recharge "
            "soon.");
  alert.days_left = 1;
  EXPECT_THAT(AlertText("M1", alert), ::testing::HasSubstr("lasts about 1 day at"));
  alert.days_left = 2;
  EXPECT_THAT(AlertText("M1", alert), ::testing::HasSubstr("lasts about 2 days at"));
  alert.why = PolicyAlert::Why::kNotice;
  alert.balance_paise = -100;
  alert.notice_day = 2;
  alert.notice_days = 3;
  EXPECT_EQ(AlertText("M1", alert),
            "Meter M1: credit exhausted (balance -Rs 1.00). Notice 2 of 3: supply will be "
            "disconnected after the notice period unless you recharge.");
}

TEST(NotificationTextTest, ReceiptsAndRelayNews) {
  EXPECT_EQ(RechargeReceiptText("M1", 50'000, 0, 72'500),
            "Recharge of Rs 500.00 received for meter M1. New balance Rs 725.00.");
  EXPECT_EQ(RechargeReceiptText("M1", 50'000, 10'000, 40'000),
            "Recharge of Rs 500.00 received for meter M1, arrears recovered Rs 100.00. New "
            "balance Rs 400.00.");
  EXPECT_THAT(DisconnectedText("M1", true), ::testing::HasSubstr("for non-payment"));
  EXPECT_THAT(DisconnectedText("M1", false), ::testing::HasSubstr("by the utility"));
  EXPECT_EQ(RelayReasonText(RelayReason::kCut), "credit exhausted, notice served");
  EXPECT_EQ(RelayReasonText(RelayReason::kRestore), "recharged");
}

}  // namespace
}  // namespace wallet
