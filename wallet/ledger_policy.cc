// The prepaid policy carried out: the decisions of DecidePolicy
// (wallet/prepaid_policy.h) turned into notifications and relay commands in
// the outbox, the reconnection fee in the journal, the meter's new state and
// its next due time; and the scheduler's ticks. Ledger member functions; see
// ledger.h. Writer thread only.
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
  const PolicyState before = PolicyState::Of(m.state);
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

}  // namespace wallet
