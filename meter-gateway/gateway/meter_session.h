// One DLMS/COSEM session with one meter, for a relay command or a scheduled
// read: associate, do the work, read the relay back, release. These are the
// only functions that speak DLMS on the gateway's behalf; the gateway decides
// what to do with their results.
#ifndef METER_GATEWAY_GATEWAY_METER_SESSION_H_
#define METER_GATEWAY_GATEWAY_METER_SESSION_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "meter-gateway/dlms/client.h"
#include "wallet/v1/meter.pb.h"

namespace meter_gateway {

// RelayAttempt is the result of one try of a relay command.
struct RelayAttempt {
  // command_id, meter_id, result, state, failure, reason, observe_time.
  wallet::v1::RelayOutcome outcome;
  // True if another try may succeed (offline, timeout, another error result,
  // garbled reply, the relay in the wrong state); false for results that
  // retrying cannot change (confirmed, armed, refused, no relay).
  bool retryable = false;
};

// The reason reported with failure NO_RELAY.
inline constexpr char kNoRelayReason[] = "no disconnect control: CT-operated meter";

// ExecuteRelayCommand invokes remote_disconnect or remote_reconnect on the
// meter's disconnect control object (IC 70, 0.0.96.3.10.255), reads
// control_state and output_state back and judges the result:
//   CONFIRMED  the state read back is the one asked for;
//   ARMED      a reconnect left the meter ready_for_reconnection (its control
//              mode wants the consumer to press the button);
//   FAILED     with failure NO_ANSWER (timeout), REFUSED (association
//              rejected, method denied), NO_RELAY (object-undefined: no
//              disconnect control, a CT-operated meter), METER_ERROR (another
//              error result), PROTOCOL_ERROR (garbled reply) or WRONG_STATE
//              (the relay read back in the wrong state); reason says it in
//              words;
//   OFFLINE    the meter could not be reached (failure UNREACHABLE).
RelayAttempt ExecuteRelayCommand(const dlms::MeterEndpoint& meter,
                                 const wallet::v1::RelayCommand& command,
                                 const dlms::ClientOptions& options);

// MeterRead is what a scheduled read found.
struct MeterRead {
  int64_t register_wh = 0;  // cumulative active import energy, scaled to Wh
  bool has_relay = false;   // the meter has a disconnect control object
  wallet::v1::RelayState relay = wallet::v1::RELAY_UNKNOWN;
};

// ReadMeter reads the active import energy register (1.0.1.8.0.255, value
// and scaler_unit) and, where there is one, the relay. Errors as
// dlms::Client's; InvalidArgument-free: a register in a unit other than Wh
// is DataLoss.
absl::StatusOr<MeterRead> ReadMeter(const dlms::MeterEndpoint& meter,
                                    const dlms::ClientOptions& options);

// RelayStateOf maps IC 70 control_state and output_state to the wallet's
// relay state. Supply on (output_state) reads as connected whatever the
// control state says: that is what matters to the wallet, and a mismatch
// after a disconnect is how a forced reconnection shows.
wallet::v1::RelayState RelayStateOf(int64_t control_state, bool output_state);

}  // namespace meter_gateway

#endif  // METER_GATEWAY_GATEWAY_METER_SESSION_H_
