// HttpClient: outbound HTTP and HTTPS calls (libcurl), for the payment
// gateway's orders API, webhook deliveries and the SMS gateway.
//
// One call is one request and its whole answer, synchronously. Any HTTP
// answer, 500 included, is a reply for the caller to judge; an error Status
// means that no answer came:
//   Unavailable       connection refused or reset, name not resolved, TLS
//                     handshake or certificate check failed, answer cut off;
//   DeadlineExceeded  no complete answer within the call's timeout;
//   InvalidArgument   the URL or the method is malformed.
// Error messages name the method and URL, never the password or the body.
// Redirects are not followed.
//
// Threads: Send may be called from any number of threads at once. Each
// thread keeps one connection cache, so calls from the same thread to the
// same host reuse a kept-alive connection.
//
// Example:
//   base::HttpClient client;
//   base::HttpCall call;
//   call.method = "POST";
//   call.url = "http://127.0.0.1:8080/v1/orders";
//   call.headers = {{"Content-Type", "application/json"}};
//   call.body = R"({"amount":50000,"currency":"INR","receipt":"r1"})";
//   call.user = key_id;
//   call.password = key_secret;
//   absl::StatusOr<base::HttpReply> reply = client.Send(call);
//   if (!reply.ok()) return reply.status();        // no answer
//   if (reply->status != 200) return Refused(*reply);
#ifndef BASE_HTTP_CLIENT_H_
#define BASE_HTTP_CLIENT_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace base {

// HttpCall is one request to make.
struct HttpCall {
  // The method, e.g. "GET", "POST", "PUT". Default: GET.
  std::string method = "GET";
  // An absolute http:// or https:// URL, with any query already encoded.
  std::string url;
  // Request headers, sent in order (e.g. Content-Type). Default: none.
  std::vector<std::pair<std::string, std::string>> headers;
  // The body, sent as is (POST, PUT). Default: empty.
  std::string body;
  // HTTP basic authentication, sent when `user` is not empty.
  std::string user;
  std::string password;
  // The whole call (connect, send, answer) must end within this.
  // Default: 10 s.
  absl::Duration timeout = absl::Seconds(10);
  // For https: the CA certificates (PEM) that the server's certificate must
  // chain to. Default: empty, the system's CA store.
  std::string ca_file;
};

// HttpReply is the server's answer.
struct HttpReply {
  int status = 0;
  std::string body;
  // The response headers, names lower-cased; for a repeated name, the last.
  std::map<std::string, std::string> headers;
};

class HttpClient final {
 public:
  // HttpClient initialises libcurl once per process (on first use).
  HttpClient();

  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Send makes `call` and returns the answer; errors as above.
  absl::StatusOr<HttpReply> Send(const HttpCall& call) const;
};

}  // namespace base

#endif  // BASE_HTTP_CLIENT_H_
