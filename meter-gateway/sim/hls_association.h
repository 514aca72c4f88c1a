// HlsAssociation: a simulated meter's side of one utility-settings
// association (client SAP 0x30) with high-level security, mechanism 5
// (GMAC), and security suite 0, as a real meter runs it:
//   1. AARQ: ciphered context, the client's system title, CtoS and a
//      glo-ciphered InitiateRequest that must open under the meter's keys;
//   2. AARE: accepted with authentication-required, the meter's system
//      title, StoC and a glo-ciphered InitiateResponse;
//   3. ACTION reply_to_HLS_authentication (Association LN, method 1) with
//      f(StoC), which must verify under the client's system title;
//   4. its return data f(CtoS) under the meter's title.
// Until step 3 has verified, nothing but that ACTION is served. Every
// request after the AARQ must arrive glo-ciphered, every answer leaves so.
//
// Not thread-safe: one per connection, like CosemSession.
#ifndef METER_GATEWAY_SIM_HLS_ASSOCIATION_H_
#define METER_GATEWAY_SIM_HLS_ASSOCIATION_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "meter-gateway/dlms/apdu.h"
#include "meter-gateway/dlms/security.h"
#include "meter-gateway/sim/meter_security.h"

namespace meter_sim {

class HlsAssociation {
 public:
  // `first_counter`: the first invocation counter the meter may use.
  HlsAssociation(MeterKeys keys, uint32_t first_counter);

  // Associate answers the AARQ: `offer` (what the meter offers: its
  // conformance and PDU size) accepted pending authentication, or rejected
  // (mechanism-name-required without HLS-GMAC, authentication-failure when
  // the InitiateRequest does not open).
  dlms::AssociationResponse Associate(const dlms::AssociationRequest& aarq,
                                      dlms::AssociationResponse offer);

  // Open returns the request inside a glo-ciphered APDU; the error (a
  // SecurityFailure) when it does not open.
  absl::StatusOr<dlms::Apdu> Open(const dlms::CipheredApdu& request);

  // Seal protects an answer; InvalidArgument for a kind without a glo-
  // form, ResourceExhausted when the association's counters are used up.
  absl::StatusOr<dlms::CipheredApdu> Seal(const dlms::Apdu& answer);

  // ReplyToHls checks f(StoC) in the ACTION and returns the answer with
  // f(CtoS), or read-write-denied when it does not verify.
  dlms::ActionResponse ReplyToHls(const dlms::ActionRequest& request);

  // IsReplyToHls is true for the ACTION of step 3.
  static bool IsReplyToHls(const dlms::Apdu& request);

  bool authenticated() const { return authenticated_; }

 private:
  dlms::CipheringContext ciphering_;
  const std::string meter_title_;
  const uint32_t last_counter_;
  std::string client_challenge_;
  std::string meter_challenge_;
  bool authenticated_ = false;
};

}  // namespace meter_sim

#endif  // METER_GATEWAY_SIM_HLS_ASSOCIATION_H_
