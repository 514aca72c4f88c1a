#include "meter-gateway/dlms/apdu_fields.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"

namespace dlms::internal {

std::string Hex(uint8_t byte) { return absl::StrFormat("0x%02X", byte); }

absl::Status Malformed(absl::string_view what, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", why));
}

absl::Status ExpectDone(const Reader& reader, absl::string_view what) {
  if (!reader.done()) {
    return Malformed(what, absl::StrCat(reader.remaining(), " trailing bytes"));
  }
  return absl::OkStatus();
}

void AppendTlv(uint8_t tag, absl::string_view value, std::string* out) {
  out->push_back(static_cast<char>(tag));
  AppendLength(value.size(), out);  // BER definite lengths and A-XDR lengths share one form
  out->append(value.data(), value.size());
}

absl::Status ReadTlv(Reader& reader, absl::string_view what, Tlv* tlv) {
  if (!reader.ReadU8(&tlv->tag)) return Malformed(what, "truncated, missing tag");
  if ((tlv->tag & 0x1F) == 0x1F) {
    return Malformed(what, absl::StrCat("unexpected multi-byte tag ", Hex(tlv->tag)));
  }
  size_t length;
  if (!reader.ReadLength(&length) || !reader.ReadBytes(length, &tlv->value)) {
    return Malformed(what, absl::StrCat("bad or oversized length of field ", Hex(tlv->tag)));
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::string_view> ReadOnlyTlv(absl::string_view bytes, uint8_t tag,
                                              absl::string_view what) {
  Reader reader(bytes);
  Tlv tlv;
  WALLET_RETURN_IF_ERROR(ReadTlv(reader, what, &tlv));
  if (tlv.tag != tag) {
    return Malformed(what, absl::StrCat("expected tag ", Hex(tag), ", got ", Hex(tlv.tag)));
  }
  if (!reader.done()) return Malformed(what, "trailing bytes");
  return tlv.value;
}

absl::Status AcseFields::Next(Tlv* tlv) {
  WALLET_RETURN_IF_ERROR(ReadTlv(reader_, what_, tlv));
  if ((tlv->tag & 0xC0) != 0x80) {
    return Malformed(what_, absl::StrCat("unexpected field tag ", Hex(tlv->tag)));
  }
  const int field = tlv->tag & 0x1F;
  if (field <= last_field_) {
    return Malformed(what_, absl::StrCat("field ", Hex(tlv->tag), " out of order or repeated"));
  }
  last_field_ = field;
  return absl::OkStatus();
}

}  // namespace dlms::internal
