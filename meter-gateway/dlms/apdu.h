// xDLMS APDUs for a logical-name-referencing association: AARQ/AARE and
// RLRQ/RLRE (ACSE, BER-encoded; with or without ciphering and HLS-GMAC),
// GET-Request/Response-Normal, SET-Request/Response-Normal,
// ACTION-Request/Response-Normal, Exception-Response, and the glo-ciphered
// and general-glo-ciphering APDUs that carry them protected (A-XDR), laid out
// byte for byte as in the DLMS UA Green Book so that third-party meters and
// clients interoperate.
//
// Example (client side):
//   AssociationRequest aarq;
//   aarq.authentication = Authentication::kLowLevel;
//   aarq.password = "12345678";
//   std::string bytes = EncodeApdu(aarq);           // 60 36 A1 09 06 07 60 85 ...
//   absl::StatusOr<Apdu> reply = DecodeApdu(received);
//   if (reply.ok() && std::holds_alternative<AssociationResponse>(*reply)) ...
#ifndef METER_GATEWAY_DLMS_APDU_H_
#define METER_GATEWAY_DLMS_APDU_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "meter-gateway/dlms/axdr.h"

namespace dlms {

// ObisCode is a COSEM logical name, A.B.C.D.E.F.
struct ObisCode {
  std::array<uint8_t, 6> bytes{};

  // Parse accepts "A.B.C.D.E.F" with six decimal values 0-255.
  static absl::StatusOr<ObisCode> Parse(absl::string_view text);
  std::string ToString() const;
  friend bool operator==(const ObisCode& a, const ObisCode& b) { return a.bytes == b.bytes; }
  friend bool operator!=(const ObisCode& a, const ObisCode& b) { return a.bytes != b.bytes; }
};

// Objects and interface classes this gateway uses.
constexpr ObisCode kDisconnectControlObis{{0, 0, 96, 3, 10, 255}};
constexpr ObisCode kActiveImportEnergyObis{{1, 0, 1, 8, 0, 255}};
constexpr uint16_t kRegisterClass = 3;
constexpr uint16_t kAssociationLnClass = 15;
// The current association's Association LN object and its method 1,
// reply_to_HLS_authentication (the third and fourth HLS passes).
constexpr ObisCode kCurrentAssociationObis{{0, 0, 40, 0, 0, 255}};
constexpr int8_t kReplyToHlsAuthentication = 1;
constexpr uint16_t kDisconnectControlClass = 70;
// Register (class 3) attributes.
constexpr int8_t kRegisterValue = 2;
constexpr int8_t kRegisterScalerUnit = 3;
// Disconnect control (class 70) attributes and methods.
constexpr int8_t kOutputState = 2;
constexpr int8_t kControlState = 3;
constexpr int8_t kControlMode = 4;
constexpr int8_t kRemoteDisconnect = 1;
constexpr int8_t kRemoteReconnect = 2;
// control_state values.
constexpr int64_t kStateDisconnected = 0;
constexpr int64_t kStateConnected = 1;
constexpr int64_t kStateReadyForReconnection = 2;
// Unit enum value for active energy in Wh (Blue Book unit table).
constexpr uint8_t kUnitWattHour = 30;

// Conformance block bits (24-bit, bit 0 is the most significant), as masks.
constexpr uint32_t kConformanceGet = 1u << (23 - 19);
constexpr uint32_t kConformanceSet = 1u << (23 - 20);
constexpr uint32_t kConformanceSelectiveAccess = 1u << (23 - 21);
constexpr uint32_t kConformanceAction = 1u << (23 - 23);

// The usual client SAPs (IS 15959): 0x10 public client (no security), 0x20
// meter reader (low-level security), 0x30 utility settings (high-level
// security, ciphered); server SAP 1 is the management logical device.
constexpr uint16_t kPublicClientSap = 0x10;
constexpr uint16_t kMeterReaderClientSap = 0x20;
constexpr uint16_t kUtilitySettingsClientSap = 0x30;
constexpr uint16_t kManagementLogicalDevice = 0x01;

// Invoke-Id-And-Priority: high priority, confirmed service, invoke id 1.
constexpr uint8_t kDefaultInvokeIdAndPriority = 0xC1;

enum class Authentication : uint8_t {
  kNone = 0,           // lowest-level security
  kLowLevel = 1,       // LLS: a password in calling-authentication-value
  kHighLevelGmac = 5,  // HLS mechanism 5: challenges answered with GMAC
};

// A glo-ciphered xDLMS APDU (glo-initiate-request 0x21, glo-initiate-
// response 0x28, glo-get-request 0xC8, glo-set-request 0xC9, glo-action-
// request 0xCB, glo-get-response 0xCC, glo-set-response 0xCD, glo-action-
// response 0xCF) or a general-glo-ciphering APDU (0xDB, which names the
// sender's system title). The codec only frames it: security.h protects
// and opens the content.
struct CipheredApdu {
  uint8_t tag = 0xC8;
  // general-glo-ciphering only: the sender's 8-byte system title; empty for
  // the glo- APDUs.
  std::string system_title;
  uint8_t security_control = 0x30;
  uint32_t invocation_counter = 0;
  // The ciphertext (or, with authentication only, the plaintext) followed by
  // the authentication tag (none with encryption only).
  std::string ciphered_text;
};

// Glo- tags, and the general-glo-ciphering tag.
constexpr uint8_t kGloInitiateRequestTag = 0x21;
constexpr uint8_t kGloInitiateResponseTag = 0x28;
constexpr uint8_t kGloGetRequestTag = 0xC8;
constexpr uint8_t kGloSetRequestTag = 0xC9;
constexpr uint8_t kGloActionRequestTag = 0xCB;
constexpr uint8_t kGloGetResponseTag = 0xCC;
constexpr uint8_t kGloSetResponseTag = 0xCD;
constexpr uint8_t kGloActionResponseTag = 0xCF;
constexpr uint8_t kGeneralGloCipheringTag = 0xDB;

// AARQ with application context LN, without (2.16.756.5.8.1.1) or with
// (2.16.756.5.8.1.3) ciphering, and an xDLMS InitiateRequest in
// user-information: in clear, or glo-ciphered in a ciphered context.
struct AssociationRequest {
  Authentication authentication = Authentication::kNone;
  std::string password;  // LLS only; sent as a GraphicString [0]
  // HLS only: the client's challenge CtoS, sent as calling-authentication-
  // value like the password.
  std::string challenge;
  // Ciphered context: the client's system title in calling-AP-title
  // (required), and the InitiateRequest glo-ciphered (the fields below then
  // only describe what EncodeInitiateRequest puts inside it).
  bool ciphered_context = false;
  std::string calling_ap_title;
  std::optional<CipheredApdu> ciphered_initiate;
  // InitiateRequest dedicated-key; empty: absent. Only ever sent ciphered.
  std::string dedicated_key;
  uint8_t dlms_version = 6;
  uint32_t proposed_conformance = kConformanceGet | kConformanceSet |
                                  kConformanceSelectiveAccess | kConformanceAction;
  uint16_t max_receive_pdu_size = 0xFFFF;
};

enum class AssociationResult : uint8_t {
  kAccepted = 0,
  kRejectedPermanent = 1,
  kRejectedTransient = 2,
};

// acse-service-user diagnostics.
enum class AcseDiagnostic : uint8_t {
  kNull = 0,
  kNoReasonGiven = 1,
  kApplicationContextNameNotSupported = 2,
  kMechanismNameNotRecognised = 11,
  kMechanismNameRequired = 12,
  kAuthenticationFailure = 13,
  kAuthenticationRequired = 14,
};

// AARE. An accepted association carries an xDLMS InitiateResponse; a
// rejected one carries none.
struct AssociationResponse {
  AssociationResult result = AssociationResult::kAccepted;
  AcseDiagnostic diagnostic = AcseDiagnostic::kNull;
  uint8_t dlms_version = 6;
  uint32_t negotiated_conformance = kConformanceGet | kConformanceAction;
  uint16_t server_max_receive_pdu_size = 1024;
  uint16_t vaa_name = 0x0007;  // LN referencing
  // Ciphered context: the meter's system title in responding-AP-title, and
  // the InitiateResponse glo-ciphered.
  bool ciphered_context = false;
  std::string responding_ap_title;
  std::optional<CipheredApdu> ciphered_initiate;
  // HLS: the mechanism name echoed and the meter's challenge StoC in
  // responding-authentication-value; kNone: neither is sent.
  Authentication authentication = Authentication::kNone;
  std::string challenge;
};

// Data-Access-Result and Action-Result share these values.
enum class AccessResult : uint8_t {
  kSuccess = 0,
  kHardwareFault = 1,
  kTemporaryFailure = 2,
  kReadWriteDenied = 3,
  kObjectUndefined = 4,
  kObjectClassInconsistent = 9,
  kObjectUnavailable = 11,
  kTypeUnmatched = 12,
  kScopeOfAccessViolated = 13,
  kOtherReason = 250,
};

struct AttributeDescriptor {
  uint16_t class_id = 0;
  ObisCode instance;
  int8_t attribute_id = 0;
};

struct MethodDescriptor {
  uint16_t class_id = 0;
  ObisCode instance;
  int8_t method_id = 0;
};

// The attributes and methods of the objects above that reading a meter and
// switching its relay use.
constexpr AttributeDescriptor kEnergyValueAttribute{kRegisterClass, kActiveImportEnergyObis,
                                                    kRegisterValue};
constexpr AttributeDescriptor kEnergyScalerUnitAttribute{kRegisterClass, kActiveImportEnergyObis,
                                                         kRegisterScalerUnit};
constexpr AttributeDescriptor kControlStateAttribute{kDisconnectControlClass,
                                                     kDisconnectControlObis, kControlState};
constexpr AttributeDescriptor kOutputStateAttribute{kDisconnectControlClass, kDisconnectControlObis,
                                                    kOutputState};
constexpr MethodDescriptor kRemoteDisconnectMethod{kDisconnectControlClass, kDisconnectControlObis,
                                                   kRemoteDisconnect};
constexpr MethodDescriptor kRemoteReconnectMethod{kDisconnectControlClass, kDisconnectControlObis,
                                                  kRemoteReconnect};

// GET-Request-Normal (C0 01).
struct GetRequest {
  uint8_t invoke_id_and_priority = kDefaultInvokeIdAndPriority;
  AttributeDescriptor attribute;
  // Selective access is decoded (the selector and its parameters are
  // skipped) so that a server can refuse it politely.
  bool has_access_selection = false;
};

// GET-Response-Normal (C4 01): data on success, else an access result.
struct GetResponse {
  uint8_t invoke_id_and_priority = kDefaultInvokeIdAndPriority;
  std::optional<Data> data;
  AccessResult result = AccessResult::kSuccess;  // when `data` is empty
};

// SET-Request-Normal (C1 01).
struct SetRequest {
  uint8_t invoke_id_and_priority = kDefaultInvokeIdAndPriority;
  AttributeDescriptor attribute;
  // As in GetRequest: only the fact that selective access was asked for.
  bool has_access_selection = false;
  Data value;
};

// SET-Response-Normal (C5 01): a data-access-result.
struct SetResponse {
  uint8_t invoke_id_and_priority = kDefaultInvokeIdAndPriority;
  AccessResult result = AccessResult::kSuccess;
};

// ACTION-Request-Normal (C3 01).
struct ActionRequest {
  uint8_t invoke_id_and_priority = kDefaultInvokeIdAndPriority;
  MethodDescriptor method;
  std::optional<Data> parameters;
};

// ACTION-Response-Normal (C7 01). Return data, when present, is a
// Get-Data-Result with data.
struct ActionResponse {
  uint8_t invoke_id_and_priority = kDefaultInvokeIdAndPriority;
  AccessResult result = AccessResult::kSuccess;
  std::optional<Data> return_data;
};

// RLRQ (62) and RLRE (63) with a release reason (normal = 0).
struct ReleaseRequest {
  std::optional<uint8_t> reason = 0;
};
struct ReleaseResponse {
  std::optional<uint8_t> reason = 0;
};

// Exception-Response (D8): a server's answer to an APDU it cannot serve.
struct ExceptionResponse {
  enum StateError : uint8_t { kServiceNotAllowed = 1, kServiceUnknown = 2 };
  enum ServiceError : uint8_t {
    kOperationNotPossible = 1,
    kServiceNotSupported = 2,
    kOtherReason = 3,
  };
  uint8_t state_error = kServiceUnknown;
  uint8_t service_error = kServiceNotSupported;
};

using Apdu = std::variant<AssociationRequest, AssociationResponse, GetRequest, GetResponse,
                          SetRequest, SetResponse, ActionRequest, ActionResponse, ReleaseRequest,
                          ReleaseResponse, ExceptionResponse, CipheredApdu>;

// EncodeApdu returns the APDU's bytes.
std::string EncodeApdu(const Apdu& apdu);

// DecodeApdu parses one whole APDU (no trailing bytes).
//   InvalidArgument: malformed, truncated, oversized fields, trailing bytes,
//     unknown tag;
//   Unimplemented: a well-formed APDU of a service outside this subset (for
//     example GET-Request-With-List, dedicated-key ciphering, block
//     transfer), so that a server can answer with an Exception-Response
//     instead of dropping the association.
// A ciphered APDU decodes to a CipheredApdu without being opened.
absl::StatusOr<Apdu> DecodeApdu(absl::string_view bytes);

// EncodeInitiateRequest returns the xDLMS InitiateRequest of `aarq` (tag
// 0x01 ...): the plaintext of a glo-initiate-request.
std::string EncodeInitiateRequest(const AssociationRequest& aarq);
// DecodeInitiateRequest reads an InitiateRequest into `aarq`'s xDLMS
// fields; InvalidArgument when malformed, truncated or followed by bytes.
absl::Status DecodeInitiateRequest(absl::string_view bytes, AssociationRequest* aarq);
// The same for the InitiateResponse (tag 0x08) of an AARE.
std::string EncodeInitiateResponse(const AssociationResponse& aare);
absl::Status DecodeInitiateResponse(absl::string_view bytes, AssociationResponse* aare);

// ApduName names the APDU kind for logs ("AARQ", "GET-Request-Normal", ...).
std::string ApduName(const Apdu& apdu);

}  // namespace dlms

#endif  // METER_GATEWAY_DLMS_APDU_H_
