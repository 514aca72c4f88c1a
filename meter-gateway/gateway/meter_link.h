// MeterLink: how the gateway's parts reach a meter: one DLMS/COSEM session
// per call (meter_session.h) to the endpoint the meter directory names. It
// is the layer a test replaces with scripted meters.
//
// Threads: every method is thread-safe and blocks for its session; calls for
// different meters may run at once (the relay command path keeps one session
// per meter).
//
// Example:
//   std::unique_ptr<MeterLink> meters = MakeDlmsMeterLink(directory, dlms_options);
//   if (meters->Knows(command.meter_id())) attempt = meters->ExecuteRelayCommand(command);
#ifndef METER_GATEWAY_GATEWAY_METER_LINK_H_
#define METER_GATEWAY_GATEWAY_METER_LINK_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "meter-gateway/dlms/client.h"
#include "meter-gateway/gateway/directory.h"
#include "meter-gateway/gateway/meter_session.h"
#include "wallet/v1/meter.pb.h"

namespace meter_gateway {

class MeterLink {
 public:
  virtual ~MeterLink() = default;
  // Knows is true if the meter is in the directory.
  virtual bool Knows(const std::string& meter_id) const = 0;
  // MeterIds lists the meters in the directory, in no particular order.
  virtual std::vector<std::string> MeterIds() const = 0;
  // ExecuteRelayCommand makes one attempt of `command` on a meter the link
  // knows and judges it (see ExecuteRelayCommand in meter_session.h).
  virtual RelayAttempt ExecuteRelayCommand(const wallet::v1::RelayCommand& command) = 0;
  // Read reads the meter's energy register and relay (see ReadMeter).
  // NotFound for a meter not in the directory; otherwise ReadMeter's errors.
  virtual absl::StatusOr<MeterRead> Read(const std::string& meter_id) = 0;
};

// MakeDlmsMeterLink reaches the meters of `directory` over DLMS with
// `options` (timeouts).
std::unique_ptr<MeterLink> MakeDlmsMeterLink(MeterDirectory directory,
                                             const dlms::ClientOptions& options);

}  // namespace meter_gateway

#endif  // METER_GATEWAY_GATEWAY_METER_LINK_H_
