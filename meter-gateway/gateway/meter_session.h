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
  wallet::v1::RelayOutcome outcome;  // command_id, meter_id, result, state, reason
  // True if another try may succeed (offline, timeout, temporary failure,
  // garbled reply); false for results that retrying cannot change (confirmed,
  // armed, refused, no relay, association rejected).
  bool retryable = false;
};

// ExecuteRelayCommand invokes remote_disconnect or remote_reconnect on the
// meter's disconnect control object (IC 70, 0.0.96.3.10.255), reads
// control_state and output_state back and judges the result:
//   CONFIRMED  the state read back is the one asked for;
//   ARMED      a reconnect left the meter ready_for_reconnection (its control
//              mode wants the consumer to press the button);
//   FAILED     timeout, refused, association failed, no relay, or the relay
//              read back in the wrong state (reason says which);
//   OFFLINE    the meter could not be reached.
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
