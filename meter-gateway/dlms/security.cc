#include "meter-gateway/dlms/security.h"

#include <utility>
#include <variant>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "base/aes_gcm.h"
#include "base/hmac.h"
#include "base/status_macros.h"

namespace dlms {
namespace {

// The payload that carries a SecurityFailure on a status.
constexpr absl::string_view kFailurePayload = "type.dlms/SecurityFailure";

std::string Iv(absl::string_view system_title, uint32_t invocation_counter) {
  std::string iv(system_title);
  AppendU32(invocation_counter, &iv);
  return iv;
}

// AdditionalData is SC || AK, to which authentication-only adds the
// plaintext.
std::string AdditionalData(const SecurityKeys& keys, uint8_t security_control) {
  return absl::StrCat(std::string(1, static_cast<char>(security_control)), keys.authentication_key);
}

absl::Status CheckControlAndTitle(uint8_t security_control, absl::string_view system_title) {
  if (security_control != kAuthenticationOnly && security_control != kEncryptionOnly &&
      security_control != kAuthenticatedEncryption) {
    return absl::InvalidArgumentError(absl::StrCat("security control byte ", security_control,
                                                   " is not 0x10, 0x20 or 0x30 (suite 0)"));
  }
  if (system_title.size() != kSystemTitleSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("system title of ", system_title.size(), " bytes (8 expected)"));
  }
  return absl::OkStatus();
}

// CheckedIv checks the keys, control byte and title, and returns the IV.
absl::StatusOr<std::string> CheckedIv(const SecurityKeys& keys, uint8_t security_control,
                                      absl::string_view system_title, uint32_t invocation_counter) {
  WALLET_RETURN_IF_ERROR(CheckSecurityKeys(keys));
  WALLET_RETURN_IF_ERROR(CheckControlAndTitle(security_control, system_title));
  return Iv(system_title, invocation_counter);
}

// ContentMatches says whether a glo- tag may carry `apdu`.
bool ContentMatches(uint8_t tag, const Apdu& apdu) {
  const std::optional<uint8_t> glo = GloTagFor(apdu);
  return tag == kGeneralGloCipheringTag ? glo.has_value() : glo == tag;
}

}  // namespace

SecurityFailure SecurityFailureOf(const absl::Status& status) {
  const auto payload = status.GetPayload(kFailurePayload);
  if (!payload.has_value() || payload->size() != 1) return SecurityFailure::kNone;
  const std::string value(*payload);
  return static_cast<SecurityFailure>(static_cast<uint8_t>(value[0]));
}

absl::string_view SecurityFailureName(SecurityFailure failure) {
  switch (failure) {
    case SecurityFailure::kNone:
      return "none";
    case SecurityFailure::kBadTag:
      return "bad tag";
    case SecurityFailure::kReplay:
      return "replay";
    case SecurityFailure::kUnexpectedSystemTitle:
      return "unexpected system title";
    case SecurityFailure::kWrongSecurityControl:
      return "wrong security control";
    case SecurityFailure::kUnprotected:
      return "unprotected";
    case SecurityFailure::kMalformedContent:
      return "malformed content";
  }
  return "unknown";
}

absl::Status SecurityRefusal(SecurityFailure failure, absl::string_view message) {
  absl::Status status = absl::UnauthenticatedError(message);
  status.SetPayload(kFailurePayload, absl::Cord(std::string(1, static_cast<char>(failure))));
  return status;
}

absl::Status CheckSecurityKeys(const SecurityKeys& keys) {
  if (keys.encryption_key.size() != kSecurityKeySize ||
      keys.authentication_key.size() != kSecurityKeySize) {
    return absl::InvalidArgumentError("security keys must be 16 bytes each (suite 0)");
  }
  return absl::OkStatus();
}

std::optional<uint8_t> GloTagFor(const Apdu& apdu) {
  if (std::holds_alternative<GetRequest>(apdu)) return kGloGetRequestTag;
  if (std::holds_alternative<SetRequest>(apdu)) return kGloSetRequestTag;
  if (std::holds_alternative<ActionRequest>(apdu)) return kGloActionRequestTag;
  if (std::holds_alternative<GetResponse>(apdu)) return kGloGetResponseTag;
  if (std::holds_alternative<SetResponse>(apdu)) return kGloSetResponseTag;
  if (std::holds_alternative<ActionResponse>(apdu)) return kGloActionResponseTag;
  return std::nullopt;
}

absl::StatusOr<std::string> ProtectText(const SecurityKeys& keys, uint8_t security_control,
                                        absl::string_view system_title, uint32_t invocation_counter,
                                        absl::string_view plaintext) {
  WALLET_ASSIGN_OR_RETURN(const std::string iv,
                          CheckedIv(keys, security_control, system_title, invocation_counter));
  std::string aad = AdditionalData(keys, security_control);
  if (security_control == kAuthenticationOnly) {
    aad.append(plaintext.data(), plaintext.size());
    WALLET_ASSIGN_OR_RETURN(std::string tag,
                            base::Gmac(keys.encryption_key, iv, aad, kSecurityTagSize));
    return absl::StrCat(plaintext, tag);
  }
  WALLET_ASSIGN_OR_RETURN(std::string sealed, base::AesGcmEncrypt(keys.encryption_key, iv, aad,
                                                                  plaintext, kSecurityTagSize));
  if (security_control == kEncryptionOnly) sealed.resize(plaintext.size());
  return sealed;
}

absl::StatusOr<std::string> UnprotectText(const SecurityKeys& keys, uint8_t security_control,
                                          absl::string_view system_title,
                                          uint32_t invocation_counter,
                                          absl::string_view ciphered_text) {
  WALLET_ASSIGN_OR_RETURN(const std::string iv,
                          CheckedIv(keys, security_control, system_title, invocation_counter));
  if (security_control == kEncryptionOnly) {
    // No tag to check: encryption alone proves nothing about the sender.
    // GCM without the tag is CTR mode; encrypting again undoes it.
    WALLET_ASSIGN_OR_RETURN(
        std::string sealed,
        base::AesGcmEncrypt(keys.encryption_key, iv, "", ciphered_text, kSecurityTagSize));
    sealed.resize(ciphered_text.size());
    return sealed;
  }
  if (ciphered_text.size() < kSecurityTagSize) {
    return SecurityRefusal(SecurityFailure::kMalformedContent,
                           "ciphered text shorter than its authentication tag");
  }
  std::string aad = AdditionalData(keys, security_control);
  if (security_control == kAuthenticationOnly) {
    const absl::string_view plaintext =
        ciphered_text.substr(0, ciphered_text.size() - kSecurityTagSize);
    aad.append(plaintext.data(), plaintext.size());
    WALLET_ASSIGN_OR_RETURN(std::string tag,
                            base::Gmac(keys.encryption_key, iv, aad, kSecurityTagSize));
    if (!base::ConstantTimeEquals(tag, ciphered_text.substr(plaintext.size()))) {
      return SecurityRefusal(SecurityFailure::kBadTag, "authentication tag does not verify");
    }
    return std::string(plaintext);
  }
  absl::StatusOr<std::string> plaintext =
      base::AesGcmDecrypt(keys.encryption_key, iv, aad, ciphered_text, kSecurityTagSize);
  if (absl::IsUnauthenticated(plaintext.status())) {
    return SecurityRefusal(SecurityFailure::kBadTag, "authentication tag does not verify");
  }
  return plaintext;
}

absl::StatusOr<std::string> HlsGmacAnswer(const SecurityKeys& keys, absl::string_view system_title,
                                          uint32_t invocation_counter,
                                          absl::string_view challenge) {
  WALLET_ASSIGN_OR_RETURN(std::string tagged, ProtectText(keys, kAuthenticationOnly, system_title,
                                                          invocation_counter, challenge));
  std::string answer(1, static_cast<char>(kAuthenticationOnly));
  AppendU32(invocation_counter, &answer);
  answer.append(tagged, challenge.size(), kSecurityTagSize);
  return answer;
}

// ----------------------------------------------------------- CipheringContext

CipheringContext::CipheringContext(Options options) : options_(std::move(options)) {}

absl::Status CipheringContext::Validate() const {
  WALLET_RETURN_IF_ERROR(CheckSecurityKeys(options_.keys));
  return CheckControlAndTitle(options_.security_control, options_.own_system_title);
}

absl::StatusOr<uint32_t> CipheringContext::TakeCounter() {
  // 0xFFFFFFFF is never used, so that the next value always exists.
  if (options_.next_invocation_counter == UINT32_MAX) {
    return absl::ResourceExhaustedError("invocation counter exhausted: new keys needed");
  }
  return options_.next_invocation_counter++;
}

absl::Status CipheringContext::CheckCounter(uint32_t counter) const {
  if (last_peer_counter_.has_value() && counter <= *last_peer_counter_) {
    return SecurityRefusal(SecurityFailure::kReplay,
                           absl::StrCat("invocation counter ", counter,
                                        " not above the last accepted ", *last_peer_counter_));
  }
  return absl::OkStatus();
}

absl::StatusOr<CipheredApdu> CipheringContext::ProtectBytes(uint8_t tag,
                                                            absl::string_view plaintext) {
  WALLET_RETURN_IF_ERROR(Validate());
  CipheredApdu apdu;
  apdu.tag = tag;
  apdu.security_control = options_.security_control;
  if (tag == kGeneralGloCipheringTag) apdu.system_title = options_.own_system_title;
  WALLET_ASSIGN_OR_RETURN(apdu.invocation_counter, TakeCounter());
  WALLET_ASSIGN_OR_RETURN(apdu.ciphered_text, ProtectText(options_.keys, apdu.security_control,
                                                          options_.own_system_title,
                                                          apdu.invocation_counter, plaintext));
  return apdu;
}

absl::StatusOr<CipheredApdu> CipheringContext::Protect(const Apdu& apdu) {
  const std::optional<uint8_t> tag = GloTagFor(apdu);
  if (!tag.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(ApduName(apdu), " has no glo- form"));
  }
  return ProtectBytes(*tag, EncodeApdu(apdu));
}

absl::StatusOr<std::string> CipheringContext::UnprotectBytes(const CipheredApdu& apdu) {
  WALLET_RETURN_IF_ERROR(Validate());
  if (apdu.security_control != options_.security_control) {
    return SecurityRefusal(SecurityFailure::kWrongSecurityControl,
                           absl::StrCat("security control ", apdu.security_control, ", expected ",
                                        options_.security_control));
  }
  if (peer_system_title_.size() != kSystemTitleSize) {
    return absl::FailedPreconditionError("the peer's system title is not known yet");
  }
  if (apdu.tag == kGeneralGloCipheringTag && apdu.system_title != peer_system_title_) {
    return SecurityRefusal(SecurityFailure::kUnexpectedSystemTitle,
                           "general-glo-ciphering from another system title");
  }
  WALLET_RETURN_IF_ERROR(CheckCounter(apdu.invocation_counter));
  WALLET_ASSIGN_OR_RETURN(std::string plaintext,
                          UnprotectText(options_.keys, apdu.security_control, peer_system_title_,
                                        apdu.invocation_counter, apdu.ciphered_text));
  last_peer_counter_ = apdu.invocation_counter;
  return plaintext;
}

absl::StatusOr<Apdu> CipheringContext::Unprotect(const CipheredApdu& apdu) {
  WALLET_ASSIGN_OR_RETURN(std::string plaintext, UnprotectBytes(apdu));
  absl::StatusOr<Apdu> inner = DecodeApdu(plaintext);
  if (!inner.ok()) {
    return SecurityRefusal(SecurityFailure::kMalformedContent,
                           absl::StrCat("protected content: ", inner.status().message()));
  }
  if (!ContentMatches(apdu.tag, *inner)) {
    return SecurityRefusal(SecurityFailure::kMalformedContent,
                           absl::StrCat(ApduName(apdu), " carries ", ApduName(*inner)));
  }
  return inner;
}

absl::StatusOr<std::string> CipheringContext::AnswerChallenge(absl::string_view challenge) {
  WALLET_RETURN_IF_ERROR(Validate());
  WALLET_ASSIGN_OR_RETURN(uint32_t counter, TakeCounter());
  return HlsGmacAnswer(options_.keys, options_.own_system_title, counter, challenge);
}

absl::Status CipheringContext::CheckAnswer(absl::string_view challenge, absl::string_view answer) {
  WALLET_RETURN_IF_ERROR(Validate());
  if (answer.size() != 1 + 4 + kSecurityTagSize) {
    return SecurityRefusal(SecurityFailure::kMalformedContent,
                           absl::StrCat("HLS answer of ", answer.size(), " bytes (17 expected)"));
  }
  if (static_cast<uint8_t>(answer[0]) != kAuthenticationOnly) {
    return SecurityRefusal(SecurityFailure::kWrongSecurityControl,
                           "HLS answer without security control 0x10");
  }
  if (peer_system_title_.size() != kSystemTitleSize) {
    return absl::FailedPreconditionError("the peer's system title is not known yet");
  }
  // The counter is not held against the APDUs' counters: the answer
  // travels inside a ciphered ACTION whose own counter is checked, and an
  // old answer cannot be replayed because it answers an old challenge.
  Reader reader(answer.substr(1, 4));
  uint32_t counter = 0;
  reader.ReadU32(&counter);
  WALLET_ASSIGN_OR_RETURN(std::string expected,
                          HlsGmacAnswer(options_.keys, peer_system_title_, counter, challenge));
  if (!base::ConstantTimeEquals(expected, answer)) {
    return SecurityRefusal(SecurityFailure::kBadTag, "HLS answer does not verify");
  }
  return absl::OkStatus();
}

}  // namespace dlms
