// The ACSE APDUs that open and close an association: AARQ/AARE (with the
// xDLMS InitiateRequest/InitiateResponse in user-information) and RLRQ/RLRE,
// BER-encoded. Internal to the codec: other code uses EncodeApdu and
// DecodeApdu (apdu.h), which name the errors.
#ifndef METER_GATEWAY_DLMS_ASSOCIATION_H_
#define METER_GATEWAY_DLMS_ASSOCIATION_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "meter-gateway/dlms/apdu.h"
#include "meter-gateway/dlms/axdr.h"

namespace dlms::internal {

std::string Encode(const AssociationRequest& aarq);
std::string Encode(const AssociationResponse& aare);
std::string Encode(const ReleaseRequest& rlrq);
std::string Encode(const ReleaseResponse& rlre);

// The xDLMS InitiateRequest and InitiateResponse alone (apdu.h exports
// them as EncodeInitiateRequest, ...).
std::string EncodeInitiateRequestBody(const AssociationRequest& aarq);
absl::Status DecodeInitiateRequestBody(absl::string_view bytes, AssociationRequest* aarq);
std::string EncodeInitiateResponseBody(const AssociationResponse& aare);
absl::Status DecodeInitiateResponseBody(absl::string_view bytes, AssociationResponse* aare);

// DecodeAcse reads the rest of an ACSE APDU whose `tag` (one of kAarqTag,
// kAareTag, kRlrqTag, kRlreTag) `reader` has just read, up to the end.
absl::StatusOr<Apdu> DecodeAcse(uint8_t tag, Reader& reader);

}  // namespace dlms::internal

#endif  // METER_GATEWAY_DLMS_ASSOCIATION_H_
