// Pieces that the APDU codec (apdu.cc, association.cc, xdlms_services.cc)
// builds every APDU from: the APDU tags, BER TLVs and the field order of
// ACSE APDUs, and the errors for malformed input. Internal to the codec:
// other code uses apdu.h.
#ifndef METER_GATEWAY_DLMS_APDU_FIELDS_H_
#define METER_GATEWAY_DLMS_APDU_FIELDS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "meter-gateway/dlms/axdr.h"

namespace dlms::internal {

// APDU tags (Green Book, xDLMS APDU and ACSE APDU CHOICEs).
constexpr uint8_t kAarqTag = 0x60;
constexpr uint8_t kAareTag = 0x61;
constexpr uint8_t kRlrqTag = 0x62;
constexpr uint8_t kRlreTag = 0x63;
constexpr uint8_t kGetRequestTag = 0xC0;
constexpr uint8_t kSetRequestTag = 0xC1;
constexpr uint8_t kActionRequestTag = 0xC3;
constexpr uint8_t kGetResponseTag = 0xC4;
constexpr uint8_t kSetResponseTag = 0xC5;
constexpr uint8_t kActionResponseTag = 0xC7;
constexpr uint8_t kExceptionResponseTag = 0xD8;

// Hex is a tag for error messages: "0xC0".
std::string Hex(uint8_t byte);

// Malformed is the InvalidArgument error for a malformed `what`.
absl::Status Malformed(absl::string_view what, absl::string_view why);

// ExpectDone is Malformed when bytes are left after the APDU.
absl::Status ExpectDone(const Reader& reader, absl::string_view what);

// A BER TLV with a one-byte tag and a definite length.
struct Tlv {
  uint8_t tag = 0;
  absl::string_view value;
};

// AppendTlv appends `tag`, the BER length of `value` and `value`.
void AppendTlv(uint8_t tag, absl::string_view value, std::string* out);

// ReadTlv reads one TLV. Malformed when truncated, for a multi-byte tag and
// for a length beyond the input.
absl::Status ReadTlv(Reader& reader, absl::string_view what, Tlv* tlv);

// ReadOnlyTlv parses `bytes` as exactly one TLV with the given tag and
// returns its value.
absl::StatusOr<absl::string_view> ReadOnlyTlv(absl::string_view bytes, uint8_t tag,
                                              absl::string_view what);

// AcseFields reads the fields of an ACSE APDU's body (AARQ, AARE, RLRQ,
// RLRE): context-specific tags in increasing tag number, each at most once.
// Anything else is a broken encoder, and refusing it keeps decode-encode
// round trips exact.
//
// Example:
//   AcseFields fields(body, "AARQ");
//   while (!fields.done()) {
//     Tlv tlv;
//     WALLET_RETURN_IF_ERROR(fields.Next(&tlv));
//     switch (tlv.tag) { ... }
//   }
class AcseFields {
 public:
  AcseFields(absl::string_view body, absl::string_view what) : reader_(body), what_(what) {}

  bool done() const { return reader_.done(); }
  // Next reads the next field; Malformed as ReadTlv, and for a field that is
  // not context-specific or comes out of order.
  absl::Status Next(Tlv* tlv);

 private:
  Reader reader_;
  absl::string_view what_;
  int last_field_ = -1;
};

}  // namespace dlms::internal

#endif  // METER_GATEWAY_DLMS_APDU_FIELDS_H_
