// The prepaid balance policy: alerts, notice, cutoff and restore decisions,
// the relay command and notification outbox, and the due-time scheduler.
// Ledger member functions; see ledger.h. Runs on the writer thread only.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "glog/logging.h"
#include "wallet/accounts.h"
#include "wallet/ledger.h"
#include "wallet/meter_status.h"
#include "wallet/money.h"
#include "wallet/validate.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

constexpr int64_t kDayUs = int64_t{86400} * 1'000'000;
// After a relay command failed for good, the policy orders it again this
// much later (the gateway has already retried with back-off).
constexpr int64_t kRelayRetryUs = int64_t{15} * 60 * 1'000'000;
constexpr char kStreamChar[2] = {'r', 'n'};
constexpr int kMaxMetersPerTick = 5'000;
constexpr int kRelayStream = 0;
constexpr int kNotificationStream = 1;

std::string OutboxKey(int stream, uint64_t seq) {
  return absl::StrCat(absl::string_view(&kStreamChar[stream], 1), BigEndian64(seq));
}

std::string CursorKey(int stream) {
  return absl::StrCat("cursor/", absl::string_view(&kStreamChar[stream], 1));
}

int StreamIndex(char stream) { return stream == kStreamChar[kRelayStream] ? 0 : 1; }

}  // namespace

Ledger::MeterEntry* Ledger::FindMeter(absl::string_view meter_id) {
  auto it = meters_.find(meter_id);
  return it == meters_.end() ? nullptr : &it->second;
}

absl::StatusOr<Ledger::MeterEntry*> Ledger::RegisteredMeter(absl::string_view meter_id) {
  MeterEntry* m = FindMeter(meter_id);
  if (m == nullptr) {
    return absl::NotFoundError(absl::StrCat("meter ", meter_id, " is not registered"));
  }
  return m;
}

const v1::CategoryPolicy& Ledger::PolicyOf(const MeterEntry& m) const {
  return PolicyFor(options_.policy, m.meter.category());
}

absl::Status Ledger::LoadOutbox() {
  for (int stream : {kRelayStream, kNotificationStream}) {
    const std::string prefix(1, kStreamChar[stream]);
    WALLET_RETURN_IF_ERROR(store_->Scan(Table::kOutbox, prefix, "", /*reverse=*/true,
                                        [&](absl::string_view key, absl::string_view) {
                                          next_outbox_seq_[stream] =
                                              DecodeBigEndian64(key.substr(1)) + 1;
                                          return false;
                                        }));
    WALLET_ASSIGN_OR_RETURN(std::optional<std::string> cursor,
                            store_->Get(Table::kMeta, CursorKey(stream)));
    if (cursor) outbox_cursor_[stream] = DecodeBigEndian64(*cursor);
  }
  return absl::OkStatus();
}

int64_t Ledger::ArrearsShare(const MeterEntry& m, int64_t amount) const {
  const v1::CategoryPolicy& p = PolicyOf(m);
  int64_t share = PercentOfBps(amount, p.arrears_share_bps());
  if (share == 0) return 0;
  if (p.arrears_cap_paise() > 0) share = std::min(share, p.arrears_cap_paise());
  // Arrears balances are never positive: what is owed is their negation.
  return std::max<int64_t>(0, std::min(share, -Balance(ArrearsAccount(m.meter.meter_id()))));
}

int64_t Ledger::ReconnectionFeeBound(const MeterEntry& m) const {
  return m.state.last_action() == v1::DISCONNECT ? PolicyOf(m).reconnection_fee_paise() : 0;
}

std::optional<store::v1::TransferRecord> Ledger::Recharged(Txn& txn, MeterEntry& m,
                                                           int64_t amount,
                                                           const std::string& request_ref) {
  const std::string& id = m.meter.meter_id();
  store::v1::MeterState& st = m.state;
  st.set_last_recharge_paise(amount);
  st.set_last_recharge_us(absl::ToUnixMicros(txn.now));
  Touch(m);
  const std::string account = MeterAccount(id);
  std::optional<store::v1::TransferRecord> recovery;
  const int64_t share = ArrearsShare(m, amount);
  if (share > 0) {
    recovery = Post(txn, v1::ARREARS_RECOVERY, account, ArrearsAccount(id), share, request_ref,
                    "arrears recovered from recharge");
  }
  // A recharge starts a new alert cycle.
  st.set_alerts_sent(0);
  st.set_floor_alert_sent(false);
  st.set_days_left_alert_sent(false);
  const int64_t balance = st.balance_paise();
  Notify(txn, m, v1::Notification::RECHARGE_RECEIPT, amount,
         absl::StrCat("Recharge of ", FormatRupees(amount), " received for meter ", id,
                      share > 0 ? absl::StrCat(", arrears recovered ", FormatRupees(share)) : "",
                      ". New balance ", FormatRupees(balance), "."),
         0, share);
  Evaluate(txn, m);
  return recovery;
}

void Ledger::EvaluateAlerts(Txn& txn, MeterEntry& m, int64_t balance) {
  const v1::CategoryPolicy& p = PolicyOf(m);
  store::v1::MeterState& st = m.state;
  const std::string& id = m.meter.meter_id();
  const int64_t last_recharge = st.last_recharge_paise();
  // Thresholds crossed by one debit send one SMS (the lowest), not several.
  int32_t crossed = 0;
  int64_t lowest = 0;
  for (int i = 0; i < p.alert_percent_bps_size() && i < 31 && last_recharge > 0; ++i) {
    const int64_t threshold = PercentOfBps(last_recharge, p.alert_percent_bps(i));
    if (balance <= threshold && !(st.alerts_sent() & (1 << i))) {
      crossed |= 1 << i;
      lowest = threshold;
    }
  }
  if (crossed != 0) {
    st.set_alerts_sent(st.alerts_sent() | crossed);
    Notify(txn, m, v1::Notification::LOW_BALANCE, lowest,
           absl::StrCat("Meter ", id, ": balance ", FormatRupees(balance), " is low. Recharge "
                        "soon to avoid disconnection."));
  }
  if (p.alert_floor_paise() > 0 && balance <= p.alert_floor_paise() && !st.floor_alert_sent()) {
    st.set_floor_alert_sent(true);
    if (crossed == 0) {
      Notify(txn, m, v1::Notification::LOW_BALANCE, p.alert_floor_paise(),
             absl::StrCat("Meter ", id, ": balance ", FormatRupees(balance), " has reached ",
                          FormatRupees(p.alert_floor_paise()), ". Recharge soon."));
    }
  }
  if (p.alert_days_left() > 0 && st.daily_spend_paise() > 0 && balance > 0 &&
      balance / st.daily_spend_paise() < p.alert_days_left() && !st.days_left_alert_sent()) {
    st.set_days_left_alert_sent(true);
    const int64_t days = balance / st.daily_spend_paise();
    Notify(txn, m, v1::Notification::LOW_BALANCE, balance,
           absl::StrCat("Meter ", id, ": balance ", FormatRupees(balance), " lasts ",
                        days == 0 ? std::string("less than a day")
                                  : absl::StrCat("about ", days, days == 1 ? " day" : " days"),
                        " at your recent usage. Recharge soon."));
  }
}

void Ledger::Evaluate(Txn& txn, MeterEntry& m) {
  const v1::CategoryPolicy& p = PolicyOf(m);
  store::v1::MeterState& st = m.state;
  const std::string& id = m.meter.meter_id();
  // Most evaluations (every recharge) change nothing here: Evaluate writes
  // the state only when it changed it, which keeps a record off the recharge
  // path. A meter already marked (Touch) is written anyway: no comparison.
  const bool marked = m.dirty;
  const std::string before = marked ? std::string() : st.SerializeAsString();
  const int64_t now = absl::ToUnixMicros(txn.now);
  const int64_t balance = st.balance_paise();
  const bool exhausted = balance <= -p.emergency_credit_paise();
  if (!exhausted && st.exhausted_us() != 0 && st.last_action() != v1::DISCONNECT) {
    st.set_exhausted_us(0);  // recharged during the notice period
    st.set_notices_sent(0);
  } else if (exhausted && st.exhausted_us() == 0) {
    st.set_exhausted_us(now);
    st.set_notices_sent(0);
  }
  EvaluateAlerts(txn, m, balance);
  if (exhausted && st.last_action() != v1::DISCONNECT && st.hold() == v1::HOLD_NONE) {
    // Notice k of N is due k-1 days after credit ran out.
    const int64_t due = std::min<int64_t>(p.notice_days(), 1 + (now - st.exhausted_us()) / kDayUs);
    if (st.notices_sent() < due) {
      st.set_notices_sent(static_cast<int32_t>(due));
      Notify(txn, m, v1::Notification::NOTICE, balance,
             absl::StrCat("Meter ", id, ": credit exhausted (balance ", FormatRupees(balance),
                          "). Notice ", due, " of ", p.notice_days(),
                          ": supply will be disconnected after the notice period unless you "
                          "recharge."),
             static_cast<int32_t>(due));
    }
  }
  // A command that failed for good is ordered again after a while.
  if (st.pending_action() == v1::RELAY_ACTION_UNSPECIFIED && st.relay_retry_us() != 0 &&
      now >= st.relay_retry_us()) {
    st.set_relay_retry_us(0);
    const v1::RelayAction again = st.last_action();
    st.set_last_action(v1::RELAY_ACTION_UNSPECIFIED);
    OrderRelay(txn, m, again, "retry after a failed command");
  }
  switch (st.hold()) {
    case v1::HOLD_KEEP_DISCONNECTED:
      if (st.last_action() != v1::DISCONNECT) st.set_cut_for_nonpayment(false);
      OrderRelay(txn, m, v1::DISCONNECT, "admin hold: keep disconnected");
      break;
    case v1::HOLD_NEVER_DISCONNECT:
      if (st.last_action() == v1::DISCONNECT) {
        OrderRelay(txn, m, v1::RECONNECT, "admin hold: never disconnect");
      }
      break;
    default:
      if (st.last_action() == v1::DISCONNECT) {
        // Restore: the fee is due only if a cut for non-payment happened.
        const bool cut = st.relay() == v1::RELAY_DISCONNECTED && st.cut_for_nonpayment();
        const int64_t fee = cut ? p.reconnection_fee_paise() : 0;
        const __int128 after_fee = static_cast<__int128>(balance) - fee;
        const std::string account = MeterAccount(id);
        // Restored only if, after the fee, the balance reaches the threshold
        // and credit is no longer exhausted: no flapping at the boundary.
        // Recharges check the fee's range before they post; a policy
        // evaluation on its own (a tick, a relay report) cannot fail, so a
        // fee out of range leaves the meter as it is rather than post it.
        const absl::Status fee_fits = CheckRange({{account, -fee}, {kFees, fee}});
        if (!fee_fits.ok()) {
          LOG(ERROR) << "meter " << id << " not restored: " << fee_fits.message();
        } else if (after_fee >= p.restore_threshold_paise() &&
                   after_fee > -p.emergency_credit_paise()) {
          if (fee > 0) {
            Post(txn, v1::RECONNECTION_FEE, account, std::string(kFees), fee,
                 absl::StrCat("reconnect-", st.pending_command_id(), "-", now), "reconnection fee");
          }
          st.set_exhausted_us(0);
          st.set_notices_sent(0);
          st.set_tamper_alerted(false);
          OrderRelay(txn, m, v1::RECONNECT, "recharged");
        }
      } else if (exhausted && st.notices_sent() >= p.notice_days() &&
                 now >= CutoffEligibleUs(st.exhausted_us(), st.prepaid_since_us(), p) &&
                 calendar_->CutoffAllowed(txn.now)) {
        OrderRelay(txn, m, v1::DISCONNECT, "credit exhausted, notice served");
        st.set_cut_for_nonpayment(true);
      }
  }
  Schedule(m, NextDue(m, now));
  if (!marked && st.SerializeAsString() != before) Touch(m);
}

int64_t Ledger::NextDue(const MeterEntry& m, int64_t now) const {
  const store::v1::MeterState& st = m.state;
  int64_t due = 0;
  auto consider = [&due](int64_t t) {
    if (t > 0 && (due == 0 || t < due)) due = t;
  };
  if (st.relay_retry_us() != 0) consider(st.relay_retry_us());
  if (st.exhausted_us() == 0 || st.hold() != v1::HOLD_NONE ||
      st.last_action() == v1::DISCONNECT) {
    return due;
  }
  const v1::CategoryPolicy& p = PolicyOf(m);
  if (st.notices_sent() < p.notice_days()) {
    consider(st.exhausted_us() + st.notices_sent() * kDayUs);
  }
  const int64_t eligible =
      std::max(CutoffEligibleUs(st.exhausted_us(), st.prepaid_since_us(), p), now + 1);
  const absl::Time allowed = calendar_->NextCutoffAllowed(absl::FromUnixMicros(eligible));
  if (allowed != absl::InfiniteFuture()) consider(absl::ToUnixMicros(allowed));
  return due;
}

void Ledger::Schedule(MeterEntry& m, int64_t due_us) {
  if (m.due_us == due_us) return;
  if (m.due_us != 0) due_.erase({m.due_us, m.meter.meter_id()});
  m.due_us = due_us;
  if (due_us != 0) due_.insert({due_us, m.meter.meter_id()});
}

void Ledger::Tick(Txn& txn) {
  const int64_t now = absl::ToUnixMicros(txn.now);
  // At 08:00 after a big notice wave many meters fall due together: a tick
  // takes a bounded slice so that one commit stays small; the next tick, a
  // second later, takes the next slice.
  for (int n = 0; n < kMaxMetersPerTick && !due_.empty() && due_.begin()->first <= now; ++n) {
    const std::string meter_id = due_.begin()->second;
    MeterEntry& m = meters_[meter_id];
    due_.erase(due_.begin());
    m.due_us = 0;
    Evaluate(txn, m);
  }
}

void Ledger::OrderRelay(Txn& txn, MeterEntry& m, v1::RelayAction action,
                        const std::string& reason) {
  store::v1::MeterState& st = m.state;
  // Never a second identical command while one is pending, nor a command
  // for the state the policy already ordered.
  if (st.pending_action() == action) return;
  if (st.pending_action() == v1::RELAY_ACTION_UNSPECIFIED && st.last_action() == action) return;
  const uint64_t seq = next_outbox_seq_[kRelayStream]++;
  store::v1::OutboxItem item;
  store::v1::RelayCommandRecord& command = *item.mutable_relay();
  command.set_seq(seq);
  command.set_command_id(absl::StrCat("rc-", seq));
  command.set_meter_id(m.meter.meter_id());
  command.set_action(action);
  command.set_reason(reason);
  command.set_supersedes_command_id(st.pending_command_id());
  command.set_issued_us(absl::ToUnixMicros(txn.now));
  txn.batch->Put(Table::kOutbox, OutboxKey(kRelayStream, seq), item.SerializeAsString());
  st.set_pending_action(action);
  st.set_pending_command_id(command.command_id());
  st.set_last_command_id(command.command_id());
  st.set_last_action(action);
  st.set_relay_retry_us(0);
  Touch(m);
  outbox_written_ = true;
}

void Ledger::Notify(Txn& txn, MeterEntry& m, v1::Notification::Kind kind, int64_t amount,
                    const std::string& text, int32_t notice_day, int64_t arrears) {
  const uint64_t seq = next_outbox_seq_[kNotificationStream]++;
  store::v1::OutboxItem item;
  store::v1::NotificationRecord& n = *item.mutable_notification();
  n.set_seq(seq);
  n.set_notification_id(absl::StrCat("nt-", seq));
  n.set_kind(kind);
  n.set_meter_id(m.meter.meter_id());
  n.set_consumer_id(m.meter.consumer_id());
  // Tamper alerts and quarantined readings go to the utility, not the consumer.
  if (kind != v1::Notification::TAMPER_ALERT && kind != v1::Notification::QUARANTINED_READING) {
    n.set_phone(m.consumer->phone);
  }
  n.set_balance_paise(Balance(MeterAccount(m.meter.meter_id())));
  n.set_amount_paise(amount);
  n.set_arrears_recovered_paise(arrears);
  n.set_notice_day(notice_day);
  n.set_time_us(absl::ToUnixMicros(txn.now));
  n.set_text(text);
  txn.batch->Put(Table::kOutbox, OutboxKey(kNotificationStream, seq), item.SerializeAsString());
  outbox_written_ = true;
}

absl::StatusOr<v1::ReportRelayOutcomeResponse> Ledger::ReportRelayOutcome(
    Txn& txn, const v1::RelayOutcome& outcome) {
  WALLET_RETURN_IF_ERROR(ValidateId("meter_id", outcome.meter_id()));
  // Without a command id the report is an observation: the gateway read the
  // relay outside any command (a scheduled read, an armed meter polled).
  const bool observation = outcome.command_id().empty();
  if (!observation) WALLET_RETURN_IF_ERROR(ValidateId("command_id", outcome.command_id()));
  if (outcome.result() == v1::RelayOutcome::RESULT_UNSPECIFIED ||
      !v1::RelayOutcome::Result_IsValid(outcome.result()) ||
      !v1::RelayState_IsValid(outcome.state())) {
    return absl::InvalidArgumentError("result and state must be set to known values");
  }
  WALLET_ASSIGN_OR_RETURN(const int64_t observed_us,
                          TimeField("observe_time", outcome.observe_time()));
  if (observation && (outcome.result() != v1::RelayOutcome::CONFIRMED ||
                      outcome.state() == v1::RELAY_UNKNOWN)) {
    return absl::InvalidArgumentError(
        "a report without command_id is an observation: result CONFIRMED and the state read");
  }
  WALLET_ASSIGN_OR_RETURN(MeterEntry * m, RegisteredMeter(outcome.meter_id()));
  store::v1::MeterState& st = m->state;
  const std::string& id = m->meter.meter_id();
  const bool current = outcome.command_id() == st.pending_command_id() &&
                       st.pending_action() != v1::RELAY_ACTION_UNSPECIFIED;
  // Only news about the newest command describes the relay now: a late answer
  // to a superseded command must not overwrite it, nor may an observation
  // made while a command is on its way.
  // Nor may an observation read before the relay was last read: a scheduled
  // read taken just before a command ran can be reported after its outcome.
  const bool read_earlier = observed_us > 0 && observed_us <= st.relay_observed_us();
  if (observation ? st.pending_action() != v1::RELAY_ACTION_UNSPECIFIED || read_earlier
                  : outcome.command_id() != st.last_command_id()) {
    v1::ReportRelayOutcomeResponse stale;
    stale.set_state(st.relay());
    return stale;
  }
  const v1::RelayState before = st.relay();
  if (observed_us > 0) st.set_relay_observed_us(observed_us);
  const bool failed = outcome.result() == v1::RelayOutcome::FAILED ||
                      outcome.result() == v1::RelayOutcome::OFFLINE;
  if (outcome.state() != v1::RELAY_UNKNOWN) st.set_relay(outcome.state());
  if (current) {
    const v1::RelayAction action = st.pending_action();
    switch (outcome.result()) {
      case v1::RelayOutcome::CONFIRMED:
        if (outcome.state() == v1::RELAY_UNKNOWN) {
          st.set_relay(action == v1::DISCONNECT ? v1::RELAY_DISCONNECTED : v1::RELAY_CONNECTED);
        }
        Notify(txn, *m,
               action == v1::DISCONNECT ? v1::Notification::DISCONNECTED
                                        : v1::Notification::RECONNECTED,
               0,
               action == v1::DISCONNECT
                   ? (st.cut_for_nonpayment()
                          ? absl::StrCat("Meter ", id, ": supply disconnected for non-payment. "
                                         "Recharge to restore it.")
                          : absl::StrCat("Meter ", id, ": supply disconnected by the utility. "
                                         "Please contact your section office."))
                   : absl::StrCat("Meter ", id, ": supply restored. Thank you."));
        break;
      case v1::RelayOutcome::ARMED:
        st.set_relay(v1::RELAY_ARMED);
        Notify(txn, *m, v1::Notification::RECONNECTED, 0,
               absl::StrCat("Meter ", id, ": supply can be restored: press the button on "
                            "your meter."));
        break;
      default:  // FAILED, OFFLINE
        st.set_relay_retry_us(absl::ToUnixMicros(txn.now) + kRelayRetryUs);
        break;
    }
    st.set_pending_action(v1::RELAY_ACTION_UNSPECIFIED);
    st.clear_pending_command_id();
  }
  // Supply on after a confirmed cut: forced reconnection or bypass. (A
  // disconnect that failed leaves the relay closed; that is no tamper.)
  if (!failed && st.last_action() == v1::DISCONNECT && before == v1::RELAY_DISCONNECTED &&
      st.pending_action() == v1::RELAY_ACTION_UNSPECIFIED && st.relay() == v1::RELAY_CONNECTED &&
      !st.tamper_alerted()) {
    st.set_tamper_alerted(true);
    Notify(txn, *m, v1::Notification::TAMPER_ALERT, 0,
           absl::StrCat("Meter ", id, ": relay reported closed while commanded off: possible "
                        "forced reconnection."));
  }
  Touch(*m);
  Evaluate(txn, *m);
  v1::ReportRelayOutcomeResponse response;
  response.set_state(st.relay());
  return response;
}

absl::StatusOr<v1::SetHoldResponse> Ledger::SetHold(Txn& txn, const v1::SetHoldRequest& req) {
  WALLET_RETURN_IF_ERROR(ValidateId("request_id", req.request_id()));
  return Idempotent<v1::SetHoldResponse>(
      txn, RequestKey("SetHold", "admin", req.request_id()), req,
      [&]() -> absl::StatusOr<v1::SetHoldResponse> {
        WALLET_RETURN_IF_ERROR(ValidateId("meter_id", req.meter_id()));
        if (!v1::Hold_IsValid(req.hold())) return absl::InvalidArgumentError("unknown hold");
        WALLET_RETURN_IF_ERROR(ValidateReason("reason", req.reason()));
        WALLET_ASSIGN_OR_RETURN(MeterEntry * m, RegisteredMeter(req.meter_id()));
        // Lifting a hold restarts the notice period: the consumer gets every
        // notice before a cut, however long the hold lasted.
        if (req.hold() == v1::HOLD_NONE && m->state.hold() != v1::HOLD_NONE &&
            m->state.last_action() != v1::DISCONNECT) {
          m->state.set_exhausted_us(0);
          m->state.set_notices_sent(0);
        }
        m->state.set_hold(req.hold());
        Touch(*m);
        Evaluate(txn, *m);
        v1::SetHoldResponse response;
        *response.mutable_state() = ToWire(m->meter.meter_id(), m->state);
        return response;
      });
}

absl::Status Ledger::AckOutbox(Txn& txn, char stream_char, uint64_t seq) {
  const int stream = StreamIndex(stream_char);
  if (seq >= next_outbox_seq_[stream]) {
    return absl::InvalidArgumentError(absl::StrCat("ack_seq ", seq, " was never sent"));
  }
  if (seq <= outbox_cursor_[stream]) return absl::OkStatus();
  outbox_cursor_[stream] = seq;
  txn.batch->Put(Table::kMeta, CursorKey(stream), BigEndian64(seq));
  return absl::OkStatus();
}

}  // namespace wallet
