// meter-simctl: what the field does to a simulated meter, from the command
// line (demos and manual testing): read it, press its button, change its
// load, inject a fault.
//
//   meter-simctl --server=127.0.0.1:PORT get --meter=SIM000001
//   meter-simctl --server=... configure --meter=SIM000001 --load_w=36000 --fault=bypass
//   meter-simctl --server=... configure --meter=SIM000003 --has_relay=false  # CT-operated
//   meter-simctl --server=... press-button --meter=SIM000002
//   meter-simctl --server=... summary
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "metersim/v1/sim.grpc.pb.h"

ABSL_FLAG(std::string, server, "127.0.0.1:4060", "meter-sim's control address");
ABSL_FLAG(std::string, meter, "", "meter id");
ABSL_FLAG(int64_t, load_w, -1, "configure: load in W");
ABSL_FLAG(int32_t, control_mode, -1, "configure: IC70 control_mode 0-6");
ABSL_FLAG(int32_t, control_state, -1, "configure: set the relay directly (0, 1, 2)");
ABSL_FLAG(std::string, fault, "", "configure: none|drop|delay|refuse|offline|bypass");
ABSL_FLAG(int32_t, delay_ms, -1, "configure: answer delay for --fault=delay");
ABSL_FLAG(std::string, has_relay, "",
          "configure: false makes the meter CT-operated (no disconnect control object), true "
          "gives it a relay again");

namespace {

namespace sim = ::metersim::v1;

const char* StateName(int state) {
  switch (state) {
    case 0: return "disconnected";
    case 1: return "connected";
    case 2: return "ready_for_reconnection";
    default: return "?";
  }
}

void Print(const sim::Meter& m) {
  std::string fault = absl::AsciiStrToLower(sim::Fault_Name(m.fault()).substr(6));
  const std::string relay =
      m.has_relay() ? absl::StrCat("relay ", StateName(m.control_state()), " (output ",
                                   m.output_state() ? "on" : "off", ")")
                    : "no relay (CT-operated, output on)";
  std::printf("%s  %s  mode %d  register %lld Wh  load %lld W  fault %s\n",
              m.meter_id().c_str(), relay.c_str(), m.control_mode(),
              static_cast<long long>(m.register_wh()), static_cast<long long>(m.load_w()),
              fault.c_str());
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "meter-simctl: %s\n", message.c_str());
  return 1;
}

int Check(const grpc::Status& status) {
  if (status.ok()) return 0;
  return Fail(absl::StrCat(status.error_message(), " (", status.error_code(), ")"));
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "meter-simctl [--server=HOST:PORT] get|configure|press-button|summary [--meter=ID] ...");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() != 2) return Fail("one command: get, configure, press-button or summary");
  const std::string command = args[1];
  auto stub = sim::MeterSimService::NewStub(
      grpc::CreateChannel(absl::GetFlag(FLAGS_server), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  sim::Meter meter;
  if (command == "summary") {
    sim::FleetSummary s;
    if (int rc = Check(stub->GetFleetSummary(&context, sim::FleetSummaryRequest(), &s))) return rc;
    std::printf("%d meters: %d connected, %d disconnected, %d ready for reconnection, %d "
                "without a relay (CT-operated); %llu sessions, %llu relay operations, %llu "
                "sessions dropped\n",
                s.meters(), s.connected(), s.disconnected(), s.ready_for_reconnection(),
                s.without_relay(),
                static_cast<unsigned long long>(s.sessions()),
                static_cast<unsigned long long>(s.relay_operations()),
                static_cast<unsigned long long>(s.sessions_dropped()));
    return 0;
  }
  const std::string id = absl::GetFlag(FLAGS_meter);
  if (id.empty()) return Fail("--meter=ID is required");
  if (command == "get") {
    sim::GetMeterRequest r;
    r.set_meter_id(id);
    if (int rc = Check(stub->GetMeter(&context, r, &meter))) return rc;
  } else if (command == "press-button") {
    sim::PressButtonRequest r;
    r.set_meter_id(id);
    if (int rc = Check(stub->PressButton(&context, r, &meter))) return rc;
  } else if (command == "configure") {
    sim::ConfigureMeterRequest r;
    r.set_meter_id(id);
    if (absl::GetFlag(FLAGS_load_w) >= 0) r.set_load_w(absl::GetFlag(FLAGS_load_w));
    if (absl::GetFlag(FLAGS_control_mode) >= 0) r.set_control_mode(absl::GetFlag(FLAGS_control_mode));
    if (absl::GetFlag(FLAGS_control_state) >= 0) {
      r.set_control_state(absl::GetFlag(FLAGS_control_state));
    }
    if (absl::GetFlag(FLAGS_delay_ms) >= 0) r.set_delay_ms(absl::GetFlag(FLAGS_delay_ms));
    if (const std::string h = absl::GetFlag(FLAGS_has_relay); !h.empty()) {
      if (h != "true" && h != "false") return Fail("--has_relay takes true or false");
      r.set_has_relay(h == "true");
    }
    if (const std::string f = absl::GetFlag(FLAGS_fault); !f.empty()) {
      sim::Fault fault;
      if (!sim::Fault_Parse("FAULT_" + absl::AsciiStrToUpper(f), &fault)) {
        return Fail(absl::StrCat("unknown fault ", f));
      }
      r.set_fault(fault);
    }
    if (int rc = Check(stub->ConfigureMeter(&context, r, &meter))) return rc;
  } else {
    return Fail(absl::StrCat("unknown command ", command));
  }
  Print(meter);
  return 0;
}
