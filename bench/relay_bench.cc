// relay_bench: the meter loop's speed, end to end, on real processes: walletd,
// meter-gatewayd and a meter-sim fleet.
//
//   relay_bench [--meters=10000] [--restore_meters=1000] [--concurrency=64]
//
// 1. Restore latency. --restore_meters meters run out of credit (a policy
//    with no notice period and no cutoff calendar), are cut, then recharged
//    one at a time: the latency is from the recharge's acknowledgement to the
//    simulated relay closing (meter-sim's WatchRelay event, both on
//    CLOCK_MONOTONIC).
// 2. Bulk throughput. Every meter gets an admin hold "keep disconnected" at
//    once: commands confirmed per second, from the first hold to the last
//    outcome meter-gatewayd reported to walletd.
// Also how long meter-sim takes to start its --meters meters.
//
// Prints figures as it goes and, last, one JSON line with restore_p50_ms,
// restore_p99_ms, confirmed_per_s and sim_start_s.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bench/bench_fleet.h"
#include "bench/bench_init.h"
#include "bench/bulk_holds.h"
#include "bench/relay_watch.h"
#include "grpcpp/grpcpp.h"
#include "tests/testing/meter_fleet.h"
#include "wallet/v1/meter.grpc.pb.h"

ABSL_FLAG(int32_t, meters, 10'000, "simulated meters, all cut in the bulk phase");
ABSL_FLAG(int32_t, restore_meters, 1'000, "meters cut for non-payment and recharged one by one");
ABSL_FLAG(int32_t, concurrency, 64, "meter-gatewayd's DLMS sessions at once");
ABSL_FLAG(int32_t, holds_in_flight, 64, "SetHold calls in flight in the bulk phase");

namespace {

using namespace wallet::testing;  // NOLINT: a benchmark's main file
namespace v1 = ::wallet::v1;
namespace sim = ::metersim::v1;
using ::wallet::bench::CutForNonPayment;
using ::wallet::bench::MonotonicUs;
using ::wallet::bench::Percentile;
using ::wallet::bench::RelayWatch;

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "relay_bench: %s\n", status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  wallet::bench::InitBench(argc, argv);
  const int meters = absl::GetFlag(FLAGS_meters);
  const int restore_meters = std::min(meters, absl::GetFlag(FLAGS_restore_meters));

  FleetOptions options =
      BenchFleetOptions(meters, absl::GetFlag(FLAGS_concurrency),
                        BenchPolicy("relay bench", /*emergency_credit_paise=*/0));
  const absl::Time setup_start = absl::Now();
  absl::StatusOr<std::unique_ptr<MeterFleet>> started = MeterFleet::Start(options);
  if (!started.ok()) return Fail(started.status());
  MeterFleet& fleet = **started;
  std::printf(
      "fleet: %d simulated meters registered in walletd, gateway with %d sessions (%.1f s)\n",
      meters, absl::GetFlag(FLAGS_concurrency), absl::ToDoubleSeconds(absl::Now() - setup_start));
  const double sim_start_s = absl::ToDoubleSeconds(fleet.sim_start_time());
  std::printf("meter-sim: %d meters ready %.2f s after launch\n", meters, sim_start_s);
  RelayWatch watch(fleet.sim_control());

  // ---- restore latency
  if (absl::Status s = CutForNonPayment(fleet, restore_meters); !s.ok()) return Fail(s);
  // Counted by meter-sim itself: the watch stream may open after the first cuts.
  if (!MeterFleet::WaitFor(
          [&] {
            absl::StatusOr<sim::FleetSummary> summary = fleet.SimSummary();
            return summary.ok() && summary->disconnected() >= restore_meters;
          },
          absl::Seconds(120))) {
    return Fail(absl::DeadlineExceededError("meters were not cut for non-payment"));
  }
  std::printf("cut for non-payment: %d meters\n", restore_meters);
  std::vector<double> latencies_ms;
  for (int i = 0; i < restore_meters; ++i) {
    const std::string& m = fleet.meter_id(i);
    if (absl::Status s = fleet.Recharge(m, 10'000); !s.ok()) return Fail(s);
    const int64_t acked_us = MonotonicUs();
    std::optional<int64_t> closed;
    if (!MeterFleet::WaitFor([&] { return (closed = watch.ClosedUs(m)).has_value(); },
                             absl::Seconds(10))) {
      return Fail(absl::DeadlineExceededError(absl::StrCat(m, " was not restored")));
    }
    latencies_ms.push_back(std::max<int64_t>(0, *closed - acked_us) / 1000.0);
  }
  const double p50 = Percentile(latencies_ms, 0.50);
  const double p99 = Percentile(latencies_ms, 0.99);
  std::printf(
      "restore (recharge acknowledged -> relay closed), %d meters: p50 %.1f ms, p99 %.1f ms, "
      "max %.1f ms\n",
      restore_meters, p50, p99, Percentile(latencies_ms, 1.0));

  // ---- bulk disconnect
  absl::StatusOr<BulkResult> bulk = BulkHolds(fleet, fleet.meter_ids(), v1::HOLD_KEEP_DISCONNECTED,
                                              absl::GetFlag(FLAGS_holds_in_flight));
  if (!bulk.ok()) return Fail(bulk.status());
  const double per_s = bulk->confirmed_per_s;
  std::printf(
      "bulk disconnect: %d commands confirmed end to end in %.2f s = %.0f/s "
      "(holds issued in %.2f s)\n",
      meters, bulk->seconds, per_s, bulk->holds_seconds);
  std::printf("cpu over the bulk phase: walletd %.2f, meter-gatewayd %.2f, meter-sim %.2f cores\n",
              bulk->walletd_cores, bulk->gateway_cores, bulk->sim_cores);
  absl::StatusOr<sim::FleetSummary> summary = fleet.SimSummary();
  if (summary.ok()) {
    std::printf("meter-sim: %d disconnected of %d, %llu sessions, %llu relay operations\n",
                summary->disconnected(), summary->meters(),
                static_cast<unsigned long long>(summary->sessions()),
                static_cast<unsigned long long>(summary->relay_operations()));
  }
  if (absl::Status s = fleet.StopGateway(); !s.ok()) return Fail(s);
  std::printf(
      "{\"restore_p50_ms\": %.2f, \"restore_p99_ms\": %.2f, \"confirmed_per_s\": %.0f, "
      "\"sim_start_s\": %.2f, \"meters\": %d, \"restore_meters\": %d, \"concurrency\": %d}\n",
      p50, p99, per_s, sim_start_s, meters, restore_meters, absl::GetFlag(FLAGS_concurrency));
  return 0;
}
