#include "tests/testing/meter_fleet.h"

#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/create_channel.h"
#include "tests/testing/wait.h"

namespace wallet::testing {
namespace {

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  return out ? absl::OkStatus() : absl::InternalError(absl::StrCat("cannot write ", path));
}

}  // namespace

absl::StatusOr<std::unique_ptr<MeterFleet>> MeterFleet::Start(FleetOptions options) {
  std::unique_ptr<MeterFleet> fleet(new MeterFleet(std::move(options)));
  absl::Status setup = fleet->Setup();
  if (!setup.ok()) return setup;
  return fleet;
}

absl::Status MeterFleet::Setup() {
  const std::string tariffs = dir() + "/tariffs.textproto";
  const std::string policy = dir() + "/policy.textproto";
  if (absl::Status s = WriteFile(tariffs, options_.tariff); !s.ok()) return s;
  if (absl::Status s = WriteFile(policy, options_.policy); !s.ok()) return s;

  WalletdOptions walletd;
  walletd.binary = options_.walletd;
  walletd.tls = options_.walletd_tls;
  walletd.extra_args = {"--settable_clock", "--tariffs=" + tariffs, "--policy=" + policy};
  walletd.extra_args.insert(walletd.extra_args.end(), options_.walletd_args.begin(),
                            options_.walletd_args.end());
  absl::StatusOr<std::unique_ptr<WalletdProcess>> started = WalletdProcess::Start(walletd);
  if (!started.ok()) return started.status();
  walletd_ = *std::move(started);
  admin_ = v1::AdminService::NewStub(walletd_->NewChannel());
  retailer_ = v1::RetailerService::NewStub(walletd_->NewChannel());

  ChildOptions sim;
  sim.binary = options_.meter_sim;
  sim.args = {absl::StrCat("--meters=", options_.meters), "--dlms_port=0",
              "--control_listen=127.0.0.1:0", "--directory_out=" + dir() + "/meters.csv"};
  sim.args.insert(sim.args.end(), options_.sim_args.begin(), options_.sim_args.end());
  sim.log_path = dir() + "/meter-sim.log";
  sim.ready_file = dir() + "/meter-sim.ready";
  sim.args.push_back("--ready_file=" + sim.ready_file);
  const absl::Time sim_launched = absl::Now();
  absl::StatusOr<std::unique_ptr<ChildProcess>> sim_started = ChildProcess::Start(sim);
  if (!sim_started.ok()) return sim_started.status();
  sim_start_time_ = absl::Now() - sim_launched;
  sim_ = *std::move(sim_started);
  absl::StatusOr<int> control_port = sim_->ReadyInt("control_port");
  if (!control_port.ok()) return control_port.status();
  sim_control_ = metersim::v1::MeterSimService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", *control_port), grpc::InsecureChannelCredentials()));

  if (absl::Status s = RegisterMeters(); !s.ok()) return s;
  return options_.start_gateway ? StartGateway() : absl::OkStatus();
}

absl::Status MeterFleet::RegisterMeters() {
  std::ifstream in(dir() + "/meters.csv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    meter_ids_.push_back(line.substr(0, line.find(',')));
  }
  if (static_cast<int>(meter_ids_.size()) != options_.meters) {
    return absl::InternalError(absl::StrCat("meter-sim listed ", meter_ids_.size(), " meters"));
  }
  TopologyOptions topology;
  topology.meter_ids = meter_ids_;
  topology.tariff_id = "FLEET";
  topology.sanctioned_load_w = static_cast<int32_t>(options_.sanctioned_load_w);
  topology.arrears_paise = options_.arrears_paise;
  topology.edit_registration = options_.edit_registration;
  topology.meter_gateway_key = true;
  topology.id_prefix = "fleet-";
  topology.parallelism = 256;  // many registrations share each group commit
  absl::StatusOr<Topology> made = CreateTestTopology(*admin_, admin_key(), topology);
  if (!made.ok()) return made.status();
  retailer_key_ = made->retailer_keys[0];
  gateway_key_ = made->meter_gateway_key;
  gateway_key_path_ = dir() + "/gateway.key";
  return WriteFile(gateway_key_path_, gateway_key_ + "\n");
}

absl::Status MeterFleet::StartGateway() {
  ChildOptions gateway;
  gateway.binary = options_.gatewayd;
  gateway.args = {"--wallet=" + walletd_->target(), "--api_key_file=" + gateway_key_path_,
                  "--meters=" + dir() + "/meters.csv", "--http_listen=127.0.0.1:0"};
  gateway.args.insert(gateway.args.end(), options_.gateway_args.begin(),
                      options_.gateway_args.end());
  gateway.log_path = dir() + "/meter-gatewayd.log";
  gateway.ready_file = dir() + "/meter-gatewayd.ready";
  gateway.args.push_back("--ready_file=" + gateway.ready_file);
  absl::StatusOr<std::unique_ptr<ChildProcess>> started = ChildProcess::Start(gateway);
  if (!started.ok()) return started.status();
  gateway_ = *std::move(started);
  return absl::OkStatus();
}

absl::Status MeterFleet::StopGateway() {
  if (gateway_ == nullptr) return absl::OkStatus();
  absl::StatusOr<int> code = gateway_->Terminate();
  if (!code.ok()) return code.status();
  gateway_.reset();
  return *code == 0 ? absl::OkStatus()
                    : absl::InternalError(absl::StrCat("meter-gatewayd exited with ", *code));
}

absl::Status MeterFleet::CrashWalletd() {
  if (absl::Status s = walletd_->Kill(); !s.ok()) return s;
  if (absl::Status s = walletd_->Restart(); !s.ok()) return s;
  admin_ = v1::AdminService::NewStub(walletd_->NewChannel());
  retailer_ = v1::RetailerService::NewStub(walletd_->NewChannel());
  return absl::OkStatus();
}

absl::Status MeterFleet::Recharge(const std::string& meter_id, int64_t amount_paise) {
  v1::RetailerRechargeRequest r;
  r.set_request_id(absl::StrCat("fleet-recharge-", ++request_));
  r.set_meter_id(meter_id);
  r.set_amount_paise(amount_paise);
  v1::RetailerRechargeResponse response;
  return ToStatus(retailer_->Recharge(MakeContext(retailer_key_).get(), r, &response),
                  "Recharge");
}

absl::Status MeterFleet::SetHold(const std::string& meter_id, v1::Hold hold) {
  v1::SetHoldRequest r;
  r.set_request_id(absl::StrCat("fleet-hold-", ++request_));
  r.set_meter_id(meter_id);
  r.set_hold(hold);
  r.set_reason("fleet test");
  v1::SetHoldResponse response;
  return ToStatus(admin_->SetHold(MakeContext(admin_key()).get(), r, &response), "SetHold");
}

absl::Status MeterFleet::SetClock(absl::Time t) {
  v1::SetClockRequest r;
  *r.mutable_time() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
  v1::SetClockResponse response;
  return ToStatus(admin_->SetClock(MakeContext(admin_key()).get(), r, &response), "SetClock");
}

absl::StatusOr<v1::MeterPolicyState> MeterFleet::WalletState(const std::string& meter_id) {
  v1::GetMeterRequest r;
  r.set_meter_id(meter_id);
  v1::MeterPolicyState state;
  grpc::Status s = admin_->GetMeterState(MakeContext(admin_key()).get(), r, &state);
  if (!s.ok()) return ToStatus(s, "GetMeterState");
  return state;
}

absl::StatusOr<metersim::v1::FleetSummary> MeterFleet::SimSummary() {
  metersim::v1::FleetSummary summary;
  grpc::ClientContext context;
  grpc::Status s =
      sim_control_->GetFleetSummary(&context, metersim::v1::FleetSummaryRequest(), &summary);
  if (!s.ok()) return ToStatus(s, "GetFleetSummary");
  return summary;
}

absl::StatusOr<metersim::v1::Meter> MeterFleet::SimMeter(const std::string& meter_id) {
  metersim::v1::GetMeterRequest r;
  r.set_meter_id(meter_id);
  metersim::v1::Meter meter;
  grpc::ClientContext context;
  grpc::Status s = sim_control_->GetMeter(&context, r, &meter);
  if (!s.ok()) return ToStatus(s, "GetMeter");
  return meter;
}

absl::StatusOr<metersim::v1::Meter> MeterFleet::Configure(
    const metersim::v1::ConfigureMeterRequest& r) {
  metersim::v1::Meter meter;
  grpc::ClientContext context;
  grpc::Status s = sim_control_->ConfigureMeter(&context, r, &meter);
  if (!s.ok()) return ToStatus(s, "ConfigureMeter");
  return meter;
}

std::string MeterFleet::NotificationLog() const {
  std::ifstream in(walletd_->data_dir() + "/notifications.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<double> MeterFleet::GatewayMetric(const std::string& name) {
  if (gateway_ == nullptr) return absl::FailedPreconditionError("no gateway");
  absl::StatusOr<int> port = gateway_->ReadyInt("http_port");
  if (!port.ok()) return port.status();
  absl::StatusOr<HttpResponse> page = HttpGetLocal(*port, "/metrics");
  if (!page.ok()) return page.status();
  for (absl::string_view line : absl::StrSplit(page->body, '\n')) {
    if (absl::ConsumePrefix(&line, name) && absl::ConsumePrefix(&line, " ")) {
      double v = 0;
      if (absl::SimpleAtod(line, &v)) return v;
    }
  }
  return absl::NotFoundError(absl::StrCat("no metric ", name));
}

bool MeterFleet::WaitFor(const std::function<bool()>& done, absl::Duration timeout) {
  return PollUntil(done, timeout);
}

}  // namespace wallet::testing
