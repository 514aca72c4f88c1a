#include "meter-gateway/dlms/association.h"

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "meter-gateway/dlms/apdu_fields.h"
#include "meter-gateway/dlms/ciphered_apdu.h"

namespace dlms::internal {
namespace {

// xDLMS InitiateRequest / InitiateResponse tags inside user-information.
constexpr uint8_t kInitiateRequestTag = 0x01;
constexpr uint8_t kInitiateResponseTag = 0x08;
constexpr uint8_t kConfirmedServiceErrorTag = 0x0E;

// {joint-iso-ccitt(2) country(16) country-name(756) identified-organization(5)
//  DLMS-UA(8)}: the prefix of every DLMS application context and mechanism
// name, BER-encoded.
constexpr absl::string_view kDlmsUaOidPrefix = "\x60\x85\x74\x05\x08";
constexpr uint8_t kOidApplicationContext = 1;
constexpr uint8_t kOidMechanismName = 2;
constexpr uint8_t kContextLnNoCiphering = 1;
constexpr uint8_t kContextLnCiphering = 3;
constexpr uint8_t kMechanismLowest = 0;
constexpr uint8_t kMechanismLls = 1;
constexpr uint8_t kMechanismHlsGmac = 5;
constexpr size_t kSystemTitleSize = 8;

// acse-requirements: BIT STRING with one bit, authentication (bit 0).
constexpr char kAcseRequirementsAuthentication[] = "\x07\x80";

// Conformance is a BIT STRING [APPLICATION 31] of 24 bits: 5F 1F 04 00 ....
constexpr absl::string_view kConformanceTag = "\x5F\x1F";

// ------------------------------------------------------ identifiers, fields

std::string Oid(uint8_t kind, uint8_t id) {
  return absl::StrCat(kDlmsUaOidPrefix,
                      std::string{static_cast<char>(kind), static_cast<char>(id)});
}

// DlmsOidId returns the last arc of a DLMS-UA object identifier of `kind`
// (application context or mechanism name); nullopt for any other OID.
std::optional<uint8_t> DlmsOidId(absl::string_view oid, uint8_t kind) {
  const size_t prefix = kDlmsUaOidPrefix.size();
  if (oid.size() != prefix + 2 || oid.substr(0, prefix) != kDlmsUaOidPrefix ||
      static_cast<uint8_t>(oid[prefix]) != kind) {
    return std::nullopt;
  }
  return static_cast<uint8_t>(oid.back());
}

// AppendSmallInteger appends a BER INTEGER that DLMS keeps in one byte.
void AppendSmallInteger(uint8_t value, std::string* out) {
  AppendTlv(0x02, std::string(1, static_cast<char>(value)), out);
}

// ReadSmallInteger reads a BER INTEGER (or ENUMERATED) that DLMS keeps in
// one byte: association results and diagnostics.
absl::StatusOr<uint8_t> ReadSmallInteger(absl::string_view bytes, absl::string_view what) {
  WALLET_ASSIGN_OR_RETURN(absl::string_view value, ReadOnlyTlv(bytes, 0x02, what));
  if (value.size() != 1) return Malformed(what, "integer is not one byte");
  return static_cast<uint8_t>(value[0]);
}

// AppendApplicationContext appends application-context-name [1]: LN
// referencing, with or without ciphering, the contexts this codec speaks.
void AppendApplicationContext(bool ciphered, std::string* body) {
  std::string context;
  AppendTlv(0x06,
            Oid(kOidApplicationContext, ciphered ? kContextLnCiphering : kContextLnNoCiphering),
            &context);
  AppendTlv(0xA1, context, body);
}

// ReadApplicationContext accepts LN referencing with or without ciphering
// and says which; other DLMS contexts are well-formed but unsupported.
absl::StatusOr<bool> ReadApplicationContext(absl::string_view field, absl::string_view what) {
  WALLET_ASSIGN_OR_RETURN(absl::string_view oid, ReadOnlyTlv(field, 0x06, what));
  const std::optional<uint8_t> id = DlmsOidId(oid, kOidApplicationContext);
  if (!id.has_value()) {
    return absl::UnimplementedError(absl::StrCat(what, ": non-DLMS application context"));
  }
  if (*id == kContextLnNoCiphering) return false;
  if (*id == kContextLnCiphering) return true;
  std::string name;
  switch (*id) {
    case 2:
      name = "SN";
      break;
    case 4:
      name = "SN with ciphering";
      break;
    default:
      name = absl::StrCat("2.16.756.5.8.1.", *id);
      break;
  }
  return absl::UnimplementedError(
      absl::StrCat(what, ": application context ", name, " not supported (only LN)"));
}

// AppendApTitle appends a calling- or responding-AP-title: the system title
// as an OCTET STRING inside the context-specific field `tag`.
void AppendApTitle(uint8_t tag, absl::string_view title, std::string* body) {
  std::string value;
  AppendTlv(0x04, title, &value);
  AppendTlv(tag, value, body);
}

absl::StatusOr<std::string> ReadApTitle(absl::string_view field, absl::string_view what) {
  WALLET_ASSIGN_OR_RETURN(absl::string_view title, ReadOnlyTlv(field, 0x04, what));
  if (title.size() != kSystemTitleSize) return Malformed(what, "system title is not 8 bytes");
  return std::string(title);
}

// AppendMechanism appends the acse-requirements (authentication) and the
// mechanism-name fields; `requirements_tag` and `mechanism_tag` differ
// between AARQ (8A, 8B) and AARE (88, 89).
void AppendMechanism(uint8_t requirements_tag, uint8_t mechanism_tag, Authentication authentication,
                     std::string* body) {
  AppendTlv(requirements_tag, kAcseRequirementsAuthentication, body);
  AppendTlv(mechanism_tag, Oid(kOidMechanismName, static_cast<uint8_t>(authentication)), body);
}

// AppendAuthenticationValue appends a calling- or responding-
// authentication-value: a charstring [0] inside `tag`.
void AppendAuthenticationValue(uint8_t tag, absl::string_view value, std::string* body) {
  std::string charstring;
  AppendTlv(0x80, value, &charstring);
  AppendTlv(tag, charstring, body);
}

// ReadConformance reads the 24-bit conformance block.
bool ReadConformance(Reader& reader, uint32_t* conformance) {
  absl::string_view tag;
  uint8_t length, unused_bits;
  absl::string_view bits;
  if (!reader.ReadBytes(2, &tag) || tag != kConformanceTag || !reader.ReadU8(&length) ||
      length != 4 || !reader.ReadU8(&unused_bits) || unused_bits > 7 ||
      !reader.ReadBytes(3, &bits)) {
    return false;
  }
  *conformance = (static_cast<uint8_t>(bits[0]) << 16) | (static_cast<uint8_t>(bits[1]) << 8) |
                 static_cast<uint8_t>(bits[2]);
  return true;
}

void AppendConformance(uint32_t conformance, std::string* out) {
  out->append(kConformanceTag.data(), kConformanceTag.size());
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

// ------------------------------------------------------- user-information

// AppendUserInformation appends user-information [30], the xDLMS APDU
// `initiate` in an OCTET STRING.
void AppendUserInformation(absl::string_view initiate, std::string* body) {
  std::string user_information;
  AppendTlv(0x04, initiate, &user_information);
  AppendTlv(0xBE, user_information, body);
}

// OpenUserInformation reads user-information's OCTET STRING and the tag of
// the xDLMS APDU in it; `rest` is left on what follows the tag.
absl::Status OpenUserInformation(absl::string_view user_information, absl::string_view what,
                                 uint8_t* tag, Reader* rest) {
  WALLET_ASSIGN_OR_RETURN(absl::string_view initiate, ReadOnlyTlv(user_information, 0x04, what));
  *rest = Reader(initiate);
  if (!rest->ReadU8(tag)) return Malformed(what, "empty");
  return absl::OkStatus();
}

// AppendInitiate appends user-information with the glo-initiate APDU when
// there is one, else with the plain `initiate`.
void AppendInitiate(const std::optional<CipheredApdu>& ciphered, absl::string_view initiate,
                    std::string* body) {
  if (ciphered.has_value()) {
    AppendUserInformation(Encode(*ciphered), body);
  } else {
    AppendUserInformation(initiate, body);
  }
}

// ReadGloInitiate reads the rest of a glo-initiate APDU (after its tag) in
// user-information.
absl::StatusOr<CipheredApdu> ReadGloInitiate(uint8_t tag, Reader& reader, absl::string_view what) {
  CipheredApdu apdu;
  apdu.tag = tag;
  WALLET_RETURN_IF_ERROR(ReadCipheredContent(reader, what, &apdu));
  if (!reader.done()) return Malformed(what, "trailing bytes after the glo-initiate APDU");
  return apdu;
}

}  // namespace

std::string EncodeInitiateRequestBody(const AssociationRequest& aarq) {
  std::string out;
  out.push_back(kInitiateRequestTag);
  if (aarq.dedicated_key.empty()) {
    out.push_back(0x00);  // dedicated-key absent
  } else {
    out.push_back(0x01);
    AppendLength(aarq.dedicated_key.size(), &out);
    out.append(aarq.dedicated_key);
  }
  out.push_back(0x00);  // response-allowed: default (TRUE)
  out.push_back(0x00);  // proposed-quality-of-service absent
  out.push_back(static_cast<char>(aarq.dlms_version));
  AppendConformance(aarq.proposed_conformance, &out);
  AppendU16(aarq.max_receive_pdu_size, &out);
  return out;
}

absl::Status DecodeInitiateRequestBody(absl::string_view bytes, AssociationRequest* aarq) {
  constexpr absl::string_view kWhat = "InitiateRequest";
  Reader reader(bytes);
  uint8_t tag;
  if (!reader.ReadU8(&tag)) return Malformed(kWhat, "empty");
  if (tag != kInitiateRequestTag) {
    return Malformed(kWhat, absl::StrCat("expected InitiateRequest, got tag ", Hex(tag)));
  }
  uint8_t dedicated_key;
  if (!reader.ReadU8(&dedicated_key)) return Malformed(kWhat, "truncated InitiateRequest");
  aarq->dedicated_key.clear();
  if (dedicated_key == 1) {
    size_t length;
    absl::string_view key;
    if (!reader.ReadLength(&length) || !reader.ReadBytes(length, &key)) {
      return Malformed(kWhat, "truncated dedicated key");
    }
    aarq->dedicated_key = std::string(key);
  } else if (dedicated_key != 0) {
    return Malformed(kWhat, "bad dedicated-key presence flag");
  }
  std::optional<uint8_t> response_allowed, quality_of_service;
  uint32_t conformance;
  if (!ReadOptionalByte(reader, &response_allowed) ||
      !ReadOptionalByte(reader, &quality_of_service) || !reader.ReadU8(&aarq->dlms_version) ||
      !ReadConformance(reader, &conformance) || !reader.ReadU16(&aarq->max_receive_pdu_size)) {
    return Malformed(kWhat, "truncated or malformed InitiateRequest");
  }
  if (!reader.done()) return Malformed(kWhat, "trailing bytes after InitiateRequest");
  aarq->proposed_conformance = conformance;
  return absl::OkStatus();
}

std::string EncodeInitiateResponseBody(const AssociationResponse& aare) {
  std::string out;
  out.push_back(kInitiateResponseTag);
  out.push_back(0x00);  // negotiated-quality-of-service absent
  out.push_back(static_cast<char>(aare.dlms_version));
  AppendConformance(aare.negotiated_conformance, &out);
  AppendU16(aare.server_max_receive_pdu_size, &out);
  AppendU16(aare.vaa_name, &out);
  return out;
}

absl::Status DecodeInitiateResponseBody(absl::string_view bytes, AssociationResponse* aare) {
  constexpr absl::string_view kWhat = "InitiateResponse";
  Reader reader(bytes);
  uint8_t tag;
  if (!reader.ReadU8(&tag)) return Malformed(kWhat, "empty");
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
  return absl::OkStatus();
}

namespace {

// ReadAarqUserInformation reads the InitiateRequest, plain or glo-ciphered
// (only in a ciphered context; a dedicated key never travels in clear).
absl::Status ReadAarqUserInformation(absl::string_view user_information, AssociationRequest* aarq) {
  constexpr absl::string_view kWhat = "AARQ user-information";
  uint8_t tag;
  Reader reader("");
  WALLET_RETURN_IF_ERROR(OpenUserInformation(user_information, kWhat, &tag, &reader));
  if (tag == kGloInitiateRequestTag) {
    if (!aarq->ciphered_context) return Malformed(kWhat, "glo-initiate-request without ciphering");
    WALLET_ASSIGN_OR_RETURN(aarq->ciphered_initiate, ReadGloInitiate(tag, reader, kWhat));
    return absl::OkStatus();
  }
  WALLET_ASSIGN_OR_RETURN(absl::string_view initiate, ReadOnlyTlv(user_information, 0x04, kWhat));
  WALLET_RETURN_IF_ERROR(DecodeInitiateRequestBody(initiate, aarq));
  if (!aarq->dedicated_key.empty()) return Malformed(kWhat, "dedicated key sent in clear");
  return absl::OkStatus();
}

// ReadAareUserInformation reads the InitiateResponse, plain or glo-ciphered.
// A rejected AARE may carry a ConfirmedServiceError instead, which adds
// nothing to the diagnostic for our purposes and is skipped.
absl::Status ReadAareUserInformation(absl::string_view user_information, AssociationResponse* aare,
                                     bool* have_initiate_response) {
  constexpr absl::string_view kWhat = "AARE user-information";
  uint8_t tag;
  Reader reader("");
  WALLET_RETURN_IF_ERROR(OpenUserInformation(user_information, kWhat, &tag, &reader));
  *have_initiate_response = false;
  if (tag == kConfirmedServiceErrorTag) return absl::OkStatus();
  if (tag == kGloInitiateResponseTag) {
    if (!aare->ciphered_context) {
      return Malformed(kWhat, "glo-initiate-response without ciphering");
    }
    WALLET_ASSIGN_OR_RETURN(aare->ciphered_initiate, ReadGloInitiate(tag, reader, kWhat));
  } else {
    WALLET_ASSIGN_OR_RETURN(absl::string_view initiate, ReadOnlyTlv(user_information, 0x04, kWhat));
    WALLET_RETURN_IF_ERROR(DecodeInitiateResponseBody(initiate, aare));
  }
  *have_initiate_response = true;
  return absl::OkStatus();
}

// -------------------------------------------------------------------- AARQ

// ReadMechanism reads mechanism-name [11]: lowest-level, low-level or
// high-level security with GMAC; other HLS mechanisms are well-formed but
// unsupported.
absl::StatusOr<Authentication> ReadMechanism(absl::string_view value) {
  const std::optional<uint8_t> mechanism = DlmsOidId(value, kOidMechanismName);
  if (!mechanism.has_value()) {
    return absl::UnimplementedError("AARQ: non-DLMS authentication mechanism");
  }
  if (*mechanism == kMechanismLowest) return Authentication::kNone;
  if (*mechanism == kMechanismLls) return Authentication::kLowLevel;
  if (*mechanism == kMechanismHlsGmac) return Authentication::kHighLevelGmac;
  return absl::UnimplementedError(absl::StrCat("AARQ: authentication mechanism ", *mechanism,
                                               " not supported (only 0, 1 and 5)"));
}

// ReadAuthenticationValue reads a calling- or responding-authentication-
// value: a charstring.
absl::StatusOr<std::string> ReadAuthenticationValue(absl::string_view value,
                                                    absl::string_view what) {
  Reader reader(value);
  Tlv charstring;
  WALLET_RETURN_IF_ERROR(ReadTlv(reader, what, &charstring));
  if (charstring.tag != 0x80) {
    return absl::UnimplementedError(absl::StrCat(what, ": authentication value of kind ",
                                                 Hex(charstring.tag),
                                                 " not supported (only charstring)"));
  }
  if (!reader.done()) return Malformed(what, "trailing bytes in authentication value");
  return std::string(charstring.value);
}

// CheckAarq checks what the fields say together.
absl::Status CheckAarq(const AssociationRequest& aarq, bool have_authentication_value) {
  constexpr absl::string_view kWhat = "AARQ";
  if (have_authentication_value && aarq.authentication == Authentication::kNone) {
    return Malformed(kWhat, "authentication value without a mechanism name");
  }
  if (aarq.ciphered_context && aarq.calling_ap_title.empty()) {
    return Malformed(kWhat, "ciphered context without calling-AP-title (the system title)");
  }
  if (aarq.authentication == Authentication::kHighLevelGmac) {
    if (!aarq.ciphered_context) return Malformed(kWhat, "HLS-GMAC without the ciphered context");
    if (aarq.challenge.empty()) return Malformed(kWhat, "HLS without a challenge");
  }
  return absl::OkStatus();
}

absl::StatusOr<Apdu> DecodeAarq(absl::string_view body) {
  constexpr absl::string_view kWhat = "AARQ";
  AssociationRequest aarq;
  aarq.authentication = Authentication::kNone;
  bool have_context = false;
  bool have_authentication_value = false;
  bool have_user_information = false;
  std::string authentication_value;
  AcseFields fields(body, kWhat);
  while (!fields.done()) {
    Tlv tlv;
    WALLET_RETURN_IF_ERROR(fields.Next(&tlv));
    switch (tlv.tag) {
      case 0x80:  // protocol-version: only version1 exists
      case 0xA2:  // called-AP-title
      case 0xA3:  // called-AE-qualifier
      case 0xA4:  // called-AP-invocation-identifier
      case 0xA5:  // called-AE-invocation-identifier
      case 0xA7:  // calling-AE-qualifier
      case 0xA8:  // calling-AP-invocation-identifier
      case 0xA9:  // calling-AE-invocation-identifier
      case 0x8A:  // acse-requirements: implied by the mechanism name
      case 0x9D:  // implementation-information
        break;
      case 0xA1: {
        WALLET_ASSIGN_OR_RETURN(aarq.ciphered_context,
                                ReadApplicationContext(tlv.value, "AARQ application-context-name"));
        have_context = true;
        break;
      }
      case 0xA6:  // calling-AP-title: the system title, used with ciphering
        if (aarq.ciphered_context) {
          WALLET_ASSIGN_OR_RETURN(aarq.calling_ap_title,
                                  ReadApTitle(tlv.value, "AARQ calling-AP-title"));
        }
        break;
      case 0x8B: {
        WALLET_ASSIGN_OR_RETURN(aarq.authentication, ReadMechanism(tlv.value));
        break;
      }
      case 0xAC: {
        WALLET_ASSIGN_OR_RETURN(authentication_value, ReadAuthenticationValue(tlv.value, "AARQ"));
        have_authentication_value = true;
        break;
      }
      case 0xBE:
        WALLET_RETURN_IF_ERROR(ReadAarqUserInformation(tlv.value, &aarq));
        have_user_information = true;
        break;
      default:
        return Malformed(kWhat, absl::StrCat("unexpected field tag ", Hex(tlv.tag)));
    }
  }
  if (!have_context) return Malformed(kWhat, "no application-context-name");
  if (!have_user_information) return Malformed(kWhat, "no user-information (InitiateRequest)");
  if (aarq.authentication == Authentication::kHighLevelGmac) {
    aarq.challenge = std::move(authentication_value);
  } else {
    aarq.password = std::move(authentication_value);
  }
  WALLET_RETURN_IF_ERROR(CheckAarq(aarq, have_authentication_value));
  return aarq;
}

// -------------------------------------------------------------------- AARE

// ReadDiagnostic reads result-source-diagnostic [3].
absl::StatusOr<AcseDiagnostic> ReadDiagnostic(absl::string_view value) {
  constexpr absl::string_view kWhat = "AARE result-source-diagnostic";
  Reader reader(value);
  Tlv source;
  WALLET_RETURN_IF_ERROR(ReadTlv(reader, kWhat, &source));
  if (!reader.done()) return Malformed("AARE", "trailing bytes in result-source-diagnostic");
  WALLET_ASSIGN_OR_RETURN(uint8_t diagnostic, ReadSmallInteger(source.value, kWhat));
  if (source.tag == 0xA1) return static_cast<AcseDiagnostic>(diagnostic);  // acse-service-user
  if (source.tag == 0xA2) {
    // acse-service-provider diagnostics (no-common-acse-version, ...) have
    // no AcseDiagnostic of their own.
    return diagnostic == 0 ? AcseDiagnostic::kNull : AcseDiagnostic::kNoReasonGiven;
  }
  return Malformed("AARE", absl::StrCat("unknown diagnostic source ", Hex(source.tag)));
}

// ReadEchoedMechanism reads the AARE's mechanism-name: what the meter
// authenticates with. A mechanism this codec does not speak is ignored (the
// association is then judged by its result alone).
Authentication ReadEchoedMechanism(absl::string_view value) {
  absl::StatusOr<Authentication> mechanism = ReadMechanism(value);
  return mechanism.ok() ? *mechanism : Authentication::kNone;
}

absl::StatusOr<Apdu> DecodeAare(absl::string_view body) {
  constexpr absl::string_view kWhat = "AARE";
  AssociationResponse aare;
  absl::StatusOr<bool> context = Malformed(kWhat, "no application-context-name");
  bool have_result = false;
  bool have_diagnostic = false;
  bool have_initiate_response = false;
  AcseFields fields(body, kWhat);
  while (!fields.done()) {
    Tlv tlv;
    WALLET_RETURN_IF_ERROR(fields.Next(&tlv));
    switch (tlv.tag) {
      case 0x80:  // protocol-version
      case 0xA5:  // responding-AE-qualifier
      case 0xA6:  // responding-AP-invocation-identifier
      case 0xA7:  // responding-AE-invocation-identifier
      case 0x88:  // responder-acse-requirements
      case 0x9D:  // implementation-information
        break;
      case 0xA1:
        // Judged after the result: a rejection may name the context the
        // meter would have accepted instead.
        context = ReadApplicationContext(tlv.value, "AARE application-context-name");
        aare.ciphered_context = context.ok() && *context;
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
        WALLET_ASSIGN_OR_RETURN(aare.diagnostic, ReadDiagnostic(tlv.value));
        have_diagnostic = true;
        break;
      }
      case 0xA4:  // responding-AP-title: the system title, used with ciphering
        if (aare.ciphered_context) {
          WALLET_ASSIGN_OR_RETURN(aare.responding_ap_title,
                                  ReadApTitle(tlv.value, "AARE responding-AP-title"));
        }
        break;
      case 0x89:
        aare.authentication = ReadEchoedMechanism(tlv.value);
        break;
      case 0xAA:  // responding-authentication-value: the HLS challenge StoC
        if (aare.authentication == Authentication::kHighLevelGmac) {
          WALLET_ASSIGN_OR_RETURN(aare.challenge, ReadAuthenticationValue(tlv.value, "AARE"));
        }
        break;
      case 0xBE:
        WALLET_RETURN_IF_ERROR(ReadAareUserInformation(tlv.value, &aare, &have_initiate_response));
        break;
      default:
        return Malformed(kWhat, absl::StrCat("unexpected field tag ", Hex(tlv.tag)));
    }
  }
  if (!have_result) return Malformed(kWhat, "no result");
  if (!have_diagnostic) return Malformed(kWhat, "no result-source-diagnostic");
  if (aare.result == AssociationResult::kAccepted) {
    WALLET_RETURN_IF_ERROR(context.status());
    if (!have_initiate_response) return Malformed(kWhat, "accepted without an InitiateResponse");
  } else if (absl::IsInvalidArgument(context.status())) {
    return context.status();
  }
  return aare;
}

// --------------------------------------------------------------- RLRQ/RLRE

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
  AcseFields fields(body, what);
  while (!fields.done()) {
    Tlv tlv;
    WALLET_RETURN_IF_ERROR(fields.Next(&tlv));
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

}  // namespace

std::string Encode(const AssociationRequest& aarq) {
  std::string body;
  AppendApplicationContext(aarq.ciphered_context, &body);
  if (aarq.ciphered_context) AppendApTitle(0xA6, aarq.calling_ap_title, &body);
  if (aarq.authentication != Authentication::kNone) {
    AppendMechanism(0x8A, 0x8B, aarq.authentication, &body);
    AppendAuthenticationValue(
        0xAC,
        aarq.authentication == Authentication::kHighLevelGmac ? aarq.challenge : aarq.password,
        &body);
  }
  AppendInitiate(aarq.ciphered_initiate, EncodeInitiateRequestBody(aarq), &body);
  std::string out;
  AppendTlv(kAarqTag, body, &out);
  return out;
}

std::string Encode(const AssociationResponse& aare) {
  std::string body;
  AppendApplicationContext(aare.ciphered_context, &body);
  std::string result;
  AppendSmallInteger(static_cast<uint8_t>(aare.result), &result);
  AppendTlv(0xA2, result, &body);
  std::string diagnostic;
  AppendSmallInteger(static_cast<uint8_t>(aare.diagnostic), &diagnostic);
  std::string source;
  AppendTlv(0xA1, diagnostic, &source);  // acse-service-user
  AppendTlv(0xA3, source, &body);
  if (aare.ciphered_context && !aare.responding_ap_title.empty()) {
    AppendApTitle(0xA4, aare.responding_ap_title, &body);
  }
  if (aare.authentication != Authentication::kNone) {
    AppendMechanism(0x88, 0x89, aare.authentication, &body);
    if (aare.authentication == Authentication::kHighLevelGmac) {
      AppendAuthenticationValue(0xAA, aare.challenge, &body);
    }
  }
  if (aare.result == AssociationResult::kAccepted) {
    AppendInitiate(aare.ciphered_context ? aare.ciphered_initiate : std::nullopt,
                   EncodeInitiateResponseBody(aare), &body);
  }
  std::string out;
  AppendTlv(kAareTag, body, &out);
  return out;
}

std::string Encode(const ReleaseRequest& rlrq) { return EncodeRelease(kRlrqTag, rlrq.reason); }
std::string Encode(const ReleaseResponse& rlre) { return EncodeRelease(kRlreTag, rlre.reason); }

absl::StatusOr<Apdu> DecodeAcse(uint8_t tag, Reader& reader) {
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

}  // namespace dlms::internal
