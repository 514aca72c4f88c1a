#include "meter-gateway/gateway/meter_session.h"

#include <limits>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"

namespace meter_gateway {
namespace {

namespace v1 = ::wallet::v1;
using dlms::Data;
using google::protobuf::util::TimeUtil;

RelayAttempt Judge(const v1::RelayCommand& command, v1::RelayOutcome::Result result,
                   v1::RelayState state, v1::RelayOutcome::Failure failure, std::string reason,
                   bool retryable) {
  RelayAttempt attempt;
  attempt.outcome.set_command_id(command.command_id());
  attempt.outcome.set_meter_id(command.meter_id());
  attempt.outcome.set_result(result);
  attempt.outcome.set_state(state);
  attempt.outcome.set_failure(failure);
  attempt.outcome.set_reason(std::move(reason));
  *attempt.outcome.mutable_observe_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(absl::Now()));
  attempt.retryable = retryable;
  return attempt;
}

RelayAttempt Failed(const v1::RelayCommand& command, v1::RelayOutcome::Failure failure,
                    std::string reason, bool retryable) {
  return Judge(command, v1::RelayOutcome::FAILED, v1::RELAY_UNKNOWN, failure, std::move(reason),
               retryable);
}

// FailureOf classifies a DLMS error; see dlms/client.h for the codes.
RelayAttempt FailureOf(const v1::RelayCommand& command, const absl::Status& status,
                       bool associating) {
  const std::string message(status.message());
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
      return Judge(command, v1::RelayOutcome::OFFLINE, v1::RELAY_OFFLINE,
                   v1::RelayOutcome::UNREACHABLE, absl::StrCat("offline: ", message), true);
    case absl::StatusCode::kDeadlineExceeded:
      return Failed(command, v1::RelayOutcome::NO_ANSWER, absl::StrCat("timeout: ", message),
                    true);
    case absl::StatusCode::kPermissionDenied:
      return Failed(command, v1::RelayOutcome::REFUSED,
                    absl::StrCat(associating ? "association failed: " : "refused: ", message),
                    false);
    case absl::StatusCode::kNotFound:
      // object-undefined for the disconnect control object: the meter has
      // none, as a CT-operated meter has none. No retry can give it one.
      return Failed(command, v1::RelayOutcome::NO_RELAY, std::string(kNoRelayReason), false);
    case absl::StatusCode::kFailedPrecondition:
      return Failed(command, v1::RelayOutcome::METER_ERROR,
                    absl::StrCat("meter error: ", message), true);
    default:
      return Failed(command, v1::RelayOutcome::PROTOCOL_ERROR,
                    absl::StrCat("protocol error: ", message), true);
  }
}

absl::StatusOr<v1::RelayState> ReadRelay(dlms::Client& client) {
  absl::StatusOr<Data> control = client.Get(dlms::kControlStateAttribute);
  if (!control.ok()) return control.status();
  absl::StatusOr<int64_t> control_state = control->AsInt64();
  absl::StatusOr<Data> output = client.Get(dlms::kOutputStateAttribute);
  if (!output.ok()) return output.status();
  absl::StatusOr<bool> output_state = output->AsBool();
  if (!control_state.ok() || !output_state.ok()) {
    return absl::DataLossError(absl::StrCat("relay read back with wrong types: ",
                                            control->ToString(), ", ", output->ToString()));
  }
  return RelayStateOf(*control_state, *output_state);
}

}  // namespace

v1::RelayState RelayStateOf(int64_t control_state, bool output_state) {
  if (output_state) return v1::RELAY_CONNECTED;
  if (control_state == dlms::kStateReadyForReconnection) return v1::RELAY_ARMED;
  return v1::RELAY_DISCONNECTED;
}

RelayAttempt ExecuteRelayCommand(const dlms::MeterEndpoint& meter,
                                 const v1::RelayCommand& command,
                                 const dlms::ClientOptions& options) {
  absl::StatusOr<std::unique_ptr<dlms::Client>> client = dlms::Client::Connect(meter, options);
  if (!client.ok()) return FailureOf(command, client.status(), /*associating=*/true);
  const bool disconnect = command.action() == v1::DISCONNECT;
  absl::StatusOr<std::optional<Data>> invoked = (*client)->Action(
      disconnect ? dlms::kRemoteDisconnectMethod : dlms::kRemoteReconnectMethod, Data::Integer(0));
  if (!invoked.ok()) return FailureOf(command, invoked.status(), false);
  absl::StatusOr<v1::RelayState> state = ReadRelay(**client);
  if (!state.ok()) return FailureOf(command, state.status(), false);
  (*client)->Release().IgnoreError();  // the work is done; a lost RLRE changes nothing

  constexpr v1::RelayOutcome::Failure kNone = v1::RelayOutcome::FAILURE_UNSPECIFIED;
  if (disconnect) {
    if (*state == v1::RELAY_CONNECTED) {
      return Judge(command, v1::RelayOutcome::FAILED, *state, v1::RelayOutcome::WRONG_STATE,
                   "supply still on after remote_disconnect", true);
    }
    return Judge(command, v1::RelayOutcome::CONFIRMED, *state, kNone, "", false);
  }
  switch (*state) {
    case v1::RELAY_CONNECTED:
      return Judge(command, v1::RelayOutcome::CONFIRMED, *state, kNone, "", false);
    case v1::RELAY_ARMED:
      return Judge(command, v1::RelayOutcome::ARMED, *state, kNone,
                   "ready for reconnection: the consumer must press the button", false);
    default:
      return Judge(command, v1::RelayOutcome::FAILED, *state, v1::RelayOutcome::WRONG_STATE,
                   "relay still open after remote_reconnect", true);
  }
}

absl::StatusOr<MeterRead> ReadMeter(const dlms::MeterEndpoint& meter,
                                    const dlms::ClientOptions& options) {
  absl::StatusOr<std::unique_ptr<dlms::Client>> client = dlms::Client::Connect(meter, options);
  if (!client.ok()) return client.status();
  absl::StatusOr<Data> value = (*client)->Get(dlms::kEnergyValueAttribute);
  if (!value.ok()) return value.status();
  absl::StatusOr<Data> scaler_unit = (*client)->Get(dlms::kEnergyScalerUnitAttribute);
  if (!scaler_unit.ok()) return scaler_unit.status();
  absl::StatusOr<int64_t> raw = value->AsInt64();
  if (!raw.ok() || *raw < 0 || scaler_unit->type() != dlms::DataType::kStructure ||
      scaler_unit->items().size() != 2) {
    return absl::DataLossError(absl::StrCat("energy register unreadable: ", value->ToString(),
                                            " ", scaler_unit->ToString()));
  }
  absl::StatusOr<int64_t> scaler = scaler_unit->items()[0].AsInt64();
  absl::StatusOr<int64_t> unit = scaler_unit->items()[1].AsInt64();
  if (!scaler.ok() || !unit.ok() || *unit != dlms::kUnitWattHour || *scaler < -3 || *scaler > 6) {
    return absl::DataLossError(
        absl::StrCat("energy register not in Wh: scaler_unit ", scaler_unit->ToString()));
  }
  MeterRead read;
  // Wallet energy is whole Wh: finer scalers are truncated, never rounded up.
  int64_t wh = *raw;
  for (int64_t i = 0; i < *scaler; ++i) {
    if (wh > std::numeric_limits<int64_t>::max() / 10) {
      return absl::DataLossError(absl::StrCat("energy register overflows: ", value->ToString(),
                                              " x 10^", *scaler, " Wh"));
    }
    wh *= 10;
  }
  for (int64_t i = 0; i > *scaler; --i) wh /= 10;
  read.register_wh = wh;
  absl::StatusOr<v1::RelayState> relay = ReadRelay(**client);
  if (relay.ok()) {
    read.has_relay = true;
    read.relay = *relay;
  } else if (relay.status().code() != absl::StatusCode::kNotFound) {
    return relay.status();
  }
  (*client)->Release().IgnoreError();
  return read;
}

}  // namespace meter_gateway
