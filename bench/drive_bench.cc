// drive_bench: a disconnection drive end to end on real processes (walletd,
// meter-gatewayd and a meter-sim fleet), against the raw relay path
// measured in the same run.
//
//   drive_bench [--meters=100000] [--relay_meters=10000] [--concurrency=64]
//
// 1. relay_confirmed_per_s: relay_bench's bulk phase (bench/bulk_holds.h)
//    on --relay_meters meters: keep-disconnected holds, commands confirmed
//    end to end per second. The holds are then lifted and the meters
//    reconnected (not measured).
// 2. meters_per_s: a drive over all --meters meters (each owing Rs 25,000)
//    is created from their ids, approved by a second admin key, and run by
//    walletd's scheduler at --rate_per_minute: confirmed disconnections per
//    second from the approval to the last cut the drive counted.
// 3. select_1m_s: the time to select a defaulter list out of --select_meters
//    meters (CollectionService.ListDefaulters); -1 when this walletd does
//    not have ListDefaulters.
// It then checks that meter-sim has every meter disconnected, that the drive
// is done with every meter cut, and the ledger.
//
// Prints figures as it goes and, last, one JSON line with meters_per_s,
// relay_confirmed_per_s, ratio and select_1m_s.
#include <cstdio>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_fleet.h"
#include "bench/bench_init.h"
#include "bench/bulk_holds.h"
#include "grpcpp/grpcpp.h"
#include "tests/testing/bench_util.h"
#include "tests/testing/meter_fleet.h"
#include "wallet/v1/collection.grpc.pb.h"

ABSL_FLAG(int32_t, meters, 100'000, "simulated meters, all in the drive");
ABSL_FLAG(int32_t, relay_meters, 10'000, "meters of the raw relay bulk phase (relay_bench's)");
ABSL_FLAG(int32_t, concurrency, 64, "meter-gatewayd's DLMS sessions at once");
ABSL_FLAG(int32_t, holds_in_flight, 64, "SetHold calls in flight in the bulk phase");
ABSL_FLAG(int32_t, rate_per_minute, 6'000'000, "the drive's rate (the head-end's capacity)");
ABSL_FLAG(int32_t, select_meters, 1'000'000, "meters the defaulter selection is made over");

namespace {

using namespace wallet::testing;  // NOLINT: a benchmark's main file
namespace v1 = ::wallet::v1;
namespace sim = ::metersim::v1;

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "drive_bench: %s\n", status.ToString().c_str());
  return 1;
}

absl::StatusOr<std::string> IssueAdminKey(MeterFleet& fleet) {
  v1::IssueApiKeyRequest r;
  r.set_request_id("bench-approver");
  r.set_role(v1::ROLE_ADMIN);
  r.set_label("approver");
  v1::IssueApiKeyResponse response;
  grpc::Status s =
      fleet.admin().IssueApiKey(MakeContext(fleet.admin_key()).get(), r, &response);
  if (!s.ok()) return ToStatus(s, "IssueApiKey");
  return response.api_key();
}

absl::StatusOr<v1::Drive> GetDrive(v1::CollectionService::Stub& collection, const std::string& key,
                                   const std::string& drive_id) {
  v1::GetDriveRequest r;
  r.set_drive_id(drive_id);
  v1::Drive drive;
  grpc::Status s = collection.GetDrive(MakeContext(key).get(), r, &drive);
  if (!s.ok()) return ToStatus(s, "GetDrive");
  return drive;
}

// RunDrive creates a drive over every meter of the fleet, approves it and
// waits until the drive counts every meter cut: the confirmed disconnections
// per second from the approval.
absl::StatusOr<double> RunDrive(MeterFleet& fleet, v1::CollectionService::Stub& collection,
                                const std::string& approver, std::string* drive_id) {
  v1::CreateDriveRequest create;
  create.set_request_id("bench-drive");
  create.set_name("drive bench");
  create.set_reason("every simulated meter owes Rs 25,000");
  for (const std::string& id : fleet.meter_ids()) create.mutable_meter_ids()->add_meter_ids(id);
  create.set_rate_per_minute(absl::GetFlag(FLAGS_rate_per_minute));
  create.mutable_restore_rule()->set_paid_share_bps(10'000);
  v1::Drive drive;
  grpc::Status s = collection.CreateDrive(MakeContext(fleet.admin_key(), absl::Seconds(120)).get(),
                                          create, &drive);
  if (!s.ok()) return ToStatus(s, "CreateDrive");
  const int64_t to_cut = drive.counts().to_disconnect();
  std::printf("drive %s: %lld meters, %lld to disconnect\n", drive.drive_id().c_str(),
              static_cast<long long>(drive.counts().meters()), static_cast<long long>(to_cut));
  if (to_cut != static_cast<int64_t>(fleet.meter_ids().size())) {
    return absl::InternalError("the preview does not put every meter to disconnect");
  }
  *drive_id = drive.drive_id();
  v1::DriveActionRequest approve;
  approve.set_request_id("bench-approve");
  approve.set_drive_id(drive.drive_id());
  s = collection.ApproveDrive(MakeContext(approver).get(), approve, &drive);
  if (!s.ok()) return ToStatus(s, "ApproveDrive");
  const absl::Time start = absl::Now();
  absl::Time last_cut = start;
  int64_t cut = 0;
  absl::Status read;
  if (!MeterFleet::WaitFor(
          [&] {
            absl::StatusOr<v1::Drive> now = GetDrive(collection, fleet.admin_key(), *drive_id);
            if (!now.ok()) {
              read = now.status();
              return true;
            }
            if (now->counts().cut() > cut) {
              cut = now->counts().cut();
              last_cut = absl::Now();
            }
            return cut >= to_cut;
          },
          absl::Seconds(1200))) {
    return absl::DeadlineExceededError(absl::StrCat("only ", cut, " of ", to_cut, " cut"));
  }
  if (!read.ok()) return read;
  return static_cast<double>(cut) / absl::ToDoubleSeconds(last_cut - start);
}

// SelectSeconds times a defaulter selection over --select_meters meters, or
// is -1 when walletd answers ListDefaulters UNIMPLEMENTED.
absl::StatusOr<double> SelectSeconds(MeterFleet& fleet, v1::CollectionService::Stub& collection) {
  v1::ListDefaultersRequest list;
  list.mutable_selection()->set_min_dues_paise(1);
  list.set_page_size(1);
  v1::ListDefaultersResponse response;
  grpc::Status probe = collection.ListDefaulters(MakeContext(fleet.admin_key()).get(), list,
                                                 &response);
  if (probe.error_code() == grpc::StatusCode::UNIMPLEMENTED) return -1.0;
  if (!probe.ok()) return ToStatus(probe, "ListDefaulters");
  const int extra = absl::GetFlag(FLAGS_select_meters) - static_cast<int>(fleet.meter_ids().size());
  if (extra > 0) {
    TopologyOptions topology;
    topology.meters = extra;
    topology.retailers = 0;
    topology.retailer_keys = false;
    topology.tariff_id = "FLEET";
    topology.arrears_paise = 2'500'000;
    topology.id_prefix = "sel-";
    topology.parallelism = 1000;
    absl::StatusOr<Topology> made = CreateTestTopology(fleet.admin(), fleet.admin_key(), topology);
    if (!made.ok()) return made.status();
  }
  const absl::Time start = absl::Now();
  grpc::Status s = collection.ListDefaulters(
      MakeContext(fleet.admin_key(), absl::Seconds(120)).get(), list, &response);
  if (!s.ok()) return ToStatus(s, "ListDefaulters");
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::printf("defaulter list: %lld of %d meters selected in %.2f s\n",
              static_cast<long long>(response.total_count()), absl::GetFlag(FLAGS_select_meters),
              seconds);
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  wallet::bench::InitBench(argc, argv);
  const int meters = absl::GetFlag(FLAGS_meters);
  const int relay_meters = std::min(meters, absl::GetFlag(FLAGS_relay_meters));

  // Rs 1 lakh of emergency credit keeps the prepaid policy from cutting the
  // meters on its own.
  FleetOptions options = BenchFleetOptions(meters, absl::GetFlag(FLAGS_concurrency),
                                           BenchPolicy("drive bench", 10'000'000));
  options.arrears_paise = 2'500'000;
  const absl::Time setup_start = absl::Now();
  absl::StatusOr<std::unique_ptr<MeterFleet>> started = MeterFleet::Start(options);
  if (!started.ok()) return Fail(started.status());
  MeterFleet& fleet = **started;
  std::printf("fleet: %d simulated meters owing Rs 25,000 each, gateway with %d sessions (%.1f s)\n",
              meters, absl::GetFlag(FLAGS_concurrency),
              absl::ToDoubleSeconds(absl::Now() - setup_start));
  auto collection = v1::CollectionService::NewStub(fleet.walletd().NewChannel());
  absl::StatusOr<std::string> approver = IssueAdminKey(fleet);
  if (!approver.ok()) return Fail(approver.status());

  // ---- the raw relay path: relay_bench's bulk phase
  const std::vector<std::string> relay_set(fleet.meter_ids().begin(),
                                           fleet.meter_ids().begin() + relay_meters);
  absl::StatusOr<BulkResult> bulk =
      BulkHolds(fleet, relay_set, v1::HOLD_KEEP_DISCONNECTED, absl::GetFlag(FLAGS_holds_in_flight));
  if (!bulk.ok()) return Fail(bulk.status());
  std::printf("raw relay path (relay_bench's bulk phase): %d holds confirmed in %.2f s = %.0f/s; "
              "cpu walletd %.2f, meter-gatewayd %.2f, meter-sim %.2f cores\n",
              relay_meters, bulk->seconds, bulk->confirmed_per_s, bulk->walletd_cores,
              bulk->gateway_cores, bulk->sim_cores);
  absl::StatusOr<BulkResult> lifted =
      BulkHolds(fleet, relay_set, v1::HOLD_NONE, absl::GetFlag(FLAGS_holds_in_flight));
  if (!lifted.ok()) return Fail(lifted.status());

  // ---- the drive
  const double cpu_walletd = ProcessCpuSeconds(fleet.walletd().pid());
  const double cpu_gateway = ProcessCpuSeconds(fleet.gateway()->pid());
  const double cpu_sim = ProcessCpuSeconds(fleet.sim().pid());
  const absl::Time drive_start = absl::Now();
  std::string drive_id;
  absl::StatusOr<double> per_s = RunDrive(fleet, *collection, *approver, &drive_id);
  if (!per_s.ok()) return Fail(per_s.status());
  const double drive_seconds = absl::ToDoubleSeconds(absl::Now() - drive_start);
  std::printf("drive: %d meters cut, %.0f confirmed disconnections/s end to end (%.2f of the raw "
              "path); cpu walletd %.2f, meter-gatewayd %.2f, meter-sim %.2f cores\n",
              meters, *per_s, *per_s / bulk->confirmed_per_s,
              (ProcessCpuSeconds(fleet.walletd().pid()) - cpu_walletd) / drive_seconds,
              (ProcessCpuSeconds(fleet.gateway()->pid()) - cpu_gateway) / drive_seconds,
              (ProcessCpuSeconds(fleet.sim().pid()) - cpu_sim) / drive_seconds);

  // ---- verification
  absl::StatusOr<sim::FleetSummary> summary = fleet.SimSummary();
  if (!summary.ok()) return Fail(summary.status());
  if (summary->disconnected() != meters) {
    return Fail(absl::InternalError(absl::StrCat("meter-sim has ", summary->disconnected(), " of ",
                                                 meters, " meters disconnected")));
  }
  v1::Drive done;
  if (!MeterFleet::WaitFor(
          [&] {
            absl::StatusOr<v1::Drive> now = GetDrive(*collection, fleet.admin_key(), drive_id);
            if (now.ok()) done = *now;
            return now.ok() && now->state() == v1::DRIVE_DONE;
          },
          absl::Seconds(60))) {
    return Fail(absl::InternalError("the drive did not end"));
  }
  if (done.counts().cut() != meters || done.counts().ordered() != meters) {
    return Fail(absl::InternalError(absl::StrCat("the drive ordered ", done.counts().ordered(),
                                                 " and counted ", done.counts().cut(), " cut")));
  }
  v1::CheckLedgerResponse ledger;
  grpc::Status checked = fleet.admin().CheckLedger(
      MakeContext(fleet.admin_key(), absl::Seconds(300)).get(), v1::CheckLedgerRequest(), &ledger);
  if (!checked.ok() || !ledger.ok()) {
    return Fail(absl::InternalError(absl::StrCat("ledger check failed: ", checked.error_message())));
  }
  std::printf("checked: meter-sim has all %d meters disconnected, the drive is done, ledger ok\n",
              meters);

  // ---- the defaulter selection
  absl::StatusOr<double> select_s = SelectSeconds(fleet, *collection);
  if (!select_s.ok()) return Fail(select_s.status());
  if (*select_s < 0) {
    std::printf("select_1m_s: -1: this walletd has no ListDefaulters (UNIMPLEMENTED)\n");
  }
  if (absl::Status s = fleet.StopGateway(); !s.ok()) return Fail(s);
  std::printf(
      "{\"meters_per_s\": %.0f, \"relay_confirmed_per_s\": %.0f, \"ratio\": %.2f, "
      "\"select_1m_s\": %.2f, \"meters\": %d, \"relay_meters\": %d, \"concurrency\": %d}\n",
      *per_s, bulk->confirmed_per_s, *per_s / bulk->confirmed_per_s, *select_s, meters,
      relay_meters, absl::GetFlag(FLAGS_concurrency));
  return 0;
}
