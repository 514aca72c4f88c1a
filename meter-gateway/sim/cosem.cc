#include "meter-gateway/sim/cosem.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "glog/logging.h"

namespace meter_sim {
namespace {

using dlms::AccessResult;
using dlms::Data;

std::string LogicalName(const dlms::ObisCode& obis) {
  return std::string(obis.bytes.begin(), obis.bytes.end());
}

dlms::ExceptionResponse NotAllowed() {
  dlms::ExceptionResponse response;
  response.state_error = dlms::ExceptionResponse::kServiceNotAllowed;
  response.service_error = dlms::ExceptionResponse::kOperationNotPossible;
  return response;
}

dlms::AssociationResponse Rejected(dlms::AcseDiagnostic diagnostic) {
  dlms::AssociationResponse response;
  response.result = dlms::AssociationResult::kRejectedPermanent;
  response.diagnostic = diagnostic;
  return response;
}

// Which object a descriptor names on this meter.
enum class Target { kRegister, kRelay, kUndefined, kClassInconsistent };

Target Resolve(uint16_t class_id, const dlms::ObisCode& obis, bool has_relay) {
  if (obis == dlms::kActiveImportEnergyObis) {
    return class_id == dlms::kRegisterClass ? Target::kRegister : Target::kClassInconsistent;
  }
  if (obis == dlms::kDisconnectControlObis && has_relay) {
    return class_id == dlms::kDisconnectControlClass ? Target::kRelay
                                                     : Target::kClassInconsistent;
  }
  return Target::kUndefined;
}

// HasAttribute: whether the object has the attribute (Register 1-3,
// Disconnect control 1-4).
bool HasAttribute(Target target, int8_t attribute_id) {
  const int8_t last = target == Target::kRegister ? dlms::kRegisterScalerUnit
                      : target == Target::kRelay  ? dlms::kControlMode
                                                  : 0;
  return attribute_id >= 1 && attribute_id <= last;
}

AccessResult TargetError(Target target) {
  return target == Target::kClassInconsistent ? AccessResult::kObjectClassInconsistent
                                              : AccessResult::kObjectUndefined;
}

}  // namespace

dlms::Apdu CosemSession::Unsupported(absl::string_view apdu, const absl::Status& status) {
  constexpr uint8_t kAarqTag = 0x60;
  if (!apdu.empty() && static_cast<uint8_t>(apdu[0]) == kAarqTag) {
    return Rejected(absl::StrContains(status.message(), "context")
                        ? dlms::AcseDiagnostic::kApplicationContextNameNotSupported
                        : dlms::AcseDiagnostic::kMechanismNameNotRecognised);
  }
  return dlms::ExceptionResponse{};
}

bool* CosemSession::AssociationFlag(uint16_t client_wport) {
  if (client_wport == dlms::kPublicClientSap) return &public_associated_;
  if (client_wport == dlms::kMeterReaderClientSap) return &reader_associated_;
  return nullptr;
}

bool CosemSession::associated(uint16_t client_wport) const {
  if (client_wport == dlms::kPublicClientSap) return public_associated_;
  if (client_wport == dlms::kMeterReaderClientSap) return reader_associated_;
  if (client_wport == dlms::kUtilitySettingsClientSap) {
    return utility_.has_value() && utility_->authenticated();
  }
  return false;
}

dlms::Apdu CosemSession::Handle(uint16_t client_wport, const dlms::Apdu& request) {
  if (const auto* aarq = std::get_if<dlms::AssociationRequest>(&request)) {
    return Associate(client_wport, *aarq);
  }
  if (std::holds_alternative<dlms::ReleaseRequest>(request)) {
    if (bool* flag = AssociationFlag(client_wport)) *flag = false;
    if (client_wport == dlms::kUtilitySettingsClientSap) utility_.reset();
    return dlms::ReleaseResponse{};
  }
  if (const auto* ciphered = std::get_if<dlms::CipheredApdu>(&request)) {
    return HandleCiphered(client_wport, *ciphered);
  }
  // The utility-settings client speaks only glo-ciphered.
  if (client_wport == dlms::kUtilitySettingsClientSap) return NotAllowed();
  return Serve(client_wport, request);
}

dlms::Apdu CosemSession::Serve(uint16_t client_wport, const dlms::Apdu& request) {
  const bool is_get = std::holds_alternative<dlms::GetRequest>(request);
  const bool is_set = std::holds_alternative<dlms::SetRequest>(request);
  const bool is_action = std::holds_alternative<dlms::ActionRequest>(request);
  if (!is_get && !is_set && !is_action) return dlms::ExceptionResponse{};  // a server's APDU
  if (!associated(client_wport)) return NotAllowed();
  if (is_get) return Get(std::get<dlms::GetRequest>(request));
  if (is_set) return Set(std::get<dlms::SetRequest>(request));
  return Act(client_wport, std::get<dlms::ActionRequest>(request));
}

dlms::Apdu CosemSession::HandleCiphered(uint16_t client_wport, const dlms::CipheredApdu& request) {
  if (client_wport != dlms::kUtilitySettingsClientSap || !utility_.has_value()) {
    return NotAllowed();
  }
  absl::StatusOr<dlms::Apdu> opened = utility_->Open(request);
  if (!opened.ok()) {
    VLOG(1) << "meter " << fleet_->MeterIdOf(meter_)
            << ": refused a ciphered request: " << opened.status().message();
    return NotAllowed();
  }
  dlms::Apdu answer;
  if (HlsAssociation::IsReplyToHls(*opened)) {
    answer = utility_->ReplyToHls(std::get<dlms::ActionRequest>(*opened));
  } else {
    answer = Serve(client_wport, *opened);
  }
  if (std::holds_alternative<dlms::ExceptionResponse>(answer)) return answer;
  absl::StatusOr<dlms::CipheredApdu> sealed = utility_->Seal(answer);
  if (!sealed.ok()) return NotAllowed();
  return *std::move(sealed);
}

dlms::Apdu CosemSession::AssociateUtility(const dlms::AssociationRequest& aarq) {
  if (security_ == nullptr || utility_.has_value()) {
    return Rejected(dlms::AcseDiagnostic::kNoReasonGiven);
  }
  utility_.emplace(security_->KeysOf(fleet_->MeterIdOf(meter_), meter_),
                   security_->FirstCounterOfNextAssociation(meter_));
  dlms::AssociationResponse offer;
  offer.negotiated_conformance =
      dlms::kConformanceGet | dlms::kConformanceSet | dlms::kConformanceAction;
  offer.server_max_receive_pdu_size = static_cast<uint16_t>(kMaxApduSize);
  dlms::AssociationResponse response = utility_->Associate(aarq, offer);
  if (response.result != dlms::AssociationResult::kAccepted) {
    utility_.reset();
  } else {
    fleet_->CountSession(meter_);
  }
  return response;
}

dlms::Apdu CosemSession::Associate(uint16_t client_wport, const dlms::AssociationRequest& aarq) {
  if (client_wport == dlms::kUtilitySettingsClientSap) return AssociateUtility(aarq);
  bool* flag = AssociationFlag(client_wport);
  if (flag == nullptr || *flag) return Rejected(dlms::AcseDiagnostic::kNoReasonGiven);
  uint32_t offered = dlms::kConformanceGet;
  if (client_wport == dlms::kPublicClientSap) {
    if (aarq.authentication != dlms::Authentication::kNone) {
      return Rejected(dlms::AcseDiagnostic::kMechanismNameNotRecognised);
    }
  } else {
    if (aarq.authentication != dlms::Authentication::kLowLevel) {
      return Rejected(dlms::AcseDiagnostic::kAuthenticationRequired);
    }
    if (aarq.password != *password_) return Rejected(dlms::AcseDiagnostic::kAuthenticationFailure);
    offered |= dlms::kConformanceSet | dlms::kConformanceAction;
  }
  *flag = true;
  fleet_->CountSession(meter_);
  dlms::AssociationResponse response;
  response.result = dlms::AssociationResult::kAccepted;
  response.diagnostic = dlms::AcseDiagnostic::kNull;
  response.negotiated_conformance = aarq.proposed_conformance & offered;
  response.server_max_receive_pdu_size = static_cast<uint16_t>(kMaxApduSize);
  return response;
}

dlms::Apdu CosemSession::Get(const dlms::GetRequest& request) {
  dlms::GetResponse response;
  response.invoke_id_and_priority = request.invoke_id_and_priority;
  const dlms::AttributeDescriptor& attribute = request.attribute;
  const RelayReading relay = fleet_->ReadRelay(meter_);
  const Target target = Resolve(attribute.class_id, attribute.instance, relay.has_relay);
  if (target != Target::kRegister && target != Target::kRelay) {
    response.result = TargetError(target);
    return response;
  }
  if (request.has_access_selection) {
    response.result = AccessResult::kReadWriteDenied;
    return response;
  }
  if (attribute.attribute_id == 1) {
    response.data = Data::OctetString(LogicalName(attribute.instance));
  } else if (target == Target::kRegister) {
    if (attribute.attribute_id == dlms::kRegisterValue) {
      response.data = Data::DoubleLongUnsigned(fleet_->ReadRegister(meter_).value);
    } else if (attribute.attribute_id == dlms::kRegisterScalerUnit) {
      std::vector<Data> items;
      items.push_back(Data::Integer(fleet_->ReadRegister(meter_).scaler));
      items.push_back(Data::Enum(dlms::kUnitWattHour));
      response.data = Data::Structure(std::move(items));
    }
  } else if (attribute.attribute_id == dlms::kOutputState) {
    response.data = Data::Boolean(relay.output_state);
  } else if (attribute.attribute_id == dlms::kControlState) {
    response.data = Data::Enum(static_cast<uint8_t>(relay.control_state));
  } else if (attribute.attribute_id == dlms::kControlMode) {
    response.data = Data::Enum(static_cast<uint8_t>(relay.control_mode));
  }
  if (!response.data.has_value()) response.result = AccessResult::kObjectUndefined;
  return response;
}

dlms::Apdu CosemSession::Set(const dlms::SetRequest& request) {
  dlms::SetResponse response;
  response.invoke_id_and_priority = request.invoke_id_and_priority;
  const dlms::AttributeDescriptor& attribute = request.attribute;
  const Target target =
      Resolve(attribute.class_id, attribute.instance, fleet_->ReadRelay(meter_).has_relay);
  if (target != Target::kRegister && target != Target::kRelay) {
    response.result = TargetError(target);
  } else if (!HasAttribute(target, attribute.attribute_id)) {
    response.result = AccessResult::kObjectUndefined;
  } else {
    response.result = AccessResult::kReadWriteDenied;
  }
  return response;
}

dlms::Apdu CosemSession::Act(uint16_t client_wport, const dlms::ActionRequest& request) {
  dlms::ActionResponse response;
  response.invoke_id_and_priority = request.invoke_id_and_priority;
  const dlms::MethodDescriptor& method = request.method;
  const Target target =
      Resolve(method.class_id, method.instance, fleet_->ReadRelay(meter_).has_relay);
  if (target != Target::kRegister && target != Target::kRelay) {
    response.result = TargetError(target);
    return response;
  }
  const bool relay_method =
      target == Target::kRelay &&
      (method.method_id == dlms::kRemoteDisconnect || method.method_id == dlms::kRemoteReconnect);
  // With HLS keys the relay is the utility-settings client's alone (it
  // reaches here only once authenticated); without, the meter reader's.
  const bool may_switch = client_wport == dlms::kUtilitySettingsClientSap ||
                          (client_wport == dlms::kMeterReaderClientSap && security_ == nullptr);
  if (!may_switch || !relay_method) {
    response.result = AccessResult::kReadWriteDenied;
    return response;
  }
  const std::optional<Data>& parameters = request.parameters;
  if (!parameters.has_value() || parameters->type() != dlms::DataType::kInteger ||
      parameters->raw_integer() != 0) {
    response.result = AccessResult::kTypeUnmatched;
    return response;
  }
  const RelayTrigger trigger = method.method_id == dlms::kRemoteDisconnect
                                   ? RelayTrigger::kRemoteDisconnect
                                   : RelayTrigger::kRemoteReconnect;
  switch (fleet_->RemoteRelay(meter_, trigger)) {
    case RemoteResult::kDone:
      response.result = AccessResult::kSuccess;
      break;
    case RemoteResult::kNoRelay:  // lost its relay since Resolve
      response.result = AccessResult::kObjectUndefined;
      break;
    case RemoteResult::kRefusedByMode:
    case RemoteResult::kRefusedByFault:
      response.result = AccessResult::kReadWriteDenied;
      break;
  }
  return response;
}

}  // namespace meter_sim
