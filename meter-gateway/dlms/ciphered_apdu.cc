#include "meter-gateway/dlms/ciphered_apdu.h"

#include "absl/status/status.h"
#include "base/status_macros.h"
#include "meter-gateway/dlms/apdu_fields.h"

namespace dlms::internal {
namespace {

// Security control byte and invocation counter.
constexpr size_t kSecurityHeaderSize = 5;
constexpr size_t kSystemTitleSize = 8;

}  // namespace

bool IsCipheredTag(uint8_t tag) {
  switch (tag) {
    case kGloInitiateRequestTag:
    case kGloInitiateResponseTag:
    case kGloGetRequestTag:
    case kGloSetRequestTag:
    case kGloActionRequestTag:
    case kGloGetResponseTag:
    case kGloSetResponseTag:
    case kGloActionResponseTag:
    case kGeneralGloCipheringTag:
      return true;
    default:
      return false;
  }
}

void AppendCipheredContent(const CipheredApdu& apdu, std::string* out) {
  AppendLength(kSecurityHeaderSize + apdu.ciphered_text.size(), out);
  out->push_back(static_cast<char>(apdu.security_control));
  AppendU32(apdu.invocation_counter, out);
  out->append(apdu.ciphered_text);
}

absl::Status ReadCipheredContent(Reader& reader, absl::string_view what, CipheredApdu* apdu) {
  size_t length;
  absl::string_view content;
  if (!reader.ReadLength(&length) || !reader.ReadBytes(length, &content)) {
    return Malformed(what, "bad length or truncated");
  }
  Reader fields(content);
  absl::string_view text;
  if (!fields.ReadU8(&apdu->security_control) || !fields.ReadU32(&apdu->invocation_counter) ||
      !fields.ReadBytes(fields.remaining(), &text)) {
    return Malformed(what, "security header truncated");
  }
  apdu->ciphered_text = std::string(text);
  return absl::OkStatus();
}

std::string Encode(const CipheredApdu& apdu) {
  std::string out(1, static_cast<char>(apdu.tag));
  if (apdu.tag == kGeneralGloCipheringTag) {
    AppendLength(apdu.system_title.size(), &out);
    out.append(apdu.system_title);
  }
  AppendCipheredContent(apdu, &out);
  return out;
}

absl::StatusOr<Apdu> DecodeCiphered(uint8_t tag, Reader& reader) {
  constexpr absl::string_view kWhat = "ciphered APDU";
  CipheredApdu apdu;
  apdu.tag = tag;
  if (tag == kGeneralGloCipheringTag) {
    size_t length;
    absl::string_view title;
    if (!reader.ReadLength(&length) || !reader.ReadBytes(length, &title)) {
      return Malformed(kWhat, "system title truncated");
    }
    if (title.size() != kSystemTitleSize) return Malformed(kWhat, "system title is not 8 bytes");
    apdu.system_title = std::string(title);
  }
  WALLET_RETURN_IF_ERROR(ReadCipheredContent(reader, kWhat, &apdu));
  WALLET_RETURN_IF_ERROR(ExpectDone(reader, kWhat));
  return apdu;
}

}  // namespace dlms::internal
