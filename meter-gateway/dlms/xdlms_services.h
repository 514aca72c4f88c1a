// The xDLMS data services of a logical-name association, A-XDR-encoded:
// GET, SET and ACTION, request and response (-Normal only), and the
// Exception-Response. Internal to the codec: other code uses EncodeApdu and
// DecodeApdu (apdu.h), which name the errors.
#ifndef METER_GATEWAY_DLMS_XDLMS_SERVICES_H_
#define METER_GATEWAY_DLMS_XDLMS_SERVICES_H_

#include <string>

#include "absl/status/statusor.h"
#include "meter-gateway/dlms/apdu.h"
#include "meter-gateway/dlms/axdr.h"

namespace dlms::internal {

std::string Encode(const GetRequest& request);
std::string Encode(const GetResponse& response);
std::string Encode(const SetRequest& request);
std::string Encode(const SetResponse& response);
std::string Encode(const ActionRequest& request);
std::string Encode(const ActionResponse& response);
std::string Encode(const ExceptionResponse& response);

// Each Decode* reads the rest of its APDU, after the tag, up to the end.
absl::StatusOr<Apdu> DecodeGetRequest(Reader& reader);
absl::StatusOr<Apdu> DecodeGetResponse(Reader& reader);
absl::StatusOr<Apdu> DecodeSetRequest(Reader& reader);
absl::StatusOr<Apdu> DecodeSetResponse(Reader& reader);
absl::StatusOr<Apdu> DecodeActionRequest(Reader& reader);
absl::StatusOr<Apdu> DecodeActionResponse(Reader& reader);
absl::StatusOr<Apdu> DecodeExceptionResponse(Reader& reader);

}  // namespace dlms::internal

#endif  // METER_GATEWAY_DLMS_XDLMS_SERVICES_H_
