// MeterFleet: the whole meter loop as real processes on real sockets, for the
// end-to-end test and relay_bench: walletd (settable clock, a test tariff and
// policy), meter-sim hosting the meters, and meter-gatewayd between them.
// The meters are registered in walletd under the simulator's ids, one
// retailer with a float can recharge them, and the gateway has its key.
//
// Example:
//   FleetOptions options;
//   options.meters = 20;
//   absl::StatusOr<std::unique_ptr<MeterFleet>> fleet = MeterFleet::Start(options);
//   (*fleet)->Recharge("SIM000001", 1000);
//   metersim::v1::Meter m = *(*fleet)->SimMeter("SIM000001");
#ifndef WALLET_TESTS_TESTING_METER_FLEET_H_
#define WALLET_TESTS_TESTING_METER_FLEET_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "metersim/v1/sim.grpc.pb.h"
#include "tests/testing/child_process.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/walletd_process.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "wallet/v1/retailer.grpc.pb.h"

namespace wallet::testing {

// Rs 100 per kWh, nothing else: consumption is easy to follow in paise.
inline constexpr char kFleetTariff[] = R"(
tariffs {
  tariff_id: "FLEET"
  version: 1
  effective_from: "2024-01-01"
  category: DOMESTIC
  slabs { paise_per_kwh: 10000 }
}
)";

// Three daily notices, no cutoff 18:00-08:00 IST or on Sundays, no grace
// period, no emergency credit, Rs 50 reconnection fee.
inline constexpr char kFleetPolicy[] = R"(
utility: "fleet test"
calendar {
  no_cutoff_start_minute: 1080
  no_cutoff_end_minute: 480
  no_cutoff_sundays: true
}
defaults {
  alert_percent_bps: [3000, 1000, 0]
  emergency_credit_paise: 0
  notice_days: 3
  reconnection_fee_paise: 5000
  restore_threshold_paise: 0
  grace_days: 0
}
)";

struct FleetOptions {
  // The three executables. Required.
  std::string walletd;
  std::string meter_sim;
  std::string gatewayd;
  // Default: 20.
  int meters = 20;
  // Further flags per process, after the fleet's own.
  std::vector<std::string> walletd_args;
  // How the fleet's own calls reach a walletd serving TLS (walletd_args
  // then name its certificate). Default: plaintext.
  base::ClientTlsFiles walletd_tls;
  std::vector<std::string> sim_args;
  std::vector<std::string> gateway_args;
  std::string tariff = kFleetTariff;
  std::string policy = kFleetPolicy;
  // Sanctioned load of every meter; bounds plausible readings. Default: 50 kW.
  int64_t sanctioned_load_w = 50'000;
  // Legacy arrears every meter is registered with. Default: 0.
  int64_t arrears_paise = 0;
  // Changes each meter's registration (TopologyOptions::edit_registration),
  // e.g. its category, division or arrears; `index` is the meter's place in
  // meter_ids(). Default: none.
  std::function<void(int index, v1::RegisterMeterRequest& request)> edit_registration;
  // Whether to start the gateway now (else StartGateway). Default: true.
  bool start_gateway = true;
};

class MeterFleet final {
 public:
  static absl::StatusOr<std::unique_ptr<MeterFleet>> Start(FleetOptions options);

  absl::Status StartGateway();
  // StopGateway sends SIGTERM; the exit code must be 0.
  absl::Status StopGateway();
  // CrashWalletd kills walletd (SIGKILL) and starts it again on the same
  // data, on new ports, and points the fleet's own calls there. walletd's
  // settable clock starts again from the real time: SetClock it. A gateway
  // still running talks to the old ports: stop it first and start it again
  // afterwards.
  absl::Status CrashWalletd();

  const std::string& meter_id(int i) const { return meter_ids_[i]; }
  const std::vector<std::string>& meter_ids() const { return meter_ids_; }

  WalletdProcess& walletd() { return *walletd_; }
  ChildProcess& sim() { return *sim_; }
  ChildProcess* gateway() { return gateway_.get(); }
  const std::string& dir() const { return dir_.path(); }
  // How long meter-sim took from launch to ready (every meter created, its
  // listeners up): a figure for relay_bench.
  absl::Duration sim_start_time() const { return sim_start_time_; }
  // KeepLogs leaves the fleet's directory (meter-sim's and meter-gatewayd's
  // logs) and walletd's in place for a look after a failure.
  void KeepLogs() {
    dir_.Keep();
    walletd_->KeepTempDir();
  }
  v1::AdminService::Stub& admin() { return *admin_; }
  metersim::v1::MeterSimService::Stub& sim_control() { return *sim_control_; }
  const std::string& admin_key() const { return walletd_->admin_key(); }
  // The meter gateway's API key (role METER_GATEWAY).
  const std::string& gateway_key() const { return gateway_key_; }

  // Recharge credits a meter through the retailer and returns when walletd
  // has acknowledged it (durably).
  absl::Status Recharge(const std::string& meter_id, int64_t amount_paise);
  absl::Status SetHold(const std::string& meter_id, v1::Hold hold);
  // SetClock moves walletd's clock.
  absl::Status SetClock(absl::Time t);
  absl::StatusOr<v1::MeterPolicyState> WalletState(const std::string& meter_id);
  absl::StatusOr<metersim::v1::Meter> SimMeter(const std::string& meter_id);
  // SimSummary is meter-sim's count of its meters by relay state.
  absl::StatusOr<metersim::v1::FleetSummary> SimSummary();
  absl::StatusOr<metersim::v1::Meter> Configure(const metersim::v1::ConfigureMeterRequest& r);
  // Notifications written so far to walletd's notification log.
  std::string NotificationLog() const;
  // GatewayMetric reads one counter or gauge from meter-gatewayd's /metrics.
  absl::StatusOr<double> GatewayMetric(const std::string& name);

  // WaitFor polls `done` every 20 ms until it is true or `timeout` passes
  // (PollUntil, tests/testing/wait.h; tests use WaitUntil there).
  static bool WaitFor(const std::function<bool()>& done, absl::Duration timeout);

 private:
  explicit MeterFleet(FleetOptions options) : options_(std::move(options)) {}
  absl::Status Setup();
  absl::Status RegisterMeters();

  FleetOptions options_;
  TempDir dir_;
  std::unique_ptr<WalletdProcess> walletd_;
  std::unique_ptr<ChildProcess> sim_;
  std::unique_ptr<ChildProcess> gateway_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::RetailerService::Stub> retailer_;
  std::unique_ptr<metersim::v1::MeterSimService::Stub> sim_control_;
  std::vector<std::string> meter_ids_;
  absl::Duration sim_start_time_;
  std::string retailer_key_;
  std::string gateway_key_;
  std::string gateway_key_path_;
  std::atomic<int> request_{0};  // request ids; benchmarks call from many threads
};

}  // namespace wallet::testing

#endif  // WALLET_TESTS_TESTING_METER_FLEET_H_
