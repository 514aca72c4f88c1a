#include "wallet/prepaid_policy.h"

#include <algorithm>

#include "wallet/money.h"

namespace wallet {
namespace {

constexpr int64_t kDayUs = int64_t{86400} * 1'000'000;

// Order adds a relay command to `d` unless it would repeat the pending one
// or the policy's last decision.
void Order(PolicyDecision& d, v1::RelayAction action, RelayReason reason) {
  PolicyState& st = d.next;
  if (st.pending_action == action) return;
  if (st.pending_action == v1::RELAY_ACTION_UNSPECIFIED && st.last_action == action) return;
  d.relay_orders.push_back(RelayOrder{action, reason});
  st.pending_action = action;
  st.last_action = action;
  st.relay_retry_us = 0;
}

void AddAlert(PolicyDecision& d, PolicyAlert::Why why, int64_t amount, int64_t days_left = 0) {
  PolicyAlert alert;
  alert.why = why;
  alert.kind = v1::Notification::LOW_BALANCE;
  alert.amount_paise = amount;
  alert.balance_paise = d.next.balance_paise;
  alert.days_left = days_left;
  d.alerts.push_back(alert);
}

// DecideAlerts applies rule 2 (see the header).
void DecideAlerts(const v1::CategoryPolicy& p, PolicyDecision& d) {
  PolicyState& st = d.next;
  const int64_t balance = st.balance_paise;
  const int64_t last_recharge = st.last_recharge_paise;
  // Thresholds crossed by one debit send one SMS (the lowest), not several.
  int32_t crossed = 0;
  int64_t lowest = 0;
  for (int i = 0; i < p.alert_percent_bps_size() && i < 31 && last_recharge > 0; ++i) {
    const int64_t threshold = PercentOfBps(last_recharge, p.alert_percent_bps(i));
    if (balance <= threshold && !(st.alerts_sent & (1 << i))) {
      crossed |= 1 << i;
      lowest = threshold;
    }
  }
  if (crossed != 0) {
    st.alerts_sent |= crossed;
    AddAlert(d, PolicyAlert::Why::kThreshold, lowest);
  }
  if (p.alert_floor_paise() > 0 && balance <= p.alert_floor_paise() && !st.floor_alert_sent) {
    st.floor_alert_sent = true;
    if (crossed == 0) AddAlert(d, PolicyAlert::Why::kFloor, p.alert_floor_paise());
  }
  if (p.alert_days_left() > 0 && st.daily_spend_paise > 0 && balance > 0 &&
      balance / st.daily_spend_paise < p.alert_days_left() && !st.days_left_alert_sent) {
    st.days_left_alert_sent = true;
    AddAlert(d, PolicyAlert::Why::kDaysLeft, balance, balance / st.daily_spend_paise);
  }
}

// DecideNotice applies rule 3.
void DecideNotice(const v1::CategoryPolicy& p, int64_t now_us, PolicyDecision& d) {
  PolicyState& st = d.next;
  // Notice k of N is due k-1 days after credit ran out.
  const int32_t notice_days = NoticeDays(p);
  const int64_t due = std::min<int64_t>(notice_days, 1 + (now_us - st.exhausted_us) / kDayUs);
  if (st.notices_sent >= due) return;
  st.notices_sent = static_cast<int32_t>(due);
  PolicyAlert notice;
  notice.why = PolicyAlert::Why::kNotice;
  notice.kind = v1::Notification::NOTICE;
  notice.amount_paise = st.balance_paise;
  notice.balance_paise = st.balance_paise;
  notice.notice_day = static_cast<int32_t>(due);
  notice.notice_days = notice_days;
  d.alerts.push_back(notice);
}

// DecideRestore applies rule 6 to a meter the policy cut.
void DecideRestore(const v1::CategoryPolicy& p, bool restore_blocked, PolicyDecision& d) {
  PolicyState& st = d.next;
  // The fee is due only if a cut for non-payment happened.
  const bool cut = st.relay == v1::RELAY_DISCONNECTED && st.cut_for_nonpayment;
  const int64_t fee = cut ? p.reconnection_fee_paise() : 0;
  const __int128 after_fee = static_cast<__int128>(st.balance_paise) - fee;
  // Restored only if, after the fee, the balance reaches the threshold and
  // credit is no longer exhausted: no flapping at the boundary.
  if (restore_blocked || after_fee < p.restore_threshold_paise() ||
      after_fee <= -p.emergency_credit_paise()) {
    return;
  }
  d.reconnection_fee_paise = fee;
  st.exhausted_us = 0;
  st.notices_sent = 0;
  st.tamper_alerted = false;
  Order(d, v1::RECONNECT, RelayReason::kRestore);
}

}  // namespace

PolicyState PolicyState::Of(const store::v1::MeterState& state) {
  PolicyState st;
  st.balance_paise = state.balance_paise();
  st.last_recharge_paise = state.last_recharge_paise();
  st.daily_spend_paise = state.daily_spend_paise();
  st.prepaid_since_us = state.prepaid_since_us();
  st.hold = state.hold();
  st.relay = state.relay();
  st.drive_cut = !state.drive_id().empty();
  st.exhausted_us = state.exhausted_us();
  st.notices_sent = state.notices_sent();
  st.alerts_sent = state.alerts_sent();
  st.floor_alert_sent = state.floor_alert_sent();
  st.days_left_alert_sent = state.days_left_alert_sent();
  st.last_action = state.last_action();
  st.pending_action = state.pending_action();
  st.relay_retry_us = state.relay_retry_us();
  st.cut_for_nonpayment = state.cut_for_nonpayment();
  st.tamper_alerted = state.tamper_alerted();
  return st;
}

void PolicyState::StoreIn(store::v1::MeterState* state) const {
  state->set_exhausted_us(exhausted_us);
  state->set_notices_sent(notices_sent);
  state->set_alerts_sent(alerts_sent);
  state->set_floor_alert_sent(floor_alert_sent);
  state->set_days_left_alert_sent(days_left_alert_sent);
  state->set_last_action(last_action);
  state->set_pending_action(pending_action);
  state->set_relay_retry_us(relay_retry_us);
  state->set_cut_for_nonpayment(cut_for_nonpayment);
  state->set_tamper_alerted(tamper_alerted);
}

bool operator==(const PolicyState& a, const PolicyState& b) {
  return a.balance_paise == b.balance_paise && a.last_recharge_paise == b.last_recharge_paise &&
         a.daily_spend_paise == b.daily_spend_paise && a.prepaid_since_us == b.prepaid_since_us &&
         a.hold == b.hold && a.relay == b.relay && a.drive_cut == b.drive_cut &&
         a.exhausted_us == b.exhausted_us &&
         a.notices_sent == b.notices_sent && a.alerts_sent == b.alerts_sent &&
         a.floor_alert_sent == b.floor_alert_sent &&
         a.days_left_alert_sent == b.days_left_alert_sent && a.last_action == b.last_action &&
         a.pending_action == b.pending_action && a.relay_retry_us == b.relay_retry_us &&
         a.cut_for_nonpayment == b.cut_for_nonpayment && a.tamper_alerted == b.tamper_alerted &&
         a.postpaid == b.postpaid;
}

PolicyDecision DecidePolicy(const PolicyState& state, const v1::CategoryPolicy& p,
                            const CutoffCalendar& calendar, absl::Time now, bool restore_blocked) {
  PolicyDecision d;
  d.next = state;
  PolicyState& st = d.next;
  const int64_t now_us = absl::ToUnixMicros(now);
  // Rule 1: emergency credit and exhaustion; a post-paid meter has no credit.
  const bool exhausted = !st.postpaid && st.balance_paise <= -p.emergency_credit_paise();
  if (st.postpaid) {
    st.exhausted_us = 0;
    st.notices_sent = 0;
  } else if (!exhausted && st.exhausted_us != 0 && st.last_action != v1::DISCONNECT) {
    st.exhausted_us = 0;  // recharged during the notice period
    st.notices_sent = 0;
  } else if (exhausted && st.exhausted_us == 0) {
    st.exhausted_us = now_us;
    st.notices_sent = 0;
  }
  if (!st.postpaid) DecideAlerts(p, d);
  if (exhausted && st.last_action != v1::DISCONNECT && st.hold == v1::HOLD_NONE) {
    DecideNotice(p, now_us, d);
  }
  // Rule 4: a command that failed for good is ordered again after a while.
  if (st.pending_action == v1::RELAY_ACTION_UNSPECIFIED && st.relay_retry_us != 0 &&
      now_us >= st.relay_retry_us) {
    const bool friendly_hours = st.last_action == v1::DISCONNECT &&
                                (st.cut_for_nonpayment || st.drive_cut) &&
                                !calendar.CutoffAllowed(now);
    if (friendly_hours) {
      // A cut for non-payment waits for the end of the protected hours.
      const absl::Time allowed = calendar.NextCutoffAllowed(now);
      st.relay_retry_us = allowed == absl::InfiniteFuture() ? 0 : absl::ToUnixMicros(allowed);
    } else {
      st.relay_retry_us = 0;
      const v1::RelayAction again = st.last_action;
      st.last_action = v1::RELAY_ACTION_UNSPECIFIED;
      Order(d, again, RelayReason::kRetry);
    }
  }
  switch (st.hold) {
    case v1::HOLD_KEEP_DISCONNECTED:
      if (st.last_action != v1::DISCONNECT) st.cut_for_nonpayment = false;
      Order(d, v1::DISCONNECT, RelayReason::kHoldKeepDisconnected);
      break;
    case v1::HOLD_NEVER_DISCONNECT:
      if (st.last_action == v1::DISCONNECT) {
        Order(d, v1::RECONNECT, RelayReason::kHoldNeverDisconnect);
      }
      break;
    default:
      if (st.last_action == v1::DISCONNECT) {
        if (st.drive_cut) {
          // A collection drive's cut stands until the drive's restore rule
          // is met (Ledger::ApplyDriveRestoreRule), whatever the balance.
        } else if (st.postpaid) {
          // Only a hold cuts a post-paid meter here; lifted, nothing keeps
          // the supply off (there is no balance to wait for).
          Order(d, v1::RECONNECT, RelayReason::kHoldLifted);
        } else {
          DecideRestore(p, restore_blocked, d);
        }
      } else if (exhausted && st.notices_sent >= NoticeDays(p) &&
                 now_us >= CutoffEligibleUs(st.exhausted_us, st.prepaid_since_us, p) &&
                 calendar.CutoffAllowed(now)) {
        Order(d, v1::DISCONNECT, RelayReason::kCut);
        st.cut_for_nonpayment = true;
      }
  }
  d.next_due_us = NextPolicyDue(st, p, calendar, now_us);
  return d;
}

int64_t NextPolicyDue(const PolicyState& st, const v1::CategoryPolicy& p,
                      const CutoffCalendar& calendar, int64_t now_us) {
  int64_t due = 0;
  auto consider = [&due](int64_t t) {
    if (t > 0 && (due == 0 || t < due)) due = t;
  };
  if (st.relay_retry_us != 0) consider(st.relay_retry_us);
  if (st.exhausted_us == 0 || st.hold != v1::HOLD_NONE || st.last_action == v1::DISCONNECT) {
    return due;
  }
  if (st.notices_sent < NoticeDays(p)) {
    consider(st.exhausted_us + st.notices_sent * kDayUs);
  }
  const int64_t eligible =
      std::max(CutoffEligibleUs(st.exhausted_us, st.prepaid_since_us, p), now_us + 1);
  const absl::Time allowed = calendar.NextCutoffAllowed(absl::FromUnixMicros(eligible));
  if (allowed != absl::InfiniteFuture()) consider(absl::ToUnixMicros(allowed));
  return due;
}

int64_t CutoffEligibleUs(int64_t exhausted_us, int64_t prepaid_since_us,
                         const v1::CategoryPolicy& policy) {
  return std::max(exhausted_us + NoticeDays(policy) * kDayUs,
                  prepaid_since_us + policy.grace_days() * kDayUs);
}

int64_t ReconnectionFeeBound(const store::v1::MeterState& state, const v1::CategoryPolicy& policy) {
  return state.last_action() == v1::DISCONNECT ? policy.reconnection_fee_paise() : 0;
}

int64_t ArrearsShare(const v1::CategoryPolicy& p, int64_t amount_paise, int64_t owed_paise) {
  int64_t share = PercentOfBps(amount_paise, p.arrears_share_bps());
  if (share == 0) return 0;
  if (p.arrears_cap_paise() > 0) share = std::min(share, p.arrears_cap_paise());
  return std::max<int64_t>(0, std::min(share, owed_paise));
}

}  // namespace wallet
