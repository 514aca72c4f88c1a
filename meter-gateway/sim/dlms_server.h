// DlmsServer: the meters' side of the wire. One event-loop thread (epoll,
// non-blocking sockets) serves every meter over the IEC 62056-47 TCP wrapper
// from ONE listening socket; the meter a connection talks to is the local
// address the client dialled (see address.h), read with getsockname().
//
// Per connection: wrapper frames (APDUs up to kMaxApduSize) are decoded and
// answered by a CosemSession (cosem.h). The server wPort must be 1 (the
// management logical device); replies swap the request's wPorts.
//
// Sessions are dropped (one LOG(WARNING) with peer and reason, counted in
// FleetSummary.sessions_dropped) on a wrong wrapper version, an oversized
// frame, a malformed APDU, a frame for another server wPort, or a client that
// stops reading its answers. A well-formed APDU of an unsupported service is
// answered with an Exception-Response and the session goes on. A connection to
// an address that is no meter is closed at once, with a log line. Connections
// idle for `idle_timeout` (nothing received, nothing waiting to be sent) are
// closed.
//
// Faults, read when each connection or frame arrives:
//   FAULT_OFFLINE  connections are closed at accept without a byte (and an
//                  open session is closed at its next frame);
//   FAULT_DROP     frames are read and never answered;
//   FAULT_DELAY    every answer is sent delay_ms late (a timer in the loop,
//                  answers keep their order);
//   FAULT_REFUSE, FAULT_BYPASS  live in the fleet model.
//
// Example:
//   DlmsServerOptions options;
//   options.port = 0;
//   absl::StatusOr<std::unique_ptr<DlmsServer>> server = DlmsServer::Start(fleet, options);
//   dlms::MeterEndpoint meter{MeterAddress(0), (*server)->port(), 1, 0x20, "12345678"};
#ifndef METER_GATEWAY_SIM_DLMS_SERVER_H_
#define METER_GATEWAY_SIM_DLMS_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "meter-gateway/sim/fleet.h"

namespace meter_sim {

struct DlmsServerOptions {
  // IPv4 address to listen on. The meters' addresses are all in
  // 127.0.0.0/8, so it must be 0.0.0.0 or cover them.
  // Default: "0.0.0.0".
  std::string bind = "0.0.0.0";
  // TCP port; 0 picks a free one.
  // Default: 4059 (IANA port for DLMS/COSEM over TCP).
  int port = 4059;
  // Low-level-security password of the meter reader client (0x20).
  // Default: "12345678".
  std::string password = "12345678";
  // The master secret every meter's HLS keys derive from
  // (meter_security.h). Empty: no utility-settings client, and the meter
  // reader switches relays as before. Never logged.
  // Default: empty.
  std::string hls_master_secret;
  // A connection with no traffic for this long is closed.
  // Default: 30 s.
  absl::Duration idle_timeout = absl::Seconds(30);
};

class DlmsServer {
 public:
  // Start binds, listens and starts the event loop. `fleet` is not owned and
  // must outlive the server. Unavailable if the address cannot be bound,
  // InvalidArgument for a bad bind address or port.
  static absl::StatusOr<std::unique_ptr<DlmsServer>> Start(Fleet* fleet,
                                                           const DlmsServerOptions& options);

  // The destructor shuts down.
  virtual ~DlmsServer() = default;

  // The TCP port actually bound.
  virtual int port() const = 0;
  // Connections accepted so far (meters' and others').
  virtual uint64_t accepted() const = 0;
  // Connections open now.
  virtual int open_connections() const = 0;

  // Shutdown stops the loop and closes every connection, unanswered. Safe
  // to call more than once, from any thread but the loop's.
  virtual void Shutdown() = 0;
};

}  // namespace meter_sim

#endif  // METER_GATEWAY_SIM_DLMS_SERVER_H_
