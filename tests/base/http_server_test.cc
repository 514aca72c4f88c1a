// HttpServer on a real loopback socket: routes answer GET, unknown paths are
// 404, other methods 405, and a bad address is refused before binding.
#include "base/http_server.h"

#include <map>
#include <string>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/walletd_process.h"

namespace base {
namespace {

using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;

TEST(HttpServerTest, ServesItsRoutesOnAPickedPort) {
  std::map<std::string, HttpServer::Handler> routes;
  routes["/healthz"] = [] { return HttpResponse{503, "text/plain; charset=utf-8", "down\n"}; };
  routes["/metrics"] = [] { return HttpResponse{200, "text/plain; version=0.0.4", "up 1\n"}; };
  absl::StatusOr<std::unique_ptr<HttpServer>> server =
      HttpServer::Start("127.0.0.1:0", std::move(routes));
  ASSERT_THAT(server, IsOk());
  const int port = (*server)->port();
  ASSERT_GT(port, 0);

  absl::StatusOr<wallet::testing::HttpResponse> metrics =
      wallet::testing::HttpGetLocal(port, "/metrics");
  ASSERT_THAT(metrics, IsOk());
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->body, "up 1\n");

  absl::StatusOr<wallet::testing::HttpResponse> health =
      wallet::testing::HttpGetLocal(port, "/healthz");
  ASSERT_THAT(health, IsOk());
  EXPECT_EQ(health->status, 503);
  EXPECT_EQ(health->body, "down\n");

  absl::StatusOr<wallet::testing::HttpResponse> missing =
      wallet::testing::HttpGetLocal(port, "/nope");
  ASSERT_THAT(missing, IsOk());
  EXPECT_EQ(missing->status, 404);

  EXPECT_EQ((*server)->Route("POST", "/metrics").status, 405);
  EXPECT_EQ((*server)->Route("POST", "/nope").status, 404);
}

TEST(HttpServerTest, RefusesAnAddressThatIsNotIpv4HostPort) {
  for (const char* bad : {"localhost:80", "127.0.0.1", "127.0.0.1:70000", "[::1]:80"}) {
    EXPECT_THAT(HttpServer::Start(bad, {}), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

}  // namespace
}  // namespace base
