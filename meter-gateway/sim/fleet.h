// Fleet: the state of every simulated meter (relay, energy register, faults,
// counters), shared by the DLMS server's event loop and the control service.
//
// Energy is kept in milli-watt-hours plus a remainder in watt-microseconds and
// advanced lazily, from the injected clock, whenever a meter is read or
// changed: 10,000 idle meters cost nothing. The register advances at load_w
// while the supply is on (output_state), stops while the relay is open, and
// keeps advancing while open under FAULT_BYPASS. A meter without a relay
// (has_relay false, a CT-operated meter) is always connected.
//
// Example:
//   SystemMonotonicClock clock;
//   FleetOptions options;
//   options.meters = 100;
//   absl::StatusOr<std::unique_ptr<Fleet>> fleet = Fleet::Create(options, &clock, &hub);
//   (*fleet)->RemoteRelay(0, RelayTrigger::kRemoteDisconnect);
//   absl::StatusOr<metersim::v1::Meter> meter = (*fleet)->GetMeter("SIM000001");
#ifndef METER_GATEWAY_SIM_FLEET_H_
#define METER_GATEWAY_SIM_FLEET_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "meter-gateway/sim/clock.h"
#include "meter-gateway/sim/relay.h"
#include "metersim/v1/sim.pb.h"

namespace meter_sim {

namespace v1 = ::metersim::v1;

struct FleetOptions {
  // Number of meters, 1 to kMaxMeters.
  // Default: 10000.
  int meters = 10000;
  // Meter ids are <id_prefix><six digits>.
  // Default: "SIM".
  std::string id_prefix = "SIM";
  // Initial IC70 control_mode of every meter, 0-6.
  // Default: 4 (remote disconnect and direct remote reconnect).
  int32_t control_mode = 4;
  // Initial load of every meter in watts, 0 to kMaxLoadW.
  // Default: 1000.
  int64_t load_w = 1000;
  // Register scaler of every meter, kMinScaler to kMaxScaler: the register
  // reports Wh / 10^scaler.
  // Default: 0.
  int32_t scaler = 0;
  // CT-operated meters, by id: they have no disconnect control object (and
  // so are always connected). Every id must name a meter of the fleet.
  // Default: none.
  std::vector<std::string> ct_meter_ids;
  // Also CT-operated: every ct_every-th meter by number (with 10, SIM000010,
  // SIM000020, ...); 0 for none, at least 0.
  // Default: 0.
  int32_t ct_every = 0;
};

constexpr int64_t kMaxLoadW = 10'000'000;
constexpr int32_t kMinScaler = -3;
constexpr int32_t kMaxScaler = 6;
constexpr int32_t kMaxDelayMs = 600'000;

// RelayEventSink receives every relay change. OnRelayEvent is called with
// the fleet's lock held, in the order of the changes: it must not block and
// must not call back into the fleet.
class RelayEventSink {
 public:
  virtual ~RelayEventSink() = default;
  virtual void OnRelayEvent(const v1::RelayEvent& event) = 0;
};

// What a remote relay method did.
enum class RemoteResult {
  kDone,            // changed the relay, or nothing to change: success
  kNoRelay,         // the meter has no disconnect control object
  kRefusedByMode,   // the control mode forbids it (mode 0)
  kRefusedByFault,  // FAULT_REFUSE
};

struct RegisterReading {
  uint32_t value = 0;  // Wh / 10^scaler, rolling over at 2^32 like a real register
  int8_t scaler = 0;
};

struct RelayReading {
  bool has_relay = false;
  int32_t control_state = kConnected;
  bool output_state = true;
  int32_t control_mode = 0;
};

struct FaultSetting {
  v1::Fault fault = v1::FAULT_NONE;
  int32_t delay_ms = 0;
};

// Thread-safe: every method may be called from any thread.
class Fleet final {
 public:
  // Create builds options.meters meters, all connected, registers at 0,
  // those options.ct_meter_ids and options.ct_every name without a relay.
  // InvalidArgument for options out of range or a CT meter id not in the
  // fleet. `clock` (required) and `sink`
  // (may be null) are not owned and must outlive the fleet.
  static absl::StatusOr<std::unique_ptr<Fleet>> Create(const FleetOptions& options,
                                                       MonotonicClock* clock,
                                                       RelayEventSink* sink);

  int size() const { return size_; }
  const std::string& id_prefix() const { return id_prefix_; }
  std::string MeterIdOf(int index) const;
  // Find returns the index of `meter_id`; nullopt if no such meter.
  std::optional<int> Find(absl::string_view meter_id) const;

  // The DLMS port reported in GetMeter answers (set once serving).
  void set_dlms_port(int port) { dlms_port_.store(port); }

  // --- Control side. NotFound for an unknown meter id. ---

  absl::StatusOr<v1::Meter> GetMeter(absl::string_view meter_id);
  // Configure changes the fields set in `request`, all or none:
  // InvalidArgument for any value out of range (control_mode outside 0-6,
  // negative or huge load, delay, scaler, an unknown fault, a control_state
  // other than connected on a mode-0 or relay-less meter). Setting mode 0 or
  // has_relay false closes the relay.
  absl::StatusOr<v1::Meter> Configure(const v1::ConfigureMeterRequest& request);
  // PressButton: an armed relay closes (e); a connected one opens to
  // ready_for_reconnection where the mode allows it (f, modes 1, 2, 5);
  // otherwise nothing happens.
  absl::StatusOr<v1::Meter> PressButton(absl::string_view meter_id);
  v1::FleetSummary Summary();

  // --- DLMS side, by index; `index` must be in [0, size()). ---

  FaultSetting FaultOf(int index);
  RegisterReading ReadRegister(int index);
  RelayReading ReadRelay(int index);
  // RemoteRelay runs remote_disconnect or remote_reconnect (other triggers
  // are refused) and counts the operation when it succeeds.
  RemoteResult RemoteRelay(int index, RelayTrigger trigger);
  // StepRelayLocal runs any trigger as the meter itself would, for tests of
  // the whole model; it ignores faults and counts nothing.
  RelayStep StepRelayLocal(int index, RelayTrigger trigger);
  // CountSession counts one accepted association.
  void CountSession(int index);
  // CountDroppedSession counts a session closed for bad input or a fault.
  void CountDroppedSession() { sessions_dropped_.fetch_add(1, std::memory_order_relaxed); }

 private:
  struct Meter {
    int32_t control_mode = 4;
    int32_t control_state = kConnected;
    bool has_relay = true;
    int64_t load_w = 0;
    int32_t scaler = 0;
    v1::Fault fault = v1::FAULT_NONE;
    int32_t delay_ms = 0;
    int64_t energy_mwh = 0;
    // Watt-microseconds not yet worth a milli-watt-hour (< 3.6e6): kept so
    // that frequent reads lose nothing to rounding.
    int64_t energy_remainder_wus = 0;
    int64_t updated_us = 0;
    uint64_t sessions = 0;
    uint64_t relay_operations = 0;
  };

  Fleet(const FleetOptions& options, MonotonicClock* clock, RelayEventSink* sink);

  absl::StatusOr<int> IndexOrNotFound(absl::string_view meter_id) const;
  // AdvanceLocked brings the meter's energy up to `now_us`.
  static void AdvanceLocked(Meter& meter, int64_t now_us);
  void SetStateLocked(int index, int32_t state, const char* cause, char transition)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  v1::Meter SnapshotLocked(int index) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int size_;
  const std::string id_prefix_;
  MonotonicClock* const clock_;
  RelayEventSink* const sink_;
  std::atomic<int> dlms_port_{0};
  std::atomic<uint64_t> sessions_dropped_{0};
  absl::Mutex mu_;
  std::vector<Meter> meters_ ABSL_GUARDED_BY(mu_);  // size_ elements
};

}  // namespace meter_sim

#endif  // METER_GATEWAY_SIM_FLEET_H_
