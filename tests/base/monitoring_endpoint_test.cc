// The monitoring endpoint over a loopback socket: /metrics is the registry
// read at each request, /healthz follows the health check with its reason.
#include "base/monitoring_endpoint.h"

#include <atomic>
#include <string>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/walletd_process.h"

namespace base {
namespace {

using wallet::testing::HttpGetLocal;
using ::wallet::testing::IsOk;

TEST(MonitoringEndpointTest, ServesTheRegistryAndTheHealthCheck) {
  Metrics metrics;
  std::atomic<int> sessions{2};
  metrics.RegisterValue("sessions", "gauge", "sessions running",
                        [&sessions] { return static_cast<double>(sessions.load()); });
  std::atomic<bool> connected{true};
  absl::StatusOr<std::unique_ptr<HttpServer>> server =
      StartMonitoringEndpoint("127.0.0.1:0", &metrics, [&connected] {
        return connected ? absl::OkStatus() : absl::UnavailableError("upstream is down");
      });
  ASSERT_THAT(server, IsOk());
  const int port = (*server)->port();

  absl::StatusOr<wallet::testing::HttpResponse> page = HttpGetLocal(port, "/metrics");
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->body, metrics.Render());
  sessions = 7;
  page = HttpGetLocal(port, "/metrics");
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(page->body, metrics.Render());
  EXPECT_NE(page->body.find("sessions 7\n"), std::string::npos);

  absl::StatusOr<wallet::testing::HttpResponse> health = HttpGetLocal(port, "/healthz");
  ASSERT_THAT(health, IsOk());
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok\n");
  connected = false;
  health = HttpGetLocal(port, "/healthz");
  ASSERT_THAT(health, IsOk());
  EXPECT_EQ(health->status, 503);
  EXPECT_EQ(health->body, "upstream is down\n");
}

}  // namespace
}  // namespace base
