#include "meter-gateway/sim/relay.h"

namespace meter_sim {
namespace {

struct Transition {
  char name;
  ControlState from;
  RelayTrigger trigger;
  ControlState to;
};

constexpr Transition kTransitions[] = {
    {'a', kDisconnected, RelayTrigger::kRemoteReconnect, kConnected},
    {'b', kConnected, RelayTrigger::kRemoteDisconnect, kDisconnected},
    {'c', kReadyForReconnection, RelayTrigger::kRemoteDisconnect, kDisconnected},
    {'d', kDisconnected, RelayTrigger::kRemoteReconnect, kReadyForReconnection},
    {'e', kReadyForReconnection, RelayTrigger::kManualReconnect, kConnected},
    {'f', kConnected, RelayTrigger::kManualDisconnect, kReadyForReconnection},
    {'g', kConnected, RelayTrigger::kLocalDisconnect, kReadyForReconnection},
    {'h', kReadyForReconnection, RelayTrigger::kLocalReconnect, kConnected},
};

// Transitions each mode permits, index = mode (Blue Book table for IC70
// attribute 4). Mode 0 has none.
constexpr const char* kModeTransitions[] = {
    "", "bcfgde", "bcfgae", "bcgde", "bcgae", "bcfgdeh", "bcgdeh",
};

bool ModeAllows(int32_t mode, char transition) {
  for (const char* t = kModeTransitions[mode]; *t != '\0'; ++t) {
    if (*t == transition) return true;
  }
  return false;
}

}  // namespace

const char* RelayTriggerName(RelayTrigger trigger) {
  switch (trigger) {
    case RelayTrigger::kRemoteDisconnect: return "remote_disconnect";
    case RelayTrigger::kRemoteReconnect: return "remote_reconnect";
    case RelayTrigger::kManualDisconnect: return "manual_disconnect";
    case RelayTrigger::kManualReconnect: return "manual_reconnect";
    case RelayTrigger::kLocalDisconnect: return "local_disconnect";
    case RelayTrigger::kLocalReconnect: return "local_reconnect";
  }
  return "unknown";
}

const char* ControlStateName(int32_t state) {
  switch (state) {
    case kDisconnected: return "disconnected";
    case kConnected: return "connected";
    case kReadyForReconnection: return "ready_for_reconnection";
  }
  return "invalid";
}

RelayStep StepRelay(int32_t mode, int32_t state, RelayTrigger trigger) {
  RelayStep step;
  if (mode < kMinControlMode || mode > kMaxControlMode || state < kDisconnected ||
      state > kReadyForReconnection) {
    step.outcome = RelayOutcome::kRefused;
    step.next = static_cast<ControlState>(state);
    return step;
  }
  step.next = static_cast<ControlState>(state);
  // a and d share their source and trigger; modes pick one of them, so the
  // first permitted candidate is the only one.
  bool leaves_state = false;
  for (const Transition& t : kTransitions) {
    if (t.from != state || t.trigger != trigger) continue;
    leaves_state = true;
    if (ModeAllows(mode, t.name)) {
      step.outcome = RelayOutcome::kChanged;
      step.next = t.to;
      step.transition = t.name;
      return step;
    }
  }
  step.outcome = leaves_state || mode == 0 ? RelayOutcome::kRefused : RelayOutcome::kUnchanged;
  return step;
}

}  // namespace meter_sim
