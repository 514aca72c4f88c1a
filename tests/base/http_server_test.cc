// HttpServer on a real loopback socket, driven by base::HttpClient: routes
// by exact path and by prefix, methods (405 with Allow), 404, request
// bodies, headers and query arguments as received, response headers, the
// body limit (413 for a declared and for a chunked body) and handlers that
// run at once with a thread per connection.
#include "base/http_server.h"

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/http_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/walletd_process.h"

namespace base {
namespace {

using ::testing::Contains;
using ::testing::Pair;
using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;

HttpResponse Plain(int status, std::string body) {
  return HttpResponse{status, "text/plain; charset=utf-8", std::move(body), {}};
}

// Started is a server on a picked loopback port and calls to it.
class Started {
 public:
  explicit Started(std::vector<HttpRoute> routes, HttpServerOptions options = {}) {
    absl::StatusOr<std::unique_ptr<HttpServer>> server =
        HttpServer::Start("127.0.0.1:0", std::move(routes), options);
    EXPECT_THAT(server, IsOk());
    if (server.ok()) server_ = *std::move(server);
  }

  absl::StatusOr<HttpReply> Call(const std::string& method, const std::string& target,
                                 std::string body = "",
                                 std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpCall call;
    call.method = method;
    call.url = absl::StrCat("http://127.0.0.1:", port(), target);
    call.body = std::move(body);
    call.headers = std::move(headers);
    return client_.Send(call);
  }

  int port() const { return server_ == nullptr ? 0 : server_->port(); }
  HttpServer& server() { return *server_; }

 private:
  std::unique_ptr<HttpServer> server_;
  HttpClient client_;
};

TEST(HttpServerTest, ServesGetRoutesOnAPickedPort) {
  std::vector<HttpRoute> routes;
  routes.push_back({"/healthz", {"GET"}, [](const HttpRequest&) { return Plain(503, "down\n"); }});
  routes.push_back({"/metrics", {"GET"}, [](const HttpRequest&) { return Plain(200, "up 1\n"); }});
  Started http(std::move(routes));
  ASSERT_GT(http.port(), 0);

  // A plain HTTP/1.0 GET, as scrapers send it.
  absl::StatusOr<wallet::testing::HttpResponse> metrics =
      wallet::testing::HttpGetLocal(http.port(), "/metrics");
  ASSERT_THAT(metrics, IsOk());
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->body, "up 1\n");

  absl::StatusOr<HttpReply> health = http.Call("GET", "/healthz");
  ASSERT_THAT(health, IsOk());
  EXPECT_EQ(health->status, 503);
  EXPECT_EQ(health->body, "down\n");
  EXPECT_EQ(health->headers["content-type"], "text/plain; charset=utf-8");
}

TEST(HttpServerTest, UnknownPathsAre404AndOtherMethods405WithAllow) {
  std::vector<HttpRoute> routes;
  routes.push_back({"/metrics", {"GET"}, [](const HttpRequest&) { return Plain(200, "m\n"); }});
  routes.push_back(
      {"/v1/orders", {"GET", "POST"}, [](const HttpRequest&) { return Plain(200, "o\n"); }});
  Started http(std::move(routes));

  absl::StatusOr<HttpReply> missing = http.Call("GET", "/nope");
  ASSERT_THAT(missing, IsOk());
  EXPECT_EQ(missing->status, 404);
  // A route without the trailing '/' is exact: nothing below it matches.
  absl::StatusOr<HttpReply> below = http.Call("GET", "/metrics/x");
  ASSERT_THAT(below, IsOk());
  EXPECT_EQ(below->status, 404);

  absl::StatusOr<HttpReply> post = http.Call("POST", "/metrics", "x");
  ASSERT_THAT(post, IsOk());
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->headers["allow"], "GET");
  absl::StatusOr<HttpReply> put = http.Call("PUT", "/v1/orders", "x");
  ASSERT_THAT(put, IsOk());
  EXPECT_EQ(put->status, 405);
  EXPECT_EQ(put->headers["allow"], "GET, POST");

  HttpRequest request;
  request.method = "DELETE";
  request.path = "/nope";
  EXPECT_EQ(http.server().Route(request).status, 404);
}

TEST(HttpServerTest, HandsOverBodyHeadersAndQueryAsReceived) {
  absl::Mutex mu;
  HttpRequest seen;
  std::vector<HttpRoute> routes;
  routes.push_back({"/v1/orders", {"POST"}, [&](const HttpRequest& request) {
                      absl::MutexLock lock(&mu);
                      seen = request;
                      HttpResponse answer = Plain(201, "made\n");
                      answer.content_type = "application/json";
                      answer.headers = {{"X-Request-Id", "r-1"}, {"Cache-Control", "no-store"}};
                      return answer;
                    }});
  Started http(std::move(routes));

  // Bytes that are not text, and a body longer than one network read.
  std::string body = std::string("{\"a\":1}\0\xff\r\n", 11) + std::string(200000, 'x');
  absl::StatusOr<HttpReply> reply =
      http.Call("POST", "/v1/orders?count=2&name=a%20b&flag", body,
                {{"Content-Type", "application/json"}, {"X-Razorpay-Signature", "AbC"}});
  ASSERT_THAT(reply, IsOk());
  EXPECT_EQ(reply->status, 201);
  EXPECT_EQ(reply->body, "made\n");
  EXPECT_EQ(reply->headers["content-type"], "application/json");
  EXPECT_EQ(reply->headers["x-request-id"], "r-1");
  EXPECT_EQ(reply->headers["cache-control"], "no-store");

  absl::MutexLock lock(&mu);
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.path, "/v1/orders");
  EXPECT_EQ(seen.query, "count=2&name=a%20b&flag");
  EXPECT_THAT(seen.params, Contains(Pair("count", "2")));
  EXPECT_THAT(seen.params, Contains(Pair("name", "a b")));
  EXPECT_THAT(seen.params, Contains(Pair("flag", "")));
  EXPECT_EQ(seen.body, body);
  // Header names are lower-cased; values kept as sent.
  EXPECT_EQ(seen.Header("x-razorpay-signature"), "AbC");
  EXPECT_EQ(seen.Header("content-type"), "application/json");
  EXPECT_EQ(seen.Header("x-not-sent"), "");
}

TEST(HttpServerTest, APrefixRouteAnswersEveryPathBelowItAndTheLongestPrefixWins) {
  std::vector<HttpRoute> routes;
  auto echo = [](const std::string& name) {
    return [name](const HttpRequest& request) {
      return Plain(200, absl::StrCat(name, " ", request.method, " ", request.path));
    };
  };
  routes.push_back({"/v1/", {"GET"}, echo("v1")});
  routes.push_back({"/v1/orders/", {"GET", "POST"}, echo("orders")});
  routes.push_back({"/v1/orders/special", {"GET"}, echo("special")});
  Started http(std::move(routes));

  const std::map<std::string, std::string> expected = {
      {"/v1/orders/order_1", "orders GET /v1/orders/order_1"},
      {"/v1/orders/order_1/payments", "orders GET /v1/orders/order_1/payments"},
      {"/v1/orders/", "orders GET /v1/orders/"},
      {"/v1/orders/special", "special GET /v1/orders/special"},
      {"/v1/payments", "v1 GET /v1/payments"},
  };
  for (const auto& [target, body] : expected) {
    absl::StatusOr<HttpReply> reply = http.Call("GET", target);
    ASSERT_THAT(reply, IsOk());
    EXPECT_EQ(reply->status, 200) << target;
    EXPECT_EQ(reply->body, body) << target;
  }
  absl::StatusOr<HttpReply> post = http.Call("POST", "/v1/orders/order_1/pay", "{}");
  ASSERT_THAT(post, IsOk());
  EXPECT_EQ(post->body, "orders POST /v1/orders/order_1/pay");
  // Not below the prefix: "/v1/orders" lacks its '/', and "/v2/x" is elsewhere.
  absl::StatusOr<HttpReply> bare = http.Call("GET", "/v1/orders");
  ASSERT_THAT(bare, IsOk());
  EXPECT_EQ(bare->body, "v1 GET /v1/orders");
  absl::StatusOr<HttpReply> elsewhere = http.Call("GET", "/v2/x");
  ASSERT_THAT(elsewhere, IsOk());
  EXPECT_EQ(elsewhere->status, 404);
}

TEST(HttpServerTest, RefusesBodiesAboveTheLimitWithoutCallingTheHandler) {
  std::atomic<int> calls{0};
  std::vector<HttpRoute> routes;
  routes.push_back({"/hook", {"POST"}, [&calls](const HttpRequest& request) {
                      ++calls;
                      return Plain(200, absl::StrCat(request.body.size(), " ",
                                                     request.Header("transfer-encoding")));
                    }});
  HttpServerOptions options;
  options.max_body_bytes = 1000;
  Started http(std::move(routes), options);

  absl::StatusOr<HttpReply> at_limit = http.Call("POST", "/hook", std::string(1000, 'a'));
  ASSERT_THAT(at_limit, IsOk());
  EXPECT_EQ(at_limit->status, 200);
  EXPECT_EQ(at_limit->body, "1000 ");
  EXPECT_EQ(calls.load(), 1);

  // Declared by Content-Length: refused before the body is read.
  absl::StatusOr<HttpReply> declared = http.Call("POST", "/hook", std::string(1001, 'a'));
  ASSERT_THAT(declared, IsOk());
  EXPECT_EQ(declared->status, 413);
  // Chunked, with no length declared: counted as it comes.
  absl::StatusOr<HttpReply> chunked =
      http.Call("POST", "/hook", std::string(5000, 'a'), {{"Transfer-Encoding", "chunked"}});
  ASSERT_THAT(chunked, IsOk());
  EXPECT_EQ(chunked->status, 413);
  EXPECT_EQ(calls.load(), 1);

  // The server still answers afterwards.
  absl::StatusOr<HttpReply> small =
      http.Call("POST", "/hook", "abc", {{"Transfer-Encoding", "chunked"}});
  ASSERT_THAT(small, IsOk());
  EXPECT_EQ(small->status, 200);
  // It was sent chunked, as the refused one was.
  EXPECT_EQ(small->body, "3 chunked");
}

TEST(HttpServerTest, AThreadPerConnectionRunsHandlersAtOnce) {
  // Each handler waits until both have started: with one server thread the
  // first would wait for ever (the test's deadline would end it).
  absl::Mutex mu;
  int started = 0;
  std::vector<HttpRoute> routes;
  routes.push_back({"/wait", {"GET"}, [&](const HttpRequest&) {
                      absl::MutexLock lock(&mu);
                      ++started;
                      const bool both =
                          mu.AwaitWithTimeout(absl::Condition(
                                                  +[](int* n) { return *n >= 2; }, &started),
                                              absl::Seconds(30));
                      return Plain(both ? 200 : 504, "");
                    }});
  HttpServerOptions options;
  options.thread_per_connection = true;
  Started http(std::move(routes), options);

  absl::StatusOr<HttpReply> first;
  std::thread other([&] { first = http.Call("GET", "/wait"); });
  absl::StatusOr<HttpReply> second = http.Call("GET", "/wait");
  other.join();
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(second->status, 200);
}

TEST(HttpServerTest, RefusesAnAddressThatIsNotIpv4HostPort) {
  for (const char* bad : {"localhost:80", "127.0.0.1", "127.0.0.1:70000", "[::1]:80"}) {
    EXPECT_THAT(HttpServer::Start(bad, {}), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(HttpServerTest, RefusesARouteWithoutAHandler) {
  std::vector<HttpRoute> routes;
  routes.push_back({"/x", {"GET"}, nullptr});
  EXPECT_THAT(HttpServer::Start("127.0.0.1:0", std::move(routes)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace base
