#include "meter-gateway/sim/hls_association.h"

#include <utility>
#include <variant>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "base/hmac.h"
#include "base/status_macros.h"

namespace meter_sim {
namespace {

dlms::AssociationResponse Rejected(dlms::AcseDiagnostic diagnostic) {
  dlms::AssociationResponse response;
  response.result = dlms::AssociationResult::kRejectedPermanent;
  response.diagnostic = diagnostic;
  return response;
}

}  // namespace

HlsAssociation::HlsAssociation(MeterKeys keys, uint32_t first_counter)
    : ciphering_(
          {std::move(keys.keys), keys.system_title, first_counter, dlms::kAuthenticatedEncryption}),
      meter_title_(keys.system_title),
      last_counter_(first_counter + (kCountersPerAssociation - 1)) {}

dlms::AssociationResponse HlsAssociation::Associate(const dlms::AssociationRequest& aarq,
                                                    dlms::AssociationResponse offer) {
  if (aarq.authentication != dlms::Authentication::kHighLevelGmac) {
    return Rejected(dlms::AcseDiagnostic::kMechanismNameRequired);
  }
  if (!aarq.ciphered_initiate.has_value() ||
      aarq.ciphered_initiate->tag != dlms::kGloInitiateRequestTag ||
      aarq.challenge.size() < dlms::kMinChallengeSize ||
      aarq.challenge.size() > dlms::kMaxChallengeSize) {
    return Rejected(dlms::AcseDiagnostic::kAuthenticationFailure);
  }
  ciphering_.set_peer_system_title(aarq.calling_ap_title);
  absl::StatusOr<std::string> initiate = ciphering_.UnprotectBytes(*aarq.ciphered_initiate);
  dlms::AssociationRequest proposal;
  if (!initiate.ok() || !dlms::DecodeInitiateRequest(*initiate, &proposal).ok()) {
    return Rejected(dlms::AcseDiagnostic::kAuthenticationFailure);
  }
  client_challenge_ = aarq.challenge;
  meter_challenge_ = absl::HexStringToBytes(base::RandomHex(dlms::kMinChallengeSize));
  dlms::AssociationResponse response = std::move(offer);
  response.result = dlms::AssociationResult::kAccepted;
  response.diagnostic = dlms::AcseDiagnostic::kAuthenticationRequired;
  response.negotiated_conformance &= proposal.proposed_conformance;
  response.ciphered_context = true;
  response.responding_ap_title = meter_title_;
  response.authentication = dlms::Authentication::kHighLevelGmac;
  response.challenge = meter_challenge_;
  absl::StatusOr<dlms::CipheredApdu> sealed = ciphering_.ProtectBytes(
      dlms::kGloInitiateResponseTag, dlms::EncodeInitiateResponse(response));
  if (!sealed.ok()) return Rejected(dlms::AcseDiagnostic::kNoReasonGiven);
  response.ciphered_initiate = *std::move(sealed);
  return response;
}

absl::StatusOr<dlms::Apdu> HlsAssociation::Open(const dlms::CipheredApdu& request) {
  return ciphering_.Unprotect(request);
}

absl::StatusOr<dlms::CipheredApdu> HlsAssociation::Seal(const dlms::Apdu& answer) {
  if (ciphering_.next_invocation_counter() > last_counter_) {
    return absl::ResourceExhaustedError("the association's invocation counters are used up");
  }
  return ciphering_.Protect(answer);
}

bool HlsAssociation::IsReplyToHls(const dlms::Apdu& request) {
  const auto* action = std::get_if<dlms::ActionRequest>(&request);
  return action != nullptr && action->method.class_id == dlms::kAssociationLnClass &&
         action->method.instance == dlms::kCurrentAssociationObis &&
         action->method.method_id == dlms::kReplyToHlsAuthentication;
}

dlms::ActionResponse HlsAssociation::ReplyToHls(const dlms::ActionRequest& request) {
  dlms::ActionResponse response;
  response.invoke_id_and_priority = request.invoke_id_and_priority;
  response.result = dlms::AccessResult::kReadWriteDenied;
  if (authenticated_ || !request.parameters.has_value() ||
      request.parameters->type() != dlms::DataType::kOctetString ||
      !ciphering_.CheckAnswer(meter_challenge_, request.parameters->bytes()).ok()) {
    return response;
  }
  absl::StatusOr<std::string> answer = ciphering_.AnswerChallenge(client_challenge_);
  if (!answer.ok()) return response;
  authenticated_ = true;
  response.result = dlms::AccessResult::kSuccess;
  response.return_data = dlms::Data::OctetString(*std::move(answer));
  return response;
}

}  // namespace meter_sim
