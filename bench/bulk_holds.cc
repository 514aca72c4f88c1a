#include "bench/bulk_holds.h"

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "tests/testing/bench_util.h"

namespace wallet::testing {

absl::StatusOr<BulkResult> BulkHolds(MeterFleet& fleet, const std::vector<std::string>& meters,
                                     v1::Hold hold, int in_flight, absl::Duration timeout) {
  absl::StatusOr<double> confirmed_before = fleet.GatewayMetric("gateway_relay_confirmed_total");
  if (!confirmed_before.ok()) return confirmed_before.status();
  const double cpu_walletd = ProcessCpuSeconds(fleet.walletd().pid());
  const double cpu_gateway = ProcessCpuSeconds(fleet.gateway()->pid());
  const double cpu_sim = ProcessCpuSeconds(fleet.sim().pid());
  const absl::Time start = absl::Now();
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  absl::Mutex error_mu;
  absl::Status error;
  std::vector<std::thread> holders;
  for (int t = 0; t < in_flight; ++t) {
    holders.emplace_back([&] {
      for (size_t i = next++; i < meters.size() && !failed; i = next++) {
        absl::Status held = fleet.SetHold(meters[i], hold);
        if (!held.ok()) {
          failed = true;
          absl::MutexLock lock(&error_mu);
          error = held;
        }
      }
    });
  }
  for (std::thread& t : holders) t.join();
  if (failed) return error;
  BulkResult result;
  result.holds_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  double confirmed = 0;
  const double wanted = static_cast<double>(meters.size());
  if (!MeterFleet::WaitFor(
          [&] {
            absl::StatusOr<double> now = fleet.GatewayMetric("gateway_relay_confirmed_total");
            confirmed = now.ok() ? *now - *confirmed_before : confirmed;
            return confirmed >= wanted;
          },
          timeout)) {
    return absl::DeadlineExceededError(
        absl::StrCat("only ", confirmed, " of ", meters.size(), " commands confirmed"));
  }
  result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  result.confirmed_per_s = wanted / result.seconds;
  result.walletd_cores = (ProcessCpuSeconds(fleet.walletd().pid()) - cpu_walletd) / result.seconds;
  result.gateway_cores = (ProcessCpuSeconds(fleet.gateway()->pid()) - cpu_gateway) / result.seconds;
  result.sim_cores = (ProcessCpuSeconds(fleet.sim().pid()) - cpu_sim) / result.seconds;
  return result;
}

}  // namespace wallet::testing
