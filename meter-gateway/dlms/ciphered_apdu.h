// The framing of ciphered APDUs (CipheredApdu in apdu.h): glo-ciphered
//   tag | length | security control | invocation counter | ciphered text
// and general-glo-ciphering
//   0xDB | 08 system title | length | security control | invocation counter |
//   ciphered text
// Internal to the codec: other code uses EncodeApdu and DecodeApdu (apdu.h),
// and security.h to protect and open the content.
#ifndef METER_GATEWAY_DLMS_CIPHERED_APDU_H_
#define METER_GATEWAY_DLMS_CIPHERED_APDU_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "meter-gateway/dlms/apdu.h"
#include "meter-gateway/dlms/axdr.h"

namespace dlms::internal {

// IsCipheredTag is true for the tags a CipheredApdu may carry.
bool IsCipheredTag(uint8_t tag);

// Encode(CipheredApdu) writes the APDU; its `tag` must satisfy IsCipheredTag.
std::string Encode(const CipheredApdu& apdu);

// DecodeCiphered reads the rest of a ciphered APDU whose `tag` `reader` has
// just read, up to the end. InvalidArgument when truncated, when the
// general-glo-ciphering system title is not 8 bytes and for trailing bytes.
absl::StatusOr<Apdu> DecodeCiphered(uint8_t tag, Reader& reader);

// AppendCipheredContent and ReadCipheredContent handle the part after the
// tag (and system title): length, security control, counter, ciphered text.
void AppendCipheredContent(const CipheredApdu& apdu, std::string* out);
absl::Status ReadCipheredContent(Reader& reader, absl::string_view what, CipheredApdu* apdu);

}  // namespace dlms::internal

#endif  // METER_GATEWAY_DLMS_CIPHERED_APDU_H_
