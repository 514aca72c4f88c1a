#include "tests/testing/bench_util.h"

#include <cstdio>

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace wallet::testing {

double SelfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name may contain spaces; fields are counted after its ')'.
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 > stat.size()) return 0;
  std::vector<std::string> fields = absl::StrSplit(stat.substr(paren + 2), ' ', absl::SkipEmpty());
  // utime and stime are fields 14 and 15 of the file, 12 and 13 here.
  double utime = 0;
  double stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtod(fields[11], &utime) ||
      !absl::SimpleAtod(fields[12], &stime)) {
    return 0;
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

MetricSamples ScrapeMetrics(const WalletdProcess& walletd) {
  MetricSamples samples;
  absl::StatusOr<HttpResponse> response = walletd.HttpGet("/metrics");
  if (!response.ok() || response->status != 200) return samples;
  for (absl::string_view line : absl::StrSplit(response->body, '\n')) {
    const size_t space = line.rfind(' ');
    if (line.empty() || line[0] == '#' || space == absl::string_view::npos) continue;
    double value = 0;
    if (absl::SimpleAtod(line.substr(space + 1), &value)) {
      samples[std::string(line.substr(0, space))] = value;
    }
  }
  return samples;
}

double MetricDelta(const MetricSamples& before, const MetricSamples& after,
                   absl::string_view name) {
  auto b = before.find(std::string(name));
  auto a = after.find(std::string(name));
  if (b == before.end() || a == after.end()) return -1;
  return a->second - b->second;
}

std::string DescribeCommits(const MetricSamples& before, const MetricSamples& after,
                            double seconds) {
  const double commits = MetricDelta(before, after, "walletd_commits_total");
  const double operations = MetricDelta(before, after, "walletd_operations_total");
  const double commit_seconds = MetricDelta(before, after, "walletd_commit_seconds_sum");
  if (commits <= 0 || operations < 0 || commit_seconds < 0 || seconds <= 0) return "";
  return absl::StrFormat(
      "walletd writer: %.0f commits/s, %.1f operations per commit, %.3f ms per commit, "
      "%.0f%% of the window in commits",
      commits / seconds, operations / commits, 1e3 * commit_seconds / commits,
      100 * commit_seconds / seconds);
}

std::string DescribeServerLatency(const MetricSamples& before, const MetricSamples& after,
                                  absl::string_view method) {
  const std::string label = absl::StrCat("{method=\"", method, "\"}");
  const double seconds =
      MetricDelta(before, after, absl::StrCat("walletd_rpc_latency_seconds_sum", label));
  const double calls =
      MetricDelta(before, after, absl::StrCat("walletd_rpc_latency_seconds_count", label));
  if (calls <= 0 || seconds < 0) return "";
  return absl::StrFormat("walletd: %.3f ms mean from a call's arrival to its answer (%s)",
                         1e3 * seconds / calls, method);
}

std::string DefaultWalletdPath() {
  char buffer[4096];
  const ssize_t length = readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (length <= 0) return "walletd";
  const std::string self(buffer, static_cast<size_t>(length));
  const std::string dir = self.substr(0, self.rfind('/'));
  const std::string build = dir.substr(0, dir.rfind('/'));
  return absl::StrCat(build, "/api/walletd");
}

std::unique_ptr<WalletdProcess> StartBenchWalletd(WalletdOptions options) {
  if (options.binary.empty()) options.binary = DefaultWalletdPath();
  absl::StatusOr<std::unique_ptr<WalletdProcess>> started = WalletdProcess::Start(options);
  if (!started.ok()) {
    std::fprintf(stderr, "cannot start walletd (%s): %s\n", options.binary.c_str(),
                 started.status().ToString().c_str());
    return nullptr;
  }
  WalletdProcess& walletd = **started;
  std::printf("walletd %s pid %d at %s, data %s\nlog %s\n", options.binary.c_str(), walletd.pid(),
              walletd.target().c_str(), walletd.data_dir().c_str(), walletd.log_path().c_str());
  std::fflush(stdout);
  return *std::move(started);
}

}  // namespace wallet::testing
