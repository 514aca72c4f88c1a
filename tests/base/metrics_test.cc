// The metrics registry's exposition text: RPC families named by the server,
// counts by code, cumulative buckets, labelled families with one header, and
// values read at the scrape.
#include "base/metrics.h"

#include <cmath>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace base {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsTest, RendersRpcFamiliesUnderTheServersName) {
  Metrics metrics("walletd_rpc");
  Metrics::Method* get = metrics.RegisterMethod("GetBalance");
  Metrics::Record(get, 0, absl::Microseconds(90));
  Metrics::Record(get, 0, absl::Microseconds(300));
  Metrics::Record(get, 5, absl::Milliseconds(2));   // NOT_FOUND
  Metrics::Record(get, 99, absl::Seconds(2));        // out of range: UNKNOWN
  const std::string text = metrics.Render();
  EXPECT_THAT(text, HasSubstr("# TYPE walletd_rpc_total counter\n"));
  EXPECT_THAT(text, HasSubstr("walletd_rpc_total{method=\"GetBalance\",code=\"OK\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("walletd_rpc_total{method=\"GetBalance\",code=\"NOT_FOUND\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("walletd_rpc_total{method=\"GetBalance\",code=\"UNKNOWN\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("code=\"INTERNAL\"")));  // only codes seen
  EXPECT_THAT(text, HasSubstr("# TYPE walletd_rpc_latency_seconds histogram\n"));
  // Cumulative: 90 us is under the first bound, 300 us under the third.
  EXPECT_THAT(text, HasSubstr(
      "walletd_rpc_latency_seconds_bucket{method=\"GetBalance\",le=\"0.0001\"} 1\n"));
  EXPECT_THAT(text, HasSubstr(
      "walletd_rpc_latency_seconds_bucket{method=\"GetBalance\",le=\"0.0005\"} 2\n"));
  EXPECT_THAT(text, HasSubstr(
      "walletd_rpc_latency_seconds_bucket{method=\"GetBalance\",le=\"+Inf\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("walletd_rpc_latency_seconds_count{method=\"GetBalance\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("walletd_rpc_latency_seconds_sum{method=\"GetBalance\"} 2.002390\n"));
}

TEST(MetricsTest, WithoutMethodsOnlyTheValuesAreRendered) {
  Metrics metrics;
  double waiting = 3;
  metrics.RegisterValue("gateway_relay_waiting", "gauge", "relay commands waiting",
                        [&waiting] { return waiting; });
  EXPECT_EQ(metrics.Render(),
            "# HELP gateway_relay_waiting relay commands waiting\n"
            "# TYPE gateway_relay_waiting gauge\n"
            "gateway_relay_waiting 3\n");
  waiting = 5;  // read at every scrape
  EXPECT_THAT(metrics.Render(), HasSubstr("gateway_relay_waiting 5\n"));
}

TEST(MetricsTest, LabelledValuesShareOneHeaderPerFamily) {
  Metrics metrics;
  metrics.RegisterValue("backlog{stream=\"relay\"}", "gauge", "items waiting", [] { return 1.0; });
  metrics.RegisterValue("backlog{stream=\"notifications\"}", "gauge", "ignored", [] {
    return std::nan("");
  });
  metrics.RegisterValue("errors_total", "counter", "errors", [] { return 7.0; });
  EXPECT_EQ(metrics.Render(),
            "# HELP backlog items waiting\n"
            "# TYPE backlog gauge\n"
            "backlog{stream=\"relay\"} 1\n"
            "backlog{stream=\"notifications\"} nan\n"
            "# HELP errors_total errors\n"
            "# TYPE errors_total counter\n"
            "errors_total 7\n");
}

TEST(MetricsTest, HistogramsAreCumulativeWithSumAndCount) {
  Metrics metrics;
  metrics.RegisterHistogram("commit_seconds", "commit time", {1000, 10000}, [] {
    Metrics::HistogramValues values;
    values.counts = {2, 3, 1};
    values.sum = 0.25;
    return values;
  });
  EXPECT_EQ(metrics.Render(),
            "# HELP commit_seconds commit time\n"
            "# TYPE commit_seconds histogram\n"
            "commit_seconds_bucket{le=\"0.001\"} 2\n"
            "commit_seconds_bucket{le=\"0.01\"} 5\n"
            "commit_seconds_bucket{le=\"+Inf\"} 6\n"
            "commit_seconds_sum 0.250000\n"
            "commit_seconds_count 6\n");
}

}  // namespace
}  // namespace base
