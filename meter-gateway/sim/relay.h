// The relay state machine of the COSEM "Disconnect control" object
// (interface class 70, DLMS UA Blue Book 4.5.8): three states, eight
// transitions, and seven control modes that say which transitions exist.
//
//   state 0 disconnected, 1 connected, 2 ready_for_reconnection
//   a remote_reconnect   0 -> 1        e manual_reconnect   2 -> 1
//   b remote_disconnect  1 -> 0        f manual_disconnect  1 -> 2
//   c remote_disconnect  2 -> 0        g local_disconnect   1 -> 2
//   d remote_reconnect   0 -> 2        h local_reconnect    2 -> 1
//
//   mode  disconnection  reconnection
//    0    (none: the object is always connected)
//    1    b c f g        d e
//    2    b c f g        a e
//    3    b c g          d e
//    4    b c g          a e
//    5    b c f g        d e h
//    6    b c g          d e h
//
// So remote_reconnect only arms the relay (0 -> 2, the consumer then presses
// the button) in modes 1, 3, 5 and 6, and closes it directly in modes 2 and 4.
//
// Example:
//   RelayStep step = StepRelay(4, kDisconnected, RelayTrigger::kRemoteReconnect);
//   // step.outcome == RelayOutcome::kChanged, step.next == kConnected, step.transition == 'a'
#ifndef METER_GATEWAY_SIM_RELAY_H_
#define METER_GATEWAY_SIM_RELAY_H_

#include <cstdint>

namespace meter_sim {

// control_state values (IC70 attribute 3).
enum ControlState : int32_t {
  kDisconnected = 0,
  kConnected = 1,
  kReadyForReconnection = 2,
};

constexpr int32_t kMinControlMode = 0;
constexpr int32_t kMaxControlMode = 6;

// What asks the relay to move.
enum class RelayTrigger {
  kRemoteDisconnect,  // method 1 over DLMS
  kRemoteReconnect,   // method 2 over DLMS
  kManualDisconnect,  // the consumer's button on a connected meter
  kManualReconnect,   // the consumer's button on an armed meter
  kLocalDisconnect,   // the meter's own functions (load limiter, ...)
  kLocalReconnect,
};

const char* RelayTriggerName(RelayTrigger trigger);
const char* ControlStateName(int32_t state);

enum class RelayOutcome {
  // The mode permits a transition from this state: `next` differs.
  kChanged,
  // No transition of this kind leaves this state (disconnect when already
  // disconnected, reconnect when connected or armed): success, no change.
  kUnchanged,
  // A transition of this kind leaves this state but the mode forbids it
  // (and in mode 0 every trigger): a DLMS method answers read-write-denied.
  kRefused,
};

struct RelayStep {
  RelayOutcome outcome = RelayOutcome::kUnchanged;
  ControlState next = kConnected;
  char transition = 0;  // 'a' to 'h' when changed, else 0
};

// StepRelay applies `trigger` to a relay in `state` under `mode`. `mode` must
// be 0-6 and `state` 0-2 (callers validate; out-of-range values give
// kRefused). A remote_reconnect on an armed meter (state 2) is kUnchanged in
// every mode, modes 2 and 4 included: the state diagram has no transition
// from 2 on a remote reconnect, only the button (e) or a local reconnect (h)
// closes an armed relay.
RelayStep StepRelay(int32_t mode, int32_t state, RelayTrigger trigger);

// OutputStateOf is IC70 attribute 2: the supply is on iff connected.
inline bool OutputStateOf(int32_t state) { return state == kConnected; }

}  // namespace meter_sim

#endif  // METER_GATEWAY_SIM_RELAY_H_
