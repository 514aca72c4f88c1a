#include "meter-gateway/sim/fleet.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "google/protobuf/util/time_util.h"
#include "meter-gateway/sim/address.h"

namespace meter_sim {
namespace {

constexpr int64_t kWattMicrosPerMilliWh = 3'600'000;  // 1 mWh = 3.6 J = 3.6e6 W·us

int64_t Pow10(int exponent) {
  int64_t p = 1;
  for (int i = 0; i < exponent; ++i) p *= 10;
  return p;
}

absl::Status CheckRange(const char* name, int64_t value, int64_t low, int64_t high) {
  if (value < low || value > high) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " must be ", low, " to ", high, ", got ", value));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Fleet>> Fleet::Create(const FleetOptions& options,
                                                     MonotonicClock* clock,
                                                     RelayEventSink* sink) {
  if (clock == nullptr) return absl::InvalidArgumentError("fleet needs a clock");
  absl::Status status = CheckRange("meters", options.meters, 1, kMaxMeters);
  if (status.ok()) {
    status = CheckRange("control_mode", options.control_mode, kMinControlMode, kMaxControlMode);
  }
  if (status.ok()) status = CheckRange("load_w", options.load_w, 0, kMaxLoadW);
  if (status.ok()) status = CheckRange("scaler", options.scaler, kMinScaler, kMaxScaler);
  if (status.ok()) status = CheckRange("ct_every", options.ct_every, 0, kMaxMeters);
  if (!status.ok()) return status;
  if (options.id_prefix.empty() || options.id_prefix.size() > 32) {
    return absl::InvalidArgumentError("id_prefix must be 1 to 32 characters");
  }
  for (const std::string& meter_id : options.ct_meter_ids) {
    const std::optional<int> index = MeterIndexFromId(options.id_prefix, meter_id);
    if (!index.has_value() || *index >= options.meters) {
      return absl::InvalidArgumentError(
          absl::StrCat("CT meter ", meter_id, " is not in the fleet (",
                       MeterId(options.id_prefix, 0), " to ",
                       MeterId(options.id_prefix, options.meters - 1), ")"));
    }
  }
  return std::unique_ptr<Fleet>(new Fleet(options, clock, sink));
}

Fleet::Fleet(const FleetOptions& options, MonotonicClock* clock, RelayEventSink* sink)
    : size_(options.meters), id_prefix_(options.id_prefix), clock_(clock), sink_(sink) {
  Meter initial;
  initial.control_mode = options.control_mode;
  initial.control_state = kConnected;
  initial.load_w = options.load_w;
  initial.scaler = options.scaler;
  initial.updated_us = clock_->NowMicros();
  absl::MutexLock lock(&mu_);
  meters_.assign(static_cast<size_t>(size_), initial);
  if (options.ct_every > 0) {
    for (int i = options.ct_every - 1; i < size_; i += options.ct_every) {
      meters_[i].has_relay = false;
    }
  }
  for (const std::string& meter_id : options.ct_meter_ids) {
    meters_[*MeterIndexFromId(id_prefix_, meter_id)].has_relay = false;  // checked by Create
  }
}

std::string Fleet::MeterIdOf(int index) const { return MeterId(id_prefix_, index); }

std::optional<int> Fleet::Find(absl::string_view meter_id) const {
  std::optional<int> index = MeterIndexFromId(id_prefix_, meter_id);
  if (!index.has_value() || *index >= size_) return std::nullopt;
  return index;
}

absl::StatusOr<int> Fleet::IndexOrNotFound(absl::string_view meter_id) const {
  std::optional<int> index = Find(meter_id);
  if (!index.has_value()) return absl::NotFoundError(absl::StrCat("no meter ", meter_id));
  return *index;
}

void Fleet::AdvanceLocked(Meter& meter, int64_t now_us) {
  if (now_us <= meter.updated_us) return;
  const bool flowing = OutputStateOf(meter.control_state) || meter.fault == v1::FAULT_BYPASS;
  if (flowing && meter.load_w > 0) {
    // load_w <= 1e7 and a gap of days make the product exceed int64 only
    // after ~10 days at the largest load; 128 bits make it a non-question.
    const __int128 total = static_cast<__int128>(meter.load_w) * (now_us - meter.updated_us) +
                           meter.energy_remainder_wus;
    meter.energy_mwh += static_cast<int64_t>(total / kWattMicrosPerMilliWh);
    meter.energy_remainder_wus = static_cast<int64_t>(total % kWattMicrosPerMilliWh);
  }
  meter.updated_us = now_us;
}

void Fleet::SetStateLocked(int index, int32_t state, const char* cause, char transition) {
  Meter& meter = meters_[index];
  const int64_t now_us = clock_->NowMicros();
  AdvanceLocked(meter, now_us);
  if (meter.control_state == state) return;
  const int32_t before = meter.control_state;
  meter.control_state = state;
  const std::string meter_id = MeterIdOf(index);
  LOG(INFO) << "meter " << meter_id << " relay " << ControlStateName(before) << " -> "
            << ControlStateName(state) << " (" << cause
            << (transition != 0 ? absl::StrCat(", transition ", std::string(1, transition)) : "")
            << ")";
  if (sink_ != nullptr) {
    v1::RelayEvent event;
    event.set_meter_id(meter_id);
    event.set_control_state(state);
    event.set_output_state(OutputStateOf(state));
    *event.mutable_monotonic_time() =
        google::protobuf::util::TimeUtil::MicrosecondsToDuration(now_us);
    event.set_cause(cause);
    sink_->OnRelayEvent(event);
  }
}

v1::Meter Fleet::SnapshotLocked(int index) {
  Meter& meter = meters_[index];
  AdvanceLocked(meter, clock_->NowMicros());
  v1::Meter out;
  out.set_meter_id(MeterIdOf(index));
  out.set_host(MeterAddress(index));
  out.set_port(static_cast<uint32_t>(dlms_port_.load()));
  out.set_control_mode(meter.control_mode);
  out.set_control_state(meter.control_state);
  out.set_output_state(OutputStateOf(meter.control_state));
  out.set_has_relay(meter.has_relay);
  out.set_register_wh(meter.energy_mwh / 1000);
  out.set_load_w(meter.load_w);
  out.set_fault(meter.fault);
  out.set_delay_ms(meter.delay_ms);
  out.set_scaler(meter.scaler);
  out.set_sessions(meter.sessions);
  out.set_relay_operations(meter.relay_operations);
  return out;
}

absl::StatusOr<v1::Meter> Fleet::GetMeter(absl::string_view meter_id) {
  absl::StatusOr<int> index = IndexOrNotFound(meter_id);
  if (!index.ok()) return index.status();
  absl::MutexLock lock(&mu_);
  return SnapshotLocked(*index);
}

absl::StatusOr<v1::Meter> Fleet::Configure(const v1::ConfigureMeterRequest& request) {
  absl::StatusOr<int> found = IndexOrNotFound(request.meter_id());
  if (!found.ok()) return found.status();
  const int index = *found;

  // Validate everything first, so that a bad request changes nothing.
  absl::Status status;
  if (request.has_control_mode()) {
    status.Update(
        CheckRange("control_mode", request.control_mode(), kMinControlMode, kMaxControlMode));
  }
  if (request.has_load_w()) status.Update(CheckRange("load_w", request.load_w(), 0, kMaxLoadW));
  if (request.has_fault() && !v1::Fault_IsValid(request.fault())) {
    status.Update(absl::InvalidArgumentError(absl::StrCat("unknown fault ", request.fault())));
  }
  if (request.has_delay_ms()) {
    status.Update(CheckRange("delay_ms", request.delay_ms(), 0, kMaxDelayMs));
  }
  if (request.has_control_state()) {
    status.Update(
        CheckRange("control_state", request.control_state(), kDisconnected, kReadyForReconnection));
  }
  if (request.has_scaler()) {
    status.Update(CheckRange("scaler", request.scaler(), kMinScaler, kMaxScaler));
  }
  if (request.has_register_wh()) {
    status.Update(CheckRange("register_wh", request.register_wh(), 0, int64_t{1} << 50));
  }
  if (!status.ok()) return status;

  absl::MutexLock lock(&mu_);
  Meter& meter = meters_[index];
  const int32_t mode = request.has_control_mode() ? request.control_mode() : meter.control_mode;
  const bool has_relay = request.has_has_relay() ? request.has_relay() : meter.has_relay;
  if (request.has_control_state() && request.control_state() != kConnected &&
      (mode == 0 || !has_relay)) {
    return absl::InvalidArgumentError(
        "a meter in control mode 0 or without a relay is always connected");
  }
  // Energy up to now accrues under the old settings.
  AdvanceLocked(meter, clock_->NowMicros());
  meter.control_mode = mode;
  meter.has_relay = has_relay;
  if (request.has_load_w()) meter.load_w = request.load_w();
  if (request.has_fault()) meter.fault = request.fault();
  if (request.has_delay_ms()) meter.delay_ms = request.delay_ms();
  if (request.has_scaler()) meter.scaler = request.scaler();
  if (request.has_register_wh()) {
    meter.energy_mwh = request.register_wh() * 1000;
    meter.energy_remainder_wus = 0;
  }
  v1::ConfigureMeterRequest changes = request;
  changes.clear_meter_id();
  LOG(INFO) << "meter " << request.meter_id() << " configured: " << changes.ShortDebugString();
  if (mode == 0 || !has_relay) {
    SetStateLocked(index, kConnected, "control", 0);
  } else if (request.has_control_state()) {
    SetStateLocked(index, request.control_state(), "control", 0);
  }
  return SnapshotLocked(index);
}

absl::StatusOr<v1::Meter> Fleet::PressButton(absl::string_view meter_id) {
  absl::StatusOr<int> index = IndexOrNotFound(meter_id);
  if (!index.ok()) return index.status();
  absl::MutexLock lock(&mu_);
  Meter& meter = meters_[*index];
  if (meter.has_relay) {
    const RelayTrigger trigger = meter.control_state == kConnected
                                     ? RelayTrigger::kManualDisconnect
                                     : RelayTrigger::kManualReconnect;
    const RelayStep step = StepRelay(meter.control_mode, meter.control_state, trigger);
    if (step.outcome == RelayOutcome::kChanged) {
      SetStateLocked(*index, step.next, "button", step.transition);
    }
  }
  return SnapshotLocked(*index);
}

v1::FleetSummary Fleet::Summary() {
  v1::FleetSummary summary;
  summary.set_meters(size_);
  int32_t by_state[3] = {0, 0, 0};
  uint64_t sessions = 0;
  uint64_t operations = 0;
  int32_t without_relay = 0;
  {
    absl::MutexLock lock(&mu_);
    for (const Meter& meter : meters_) {
      ++by_state[meter.control_state];
      if (!meter.has_relay) ++without_relay;
      sessions += meter.sessions;
      operations += meter.relay_operations;
    }
  }
  summary.set_connected(by_state[kConnected]);
  summary.set_disconnected(by_state[kDisconnected]);
  summary.set_ready_for_reconnection(by_state[kReadyForReconnection]);
  summary.set_without_relay(without_relay);
  summary.set_sessions(sessions);
  summary.set_relay_operations(operations);
  summary.set_sessions_dropped(sessions_dropped_.load(std::memory_order_relaxed));
  return summary;
}

FaultSetting Fleet::FaultOf(int index) {
  absl::MutexLock lock(&mu_);
  const Meter& meter = meters_[index];
  return FaultSetting{meter.fault, meter.delay_ms};
}

RegisterReading Fleet::ReadRegister(int index) {
  absl::MutexLock lock(&mu_);
  Meter& meter = meters_[index];
  AdvanceLocked(meter, clock_->NowMicros());
  // value = Wh / 10^scaler = mWh / 10^(scaler + 3), scaler + 3 >= 0.
  const int64_t value = meter.energy_mwh / Pow10(meter.scaler + 3);
  return RegisterReading{static_cast<uint32_t>(static_cast<uint64_t>(value)),
                         static_cast<int8_t>(meter.scaler)};
}

RelayReading Fleet::ReadRelay(int index) {
  absl::MutexLock lock(&mu_);
  const Meter& meter = meters_[index];
  return RelayReading{meter.has_relay, meter.control_state, OutputStateOf(meter.control_state),
                      meter.control_mode};
}

RemoteResult Fleet::RemoteRelay(int index, RelayTrigger trigger) {
  if (trigger != RelayTrigger::kRemoteDisconnect && trigger != RelayTrigger::kRemoteReconnect) {
    return RemoteResult::kRefusedByMode;
  }
  absl::MutexLock lock(&mu_);
  Meter& meter = meters_[index];
  if (!meter.has_relay) return RemoteResult::kNoRelay;
  if (meter.fault == v1::FAULT_REFUSE) return RemoteResult::kRefusedByFault;
  const RelayStep step = StepRelay(meter.control_mode, meter.control_state, trigger);
  if (step.outcome == RelayOutcome::kRefused) return RemoteResult::kRefusedByMode;
  ++meter.relay_operations;
  if (step.outcome == RelayOutcome::kChanged) {
    SetStateLocked(index, step.next, RelayTriggerName(trigger), step.transition);
  }
  return RemoteResult::kDone;
}

RelayStep Fleet::StepRelayLocal(int index, RelayTrigger trigger) {
  absl::MutexLock lock(&mu_);
  Meter& meter = meters_[index];
  const RelayStep step = StepRelay(meter.control_mode, meter.control_state, trigger);
  if (step.outcome == RelayOutcome::kChanged) {
    const bool manual =
        trigger == RelayTrigger::kManualDisconnect || trigger == RelayTrigger::kManualReconnect;
    SetStateLocked(index, step.next, manual ? "button" : RelayTriggerName(trigger),
                   step.transition);
  }
  return step;
}

void Fleet::CountSession(int index) {
  absl::MutexLock lock(&mu_);
  ++meters_[index].sessions;
}

}  // namespace meter_sim
