#include "meter-gateway/dlms/apdu.h"

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"

namespace dlms {
namespace {

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

// Choice tags inside GET/SET/ACTION APDUs: only -Normal is supported.
constexpr uint8_t kNormal = 0x01;

// xDLMS InitiateRequest / InitiateResponse tags inside user-information.
constexpr uint8_t kInitiateRequestTag = 0x01;
constexpr uint8_t kInitiateResponseTag = 0x08;
constexpr uint8_t kConfirmedServiceErrorTag = 0x0E;
constexpr uint8_t kGloInitiateRequestTag = 0x21;
constexpr uint8_t kGloInitiateResponseTag = 0x28;

// Exception-Response service-error invocation-counter-error carries the
// expected counter as Unsigned32.
constexpr uint8_t kInvocationCounterError = 6;

// {joint-iso-ccitt(2) country(16) country-name(756) identified-organization(5)
//  DLMS-UA(8)}: the prefix of every DLMS application context and mechanism
// name, BER-encoded.
constexpr char kDlmsUaOidPrefix[] = "\x60\x85\x74\x05\x08";
constexpr size_t kDlmsUaOidPrefixSize = sizeof(kDlmsUaOidPrefix) - 1;
constexpr uint8_t kOidApplicationContext = 1;
constexpr uint8_t kOidMechanismName = 2;
constexpr uint8_t kContextLnNoCiphering = 1;
constexpr uint8_t kMechanismLowest = 0;
constexpr uint8_t kMechanismLls = 1;

// acse-requirements: BIT STRING with one bit, authentication (bit 0).
constexpr char kAcseRequirementsAuthentication[] = "\x07\x80";

// Conformance is a BIT STRING [APPLICATION 31] of 24 bits: 5F 1F 04 00 ....
constexpr char kConformanceTag[] = "\x5F\x1F";

std::string Hex(uint8_t byte) { return absl::StrFormat("0x%02X", byte); }

absl::Status Malformed(absl::string_view what, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", why));
}

// ---------------------------------------------------------------- BER helpers

void AppendBerLength(size_t length, std::string* out) {
  // BER definite lengths and A-XDR lengths share one form.
  AppendLength(length, out);
}

void AppendTlv(uint8_t tag, absl::string_view value, std::string* out) {
  out->push_back(static_cast<char>(tag));
  AppendBerLength(value.size(), out);
  out->append(value.data(), value.size());
}

std::string Oid(uint8_t kind, uint8_t id) {
  return absl::StrCat(absl::string_view(kDlmsUaOidPrefix, kDlmsUaOidPrefixSize),
                      std::string{static_cast<char>(kind), static_cast<char>(id)});
}

struct Tlv {
  uint8_t tag = 0;
  absl::string_view value;
};

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

// ReadOnlyTlv parses `bytes` as exactly one TLV with the given tag.
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

// ReadSmallInteger reads a BER INTEGER (or ENUMERATED) that DLMS keeps in
// one byte: association results and diagnostics.
absl::StatusOr<uint8_t> ReadSmallInteger(absl::string_view bytes, absl::string_view what) {
  WALLET_ASSIGN_OR_RETURN(absl::string_view value, ReadOnlyTlv(bytes, 0x02, what));
  if (value.size() != 1) return Malformed(what, "integer is not one byte");
  return static_cast<uint8_t>(value[0]);
}

// CheckApplicationContext accepts LN referencing without ciphering, the only
// context this codec speaks; other DLMS contexts are well-formed but
// unsupported.
absl::Status CheckApplicationContext(absl::string_view field, absl::string_view what) {
  WALLET_ASSIGN_OR_RETURN(absl::string_view oid, ReadOnlyTlv(field, 0x06, what));
  if (oid == Oid(kOidApplicationContext, kContextLnNoCiphering)) return absl::OkStatus();
  const std::string context_prefix =
      Oid(kOidApplicationContext, 0).substr(0, kDlmsUaOidPrefixSize + 1);
  if (oid.size() == context_prefix.size() + 1 &&
      oid.substr(0, context_prefix.size()) == context_prefix) {
    const uint8_t id = static_cast<uint8_t>(oid.back());
    std::string name;
    switch (id) {
      case 2: name = "SN"; break;
      case 3: name = "LN with ciphering"; break;
      case 4: name = "SN with ciphering"; break;
      default: name = absl::StrCat("2.16.756.5.8.1.", id); break;
    }
    return absl::UnimplementedError(absl::StrCat(
        what, ": application context ", name, " not supported (only LN without ciphering)"));
  }
  return absl::UnimplementedError(absl::StrCat(what, ": non-DLMS application context"));
}

// ReadConformance reads the 24-bit conformance block.
bool ReadConformance(Reader& reader, uint32_t* conformance) {
  absl::string_view tag;
  uint8_t length, unused_bits;
  absl::string_view bits;
  if (!reader.ReadBytes(2, &tag) || tag != absl::string_view(kConformanceTag, 2) ||
      !reader.ReadU8(&length) || length != 4 || !reader.ReadU8(&unused_bits) ||
      unused_bits > 7 || !reader.ReadBytes(3, &bits)) {
    return false;
  }
  *conformance = (static_cast<uint8_t>(bits[0]) << 16) | (static_cast<uint8_t>(bits[1]) << 8) |
                 static_cast<uint8_t>(bits[2]);
  return true;
}

void AppendConformance(uint32_t conformance, std::string* out) {
  out->append(kConformanceTag, 2);
  out->push_back(0x04);
  out->push_back(0x00);  // no unused bits
  out->push_back(static_cast<char>(conformance >> 16));
  out->push_back(static_cast<char>(conformance >> 8));
  out->push_back(static_cast<char>(conformance));
}

// ReadOptionalByte reads an A-XDR OPTIONAL (or DEFAULT) one-byte field:
// 00 absent, or 01 followed by the value.
bool ReadOptionalByte(Reader& reader, std::optional<uint8_t>* value) {
  uint8_t present;
  if (!reader.ReadU8(&present)) return false;
  if (present == 0) {
    *value = std::nullopt;
    return true;
  }
  uint8_t v;
  if (present != 1 || !reader.ReadU8(&v)) return false;
  *value = v;
  return true;
}

// ------------------------------------------------------------------ AARQ/AARE

std::string EncodeInitiateRequest(const AssociationRequest& aarq) {
  std::string out;
  out.push_back(kInitiateRequestTag);
  out.push_back(0x00);  // dedicated-key absent
  out.push_back(0x00);  // response-allowed: default (TRUE)
  out.push_back(0x00);  // proposed-quality-of-service absent
  out.push_back(static_cast<char>(aarq.dlms_version));
  AppendConformance(aarq.proposed_conformance, &out);
  AppendU16(aarq.max_receive_pdu_size, &out);
  return out;
}

absl::Status DecodeInitiateRequest(absl::string_view user_information,
                                   AssociationRequest* aarq) {
  constexpr absl::string_view kWhat = "AARQ user-information";
  WALLET_ASSIGN_OR_RETURN(absl::string_view initiate,
                          ReadOnlyTlv(user_information, 0x04, kWhat));
  Reader reader(initiate);
  uint8_t tag;
  if (!reader.ReadU8(&tag)) return Malformed(kWhat, "empty");
  if (tag == kGloInitiateRequestTag) {
    return absl::UnimplementedError("AARQ: ciphered InitiateRequest not supported");
  }
  if (tag != kInitiateRequestTag) {
    return Malformed(kWhat, absl::StrCat("expected InitiateRequest, got tag ", Hex(tag)));
  }
  uint8_t dedicated_key;
  if (!reader.ReadU8(&dedicated_key)) return Malformed(kWhat, "truncated InitiateRequest");
  if (dedicated_key == 1) {
    return absl::UnimplementedError("AARQ: dedicated key (ciphering) not supported");
  }
  if (dedicated_key != 0) return Malformed(kWhat, "bad dedicated-key presence flag");
  std::optional<uint8_t> response_allowed, quality_of_service;
  uint32_t conformance;
  if (!ReadOptionalByte(reader, &response_allowed) ||
      !ReadOptionalByte(reader, &quality_of_service) ||
      !reader.ReadU8(&aarq->dlms_version) || !ReadConformance(reader, &conformance) ||
      !reader.ReadU16(&aarq->max_receive_pdu_size)) {
    return Malformed(kWhat, "truncated or malformed InitiateRequest");
  }
  if (!reader.done()) return Malformed(kWhat, "trailing bytes after InitiateRequest");
  aarq->proposed_conformance = conformance;
  return absl::OkStatus();
}

std::string EncodeAarq(const AssociationRequest& aarq) {
  std::string body;
  std::string context;
  AppendTlv(0x06, Oid(kOidApplicationContext, kContextLnNoCiphering), &context);
  AppendTlv(0xA1, context, &body);
  if (aarq.authentication == Authentication::kLowLevel) {
    AppendTlv(0x8A, kAcseRequirementsAuthentication, &body);
    AppendTlv(0x8B, Oid(kOidMechanismName, kMechanismLls), &body);
    std::string value;
    AppendTlv(0x80, aarq.password, &value);  // charstring [0] GraphicString
    AppendTlv(0xAC, value, &body);
  }
  std::string user_information;
  AppendTlv(0x04, EncodeInitiateRequest(aarq), &user_information);
  AppendTlv(0xBE, user_information, &body);
  std::string out;
  AppendTlv(kAarqTag, body, &out);
  return out;
}

absl::StatusOr<Apdu> DecodeAarq(absl::string_view body) {
  constexpr absl::string_view kWhat = "AARQ";
  AssociationRequest aarq;
  aarq.authentication = Authentication::kNone;
  bool have_context = false;
  bool have_mechanism = false;
  bool have_authentication_value = false;
  bool have_user_information = false;
  int last_field = -1;
  Reader reader(body);
  while (!reader.done()) {
    Tlv tlv;
    WALLET_RETURN_IF_ERROR(ReadTlv(reader, kWhat, &tlv));
    const int field = tlv.tag & 0x1F;
    // ACSE fields come in tag order, each at most once; anything else is a
    // broken encoder, and rejecting it keeps decode-encode round trips exact.
    if ((tlv.tag & 0xC0) != 0x80) {
      return Malformed(kWhat, absl::StrCat("unexpected field tag ", Hex(tlv.tag)));
    }
    if (field <= last_field) {
      return Malformed(kWhat, absl::StrCat("field ", Hex(tlv.tag), " out of order or repeated"));
    }
    last_field = field;
    switch (tlv.tag) {
      case 0x80:  // protocol-version: only version1 exists
      case 0xA2:  // called-AP-title
      case 0xA3:  // called-AE-qualifier
      case 0xA4:  // called-AP-invocation-identifier
      case 0xA5:  // called-AE-invocation-identifier
      case 0xA6:  // calling-AP-title (system title, used with ciphering)
      case 0xA7:  // calling-AE-qualifier
      case 0xA8:  // calling-AP-invocation-identifier
      case 0xA9:  // calling-AE-invocation-identifier
      case 0x8A:  // acse-requirements: implied by the mechanism name
      case 0x9D:  // implementation-information
        break;
      case 0xA1:
        WALLET_RETURN_IF_ERROR(CheckApplicationContext(tlv.value, "AARQ application-context-name"));
        have_context = true;
        break;
      case 0x8B: {
        const std::string prefix = Oid(kOidMechanismName, 0).substr(0, kDlmsUaOidPrefixSize + 1);
        if (tlv.value.size() != prefix.size() + 1 || tlv.value.substr(0, prefix.size()) != prefix) {
          return absl::UnimplementedError("AARQ: non-DLMS authentication mechanism");
        }
        const uint8_t mechanism = static_cast<uint8_t>(tlv.value.back());
        if (mechanism == kMechanismLowest) {
          aarq.authentication = Authentication::kNone;
        } else if (mechanism == kMechanismLls) {
          aarq.authentication = Authentication::kLowLevel;
        } else {
          return absl::UnimplementedError(absl::StrCat(
              "AARQ: authentication mechanism ", mechanism, " (high-level security) not supported"));
        }
        have_mechanism = true;
        break;
      }
      case 0xAC: {
        Reader value(tlv.value);
        Tlv password;
        WALLET_RETURN_IF_ERROR(ReadTlv(value, "AARQ calling-authentication-value", &password));
        if (password.tag != 0x80) {
          return absl::UnimplementedError(
              absl::StrCat("AARQ: authentication value of kind ", Hex(password.tag),
                           " not supported (only charstring)"));
        }
        if (!value.done()) return Malformed(kWhat, "trailing bytes in authentication value");
        aarq.password = std::string(password.value);
        have_authentication_value = true;
        break;
      }
      case 0xBE:
        WALLET_RETURN_IF_ERROR(DecodeInitiateRequest(tlv.value, &aarq));
        have_user_information = true;
        break;
      default:
        return Malformed(kWhat, absl::StrCat("unexpected field tag ", Hex(tlv.tag)));
    }
  }
  if (!have_context) return Malformed(kWhat, "no application-context-name");
  if (!have_user_information) return Malformed(kWhat, "no user-information (InitiateRequest)");
  if (have_authentication_value &&
      (!have_mechanism || aarq.authentication != Authentication::kLowLevel)) {
    return Malformed(kWhat, "authentication value without a low-level-security mechanism name");
  }
  return aarq;
}

std::string EncodeAare(const AssociationResponse& aare) {
  std::string body;
  std::string context;
  AppendTlv(0x06, Oid(kOidApplicationContext, kContextLnNoCiphering), &context);
  AppendTlv(0xA1, context, &body);
  std::string integer;
  AppendTlv(0x02, std::string(1, static_cast<char>(aare.result)), &integer);
  AppendTlv(0xA2, integer, &body);
  std::string diagnostic_integer;
  AppendTlv(0x02, std::string(1, static_cast<char>(aare.diagnostic)), &diagnostic_integer);
  std::string diagnostic;
  AppendTlv(0xA1, diagnostic_integer, &diagnostic);  // acse-service-user
  AppendTlv(0xA3, diagnostic, &body);
  if (aare.result == AssociationResult::kAccepted) {
    std::string initiate;
    initiate.push_back(kInitiateResponseTag);
    initiate.push_back(0x00);  // negotiated-quality-of-service absent
    initiate.push_back(static_cast<char>(aare.dlms_version));
    AppendConformance(aare.negotiated_conformance, &initiate);
    AppendU16(aare.server_max_receive_pdu_size, &initiate);
    AppendU16(aare.vaa_name, &initiate);
    std::string user_information;
    AppendTlv(0x04, initiate, &user_information);
    AppendTlv(0xBE, user_information, &body);
  }
  std::string out;
  AppendTlv(kAareTag, body, &out);
  return out;
}

// DecodeAareUserInformation reads the InitiateResponse of an AARE. A rejected AARE
// may carry a ConfirmedServiceError instead, which adds nothing to the
// diagnostic for our purposes and is skipped.
absl::Status DecodeAareUserInformation(absl::string_view user_information,
                                       AssociationResponse* aare, bool* have_initiate_response) {
  constexpr absl::string_view kWhat = "AARE user-information";
  WALLET_ASSIGN_OR_RETURN(absl::string_view initiate,
                          ReadOnlyTlv(user_information, 0x04, kWhat));
  Reader reader(initiate);
  uint8_t tag;
  if (!reader.ReadU8(&tag)) return Malformed(kWhat, "empty");
  if (tag == kConfirmedServiceErrorTag) {
    *have_initiate_response = false;
    return absl::OkStatus();
  }
  if (tag == kGloInitiateResponseTag) {
    return absl::UnimplementedError("AARE: ciphered InitiateResponse not supported");
  }
  if (tag != kInitiateResponseTag) {
    return Malformed(kWhat, absl::StrCat("expected InitiateResponse, got tag ", Hex(tag)));
  }
  std::optional<uint8_t> quality_of_service;
  if (!ReadOptionalByte(reader, &quality_of_service) || !reader.ReadU8(&aare->dlms_version) ||
      !ReadConformance(reader, &aare->negotiated_conformance) ||
      !reader.ReadU16(&aare->server_max_receive_pdu_size) || !reader.ReadU16(&aare->vaa_name)) {
    return Malformed(kWhat, "truncated or malformed InitiateResponse");
  }
  if (!reader.done()) return Malformed(kWhat, "trailing bytes after InitiateResponse");
  *have_initiate_response = true;
  return absl::OkStatus();
}

absl::StatusOr<Apdu> DecodeAare(absl::string_view body) {
  constexpr absl::string_view kWhat = "AARE";
  AssociationResponse aare;
  absl::Status context_status = Malformed(kWhat, "no application-context-name");
  bool have_result = false;
  bool have_diagnostic = false;
  bool have_initiate_response = false;
  int last_field = -1;
  Reader reader(body);
  while (!reader.done()) {
    Tlv tlv;
    WALLET_RETURN_IF_ERROR(ReadTlv(reader, kWhat, &tlv));
    const int field = tlv.tag & 0x1F;
    if ((tlv.tag & 0xC0) != 0x80) {
      return Malformed(kWhat, absl::StrCat("unexpected field tag ", Hex(tlv.tag)));
    }
    if (field <= last_field) {
      return Malformed(kWhat, absl::StrCat("field ", Hex(tlv.tag), " out of order or repeated"));
    }
    last_field = field;
    switch (tlv.tag) {
      case 0x80:  // protocol-version
      case 0xA4:  // responding-AP-title (system title, used with ciphering)
      case 0xA5:  // responding-AE-qualifier
      case 0xA6:  // responding-AP-invocation-identifier
      case 0xA7:  // responding-AE-invocation-identifier
      case 0x88:  // responder-acse-requirements
      case 0x89:  // mechanism-name (echoed)
      case 0xAA:  // responding-authentication-value (HLS challenge)
      case 0x9D:  // implementation-information
        break;
      case 0xA1:
        // Judged after the result: a rejection may name the context the
        // meter would have accepted instead.
        context_status = CheckApplicationContext(tlv.value, "AARE application-context-name");
        break;
      case 0xA2: {
        WALLET_ASSIGN_OR_RETURN(uint8_t result, ReadSmallInteger(tlv.value, "AARE result"));
        if (result > static_cast<uint8_t>(AssociationResult::kRejectedTransient)) {
          return Malformed(kWhat, absl::StrCat("unknown association result ", result));
        }
        aare.result = static_cast<AssociationResult>(result);
        have_result = true;
        break;
      }
      case 0xA3: {
        Reader value(tlv.value);
        Tlv source;
        WALLET_RETURN_IF_ERROR(ReadTlv(value, "AARE result-source-diagnostic", &source));
        if (!value.done()) return Malformed(kWhat, "trailing bytes in result-source-diagnostic");
        WALLET_ASSIGN_OR_RETURN(uint8_t diagnostic,
                                ReadSmallInteger(source.value, "AARE result-source-diagnostic"));
        if (source.tag == 0xA1) {  // acse-service-user
          aare.diagnostic = static_cast<AcseDiagnostic>(diagnostic);
        } else if (source.tag == 0xA2) {
          // acse-service-provider diagnostics (no-common-acse-version, ...)
          // have no AcseDiagnostic of their own.
          aare.diagnostic = diagnostic == 0 ? AcseDiagnostic::kNull : AcseDiagnostic::kNoReasonGiven;
        } else {
          return Malformed(kWhat, absl::StrCat("unknown diagnostic source ", Hex(source.tag)));
        }
        have_diagnostic = true;
        break;
      }
      case 0xBE:
        WALLET_RETURN_IF_ERROR(DecodeAareUserInformation(tlv.value, &aare, &have_initiate_response));
        break;
      default:
        return Malformed(kWhat, absl::StrCat("unexpected field tag ", Hex(tlv.tag)));
    }
  }
  if (!have_result) return Malformed(kWhat, "no result");
  if (!have_diagnostic) return Malformed(kWhat, "no result-source-diagnostic");
  if (aare.result == AssociationResult::kAccepted) {
    WALLET_RETURN_IF_ERROR(context_status);
    if (!have_initiate_response) return Malformed(kWhat, "accepted without an InitiateResponse");
  } else if (absl::IsInvalidArgument(context_status)) {
    return context_status;
  }
  return aare;
}

// ------------------------------------------------------------------ RLRQ/RLRE

std::string EncodeRelease(uint8_t tag, const std::optional<uint8_t>& reason) {
  std::string body;
  if (reason.has_value()) AppendTlv(0x80, std::string(1, static_cast<char>(*reason)), &body);
  std::string out;
  AppendTlv(tag, body, &out);
  return out;
}

absl::StatusOr<std::optional<uint8_t>> DecodeRelease(absl::string_view body,
                                                     absl::string_view what) {
  std::optional<uint8_t> reason;
  int last_field = -1;
  Reader reader(body);
  while (!reader.done()) {
    Tlv tlv;
    WALLET_RETURN_IF_ERROR(ReadTlv(reader, what, &tlv));
    const int field = tlv.tag & 0x1F;
    if ((tlv.tag & 0xC0) != 0x80 || field <= last_field) {
      return Malformed(what, absl::StrCat("unexpected, repeated or misplaced field ", Hex(tlv.tag)));
    }
    last_field = field;
    if (tlv.tag == 0x80) {
      if (tlv.value.size() != 1) return Malformed(what, "reason is not one byte");
      reason = static_cast<uint8_t>(tlv.value[0]);
    } else if (tlv.tag == 0xBE) {
      // user-information: a ciphered InitiateRequest/Response when the
      // association used ciphering; nothing this codec needs.
    } else {
      return Malformed(what, absl::StrCat("unexpected field tag ", Hex(tlv.tag)));
    }
  }
  return reason;
}

// ------------------------------------------------------------ GET/SET/ACTION

void AppendObis(const ObisCode& obis, std::string* out) {
  out->append(reinterpret_cast<const char*>(obis.bytes.data()), obis.bytes.size());
}

bool ReadObis(Reader& reader, ObisCode* obis) {
  absl::string_view bytes;
  if (!reader.ReadBytes(6, &bytes)) return false;
  for (size_t i = 0; i < 6; ++i) obis->bytes[i] = static_cast<uint8_t>(bytes[i]);
  return true;
}

bool ReadDescriptor(Reader& reader, uint16_t* class_id, ObisCode* obis, int8_t* id) {
  uint8_t raw_id;
  if (!reader.ReadU16(class_id) || !ReadObis(reader, obis) || !reader.ReadU8(&raw_id)) {
    return false;
  }
  *id = static_cast<int8_t>(raw_id);
  return true;
}

// ReadServiceHeader reads the service tag's choice byte and the
// invoke-id-and-priority; only -Normal is supported.
absl::Status ReadServiceHeader(Reader& reader, absl::string_view service, uint8_t* invoke_id) {
  uint8_t choice;
  if (!reader.ReadU8(&choice)) return Malformed(service, "truncated, no choice");
  if (choice != kNormal) {
    if (choice >= 2 && choice <= 7) {
      return absl::UnimplementedError(
          absl::StrCat(service, " choice ", choice, " (next, with-list or block) not supported"));
    }
    return Malformed(service, absl::StrCat("unknown choice ", choice));
  }
  if (!reader.ReadU8(invoke_id)) return Malformed(service, "truncated, no invoke-id");
  return absl::OkStatus();
}

absl::Status ExpectDone(const Reader& reader, absl::string_view what) {
  if (!reader.done()) {
    return Malformed(what, absl::StrCat(reader.remaining(), " trailing bytes"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Data> ReadData(Reader& reader, absl::string_view what) {
  absl::StatusOr<Data> data = DecodeData(reader);
  if (!data.ok()) return Malformed(what, data.status().message());
  return data;
}

// ReadAttributeAccess reads a cosem-attribute-descriptor and its optional
// access-selection (whose selector and parameters are skipped), as GET and
// SET requests carry them.
absl::Status ReadAttributeAccess(Reader& reader, absl::string_view what,
                                 AttributeDescriptor* attribute, bool* has_access_selection) {
  uint8_t selection;
  if (!ReadDescriptor(reader, &attribute->class_id, &attribute->instance,
                      &attribute->attribute_id) ||
      !reader.ReadU8(&selection)) {
    return Malformed(what, "truncated attribute descriptor");
  }
  if (selection == 1) {
    uint8_t selector;
    if (!reader.ReadU8(&selector)) return Malformed(what, "truncated access selector");
    WALLET_RETURN_IF_ERROR(
        ReadData(reader, absl::StrCat(what, " access parameters")).status());
    *has_access_selection = true;
  } else if (selection != 0) {
    return Malformed(what, "bad access-selection presence flag");
  }
  return absl::OkStatus();
}

absl::StatusOr<Apdu> DecodeGetRequest(Reader& reader) {
  constexpr absl::string_view kWhat = "GET-Request";
  GetRequest request;
  WALLET_RETURN_IF_ERROR(ReadServiceHeader(reader, kWhat, &request.invoke_id_and_priority));
  WALLET_RETURN_IF_ERROR(
      ReadAttributeAccess(reader, kWhat, &request.attribute, &request.has_access_selection));
  WALLET_RETURN_IF_ERROR(ExpectDone(reader, kWhat));
  return request;
}

absl::StatusOr<Apdu> DecodeSetRequest(Reader& reader) {
  constexpr absl::string_view kWhat = "SET-Request";
  SetRequest request;
  WALLET_RETURN_IF_ERROR(ReadServiceHeader(reader, kWhat, &request.invoke_id_and_priority));
  WALLET_RETURN_IF_ERROR(
      ReadAttributeAccess(reader, kWhat, &request.attribute, &request.has_access_selection));
  WALLET_ASSIGN_OR_RETURN(request.value, ReadData(reader, kWhat));
  WALLET_RETURN_IF_ERROR(ExpectDone(reader, kWhat));
  return request;
}

absl::StatusOr<Apdu> DecodeSetResponse(Reader& reader) {
  constexpr absl::string_view kWhat = "SET-Response";
  SetResponse response;
  WALLET_RETURN_IF_ERROR(ReadServiceHeader(reader, kWhat, &response.invoke_id_and_priority));
  uint8_t result;
  if (!reader.ReadU8(&result)) return Malformed(kWhat, "truncated data-access-result");
  response.result = static_cast<AccessResult>(result);
  WALLET_RETURN_IF_ERROR(ExpectDone(reader, kWhat));
  return response;
}

absl::StatusOr<Apdu> DecodeGetResponse(Reader& reader) {
  constexpr absl::string_view kWhat = "GET-Response";
  GetResponse response;
  WALLET_RETURN_IF_ERROR(ReadServiceHeader(reader, kWhat, &response.invoke_id_and_priority));
  uint8_t choice;
  if (!reader.ReadU8(&choice)) return Malformed(kWhat, "truncated, no result");
  if (choice == 0) {
    WALLET_ASSIGN_OR_RETURN(response.data, ReadData(reader, kWhat));
  } else if (choice == 1) {
    uint8_t result;
    if (!reader.ReadU8(&result)) return Malformed(kWhat, "truncated data-access-result");
    response.result = static_cast<AccessResult>(result);
  } else {
    return Malformed(kWhat, absl::StrCat("bad Get-Data-Result choice ", choice));
  }
  WALLET_RETURN_IF_ERROR(ExpectDone(reader, kWhat));
  return response;
}

absl::StatusOr<Apdu> DecodeActionRequest(Reader& reader) {
  constexpr absl::string_view kWhat = "ACTION-Request";
  ActionRequest request;
  WALLET_RETURN_IF_ERROR(ReadServiceHeader(reader, kWhat, &request.invoke_id_and_priority));
  uint8_t present;
  if (!ReadDescriptor(reader, &request.method.class_id, &request.method.instance,
                      &request.method.method_id) ||
      !reader.ReadU8(&present)) {
    return Malformed(kWhat, "truncated method descriptor");
  }
  if (present == 1) {
    WALLET_ASSIGN_OR_RETURN(request.parameters, ReadData(reader, kWhat));
  } else if (present != 0) {
    return Malformed(kWhat, "bad parameters presence flag");
  }
  WALLET_RETURN_IF_ERROR(ExpectDone(reader, kWhat));
  return request;
}

absl::StatusOr<Apdu> DecodeActionResponse(Reader& reader) {
  constexpr absl::string_view kWhat = "ACTION-Response";
  ActionResponse response;
  WALLET_RETURN_IF_ERROR(ReadServiceHeader(reader, kWhat, &response.invoke_id_and_priority));
  uint8_t result, present;
  if (!reader.ReadU8(&result) || !reader.ReadU8(&present)) {
    return Malformed(kWhat, "truncated action result");
  }
  response.result = static_cast<AccessResult>(result);
  if (present == 1) {
    uint8_t choice;
    if (!reader.ReadU8(&choice)) return Malformed(kWhat, "truncated return parameters");
    if (choice == 0) {
      WALLET_ASSIGN_OR_RETURN(response.return_data, ReadData(reader, kWhat));
    } else if (choice == 1) {
      // A data-access-result in place of return data only repeats what the
      // action-result says; ActionResponse has nowhere to keep it.
      uint8_t ignored;
      if (!reader.ReadU8(&ignored)) return Malformed(kWhat, "truncated data-access-result");
    } else {
      return Malformed(kWhat, absl::StrCat("bad Get-Data-Result choice ", choice));
    }
  } else if (present != 0) {
    return Malformed(kWhat, "bad return-parameters presence flag");
  }
  WALLET_RETURN_IF_ERROR(ExpectDone(reader, kWhat));
  return response;
}

absl::StatusOr<Apdu> DecodeExceptionResponse(Reader& reader) {
  constexpr absl::string_view kWhat = "Exception-Response";
  ExceptionResponse response;
  if (!reader.ReadU8(&response.state_error) || !reader.ReadU8(&response.service_error)) {
    return Malformed(kWhat, "truncated");
  }
  if (response.service_error == kInvocationCounterError) {
    uint32_t ignored;
    if (!reader.ReadU32(&ignored)) return Malformed(kWhat, "truncated invocation counter");
  }
  WALLET_RETURN_IF_ERROR(ExpectDone(reader, kWhat));
  return response;
}

// IsKnownUnsupportedTag is true for tags of real DLMS APDUs outside this
// subset: short-name referencing, event and data notifications,
// ciphered (glo-/ded-/general-) APDUs, access and block transfer.
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

// ------------------------------------------------------------ Encode visitor

struct Encoder {
  std::string operator()(const AssociationRequest& aarq) const { return EncodeAarq(aarq); }
  std::string operator()(const AssociationResponse& aare) const { return EncodeAare(aare); }
  std::string operator()(const ReleaseRequest& rlrq) const {
    return EncodeRelease(kRlrqTag, rlrq.reason);
  }
  std::string operator()(const ReleaseResponse& rlre) const {
    return EncodeRelease(kRlreTag, rlre.reason);
  }
  static void AppendAttributeAccess(const AttributeDescriptor& attribute,
                                    bool has_access_selection, std::string* out) {
    AppendU16(attribute.class_id, out);
    AppendObis(attribute.instance, out);
    out->push_back(static_cast<char>(attribute.attribute_id));
    if (has_access_selection) {
      // The decoder keeps only the fact that selective access was asked for
      // (so that a server can refuse it); re-encoding such a request writes
      // selector 1 with null-data parameters.
      out->append({0x01, 0x01, 0x00});
    } else {
      out->push_back(0x00);
    }
  }
  std::string operator()(const GetRequest& request) const {
    std::string out = {static_cast<char>(kGetRequestTag), static_cast<char>(kNormal),
                       static_cast<char>(request.invoke_id_and_priority)};
    AppendAttributeAccess(request.attribute, request.has_access_selection, &out);
    return out;
  }
  std::string operator()(const SetRequest& request) const {
    std::string out = {static_cast<char>(kSetRequestTag), static_cast<char>(kNormal),
                       static_cast<char>(request.invoke_id_and_priority)};
    AppendAttributeAccess(request.attribute, request.has_access_selection, &out);
    EncodeData(request.value, &out);
    return out;
  }
  std::string operator()(const SetResponse& response) const {
    return {static_cast<char>(kSetResponseTag), static_cast<char>(kNormal),
            static_cast<char>(response.invoke_id_and_priority),
            static_cast<char>(response.result)};
  }
  std::string operator()(const GetResponse& response) const {
    std::string out = {static_cast<char>(kGetResponseTag), static_cast<char>(kNormal),
                       static_cast<char>(response.invoke_id_and_priority)};
    if (response.data.has_value()) {
      out.push_back(0x00);
      EncodeData(*response.data, &out);
    } else {
      out.push_back(0x01);
      out.push_back(static_cast<char>(response.result));
    }
    return out;
  }
  std::string operator()(const ActionRequest& request) const {
    std::string out = {static_cast<char>(kActionRequestTag), static_cast<char>(kNormal),
                       static_cast<char>(request.invoke_id_and_priority)};
    AppendU16(request.method.class_id, &out);
    AppendObis(request.method.instance, &out);
    out.push_back(static_cast<char>(request.method.method_id));
    if (request.parameters.has_value()) {
      out.push_back(0x01);
      EncodeData(*request.parameters, &out);
    } else {
      out.push_back(0x00);
    }
    return out;
  }
  std::string operator()(const ActionResponse& response) const {
    std::string out = {static_cast<char>(kActionResponseTag), static_cast<char>(kNormal),
                       static_cast<char>(response.invoke_id_and_priority),
                       static_cast<char>(response.result)};
    if (response.return_data.has_value()) {
      out.append({0x01, 0x00});  // present, Get-Data-Result data
      EncodeData(*response.return_data, &out);
    } else {
      out.push_back(0x00);
    }
    return out;
  }
  std::string operator()(const ExceptionResponse& response) const {
    std::string out = {static_cast<char>(kExceptionResponseTag),
                       static_cast<char>(response.state_error),
                       static_cast<char>(response.service_error)};
    // invocation-counter-error must carry a counter; ExceptionResponse does
    // not keep the one received, so zero keeps the encoding decodable.
    if (response.service_error == kInvocationCounterError) AppendU32(0, &out);
    return out;
  }
};

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

std::string EncodeApdu(const Apdu& apdu) { return std::visit(Encoder{}, apdu); }

absl::StatusOr<Apdu> DecodeApdu(absl::string_view bytes) {
  Reader reader(bytes);
  uint8_t tag;
  if (!reader.ReadU8(&tag)) return absl::InvalidArgumentError("empty APDU");
  switch (tag) {
    case kAarqTag:
    case kAareTag:
    case kRlrqTag:
    case kRlreTag: {
      const char* what = tag == kAarqTag   ? "AARQ"
                         : tag == kAareTag ? "AARE"
                         : tag == kRlrqTag ? "RLRQ"
                                           : "RLRE";
      size_t length;
      absl::string_view body;
      if (!reader.ReadLength(&length) || !reader.ReadBytes(length, &body)) {
        return Malformed(what, "bad length or truncated");
      }
      WALLET_RETURN_IF_ERROR(ExpectDone(reader, what));
      if (tag == kAarqTag) return DecodeAarq(body);
      if (tag == kAareTag) return DecodeAare(body);
      WALLET_ASSIGN_OR_RETURN(std::optional<uint8_t> reason, DecodeRelease(body, what));
      if (tag == kRlrqTag) return ReleaseRequest{reason};
      return ReleaseResponse{reason};
    }
    case kGetRequestTag:
      return DecodeGetRequest(reader);
    case kGetResponseTag:
      return DecodeGetResponse(reader);
    case kSetRequestTag:
      return DecodeSetRequest(reader);
    case kSetResponseTag:
      return DecodeSetResponse(reader);
    case kActionRequestTag:
      return DecodeActionRequest(reader);
    case kActionResponseTag:
      return DecodeActionResponse(reader);
    case kExceptionResponseTag:
      return DecodeExceptionResponse(reader);
    default:
      break;
  }
  if (IsKnownUnsupportedTag(tag)) {
    return absl::UnimplementedError(absl::StrCat("APDU tag ", Hex(tag), " not supported"));
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown APDU tag ", Hex(tag)));
}

std::string ApduName(const Apdu& apdu) { return std::visit(Namer{}, apdu); }

}  // namespace dlms
