// Simulator: meter-sim in one object, the fleet with its DLMS server and its
// control service, for main() and for in-process tests.
//
// Example:
//   SimulatorOptions options;
//   options.fleet.meters = 100;
//   options.dlms.port = 0;
//   SystemMonotonicClock clock;
//   absl::StatusOr<std::unique_ptr<Simulator>> sim = Simulator::Start(options, &clock);
//   // DLMS: MeterAddress(i):(*sim)->dlms_port(); control: 127.0.0.1:(*sim)->control_port()
#ifndef METER_GATEWAY_SIM_SIMULATOR_H_
#define METER_GATEWAY_SIM_SIMULATOR_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "meter-gateway/sim/clock.h"
#include "meter-gateway/sim/control_service.h"
#include "meter-gateway/sim/dlms_server.h"
#include "meter-gateway/sim/fleet.h"

namespace meter_sim {

struct SimulatorOptions {
  FleetOptions fleet;
  DlmsServerOptions dlms;
  // gRPC address of MeterSimService; port 0 picks a free port.
  // Default: "127.0.0.1:0".
  std::string control_listen = "127.0.0.1:0";
  // Events a WatchRelay stream may fall behind before it is closed.
  // Default: RelayHub::kDefaultMaxQueued (100,000).
  size_t max_queued_relay_events = RelayHub::kDefaultMaxQueued;
};

class Simulator final {
 public:
  // Start builds the fleet and starts both servers. InvalidArgument for bad
  // options, Unavailable if a port cannot be bound. `clock` is not owned and
  // must outlive the simulator.
  static absl::StatusOr<std::unique_ptr<Simulator>> Start(const SimulatorOptions& options,
                                                          MonotonicClock* clock);
  // Shuts down if still serving.
  ~Simulator();

  Fleet& fleet() { return *fleet_; }
  RelayHub& hub() { return hub_; }
  int dlms_port() const { return dlms_->port(); }
  int control_port() const { return control_port_; }
  DlmsServer& dlms_server() { return *dlms_; }

  // DirectoryCsv is the meter directory the gateway reads: a comment line
  //   # meter_id,host,port,server_wport,client_wport,password
  // then one row per meter, e.g. SIM000001,127.16.1.1,4059,1,32,12345678.
  std::string DirectoryCsv() const;

  // Shutdown closes the control server (ending WatchRelay streams) and then
  // every DLMS connection. Safe to call more than once.
  void Shutdown();

 private:
  explicit Simulator(const SimulatorOptions& options) : options_(options), hub_(options.max_queued_relay_events) {}

  const SimulatorOptions options_;
  RelayHub hub_;
  std::unique_ptr<Fleet> fleet_;
  std::unique_ptr<ControlService> service_;
  std::unique_ptr<DlmsServer> dlms_;
  std::unique_ptr<grpc::Server> server_;
  int control_port_ = 0;
};

}  // namespace meter_sim

#endif  // METER_GATEWAY_SIM_SIMULATOR_H_
