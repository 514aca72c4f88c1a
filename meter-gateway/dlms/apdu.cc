#include "meter-gateway/dlms/apdu.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "meter-gateway/dlms/apdu_fields.h"
#include "meter-gateway/dlms/association.h"
#include "meter-gateway/dlms/ciphered_apdu.h"
#include "meter-gateway/dlms/xdlms_services.h"

namespace dlms {
namespace {

// IsKnownUnsupportedTag is true for tags of real DLMS APDUs outside this
// subset: short-name referencing, event and data notifications, ciphered
// APDUs other than the glo- GET, SET, ACTION and initiate ones and
// general-glo-ciphering, access and block transfer. (DecodeApdu asks
// IsCipheredTag first.)
bool IsKnownUnsupportedTag(uint8_t tag) {
  switch (tag) {
    case 0x05: case 0x06: case 0x0C: case 0x0D:  // SN read/write
    case 0x0E:                                   // confirmedServiceError
    case 0x0F:                                   // data-notification
    case 0x16: case 0x18:                        // SN unconfirmed write, information report
    case 0xC2:                                   // event notification
      return true;
    default:
      break;
  }
  return (tag >= 0x21 && tag <= 0x2E) ||  // glo- initiate and SN services
         (tag >= 0x41 && tag <= 0x4E) ||  // ded- initiate and SN services
         (tag >= 0xC8 && tag <= 0xD7) ||  // glo- and ded- xDLMS services
         (tag >= 0xD9 && tag <= 0xE0);    // access, general ciphering/signing, block transfer
}

struct Namer {
  std::string operator()(const AssociationRequest&) const { return "AARQ"; }
  std::string operator()(const AssociationResponse&) const { return "AARE"; }
  std::string operator()(const GetRequest&) const { return "GET-Request-Normal"; }
  std::string operator()(const GetResponse&) const { return "GET-Response-Normal"; }
  std::string operator()(const SetRequest&) const { return "SET-Request-Normal"; }
  std::string operator()(const SetResponse&) const { return "SET-Response-Normal"; }
  std::string operator()(const ActionRequest&) const { return "ACTION-Request-Normal"; }
  std::string operator()(const ActionResponse&) const { return "ACTION-Response-Normal"; }
  std::string operator()(const ReleaseRequest&) const { return "RLRQ"; }
  std::string operator()(const ReleaseResponse&) const { return "RLRE"; }
  std::string operator()(const ExceptionResponse&) const { return "Exception-Response"; }
  std::string operator()(const CipheredApdu& apdu) const {
    switch (apdu.tag) {
      case kGloInitiateRequestTag:
        return "glo-initiate-request";
      case kGloInitiateResponseTag:
        return "glo-initiate-response";
      case kGloGetRequestTag:
        return "glo-get-request";
      case kGloSetRequestTag:
        return "glo-set-request";
      case kGloActionRequestTag:
        return "glo-action-request";
      case kGloGetResponseTag:
        return "glo-get-response";
      case kGloSetResponseTag:
        return "glo-set-response";
      case kGloActionResponseTag:
        return "glo-action-response";
      case kGeneralGloCipheringTag:
        return "general-glo-ciphering";
      default:
        return absl::StrCat("ciphered APDU ", internal::Hex(apdu.tag));
    }
  }
};

}  // namespace

absl::StatusOr<ObisCode> ObisCode::Parse(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '.');
  if (parts.size() != 6) {
    return absl::InvalidArgumentError(
        absl::StrCat("OBIS code \"", text, "\": expected A.B.C.D.E.F"));
  }
  ObisCode obis;
  for (size_t i = 0; i < 6; ++i) {
    // SimpleAtoi alone would accept signs and spaces.
    const bool digits = !parts[i].empty() && parts[i].size() <= 3 &&
                        parts[i].find_first_not_of("0123456789") == absl::string_view::npos;
    int value = 0;
    if (!digits || !absl::SimpleAtoi(parts[i], &value) || value > 255) {
      return absl::InvalidArgumentError(
          absl::StrCat("OBIS code \"", text, "\": value \"", parts[i], "\" is not 0-255"));
    }
    obis.bytes[i] = static_cast<uint8_t>(value);
  }
  return obis;
}

std::string ObisCode::ToString() const { return absl::StrJoin(bytes, "."); }

std::string EncodeApdu(const Apdu& apdu) {
  // Each kind's Encode lives with its concept: association.cc for the ACSE
  // APDUs, xdlms_services.cc for the data services.
  return std::visit([](const auto& kind) { return internal::Encode(kind); }, apdu);
}

absl::StatusOr<Apdu> DecodeApdu(absl::string_view bytes) {
  Reader reader(bytes);
  uint8_t tag;
  if (!reader.ReadU8(&tag)) return absl::InvalidArgumentError("empty APDU");
  switch (tag) {
    case internal::kAarqTag:
    case internal::kAareTag:
    case internal::kRlrqTag:
    case internal::kRlreTag:
      return internal::DecodeAcse(tag, reader);
    case internal::kGetRequestTag:
      return internal::DecodeGetRequest(reader);
    case internal::kGetResponseTag:
      return internal::DecodeGetResponse(reader);
    case internal::kSetRequestTag:
      return internal::DecodeSetRequest(reader);
    case internal::kSetResponseTag:
      return internal::DecodeSetResponse(reader);
    case internal::kActionRequestTag:
      return internal::DecodeActionRequest(reader);
    case internal::kActionResponseTag:
      return internal::DecodeActionResponse(reader);
    case internal::kExceptionResponseTag:
      return internal::DecodeExceptionResponse(reader);
    default:
      break;
  }
  if (internal::IsCipheredTag(tag)) return internal::DecodeCiphered(tag, reader);
  if (IsKnownUnsupportedTag(tag)) {
    return absl::UnimplementedError(absl::StrCat("APDU tag ", internal::Hex(tag), " not supported"));
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown APDU tag ", internal::Hex(tag)));
}

std::string EncodeInitiateRequest(const AssociationRequest& aarq) {
  return internal::EncodeInitiateRequestBody(aarq);
}
absl::Status DecodeInitiateRequest(absl::string_view bytes, AssociationRequest* aarq) {
  return internal::DecodeInitiateRequestBody(bytes, aarq);
}
std::string EncodeInitiateResponse(const AssociationResponse& aare) {
  return internal::EncodeInitiateResponseBody(aare);
}
absl::Status DecodeInitiateResponse(absl::string_view bytes, AssociationResponse* aare) {
  return internal::DecodeInitiateResponseBody(bytes, aare);
}

std::string ApduName(const Apdu& apdu) { return std::visit(Namer{}, apdu); }

}  // namespace dlms
