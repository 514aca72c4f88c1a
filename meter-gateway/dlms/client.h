// A blocking DLMS/COSEM client for one meter over the IEC 62056-47 TCP
// wrapper: connect, associate (AARQ/AARE), GET, SET and ACTION one at a time,
// release (RLRQ/RLRE). Every wait has a deadline, so a silent meter costs at
// most the configured timeout. One Client per association; not thread-safe.
//
// Example:
//   MeterEndpoint meter{.host = "127.10.1.1", .port = 4059, .password = "12345678"};
//   WALLET_ASSIGN_OR_RETURN(std::unique_ptr<Client> client, Client::Connect(meter, {}));
//   WALLET_RETURN_IF_ERROR(client->Action({kDisconnectControlClass,
//       kDisconnectControlObis, kRemoteDisconnect}, Data::Integer(0)).status());
//   absl::StatusOr<Data> state = client->Get({kDisconnectControlClass,
//       kDisconnectControlObis, kControlState});
//   client->Release().IgnoreError();
//
// Errors (absl codes, so that callers can tell retryable from final):
//   Unavailable       connection refused or closed by the meter (offline);
//   DeadlineExceeded  connect or response timeout (silent or slow meter);
//   PermissionDenied  association rejected (e.g. wrong password), or the
//                     meter answered read-write-denied / scope violation;
//   Unauthenticated   with HLS: the meter failed to prove itself or sent a
//                     protected reply we refuse; SecurityFailureOf
//                     (security.h) says why (bad tag, replay, unexpected
//                     system title, wrong security control, unprotected);
//   NotFound          object-undefined: the meter has no such object (for
//                     example no disconnect control on a CT-operated meter);
//   FailedPrecondition other access or action results (temporary failure,
//                     hardware fault, ...); the text names the result;
//   DataLoss          a malformed or unexpected reply, or an Exception-Response.
#ifndef METER_GATEWAY_DLMS_CLIENT_H_
#define METER_GATEWAY_DLMS_CLIENT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "meter-gateway/dlms/apdu.h"
#include "meter-gateway/dlms/axdr.h"
#include "meter-gateway/dlms/security.h"
#include "meter-gateway/dlms/wrapper.h"

namespace dlms {

// How one meter is reached.
struct MeterEndpoint {
  std::string host;  // IPv4 or IPv6 literal, or a host name
  uint16_t port = 4059;  // IANA port for DLMS/COSEM over TCP
  uint16_t server_wport = kManagementLogicalDevice;
  uint16_t client_wport = kMeterReaderClientSap;
  // Empty: lowest-level security; otherwise low-level security with this
  // password. Ignored with `hls`.
  std::string password;
  // High-level security (mechanism 5, GMAC) with security suite 0: the
  // association is ciphered and every GET, SET and ACTION travels
  // glo-ciphered. IS 15959 gives this to the utility-settings client
  // (client_wport kUtilitySettingsClientSap).
  struct Hls {
    SecurityKeys keys;
    std::string client_system_title;  // 8 bytes
    // The meter's system title; empty: whatever the AARE names.
    std::string meter_system_title;
    // The first invocation counter to use; it must be above every counter
    // used before under these keys (read Client::next_invocation_counter()
    // after the association and persist it).
    uint32_t invocation_counter = 1;
    // Default: authenticated encryption.
    uint8_t security_control = kAuthenticatedEncryption;
  };
  std::optional<Hls> hls;
};

struct ClientOptions {
  // Default: 2 s.
  absl::Duration connect_timeout = absl::Seconds(2);
  // Per request, from sending it to the whole reply. Default: 3 s.
  absl::Duration response_timeout = absl::Seconds(3);
  // Default: kDefaultMaxApduSize.
  size_t max_apdu_size = kDefaultMaxApduSize;
};

class Client {
 public:
  virtual ~Client() = default;

  // Connect opens the TCP connection and associates.
  static absl::StatusOr<std::unique_ptr<Client>> Connect(const MeterEndpoint& meter,
                                                         const ClientOptions& options);

  // Get reads one attribute (GET-Request-Normal).
  virtual absl::StatusOr<Data> Get(const AttributeDescriptor& attribute) = 0;

  // Set writes one attribute (SET-Request-Normal).
  virtual absl::Status Set(const AttributeDescriptor& attribute, const Data& value) = 0;

  // Action invokes one method (ACTION-Request-Normal) and returns its return
  // data, if any.
  virtual absl::StatusOr<std::optional<Data>> Action(const MethodDescriptor& method,
                                                     const Data& parameters) = 0;

  // next_invocation_counter is the counter the next protected APDU would
  // use (HLS only; 0 otherwise): what to persist for the next association.
  virtual uint32_t next_invocation_counter() const { return 0; }

  // Release ends the association (RLRQ/RLRE) and closes the connection.
  // The destructor closes the connection without releasing.
  virtual absl::Status Release() = 0;
};

}  // namespace dlms

#endif  // METER_GATEWAY_DLMS_CLIENT_H_
