// The parts that ingest_bench and recharge_bench share around one walletd:
// the flags that say which walletd to start and how, starting it, opening
// channels to it, sampling CPU and counters over a measured window, checking
// the ledger at the end and stopping it. Each prints what it did, since the
// benches report on stdout; failures are printed to stderr.
//
// Thread safety: SampleWindow may run on its own thread; the rest are called
// from the bench's main thread.
#ifndef BENCH_BENCH_WALLETD_H_
#define BENCH_BENCH_WALLETD_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "tests/testing/bench_util.h"
#include "tests/testing/walletd_process.h"
#include "wallet/v1/admin.grpc.pb.h"

ABSL_DECLARE_FLAG(int, channels);

namespace wallet::bench {

using BenchClock = std::chrono::steady_clock;

// StartWalletdFromFlags starts walletd as --walletd, --walletd_args and
// --keep_data say, with `args` before --walletd_args. nullptr (with the
// reason printed) if it did not start.
std::unique_ptr<testing::WalletdProcess> StartWalletdFromFlags(std::vector<std::string> args);

// CreateTopology registers in walletd what `options` asks for (meters,
// retailers, keys, credit). nullopt (with the reason and walletd's log
// printed) if that failed.
std::optional<testing::Topology> CreateTopology(testing::WalletdProcess& walletd,
                                                v1::AdminService::Stub& admin,
                                                const testing::TopologyOptions& options);

// ConnectChannels opens `count` channels to walletd and waits up to 10 s for
// each to connect. Empty (with the reason printed) if one did not.
std::vector<std::shared_ptr<grpc::Channel>> ConnectChannels(testing::WalletdProcess& walletd,
                                                            int count);

// A measured window: load runs before it (warm-up) and inside it.
struct Window {
  BenchClock::time_point start;
  BenchClock::time_point end;
};

// WindowAfterWarmup is the window of `seconds` that starts `warmup_seconds`
// from now.
Window WindowAfterWarmup(double warmup_seconds, int seconds);

// What the bench and walletd used over a window, and walletd's counters at
// its edges.
struct WindowSample {
  double client_cpu_seconds = 0;
  double server_cpu_seconds = 0;
  testing::MetricSamples metrics_before;
  testing::MetricSamples metrics_after;
};

// SampleWindow sleeps until the window starts, samples, sleeps until it ends
// and samples again, so that warm-up and drain are excluded.
WindowSample SampleWindow(const testing::WalletdProcess& walletd, const Window& window);

// PercentileMs is the q-quantile (0..1) of sorted nanoseconds, in ms; 0 if
// there are none.
double PercentileMs(const std::vector<int64_t>& sorted_ns, double q);

// CheckLedger runs CheckLedger with `deadline`, prints its figures and says
// whether the ledger is consistent (ok, sums to zero, no mismatches).
bool CheckLedger(v1::AdminService::Stub& admin, const std::string& admin_key,
                 absl::Duration deadline);

// StopWalletd terminates walletd and prints how long it took and, if it did
// not exit cleanly, why. Close every channel first: walletd's graceful
// shutdown waits until its clients have closed their connections.
void StopWalletd(testing::WalletdProcess& walletd);

}  // namespace wallet::bench

#endif  // BENCH_BENCH_WALLETD_H_
