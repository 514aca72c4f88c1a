// The prepaid policy: what happens to a meter as its balance moves and time
// passes. Low-balance alerts, emergency credit, the daily disconnection
// notices, the friendly hours in which supply is never cut, the cut itself,
// admin holds, the retry of a failed relay command, and restore (with the
// reconnection fee) once a recharge brings the balance back.
//
// Everything here is a pure function of its arguments: the meter's state,
// its category's policy, the cutoff calendar and the time. Nothing reads a
// clock or the store, posts money or writes text: the decisions say what to
// do, and the ledger does it (wallet/ledger.h: notifications and relay
// commands into the outbox, the fee into the journal); the words of the SMS
// are in wallet/notification_text.h. All times are Unix microseconds or
// absl::Time; days are 24 hours from the moment credit ran out.
//
// The rules, in the order DecidePolicy applies them:
//   1. Credit is exhausted when the balance is at or below minus the
//      category's emergency credit. The moment it first is, is remembered
//      (exhausted_us) and the notice count starts from 0; a balance back
//      above it before a cut forgets both.
//   2. Alerts, once per recharge cycle each: one LOW_BALANCE when the balance
//      falls to a threshold (alert_percent_bps of the last recharge; several
//      crossed at once send one, for the lowest), one at alert_floor_paise
//      (unless a threshold alert went out with it), one when the balance
//      lasts fewer than alert_days_left days at the recent daily spend.
//   3. Notices: while exhausted, not cut and not held, notice k of N is due
//      k-1 days after credit ran out; each is sent once.
//   4. A relay command that failed for good is ordered again once its retry
//      time has come and nothing is pending; a cut for non-payment (the
//      policy's or a drive's) only when the calendar allows a cut then,
//      else at the first moment it does.
//   5. Holds override the rest: HOLD_KEEP_DISCONNECTED cuts (not for
//      non-payment), HOLD_NEVER_DISCONNECT restores a meter the policy cut
//      and stops notices and cuts.
//   6. Restore: a meter the policy cut (not a drive: its own rule decides,
//      wallet/drive.h) is reconnected once its balance, less
//      the reconnection fee (due only after a cut for non-payment that the
//      relay confirmed), reaches restore_threshold_paise and is above the
//      exhaustion line: no flapping at the boundary.
//   7. Cut: an exhausted meter whose notices are all served, whose grace
//      period and notice period (CutoffEligibleUs) are over, is disconnected
//      for non-payment, but only when the calendar allows a cut now.
// A post-paid meter has no credit to run out: rules 1-3, 6 and 7 do not
// apply to it (no exhaustion, alerts, notices, restore by balance or cut);
// retries and holds do, and a cut it is under with no hold left (the hold
// that cut it was lifted) is lifted at once, without fee.
// A relay command is never ordered twice in a row: not while the same one is
// pending, nor when the policy's last decision was already that.
//
// Thread safety: pure functions; call from any thread.
//
// Example:
//   const PolicyState before = PolicyState::Of(meter_state);
//   PolicyDecision d = DecidePolicy(before, PolicyFor(config, category), calendar, now);
//   for (const PolicyAlert& alert : d.alerts) { ... notify ... }
//   for (const RelayOrder& order : d.relay_orders) { ... command the relay ... }
//   d.next.StoreIn(&meter_state);
#ifndef WALLET_PREPAID_POLICY_H_
#define WALLET_PREPAID_POLICY_H_

#include <cstdint>

#include "absl/container/inlined_vector.h"
#include "absl/time/time.h"
#include "wallet/policy_config.h"
#include "wallet/store/v1/records.pb.h"
#include "wallet/v1/common.pb.h"
#include "wallet/v1/meter.pb.h"
#include "wallet/v1/policy.pb.h"

namespace wallet {

// PolicyState is the part of a meter's stored state (store::v1::MeterState)
// that the policy reads and decides: plain values, cheap to copy.
struct PolicyState {
  // Read only: the wallet, usage, and what others decide.
  int64_t balance_paise = 0;
  int64_t last_recharge_paise = 0;
  int64_t daily_spend_paise = 0;
  int64_t prepaid_since_us = 0;  // start of the grace period
  v1::Hold hold = v1::HOLD_NONE;
  v1::RelayState relay = v1::RELAY_UNKNOWN;  // as last reported by the gateway
  // The meter is post-paid (its record's billing mode, not its state: Of
  // leaves it false, StoreIn does not store it).
  bool postpaid = false;
  // A collection drive ordered the meter cut (MeterState.drive_id): its
  // restore rule, not a recharge, brings supply back.
  bool drive_cut = false;

  // Decided by the policy.
  int64_t exhausted_us = 0;  // when credit ran out; 0 if it has not
  int32_t notices_sent = 0;
  int32_t alerts_sent = 0;  // bit i: alert_percent_bps[i] sent this cycle
  bool floor_alert_sent = false;
  bool days_left_alert_sent = false;
  v1::RelayAction last_action = v1::RELAY_ACTION_UNSPECIFIED;     // the last command ordered
  v1::RelayAction pending_action = v1::RELAY_ACTION_UNSPECIFIED;  // ordered, not yet reported
  int64_t relay_retry_us = 0;       // when to order a failed command again; 0 = never
  bool cut_for_nonpayment = false;  // the last DISCONNECT was the policy's, not a hold's
  bool tamper_alerted = false;      // supply seen on while commanded off

  // Of reads the policy's fields out of a stored state.
  static PolicyState Of(const store::v1::MeterState& state);
  // StoreIn writes the fields the policy decides into `state`; it leaves the
  // others (balance, readings, command ids, ...) as they are.
  void StoreIn(store::v1::MeterState* state) const;

  friend bool operator==(const PolicyState& a, const PolicyState& b);
  friend bool operator!=(const PolicyState& a, const PolicyState& b) { return !(a == b); }
};

// PolicyAlert is a notification the policy decides to send the consumer.
struct PolicyAlert {
  enum class Why {
    kThreshold,  // the balance fell to an alert threshold (LOW_BALANCE)
    kFloor,      // the balance fell to alert_floor_paise (LOW_BALANCE)
    kDaysLeft,   // the balance lasts fewer than alert_days_left days (LOW_BALANCE)
    kNotice,     // a disconnection notice (NOTICE)
  };
  Why why = Why::kThreshold;
  v1::Notification::Kind kind = v1::Notification::LOW_BALANCE;
  // The notification's amount: the threshold crossed (the lowest if several
  // were), the floor, or the balance (kDaysLeft, kNotice).
  int64_t amount_paise = 0;
  // The balance when decided.
  int64_t balance_paise = 0;
  // kDaysLeft: whole days the balance lasts (0: less than a day).
  int64_t days_left = 0;
  // kNotice: this is notice `notice_day` of `notice_days`.
  int32_t notice_day = 0;
  int32_t notice_days = 0;
};

// RelayReason is why the policy orders a relay command (the command's reason
// text is in wallet/notification_text.h).
enum class RelayReason {
  kRetry,                 // a failed command ordered again
  kHoldKeepDisconnected,  // HOLD_KEEP_DISCONNECTED
  kHoldNeverDisconnect,   // HOLD_NEVER_DISCONNECT lifts a cut
  kRestore,               // recharged: balance back above the restore threshold
  kCut,                   // credit exhausted and every notice served
  kNowPostpaid,           // switched to post-paid: a cut for non-payment is lifted
  kHoldLifted,            // a post-paid meter's hold is lifted: so is its cut
};

// RelayOrder is a relay command the policy orders.
struct RelayOrder {
  v1::RelayAction action = v1::RELAY_ACTION_UNSPECIFIED;
  RelayReason reason = RelayReason::kRetry;
};

// PolicyDecision is everything the policy decides about one meter at one
// time. Carry it out in this order: the alerts; the relay orders, charging
// the reconnection fee just before the kRestore order; the new state.
struct PolicyDecision {
  // The policy's fields of the meter's state after the decisions below.
  PolicyState next;
  // Notifications to send, in order.
  absl::InlinedVector<PolicyAlert, 4> alerts;
  // Relay commands to order, in order: a retry first, then the policy's own.
  // Each supersedes the one pending before it.
  absl::InlinedVector<RelayOrder, 2> relay_orders;
  // The reconnection fee to charge with the kRestore order (0: none).
  int64_t reconnection_fee_paise = 0;
  // When the policy must look at the meter again on its own (0: only when a
  // request or a report about it comes).
  int64_t next_due_us = 0;
};

// DecidePolicy decides, for a meter in `state` under `policy` (its
// category's, with notice_days set or defaulting as NoticeDays says) and
// `calendar`, at `now`. `restore_blocked` says that the reconnection fee
// cannot be charged (it would take a balance out of range): the meter then
// stays as it is instead of being restored.
PolicyDecision DecidePolicy(const PolicyState& state, const v1::CategoryPolicy& policy,
                            const CutoffCalendar& calendar, absl::Time now,
                            bool restore_blocked = false);

// NextPolicyDue is when the policy must look at a meter in `state` again on
// its own (0: only on events), given the time now (0 when unknown, e.g. at
// load). DecidePolicy's next_due_us is this for its `next` state.
int64_t NextPolicyDue(const PolicyState& state, const v1::CategoryPolicy& policy,
                      const CutoffCalendar& calendar, int64_t now_us);

// CutoffEligibleUs is the first instant (Unix microseconds) at which the
// policy may cut a meter whose credit ran out at `exhausted_us`: after its
// notice days have passed and after the grace period that began at
// `prepaid_since_us`. The calendar (friendly hours) applies on top.
int64_t CutoffEligibleUs(int64_t exhausted_us, int64_t prepaid_since_us,
                         const v1::CategoryPolicy& policy);

// ReconnectionFeeBound is the most a recharge of a meter in `state` may pay
// as reconnection fee when it restores supply: the fee if the policy's last
// command was a cut, else 0.
int64_t ReconnectionFeeBound(const store::v1::MeterState& state, const v1::CategoryPolicy& policy);

// ArrearsShare is what a recharge of `amount_paise` recovers of legacy
// arrears: arrears_share_bps of the amount, at most arrears_cap_paise (when
// set) and at most `owed_paise`, what the meter still owes (0 if nothing).
int64_t ArrearsShare(const v1::CategoryPolicy& policy, int64_t amount_paise, int64_t owed_paise);

}  // namespace wallet

#endif  // WALLET_PREPAID_POLICY_H_
