#include "bench/bench_walletd.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <thread>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

ABSL_FLAG(std::string, walletd, "",
          "Path of the walletd binary. Default: ../api/walletd relative to "
          "this binary's directory (the build tree layout).");
ABSL_FLAG(std::vector<std::string>, walletd_args, {}, "Extra walletd flags, comma-separated.");
ABSL_FLAG(bool, keep_data, false, "Keep walletd's temporary directory.");
ABSL_FLAG(int, channels, 4, "gRPC channels (TCP connections) to spread the clients over.");

namespace wallet::bench {

using ::wallet::testing::WalletdProcess;

std::unique_ptr<WalletdProcess> StartWalletdFromFlags(std::vector<std::string> args) {
  testing::WalletdOptions options;
  options.binary = absl::GetFlag(FLAGS_walletd);
  options.extra_args = std::move(args);
  for (const std::string& arg : absl::GetFlag(FLAGS_walletd_args)) {
    options.extra_args.push_back(arg);
  }
  options.keep_temp_dir = absl::GetFlag(FLAGS_keep_data);
  return testing::StartBenchWalletd(options);
}

std::optional<testing::Topology> CreateTopology(WalletdProcess& walletd,
                                                v1::AdminService::Stub& admin,
                                                const testing::TopologyOptions& options) {
  absl::StatusOr<testing::Topology> topology =
      testing::CreateTestTopology(admin, walletd.admin_key(), options);
  if (!topology.ok()) {
    std::fprintf(stderr, "setup failed: %s\nwalletd log: %s\n",
                 topology.status().ToString().c_str(), walletd.log_path().c_str());
    return std::nullopt;
  }
  return *std::move(topology);
}

std::vector<std::shared_ptr<grpc::Channel>> ConnectChannels(WalletdProcess& walletd, int count) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < count; ++i) {
    channels.push_back(walletd.NewChannel());
    if (!channels.back()->WaitForConnected(std::chrono::system_clock::now() +
                                           std::chrono::seconds(10))) {
      std::fprintf(stderr, "cannot connect to %s\n", walletd.target().c_str());
      return {};
    }
  }
  return channels;
}

Window WindowAfterWarmup(double warmup_seconds, int seconds) {
  Window window;
  window.start = BenchClock::now() + std::chrono::duration_cast<BenchClock::duration>(
                                         std::chrono::duration<double>(warmup_seconds));
  window.end = window.start + std::chrono::seconds(seconds);
  return window;
}

WindowSample SampleWindow(const WalletdProcess& walletd, const Window& window) {
  WindowSample sample;
  std::this_thread::sleep_until(window.start);
  sample.client_cpu_seconds = -testing::SelfCpuSeconds();
  sample.server_cpu_seconds = -testing::ProcessCpuSeconds(walletd.pid());
  sample.metrics_before = testing::ScrapeMetrics(walletd);
  std::this_thread::sleep_until(window.end);
  sample.client_cpu_seconds += testing::SelfCpuSeconds();
  sample.server_cpu_seconds += testing::ProcessCpuSeconds(walletd.pid());
  sample.metrics_after = testing::ScrapeMetrics(walletd);
  return sample;
}

double PercentileMs(const std::vector<int64_t>& sorted_ns, double q) {
  if (sorted_ns.empty()) return 0;
  const size_t rank = std::min(static_cast<size_t>(q * sorted_ns.size()), sorted_ns.size() - 1);
  return sorted_ns[rank] / 1e6;
}

bool CheckLedger(v1::AdminService::Stub& admin, const std::string& admin_key,
                 absl::Duration deadline) {
  v1::CheckLedgerResponse ledger;
  const grpc::Status status = admin.CheckLedger(testing::MakeContext(admin_key, deadline).get(),
                                                v1::CheckLedgerRequest(), &ledger);
  if (!status.ok()) {
    std::printf("CheckLedger failed: %s\n", status.error_message().c_str());
    return false;
  }
  std::printf("CheckLedger: ok=%s transfers=%" PRIu64 " accounts=%" PRIu64 " sum=%" PRId64
              " mismatched=%d\n",
              ledger.ok() ? "true" : "false", ledger.transfers(), ledger.accounts(),
              ledger.sum_paise(), ledger.mismatched_accounts_size());
  return ledger.ok() && ledger.sum_paise() == 0 && ledger.mismatched_accounts().empty();
}

void StopWalletd(WalletdProcess& walletd) {
  const absl::Time stop_start = absl::Now();
  absl::StatusOr<int> exit_code = walletd.Terminate();
  std::printf("walletd stopped in %.2f s\n", absl::ToDoubleSeconds(absl::Now() - stop_start));
  if (!exit_code.ok() || *exit_code != 0) {
    const std::string why =
        exit_code.ok() ? absl::StrCat("exit code ", *exit_code) : exit_code.status().ToString();
    std::printf("walletd did not shut down cleanly: %s\n", why.c_str());
  }
}

}  // namespace wallet::bench
