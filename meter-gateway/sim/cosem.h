// CosemSession: the application layer of one simulated meter's DLMS session,
// apart from sockets so that it can be tested on decoded APDUs.
//
// Associations (client wPort = client SAP; the server wPort is checked by the
// transport):
//   0x10 public client: lowest-level security, GET only. An AARQ asking for
//        low-level security is rejected (mechanism-name-not-recognised).
//   0x20 meter reader: low-level security with the meter password; GET, SET
//        and ACTION (ACTION only while the simulator runs without HLS keys:
//        with them, switching the relay is the utility-settings client's).
//        No password: rejected, authentication-required; a wrong one:
//        rejected, authentication-failure.
//   0x30 utility settings, only when the simulator has HLS keys: high-level
//        security (mechanism 5, GMAC) with the meter's own keys and system
//        title (meter_security.h, hls_association.h); every request after
//        the AARQ glo-ciphered; GET, SET and ACTION once the client has
//        proven itself. Requests in clear, or that do not open (bad tag,
//        replayed counter, wrong security control): Exception-Response
//        service-not-allowed, the association stays.
//   any other client SAP: rejected-permanent, no-reason-given.
// Each client SAP holds at most one association per connection; an AARQ from
// a SAP already associated is rejected (no-reason-given) and the existing
// association stays. RLRQ ends the SAP's association and is always answered
// with RLRE.
//
// Objects: Register 1.0.1.8.0.255 (class 3, attributes 1-3) and, when the
// meter has a relay, Disconnect control 0.0.96.3.10.255 (class 70,
// attributes 1-4, methods 1-2). A CT-operated meter has no relay: to GET,
// SET and ACTION on the disconnect control object it answers as a real meter
// does for an object it lacks, object-undefined. Results chosen where the
// standard leaves a choice:
//   GET/SET/ACTION before the SAP is associated: Exception-Response
//     (service-not-allowed, operation-not-possible), the session stays;
//   unknown object, unknown attribute, relay object on a relay-less meter:
//     object-undefined;
//   SET of an attribute the meter has: read-write-denied (IS 15959 leaves
//     writes to the utility-settings client, which the simulator does not
//     host);
//   a known logical name with another class id: object-class-inconsistent;
//   GET with selective access (these attributes support none):
//     read-write-denied;
//   ACTION from the public client, under FAULT_REFUSE, in control mode 0, or
//     a method other than 1-2 (e.g. the Register's reset): read-write-denied;
//   ACTION parameters other than integer(0): type-unmatched;
//   an APDU a client never sends (AARE, GET-Response, ...): Exception-Response
//     (service-unknown, service-not-supported).
#ifndef METER_GATEWAY_SIM_COSEM_H_
#define METER_GATEWAY_SIM_COSEM_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "meter-gateway/dlms/apdu.h"
#include "meter-gateway/sim/fleet.h"
#include "meter-gateway/sim/hls_association.h"
#include "meter-gateway/sim/meter_security.h"

namespace meter_sim {

// Largest APDU the simulated meters accept (and announce in the AARE).
constexpr size_t kMaxApduSize = 2048;

// Not thread-safe: one per connection, used by the event loop only.
class CosemSession {
 public:
  // `fleet`, `password` and `security` are not owned and must outlive the
  // session; `meter` is a valid index; `security` null: no HLS keys (no
  // utility-settings client, and the meter reader may switch the relay).
  CosemSession(Fleet* fleet, int meter, const std::string* password,
               MeterSecurity* security = nullptr)
      : fleet_(fleet), meter_(meter), password_(password), security_(security) {}

  // Handle answers one decoded APDU that arrived from `client_wport`.
  dlms::Apdu Handle(uint16_t client_wport, const dlms::Apdu& request);

  // Unsupported is the answer to a well-formed APDU of a service outside
  // the codec's subset (DecodeApdu returned `status`, Unimplemented): an
  // Exception-Response (service-unknown, service-not-supported), except for
  // an AARQ (ciphering, high-level security, short names), which gets an AARE
  // rejected-permanent: application-context-name-not-supported when the
  // codec names the context as the reason, else mechanism-name-not-recognised.
  static dlms::Apdu Unsupported(absl::string_view apdu, const absl::Status& status);

  bool associated(uint16_t client_wport) const;

 private:
  dlms::Apdu Associate(uint16_t client_wport, const dlms::AssociationRequest& aarq);
  dlms::Apdu AssociateUtility(const dlms::AssociationRequest& aarq);
  dlms::Apdu HandleCiphered(uint16_t client_wport, const dlms::CipheredApdu& request);
  // Serve answers a GET, SET or ACTION of an associated client.
  dlms::Apdu Serve(uint16_t client_wport, const dlms::Apdu& request);
  dlms::Apdu Get(const dlms::GetRequest& request);
  dlms::Apdu Set(const dlms::SetRequest& request);
  dlms::Apdu Act(uint16_t client_wport, const dlms::ActionRequest& request);
  bool* AssociationFlag(uint16_t client_wport);

  Fleet* const fleet_;
  const int meter_;
  const std::string* const password_;
  MeterSecurity* const security_;
  bool public_associated_ = false;
  bool reader_associated_ = false;
  // The utility-settings client's association, from its AARQ.
  std::optional<HlsAssociation> utility_;
};

}  // namespace meter_sim

#endif  // METER_GATEWAY_SIM_COSEM_H_
