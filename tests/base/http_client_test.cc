// HttpClient against a base::HttpServer on a loopback port: GET, POST with
// a body and headers, basic authentication, HTTP errors as replies, and the
// errors when no answer comes (refused, timed out, bad URL).
#include "base/http_client.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "base/daemon_files.h"
#include "base/http_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/run_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace base {
namespace {

using ::testing::Not;
using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;

// Recorder is a server that keeps the last request and answers as told.
class Recorder {
 public:
  Recorder() {
    std::vector<HttpRoute> routes;
    routes.push_back({"/", {"GET", "POST", "PUT", "DELETE"}, [this](const HttpRequest& request) {
                        absl::MutexLock lock(&mu_);
                        last_ = request;
                        return answer_;
                      }});
    absl::StatusOr<std::unique_ptr<HttpServer>> server =
        HttpServer::Start("127.0.0.1:0", std::move(routes));
    EXPECT_THAT(server, IsOk());
    if (server.ok()) server_ = *std::move(server);
  }

  std::string Url(const std::string& target) const {
    return absl::StrCat("http://127.0.0.1:", server_->port(), target);
  }
  void Answer(HttpResponse answer) {
    absl::MutexLock lock(&mu_);
    answer_ = std::move(answer);
  }
  HttpRequest last() {
    absl::MutexLock lock(&mu_);
    return last_;
  }

 private:
  absl::Mutex mu_;
  HttpRequest last_ ABSL_GUARDED_BY(mu_);
  HttpResponse answer_ ABSL_GUARDED_BY(mu_) = {200, "application/json", "{\"ok\":true}", {}};
  std::unique_ptr<HttpServer> server_;
};

TEST(HttpClientTest, GetReturnsStatusBodyAndHeaders) {
  Recorder server;
  server.Answer({200, "application/json", "{\"id\":\"order_1\"}", {{"X-Trace", "t1"}}});
  HttpClient client;
  HttpCall call;
  call.url = server.Url("/v1/orders/order_1?expand=payments");
  absl::StatusOr<HttpReply> reply = client.Send(call);
  ASSERT_THAT(reply, IsOk());
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "{\"id\":\"order_1\"}");
  EXPECT_EQ(reply->headers["content-type"], "application/json");
  EXPECT_EQ(reply->headers["x-trace"], "t1");

  const HttpRequest seen = server.last();
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.path, "/v1/orders/order_1");
  EXPECT_EQ(seen.query, "expand=payments");
  EXPECT_EQ(seen.body, "");
  EXPECT_EQ(seen.Header("authorization"), "");
}

TEST(HttpClientTest, PostSendsTheBodyAndHeadersAsGiven) {
  Recorder server;
  HttpClient client;
  HttpCall call;
  call.method = "POST";
  call.url = server.Url("/v1/orders");
  call.headers = {{"Content-Type", "application/json"}, {"X-Razorpay-Event-Id", "evt_1"}};
  call.body = std::string("{\"amount\":50000}\0\xff", 18) + std::string(100000, ' ');
  absl::StatusOr<HttpReply> reply = client.Send(call);
  ASSERT_THAT(reply, IsOk());
  EXPECT_EQ(reply->status, 200);

  const HttpRequest seen = server.last();
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.body, call.body);
  EXPECT_EQ(seen.Header("content-type"), "application/json");
  EXPECT_EQ(seen.Header("x-razorpay-event-id"), "evt_1");
  // No 100-continue round trip for large bodies.
  EXPECT_EQ(seen.Header("expect"), "");

  call.method = "PUT";
  call.body = "put body";
  ASSERT_THAT(client.Send(call), IsOk());
  EXPECT_EQ(server.last().method, "PUT");
  EXPECT_EQ(server.last().body, "put body");
}

TEST(HttpClientTest, SendsBasicAuthenticationWhenAUserIsSet) {
  Recorder server;
  HttpClient client;
  HttpCall call;
  call.url = server.Url("/v1/orders");
  call.user = "rzp_test_key";
  call.password = "s3cret:with colon";
  ASSERT_THAT(client.Send(call), IsOk());
  EXPECT_EQ(server.last().Header("authorization"),
            absl::StrCat("Basic ", absl::Base64Escape("rzp_test_key:s3cret:with colon")));
}

TEST(HttpClientTest, AnyHttpStatusIsAReply) {
  Recorder server;
  HttpClient client;
  HttpCall call;
  call.url = server.Url("/x");
  for (int status : {400, 401, 404, 500, 503}) {
    server.Answer({status, "application/json", "{\"error\":{}}", {}});
    absl::StatusOr<HttpReply> reply = client.Send(call);
    ASSERT_THAT(reply, IsOk()) << status;
    EXPECT_EQ(reply->status, status);
    EXPECT_EQ(reply->body, "{\"error\":{}}");
  }
}

TEST(HttpClientTest, ConnectionRefusedIsUnavailable) {
  int port = 0;
  {
    // A port that was just free and is closed again.
    absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start("127.0.0.1:0", {});
    ASSERT_THAT(server, IsOk());
    port = (*server)->port();
  }
  HttpClient client;
  HttpCall call;
  call.url = absl::StrCat("http://127.0.0.1:", port, "/v1/orders");
  call.user = "key";
  call.password = "never-shown";
  absl::StatusOr<HttpReply> reply = client.Send(call);
  EXPECT_THAT(reply, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(reply.status().message().find("never-shown"), std::string::npos);
}

TEST(HttpClientTest, NoAnswerWithinTheTimeoutIsDeadlineExceeded) {
  absl::Notification release;
  std::vector<HttpRoute> routes;
  routes.push_back({"/slow", {"GET"}, [&release](const HttpRequest&) {
                      release.WaitForNotificationWithTimeout(absl::Seconds(30));
                      return HttpResponse{200, "text/plain", "late\n", {}};
                    }});
  absl::StatusOr<std::unique_ptr<HttpServer>> server =
      HttpServer::Start("127.0.0.1:0", std::move(routes));
  ASSERT_THAT(server, IsOk());
  HttpClient client;
  HttpCall call;
  call.url = absl::StrCat("http://127.0.0.1:", (*server)->port(), "/slow");
  call.timeout = absl::Milliseconds(200);
  EXPECT_THAT(client.Send(call), StatusIs(absl::StatusCode::kDeadlineExceeded));
  release.Notify();
}

TEST(HttpClientTest, BadUrlsAndMethodsAreInvalidArguments) {
  HttpClient client;
  for (const char* url : {"", "not a url", "ftp://127.0.0.1/x", "http://[::1/x"}) {
    HttpCall call;
    call.url = url;
    EXPECT_THAT(client.Send(call), StatusIs(absl::StatusCode::kInvalidArgument)) << url;
  }
  HttpCall call;
  call.url = "http://127.0.0.1:1/x";
  call.method = "GET /x HTTP/1.1\r\nX:";
  EXPECT_THAT(client.Send(call), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(HttpClientTest, ThreadsSendAtOnce) {
  Recorder server;
  HttpClient client;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 20; ++j) {
        HttpCall call;
        call.method = "POST";
        call.url = server.Url("/n");
        call.body = "x";
        absl::StatusOr<HttpReply> reply = client.Send(call);
        if (reply.ok() && reply->status == 200) ++ok;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 80);
}

// Certificates from deploy/make-certs.sh: a CA and walletd's certificate for
// 127.0.0.1.
class HttpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<wallet::testing::ProcessResult> made = wallet::testing::RunProcess(
        {"/bin/bash", absl::StrCat(WALLET_SOURCE_DIR, "/deploy/make-certs.sh"), dir_.path()}, {},
        absl::Seconds(60));
    ASSERT_THAT(made, IsOk());
    ASSERT_EQ(made->exit_code, 0) << made->err;
  }
  std::string File(const std::string& name) const { return dir_.path() + "/" + name; }

  wallet::testing::TempDir dir_;
};

TEST_F(HttpsTest, ServesHttpsToClientsThatTrustItsCa) {
  absl::StatusOr<TlsPair> pair = ReadTlsPair(File("walletd.crt"), File("walletd.key"));
  ASSERT_THAT(pair, IsOk());
  HttpServerOptions options;
  options.tls = *pair;
  std::vector<HttpRoute> routes;
  routes.push_back({"/hello", {"POST"}, [](const HttpRequest& request) {
                      return HttpResponse{200, "text/plain", "hello " + request.body, {}};
                    }});
  absl::StatusOr<std::unique_ptr<HttpServer>> server =
      HttpServer::Start("127.0.0.1:0", std::move(routes), options);
  ASSERT_THAT(server, IsOk());
  HttpClient client;
  HttpCall call;
  call.method = "POST";
  call.url = absl::StrCat("https://127.0.0.1:", (*server)->port(), "/hello");
  call.body = "over TLS";
  call.ca_file = File("ca.crt");
  absl::StatusOr<HttpReply> reply = client.Send(call);
  ASSERT_THAT(reply, IsOk());
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "hello over TLS");

  // The system's CAs do not know the self-made one; plain HTTP gets no answer.
  call.ca_file.clear();
  EXPECT_THAT(client.Send(call), StatusIs(absl::StatusCode::kUnavailable));
  call.url = absl::StrCat("http://127.0.0.1:", (*server)->port(), "/hello");
  call.ca_file = File("ca.crt");
  EXPECT_THAT(client.Send(call), Not(IsOk()));
}

TEST_F(HttpsTest, CertificateAndKeyComeTogether) {
  EXPECT_THAT(ReadTlsPair(File("walletd.crt"), ""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ReadTlsPair(File("absent.crt"), File("walletd.key")),
              StatusIs(absl::StatusCode::kNotFound, ::testing::HasSubstr("absent.crt")));
  EXPECT_THAT(ReadTlsPair(File("ca.srl"), File("walletd.key")),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  absl::StatusOr<TlsPair> none = ReadTlsPair("", "");
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace base
