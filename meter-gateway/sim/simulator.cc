#include "meter-gateway/sim/simulator.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "meter-gateway/dlms/apdu.h"
#include "meter-gateway/sim/address.h"

namespace meter_sim {

absl::StatusOr<std::unique_ptr<Simulator>> Simulator::Start(const SimulatorOptions& options,
                                                            MonotonicClock* clock) {
  std::unique_ptr<Simulator> sim(new Simulator(options));
  absl::StatusOr<std::unique_ptr<Fleet>> fleet = Fleet::Create(options.fleet, clock, &sim->hub_);
  if (!fleet.ok()) return fleet.status();
  sim->fleet_ = *std::move(fleet);

  absl::StatusOr<std::unique_ptr<DlmsServer>> dlms = DlmsServer::Start(sim->fleet_.get(), options.dlms);
  if (!dlms.ok()) return dlms.status();
  sim->dlms_ = *std::move(dlms);
  sim->fleet_->set_dlms_port(sim->dlms_->port());

  sim->service_ = std::make_unique<ControlService>(sim->fleet_.get(), &sim->hub_);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.control_listen, grpc::InsecureServerCredentials(),
                           &sim->control_port_);
  builder.RegisterService(sim->service_.get());
  sim->server_ = builder.BuildAndStart();
  if (sim->server_ == nullptr || sim->control_port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for gRPC on ", options.control_listen));
  }
  // The standard health service answers for "" by itself; the control
  // service is named too, for clients that check the service they call.
  sim->server_->GetHealthCheckService()->SetServingStatus(
      metersim::v1::MeterSimService::service_full_name(), true);
  LOG(INFO) << "meter-sim serving " << sim->fleet_->size() << " meters (" 
            << MeterId(options.fleet.id_prefix, 0) << " at " << MeterAddress(0) << " ... "
            << MeterId(options.fleet.id_prefix, sim->fleet_->size() - 1) << " at "
            << MeterAddress(sim->fleet_->size() - 1) << "): DLMS on port "
            << sim->dlms_->port() << ", control on port " << sim->control_port_ << "; "
            << sim->fleet_->Summary().without_relay()
            << " CT-operated (no disconnect control)";
  return sim;
}

Simulator::~Simulator() { Shutdown(); }

void Simulator::Shutdown() {
  if (server_ != nullptr) {
    server_->GetHealthCheckService()->Shutdown();  // NOT_SERVING from now on
    // WatchRelay streams never end by themselves: cancel everything now.
    server_->Shutdown(std::chrono::system_clock::now());
    server_->Wait();
    server_.reset();
  }
  if (dlms_ != nullptr) dlms_->Shutdown();
}

std::string Simulator::DirectoryCsv() const {
  std::string csv = "# meter_id,host,port,server_wport,client_wport,password\n";
  const std::string tail = absl::StrCat(",", dlms_->port(), ",", dlms::kManagementLogicalDevice,
                                        ",", dlms::kMeterReaderClientSap, ",",
                                        options_.dlms.password, "\n");
  csv.reserve(static_cast<size_t>(fleet_->size()) * (24 + tail.size()));
  for (int i = 0; i < fleet_->size(); ++i) {
    absl::StrAppend(&csv, fleet_->MeterIdOf(i), ",", MeterAddress(i), tail);
  }
  return csv;
}

}  // namespace meter_sim
