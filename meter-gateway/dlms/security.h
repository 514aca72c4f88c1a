// DLMS/COSEM security suite 0 (AES-GCM-128) for glo-ciphered APDUs and the
// HLS-GMAC challenges (Green Book, security setup and mechanism 5):
//   security header  = security control (SC) || invocation counter (IC, 4 bytes)
//   IV               = sender's system title (8 bytes) || IC
//   additional data  = SC || authentication key (AK)  (|| plaintext with
//                      authentication only)
//   tag              = 12 bytes
// SC is 0x10 (authentication only), 0x20 (encryption only) or 0x30 (both),
// with suite 0 in the low nibble.
//
// Example (a gateway's side of one association):
//   CipheringContext ciphering({.keys = keys, .own_system_title = client_title,
//                               .next_invocation_counter = stored + 1});
//   ciphering.set_peer_system_title(meter_title);        // from the AARE
//   WALLET_ASSIGN_OR_RETURN(CipheredApdu out, ciphering.Protect(get_request));
//   ... send EncodeApdu(out), receive `in` (a CipheredApdu) ...
//   WALLET_ASSIGN_OR_RETURN(Apdu reply, ciphering.Unprotect(in));
//
// Errors: what a peer sent and we refuse is Unauthenticated, with the kind
// of failure attached (SecurityFailureOf): a bad tag, an invocation counter
// not above the last one accepted (a replay), an unexpected system title, a
// wrong security control byte, or a protected APDU whose content does not
// decode; bad keys or titles of our own are InvalidArgument;
// ResourceExhausted when our invocation counter has run out (new keys are
// needed). Key material never appears in error texts.
//
// Threads: a CipheringContext is not thread-safe; the free functions are.
#ifndef METER_GATEWAY_DLMS_SECURITY_H_
#define METER_GATEWAY_DLMS_SECURITY_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "meter-gateway/dlms/apdu.h"

namespace dlms {

constexpr size_t kSystemTitleSize = 8;
constexpr size_t kSecurityKeySize = 16;  // suite 0: AES-128
constexpr size_t kSecurityTagSize = 12;
constexpr size_t kMinChallengeSize = 8;  // HLS challenges are 8 to 64 bytes
constexpr size_t kMaxChallengeSize = 64;

// Security control byte values of suite 0.
constexpr uint8_t kAuthenticationOnly = 0x10;
constexpr uint8_t kEncryptionOnly = 0x20;
constexpr uint8_t kAuthenticatedEncryption = 0x30;

// SecurityKeys are one meter's global unicast encryption key (EK) and
// authentication key (AK), 16 bytes each. Never log them.
struct SecurityKeys {
  std::string encryption_key;
  std::string authentication_key;
};

// SecurityFailure says why a protected APDU or HLS answer was refused.
enum class SecurityFailure {
  kNone,                   // not a security refusal
  kBadTag,                 // the authentication tag does not verify
  kReplay,                 // invocation counter not above the last accepted
  kUnexpectedSystemTitle,  // not the peer's system title
  kWrongSecurityControl,   // not the security control byte agreed
  kUnprotected,            // a plain APDU where a protected one was due
  kMalformedContent,       // authenticated, but the content does not decode
};

// SecurityFailureOf returns the failure attached to `status` by this file,
// kNone for any other status.
SecurityFailure SecurityFailureOf(const absl::Status& status);

// SecurityFailureName is a short name for logs: "bad tag", "replay", ...
absl::string_view SecurityFailureName(SecurityFailure failure);

// SecurityRefusal returns the Unauthenticated status for `failure`, with
// `message`, that SecurityFailureOf recognises.
absl::Status SecurityRefusal(SecurityFailure failure, absl::string_view message);

// CheckSecurityKeys is InvalidArgument unless both keys are 16 bytes.
absl::Status CheckSecurityKeys(const SecurityKeys& keys);

// GloTagFor returns the glo- tag that carries `apdu` (GET, SET, ACTION
// request or response), nullopt for kinds that travel in clear.
std::optional<uint8_t> GloTagFor(const Apdu& apdu);

// ProtectText returns the ciphered text (ciphertext or plaintext, then the
// tag) of `plaintext` sent with `security_control` by `system_title` with
// `invocation_counter`. InvalidArgument for bad keys, title or control byte.
absl::StatusOr<std::string> ProtectText(const SecurityKeys& keys, uint8_t security_control,
                                        absl::string_view system_title, uint32_t invocation_counter,
                                        absl::string_view plaintext);

// UnprotectText opens what ProtectText made; SecurityRefusal(kBadTag) when
// the tag does not verify, InvalidArgument (kMalformedContent) when the text
// cannot hold a tag.
absl::StatusOr<std::string> UnprotectText(const SecurityKeys& keys, uint8_t security_control,
                                          absl::string_view system_title,
                                          uint32_t invocation_counter,
                                          absl::string_view ciphered_text);

// HlsGmacAnswer returns f(challenge) = SC (0x10) || IC || GMAC(SC || AK ||
// challenge), the tag under IV = system_title || IC: the client's answer to
// StoC (its own system title and counter) or the meter's answer to CtoS.
absl::StatusOr<std::string> HlsGmacAnswer(const SecurityKeys& keys, absl::string_view system_title,
                                          uint32_t invocation_counter, absl::string_view challenge);

// CipheringContext is one side of a ciphered association: it protects what
// it sends with its own system title and a counter that goes up by one per
// APDU, and opens what the peer sends, checking the peer's system title,
// the security control byte and that the peer's counter only goes up.
class CipheringContext {
 public:
  struct Options {
    SecurityKeys keys;
    // 8 bytes.
    std::string own_system_title;
    // The counter for the next APDU sent; persist next_invocation_counter()
    // so that no value is ever used twice under the same key. Default: 1.
    uint32_t next_invocation_counter = 1;
    // Default: authenticated encryption.
    uint8_t security_control = kAuthenticatedEncryption;
  };

  explicit CipheringContext(Options options);

  // Validate is InvalidArgument for bad keys, title or control byte.
  absl::Status Validate() const;

  // The peer's 8-byte system title, once known (from the AARQ or AARE).
  void set_peer_system_title(std::string title) { peer_system_title_ = std::move(title); }
  const std::string& peer_system_title() const { return peer_system_title_; }
  const std::string& own_system_title() const { return options_.own_system_title; }

  uint32_t next_invocation_counter() const { return options_.next_invocation_counter; }

  // ProtectBytes wraps `plaintext` in a glo- APDU with `tag`, using and
  // advancing the counter.
  absl::StatusOr<CipheredApdu> ProtectBytes(uint8_t tag, absl::string_view plaintext);
  // Protect wraps `apdu` in its glo- APDU; InvalidArgument for a kind that
  // has none.
  absl::StatusOr<CipheredApdu> Protect(const Apdu& apdu);

  // UnprotectBytes opens a glo- or general-glo-ciphering APDU from the peer
  // and returns its plaintext. The counter is remembered only once the tag
  // has verified.
  absl::StatusOr<std::string> UnprotectBytes(const CipheredApdu& apdu);
  // Unprotect opens and decodes; a content that is itself ciphered, or is
  // not the service the glo- tag names, is refused (kMalformedContent).
  absl::StatusOr<Apdu> Unprotect(const CipheredApdu& apdu);

  // AnswerChallenge returns f(challenge) with our title and the next counter.
  absl::StatusOr<std::string> AnswerChallenge(absl::string_view challenge);
  // CheckAnswer checks the peer's f(`challenge`): 17 bytes, SC 0x10, and
  // its tag under the peer's title and the counter it names. (Replaying an
  // answer is defeated by the challenge, fresh for every association.)
  absl::Status CheckAnswer(absl::string_view challenge, absl::string_view answer);

 private:
  absl::Status CheckCounter(uint32_t counter) const;
  absl::StatusOr<uint32_t> TakeCounter();

  Options options_;
  std::string peer_system_title_;
  std::optional<uint32_t> last_peer_counter_;
};

}  // namespace dlms

#endif  // METER_GATEWAY_DLMS_SECURITY_H_
