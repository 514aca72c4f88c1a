// meter-sim: a fleet of simulated DLMS/COSEM meters for tests, benchmarks and
// the demo.
//
//   meter-sim --meters=10000 --dlms_port=4059 --control_listen=127.0.0.1:7070
//             --directory_out=/tmp/meters.csv --ready_file=/tmp/meter-sim.ready
//
// Meter i answers DLMS on 127.(16 + i/62500).(1 + (i/250)%250).(1 + i%250),
// port --dlms_port (see meter-gateway/sim/address.h); the control service is
// metersim.v1.MeterSimService. SIGTERM or SIGINT: close everything, exit 0.
#include <sys/resource.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/daemon.h"
#include "base/daemon_files.h"
#include "glog/logging.h"
#include "meter-gateway/sim/address.h"
#include "meter-gateway/sim/clock.h"
#include "meter-gateway/sim/simulator.h"

ABSL_FLAG(int32_t, meters, 10000, "number of simulated meters (1-999999)");
ABSL_FLAG(std::string, id_prefix, "SIM", "meter ids are <id_prefix><6-digit index from 000001>");
ABSL_FLAG(int32_t, control_mode, 4, "initial IC70 control_mode of every meter (0-6)");
ABSL_FLAG(int64_t, load_w, 1000, "initial load of every meter, W");
ABSL_FLAG(int32_t, scaler, 0, "register scaler (-3 to 6): the register reports Wh / 10^scaler");
ABSL_FLAG(std::string, ct_meters, "",
          "CT-operated meters, without a disconnect control object: ids separated by commas "
          "(SIM000007,SIM000042), or @FILE for a file of ids (commas, spaces or new lines; "
          "# comments)");
ABSL_FLAG(int32_t, ct_every, 0,
          "also CT-operated: every N-th meter by number (10: SIM000010, SIM000020, ...); 0: none");
ABSL_FLAG(int32_t, dlms_port, 4059, "DLMS/COSEM TCP port of every meter; 0 picks a free port");
ABSL_FLAG(std::string, bind, "0.0.0.0",
          "IPv4 address for the DLMS socket; must cover 127.16.0.0/12, where the meters are");
ABSL_FLAG(std::string, password, "12345678", "low-level-security password (client SAP 0x20)");
ABSL_FLAG(std::string, hls_key_file, "",
          "if set, a file holding the master secret (at least 16 characters) that every "
          "meter's HLS keys derive from: the utility-settings client (SAP 0x30) associates "
          "with HLS-GMAC and alone switches relays");
ABSL_FLAG(absl::Duration, idle_timeout, absl::Seconds(30), "close DLMS connections idle this long");
ABSL_FLAG(std::string, control_listen, "127.0.0.1:0",
          "gRPC address of MeterSimService; port 0 picks a free port");
ABSL_FLAG(std::string, ready_file, "",
          "if set, written once serving: dlms_port=N and control_port=M lines");
ABSL_FLAG(std::string, directory_out, "",
          "if set, the meter directory CSV for the gateway is written here before --ready_file");

namespace {

// RaiseFileLimit lifts the soft descriptor limit to the hard one: every open
// DLMS session is a descriptor and the default soft limit (1024) is far below
// what a benchmark opens.
void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    PLOG(WARNING) << "cannot raise the descriptor limit above " << before;
    return;
  }
  LOG(INFO) << "descriptor limit " << before << " -> " << limit.rlim_cur;
}

// CtMeterIds reads --ct_meters: a list of ids, or @FILE naming a file of
// them. NotFound if the file cannot be read.
absl::StatusOr<std::vector<std::string>> CtMeterIds(const std::string& flag) {
  if (flag.empty() || flag[0] != '@') return meter_sim::ParseMeterIdList(flag);
  const std::string path = flag.substr(1);
  std::ifstream in(path);
  if (!in.is_open()) return absl::NotFoundError(absl::StrCat("--ct_meters: cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return meter_sim::ParseMeterIdList(text.str());
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("meter-sim: a fleet of simulated DLMS/COSEM meters");
  absl::ParseCommandLine(argc, argv);
  base::Daemon daemon("meter-sim", argv[0]);
  RaiseFileLimit();

  meter_sim::SimulatorOptions options;
  options.fleet.meters = absl::GetFlag(FLAGS_meters);
  options.fleet.id_prefix = absl::GetFlag(FLAGS_id_prefix);
  options.fleet.control_mode = absl::GetFlag(FLAGS_control_mode);
  options.fleet.load_w = absl::GetFlag(FLAGS_load_w);
  options.fleet.scaler = absl::GetFlag(FLAGS_scaler);
  absl::StatusOr<std::vector<std::string>> ct_meters = CtMeterIds(absl::GetFlag(FLAGS_ct_meters));
  if (!ct_meters.ok()) return daemon.Fail(ct_meters.status());
  options.fleet.ct_meter_ids = *std::move(ct_meters);
  options.fleet.ct_every = absl::GetFlag(FLAGS_ct_every);
  options.dlms.port = absl::GetFlag(FLAGS_dlms_port);
  options.dlms.bind = absl::GetFlag(FLAGS_bind);
  options.dlms.password = absl::GetFlag(FLAGS_password);
  if (const std::string path = absl::GetFlag(FLAGS_hls_key_file); !path.empty()) {
    absl::StatusOr<std::string> secret = base::ReadApiKeyFile(path, 16);
    if (!secret.ok()) return daemon.Fail(secret.status());
    options.dlms.hls_master_secret = *std::move(secret);
  }
  options.dlms.idle_timeout = absl::GetFlag(FLAGS_idle_timeout);
  options.control_listen = absl::GetFlag(FLAGS_control_listen);
  if (options.dlms.idle_timeout <= absl::ZeroDuration()) {
    return daemon.Fail(absl::InvalidArgumentError("--idle_timeout must be positive"));
  }

  meter_sim::SystemMonotonicClock clock;
  absl::StatusOr<std::unique_ptr<meter_sim::Simulator>> sim =
      meter_sim::Simulator::Start(options, &clock);
  if (!sim.ok()) return daemon.Fail(sim.status());

  if (const std::string path = absl::GetFlag(FLAGS_directory_out); !path.empty()) {
    absl::Status written = base::WriteFileAtomically(path, (*sim)->DirectoryCsv(), 0644);
    if (!written.ok()) return daemon.Fail(written);
    LOG(INFO) << "wrote the directory of " << (*sim)->fleet().size() << " meters to " << path;
  }
  absl::Status ready = daemon.WriteReadyFile(
      absl::GetFlag(FLAGS_ready_file),
      {{"dlms_port", (*sim)->dlms_port()}, {"control_port", (*sim)->control_port()}});
  if (!ready.ok()) return daemon.Fail(ready);

  daemon.WaitForStopSignal();
  (*sim)->Shutdown();
  const metersim::v1::FleetSummary summary = (*sim)->fleet().Summary();
  sim->reset();
  LOG(INFO) << "meter-sim stopped cleanly: " << summary.sessions() << " sessions, "
            << summary.relay_operations() << " relay operations, " << summary.sessions_dropped()
            << " sessions dropped";
  return 0;
}
