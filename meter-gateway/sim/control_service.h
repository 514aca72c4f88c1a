// The control side of meter-sim: metersim.v1.MeterSimService over a gRPC
// callback server, and RelayHub, which fans relay changes out to WatchRelay
// streams.
//
// Example:
//   RelayHub hub(100'000);
//   ... Fleet::Create(options, &clock, &hub) ...
//   ControlService service(fleet.get(), &hub);
//   builder.RegisterService(&service);
#ifndef METER_GATEWAY_SIM_CONTROL_SERVICE_H_
#define METER_GATEWAY_SIM_CONTROL_SERVICE_H_

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "meter-gateway/sim/fleet.h"
#include "metersim/v1/sim.grpc.pb.h"

namespace meter_sim {

// RelayHub queues every relay event for every open WatchRelay stream. The
// fleet calls it with its lock held (from the DLMS event loop or a control
// call), so it never waits for a stream: each watcher has a bounded queue,
// and a watcher that falls `max_queued` events behind is finished with
// RESOURCE_EXHAUSTED (one log line) instead of slowing the meters down.
// Thread-safe.
class RelayHub final : public RelayEventSink {
 public:
  // Default queue bound per watcher.
  static constexpr size_t kDefaultMaxQueued = 100'000;

  explicit RelayHub(size_t max_queued = kDefaultMaxQueued) : max_queued_(max_queued) {}

  void OnRelayEvent(const v1::RelayEvent& event) override;

  // Watch opens a stream for one WatchRelay call; gRPC owns the reactor. The
  // stream is registered before its initial metadata is sent, so a caller
  // that waits for the metadata sees every later event.
  grpc::ServerWriteReactor<v1::RelayEvent>* Watch(grpc::CallbackServerContext* context);

  int watchers();

  // Shared between the hub and one stream's reactor; defined in the .cc.
  struct Watcher;

 private:
  void Remove(const Watcher* watcher);

  const size_t max_queued_;
  absl::Mutex mu_;
  std::vector<std::shared_ptr<Watcher>> watchers_ ABSL_GUARDED_BY(mu_);
};

// ControlService validates nothing itself: the fleet does (InvalidArgument,
// NotFound), and its status is passed on with the same code.
class ControlService final : public v1::MeterSimService::CallbackService {
 public:
  // `fleet` and `hub` are not owned and must outlive the service's server.
  ControlService(Fleet* fleet, RelayHub* hub) : fleet_(fleet), hub_(hub) {}

  grpc::ServerUnaryReactor* GetMeter(grpc::CallbackServerContext* context,
                                     const v1::GetMeterRequest* request,
                                     v1::Meter* response) override;
  grpc::ServerUnaryReactor* ConfigureMeter(grpc::CallbackServerContext* context,
                                           const v1::ConfigureMeterRequest* request,
                                           v1::Meter* response) override;
  grpc::ServerUnaryReactor* PressButton(grpc::CallbackServerContext* context,
                                        const v1::PressButtonRequest* request,
                                        v1::Meter* response) override;
  grpc::ServerWriteReactor<v1::RelayEvent>* WatchRelay(
      grpc::CallbackServerContext* context, const v1::WatchRelayRequest* request) override;
  grpc::ServerUnaryReactor* GetFleetSummary(grpc::CallbackServerContext* context,
                                            const v1::FleetSummaryRequest* request,
                                            v1::FleetSummary* response) override;

 private:
  Fleet* const fleet_;
  RelayHub* const hub_;
};

}  // namespace meter_sim

#endif  // METER_GATEWAY_SIM_CONTROL_SERVICE_H_
