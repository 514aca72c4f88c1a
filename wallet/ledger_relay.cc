// The relay side of the policy: the gateway's reports of relay commands and
// of relay readings, admin holds, and acknowledgements of the outbox.
// Ledger member functions; see ledger.h. Writer thread only.
#include <string>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "wallet/idempotency.h"
#include "wallet/ledger.h"
#include "wallet/notification_text.h"
#include "wallet/validate.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

// After a relay command failed for good, the policy orders it again this
// much later (the gateway has already retried with back-off).
constexpr int64_t kRelayRetryUs = int64_t{15} * 60 * 1'000'000;

}  // namespace

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
  if (observation &&
      (outcome.result() != v1::RelayOutcome::CONFIRMED || outcome.state() == v1::RELAY_UNKNOWN)) {
    return absl::InvalidArgumentError(
        "a report without command_id is an observation: result CONFIRMED and the state read");
  }
  WALLET_ASSIGN_OR_RETURN(MeterEntry * m, meters_.Registered(outcome.meter_id()));
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
  const v1::RelayAction answered = current ? st.pending_action() : v1::RELAY_ACTION_UNSPECIFIED;
  if (observed_us > 0) st.set_relay_observed_us(observed_us);
  const bool failed =
      outcome.result() == v1::RelayOutcome::FAILED || outcome.result() == v1::RelayOutcome::OFFLINE;
  if (outcome.state() != v1::RELAY_UNKNOWN) st.set_relay(outcome.state());
  if (current) {
    const v1::RelayAction action = st.pending_action();
    switch (outcome.result()) {
      case v1::RelayOutcome::CONFIRMED:
        if (outcome.state() == v1::RELAY_UNKNOWN) {
          st.set_relay(action == v1::DISCONNECT ? v1::RELAY_DISCONNECTED : v1::RELAY_CONNECTED);
        }
        if (action == v1::DISCONNECT) {
          Notify(txn, *m, v1::Notification::DISCONNECTED, 0,
                 st.drive_id().empty() ? DisconnectedText(id, st.cut_for_nonpayment())
                                       : DriveCutText(id, st.drive_dues_at_cut_paise()));
        } else {
          Notify(txn, *m, v1::Notification::RECONNECTED, 0, ReconnectedText(id));
        }
        break;
      case v1::RelayOutcome::ARMED:
        st.set_relay(v1::RELAY_ARMED);
        Notify(txn, *m, v1::Notification::RECONNECTED, 0, ArmedText(id));
        break;
      default:  // FAILED, OFFLINE
        if (outcome.failure() == v1::RelayOutcome::NO_RELAY) {
          // No disconnect control on the meter (CT-operated): no retry can
          // switch it, so none is ordered; cutting it is a lineman's work.
          st.set_no_relay(true);
        } else {
          st.set_relay_retry_us(absl::ToUnixMicros(txn.now) + kRelayRetryUs);
        }
        break;
    }
    // A command carried out shows the meter has a relay (replaced since).
    if (!failed) st.set_no_relay(false);
    st.set_pending_action(v1::RELAY_ACTION_UNSPECIFIED);
    st.clear_pending_command_id();
  }
  // Supply on after a confirmed cut: forced reconnection or bypass. (A
  // disconnect that failed leaves the relay closed; that is no tamper.)
  if (!failed && st.last_action() == v1::DISCONNECT && before == v1::RELAY_DISCONNECTED &&
      st.pending_action() == v1::RELAY_ACTION_UNSPECIFIED && st.relay() == v1::RELAY_CONNECTED &&
      !st.tamper_alerted()) {
    st.set_tamper_alerted(true);
    Notify(txn, *m, v1::Notification::TAMPER_ALERT, 0, RelayTamperText(id));
  }
  meters_.Touch(*m);
  if (!st.drive_id().empty()) OnDriveRelayReport(txn, *m, answered, outcome);
  Evaluate(txn, *m);
  v1::ReportRelayOutcomeResponse response;
  response.set_state(st.relay());
  return response;
}

absl::StatusOr<v1::SetHoldResponse> Ledger::SetHold(Txn& txn, const v1::SetHoldRequest& req) {
  return IdempotentRequest<v1::SetHoldResponse>(
      txn, "SetHold", kAdminScope, req, [&]() -> absl::StatusOr<v1::SetHoldResponse> {
        WALLET_RETURN_IF_ERROR(ValidateId("meter_id", req.meter_id()));
        if (!v1::Hold_IsValid(req.hold())) return absl::InvalidArgumentError("unknown hold");
        WALLET_RETURN_IF_ERROR(ValidateReason("reason", req.reason()));
        WALLET_ASSIGN_OR_RETURN(MeterEntry * m, meters_.Registered(req.meter_id()));
        // Lifting a hold restarts the notice period: the consumer gets every
        // notice before a cut, however long the hold lasted.
        if (req.hold() == v1::HOLD_NONE && m->state.hold() != v1::HOLD_NONE &&
            m->state.last_action() != v1::DISCONNECT) {
          m->state.set_exhausted_us(0);
          m->state.set_notices_sent(0);
        }
        m->state.set_hold(req.hold());
        meters_.Touch(*m);
        Evaluate(txn, *m);
        v1::SetHoldResponse response;
        *response.mutable_state() = ToWire(m->meter.meter_id(), m->state);
        return response;
      });
}

absl::Status Ledger::AckOutbox(Txn& txn, Stream stream, uint64_t seq) {
  return outbox_.Ack(*txn.batch, stream, seq);
}

}  // namespace wallet
