// The prepaid policy carried out: the decisions of DecidePolicy
// (wallet/prepaid_policy.h) turned into notifications and relay commands in
// the outbox, the reconnection fee in the journal, the meter's new state and
// its next due time; the scheduler's ticks; and a meter's switch between
// prepaid and post-paid, which starts or stops the policy. Ledger member
// functions; see ledger.h. Writer thread only.
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "wallet/accounts.h"
#include "wallet/ledger.h"
#include "wallet/notification_text.h"

namespace wallet {
namespace {

// At 08:00 after a big notice wave many meters fall due together: a tick
// takes a bounded slice so that one commit stays small; the next tick, a
// second later, takes the next slice.
constexpr int kMaxMetersPerTick = 5'000;

}  // namespace

const v1::CategoryPolicy& Ledger::PolicyOf(const MeterEntry& m) const {
  return PolicyFor(options_.policy, m.meter.category());
}

void Ledger::Evaluate(Txn& txn, MeterEntry& m) {
  const v1::CategoryPolicy& policy = PolicyOf(m);
  const std::string& id = m.meter.meter_id();
  const PolicyState before = PolicyStateOf(m);
  PolicyDecision d = DecidePolicy(before, policy, *calendar_, txn.now);
  const int64_t fee = d.reconnection_fee_paise;
  if (fee > 0) {
    // Recharges check the fee's range before they post; an evaluation on its
    // own (a tick, a relay report) cannot fail, so a fee out of range leaves
    // the meter as it is rather than post it.
    const absl::Status fits = journal_.CheckRange({{MeterAccount(id), -fee}, {kFees, fee}});
    if (!fits.ok()) {
      LOG(ERROR) << "meter " << id << " not restored: " << fits.message();
      d = DecidePolicy(before, policy, *calendar_, txn.now, /*restore_blocked=*/true);
    }
  }
  for (const PolicyAlert& alert : d.alerts) {
    Notify(txn, m, alert.kind, alert.amount_paise, AlertText(id, alert), alert.notice_day);
  }
  d.next.StoreIn(&m.state);
  for (const RelayOrder& order : d.relay_orders) {
    if (order.reason == RelayReason::kRestore && d.reconnection_fee_paise > 0) {
      // The reference names the command the fee is charged with.
      journal_.Post(txn, v1::RECONNECTION_FEE, MeterAccount(id), std::string(kFees),
                    d.reconnection_fee_paise,
                    absl::StrCat("reconnect-", m.state.pending_command_id(), "-",
                                 absl::ToUnixMicros(txn.now)),
                    "reconnection fee");
    }
    OrderRelay(txn, m, order.action, RelayReasonText(order.reason));
  }
  scheduler_.Schedule(id, m.due_us, d.next_due_us);
  // Most evaluations (every recharge) change nothing: the state is written
  // only when they did.
  if (d.next != before || !d.relay_orders.empty()) meters_.Touch(m);
}

void Ledger::OrderRelay(Txn& txn, MeterEntry& m, v1::RelayAction action, absl::string_view reason) {
  store::v1::MeterState& st = m.state;
  store::v1::OutboxItem item;
  store::v1::RelayCommandRecord& command = *item.mutable_relay();
  command.set_meter_id(m.meter.meter_id());
  command.set_action(action);
  command.set_reason(std::string(reason));
  command.set_supersedes_command_id(st.pending_command_id());
  command.set_issued_us(absl::ToUnixMicros(txn.now));
  outbox_.Add(*txn.batch, item);
  st.set_pending_command_id(command.command_id());
  st.set_last_command_id(command.command_id());
  meters_.Touch(m);
}

void Ledger::Notify(Txn& txn, const MeterEntry& m, v1::Notification::Kind kind, int64_t amount,
                    std::string text, int32_t notice_day, int64_t arrears) {
  store::v1::OutboxItem item;
  store::v1::NotificationRecord& n = *item.mutable_notification();
  n.set_kind(kind);
  n.set_meter_id(m.meter.meter_id());
  n.set_consumer_id(m.meter.consumer_id());
  // Tamper alerts and quarantined readings go to the utility, not the consumer.
  if (kind != v1::Notification::TAMPER_ALERT && kind != v1::Notification::QUARANTINED_READING) {
    n.set_phone(m.consumer->phone);
    n.set_language(m.consumer->language);
  }
  n.set_balance_paise(m.state.balance_paise());
  n.set_amount_paise(amount);
  n.set_arrears_recovered_paise(arrears);
  n.set_notice_day(notice_day);
  n.set_time_us(absl::ToUnixMicros(txn.now));
  n.set_text(std::move(text));
  outbox_.Add(*txn.batch, item);
}

void Ledger::Tick(Txn& txn) {
  const int64_t now = absl::ToUnixMicros(txn.now);
  for (int n = 0; n < kMaxMetersPerTick; ++n) {
    const std::optional<std::string> meter_id = scheduler_.PopDue(now);
    if (!meter_id) break;
    MeterEntry* m = meters_.Find(*meter_id);
    DCHECK(m != nullptr) << "scheduled meter " << *meter_id << " is not registered";
    if (m == nullptr) continue;
    m->due_us = 0;
    Evaluate(txn, *m);
  }
  for (DriveEntry* drive : drives_.Running()) RunDrive(txn, *drive);
}

PolicyState Ledger::PolicyStateOf(const MeterEntry& m) const {
  PolicyState st = PolicyState::Of(m.state);
  st.postpaid = m.meter.billing_mode() == v1::POSTPAID;
  return st;
}

absl::Status Ledger::RefuseIfPostpaid(const MeterEntry& m) {
  if (m.meter.billing_mode() != v1::POSTPAID) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("meter ", m.meter.meter_id(),
                   " is post-paid: it has no prepaid wallet to recharge; pay its dues instead"));
}

void Ledger::SwitchBillingMode(Txn& txn, MeterEntry& m, v1::BillingMode mode) {
  store::v1::MeterState& st = m.state;
  // Whatever the policy counted toward a cut starts over.
  st.set_exhausted_us(0);
  st.set_notices_sent(0);
  st.set_alerts_sent(0);
  st.set_floor_alert_sent(false);
  st.set_days_left_alert_sent(false);
  if (mode == v1::POSTPAID) {
    // A cut for non-payment of prepaid credit has lost its reason. Holds and
    // other cuts stay as they are.
    if (st.last_action() == v1::DISCONNECT && st.cut_for_nonpayment() &&
        st.hold() == v1::HOLD_NONE) {
      st.set_last_action(v1::RECONNECT);
      st.set_pending_action(v1::RECONNECT);
      st.set_relay_retry_us(0);
      st.set_cut_for_nonpayment(false);
      st.set_tamper_alerted(false);
      OrderRelay(txn, m, v1::RECONNECT, RelayReasonText(RelayReason::kNowPostpaid));
    }
  } else {
    // Prepaid from now: the grace period and the daily fixed charges start
    // at the switch, and energy used while post-paid (billed by the billing
    // system) is never rated: the next reading sets a new base.
    st.set_prepaid_since_us(absl::ToUnixMicros(txn.now));
    st.set_charged_day(IstDayNumber(txn.now) - 1);
    st.set_has_reading(false);
  }
  meters_.Touch(m);
  Evaluate(txn, m);
}

}  // namespace wallet
