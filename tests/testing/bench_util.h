// Measuring helpers shared by the benchmarks in bench/: CPU time of this
// process and of the walletd child, walletd's /metrics counters, the commit
// pipeline's share of a measuring window, and where the build put walletd.
//
// Example:
//
//   WalletdProcess& walletd = ...;
//   const double server_cpu_before = ProcessCpuSeconds(walletd.pid());
//   const MetricSamples before = ScrapeMetrics(walletd);
//   ... load for `seconds` ...
//   const MetricSamples after = ScrapeMetrics(walletd);
//   std::printf("walletd %.2f cores\n",
//               (ProcessCpuSeconds(walletd.pid()) - server_cpu_before) / seconds);
//   std::printf("%s\n", DescribeCommits(before, after, seconds).c_str());
//
// Thread safety: every function is thread-safe.
#ifndef WALLET_TESTS_TESTING_BENCH_UTIL_H_
#define WALLET_TESTS_TESTING_BENCH_UTIL_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "tests/testing/walletd_process.h"

namespace wallet::testing {

// SelfCpuSeconds returns the user + system CPU time this process has used.
double SelfCpuSeconds();

// ProcessCpuSeconds returns the user + system CPU time process `pid` has used,
// from /proc/<pid>/stat, or 0 if it cannot be read.
double ProcessCpuSeconds(pid_t pid);

// The samples of a Prometheus text page, by metric name with its labels as
// printed (e.g. `walletd_rpc_latency_seconds_count{method="AdminService/GetMeter"}`).
using MetricSamples = std::map<std::string, double>;

// ScrapeMetrics reads walletd's /metrics. Empty if it cannot be read: the
// counters are diagnostics, and a benchmark goes on without them.
MetricSamples ScrapeMetrics(const WalletdProcess& walletd);

// MetricDelta is after[name] - before[name], or -1 if either lacks it.
double MetricDelta(const MetricSamples& before, const MetricSamples& after, absl::string_view name);

// DescribeCommits summarises walletd's commit pipeline over a window of
// `seconds` between the two scrapes: "walletd writer: N commits/s, M
// operations per commit, X ms per commit, P% of the window in commits".
// Empty if the counters are missing or there was no commit.
std::string DescribeCommits(const MetricSamples& before, const MetricSamples& after,
                            double seconds);

// DescribeServerLatency gives walletd's mean time from a call's arrival to its
// answer for `method` (e.g. "RetailerService/Recharge") over a window: what
// the client's round trip spends inside walletd, the rest being transport and
// client.
std::string DescribeServerLatency(const MetricSamples& before, const MetricSamples& after,
                                  absl::string_view method);

// DefaultWalletdPath guesses walletd's path in the build tree from this
// executable's: <build>/<dir>/<binary> -> <build>/api/walletd. Returns
// "walletd" if /proc/self/exe cannot be read.
std::string DefaultWalletdPath();

// StartBenchWalletd starts walletd for a benchmark (DefaultWalletdPath() when
// options.binary is empty) and prints where it runs; on failure it prints why
// and returns nullptr.
std::unique_ptr<WalletdProcess> StartBenchWalletd(WalletdOptions options);

}  // namespace wallet::testing

#endif  // WALLET_TESTS_TESTING_BENCH_UTIL_H_
