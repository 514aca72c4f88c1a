// What relay_bench and channel_bench share to time a cut meter's return to
// supply on a meter-sim fleet (bench_fleet.h): cutting meters for
// non-payment, watching meter-sim's relay events, and the percentiles of
// the latencies.
//
// Thread safety: RelayWatch's ClosedUs may be called from any thread; the
// functions are called from the bench's main thread.
//
// Example:
//   RelayWatch watch(fleet.sim_control());
//   CutForNonPayment(fleet, 100);
//   ... recharge meter m; const int64_t paid_us = MonotonicUs(); ...
//   std::optional<int64_t> closed = watch.ClosedUs(m);  // once it closed
#ifndef BENCH_RELAY_WATCH_H_
#define BENCH_RELAY_WATCH_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "metersim/v1/sim.grpc.pb.h"
#include "tests/testing/meter_fleet.h"

namespace wallet::bench {

// MonotonicUs is CLOCK_MONOTONIC in microseconds, the time base of
// meter-sim's relay events.
int64_t MonotonicUs();

// RelayWatch records when each meter's relay last closed, from meter-sim's
// event stream (opened by the constructor, closed by the destructor).
class RelayWatch {
 public:
  explicit RelayWatch(metersim::v1::MeterSimService::Stub& stub);
  ~RelayWatch();

  RelayWatch(const RelayWatch&) = delete;
  RelayWatch& operator=(const RelayWatch&) = delete;

  // ClosedUs is when `meter`'s relay last closed (MonotonicUs time base);
  // nullopt if it has not closed since the watch opened.
  std::optional<int64_t> ClosedUs(const std::string& meter);

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<metersim::v1::RelayEvent>> reader_;
  std::thread thread_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, int64_t> closed_us_ ABSL_GUARDED_BY(mu_);
};

// CutForNonPayment sends the first `count` meters of `fleet` two
// zero-consumption readings each: the second makes walletd evaluate a wallet
// with no credit and order the cut (under a policy with no notice and no
// emergency credit, BenchPolicy). Returns once walletd took the readings;
// the first IngestReadings error otherwise.
absl::Status CutForNonPayment(testing::MeterFleet& fleet, int count);

// Percentile is the p-quantile (0..1) of `values`; 0 if there are none.
double Percentile(std::vector<double> values, double p);

}  // namespace wallet::bench

#endif  // BENCH_RELAY_WATCH_H_
