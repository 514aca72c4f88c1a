// HttpServer: a small HTTP/1.1 endpoint (libmicrohttpd) for operators and
// integrations: GET /metrics and GET /healthz (base/monitoring_endpoint.h),
// payment-gateway webhooks and the payment-gateway simulator's API.
//
// Routing: each route names a path and the methods it answers (GET unless
// told). A path ending in '/' is a prefix and matches every path below it
// ("/v1/orders/" matches "/v1/orders/order_1/payments"); an exact route wins
// over a prefix, a longer prefix over a shorter one. A path that no route
// matches is 404; a method that the matching routes do not answer is 405
// (with an Allow header). Request bodies larger than
// `HttpServerOptions::max_body_bytes` are refused with 413 and reach no
// handler.
//
// Threads: by default one server thread runs every handler, one request at
// a time; with `thread_per_connection` each connection has its own thread,
// so handlers that wait (on a durable write, say) run at once. Handlers must
// be thread-safe with respect to the rest of the program. Destroying the
// server stops its threads, waiting for handlers that are running; after
// that no handler runs again.
//
// Example:
//   std::vector<base::HttpRoute> routes;
//   routes.push_back({"/healthz", {"GET"}, [](const base::HttpRequest&) {
//     return base::HttpResponse{200, "text/plain", "ok\n"};
//   }});
//   routes.push_back({"/v1/orders/", {"GET", "POST"}, [&](const base::HttpRequest& request) {
//     return orders.Answer(request);
//   }});
//   absl::StatusOr<std::unique_ptr<base::HttpServer>> http =
//       base::HttpServer::Start("127.0.0.1:0", std::move(routes));
//   if (!http.ok()) return http.status();
//   int port = (*http)->port();
#ifndef BASE_HTTP_SERVER_H_
#define BASE_HTTP_SERVER_H_

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/daemon_files.h"

struct MHD_Daemon;

namespace base {

// HttpRequest is one request as received.
struct HttpRequest {
  // e.g. "GET", "POST", as sent (HTTP methods are case-sensitive).
  std::string method;
  // The path without the query, e.g. "/v1/orders/order_1".
  std::string path;
  // The raw query after '?', undecoded; empty if there was none.
  std::string query;
  // The decoded query arguments; for a repeated name, one of its values.
  std::map<std::string, std::string> params;
  // The request headers, names lower-cased; for a repeated name, the last.
  std::map<std::string, std::string> headers;
  // The body's bytes exactly as received (a webhook signature covers them).
  std::string body;

  // Header returns the header `lower_case_name`, or "" if it was not sent.
  std::string Header(const std::string& lower_case_name) const;
};

struct HttpResponse {
  HttpResponse() = default;
  HttpResponse(int status, std::string content_type, std::string body,
               std::vector<std::pair<std::string, std::string>> headers = {})
      : status(status),
        content_type(std::move(content_type)),
        body(std::move(body)),
        headers(std::move(headers)) {}

  // HTTP status code. Default: 200.
  int status = 200;
  // Default: text/plain; charset=utf-8.
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // Further response headers, in order. Default: none.
  std::vector<std::pair<std::string, std::string>> headers;
};

// HttpRoute is one path and the methods answered there.
struct HttpRoute {
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // An exact path, or a prefix if it ends in '/'.
  std::string path;
  // The methods this route answers. Default: GET only.
  std::vector<std::string> methods = {"GET"};
  Handler handler;
};

struct HttpServerOptions {
  // Bodies above this size are answered 413 without calling a handler.
  // Default: 1 MiB.
  size_t max_body_bytes = size_t{1} << 20;
  // Connections served at once; more wait in the kernel's backlog.
  // Default: 64.
  unsigned max_connections = 64;
  // A connection idle this long is closed, so that a stuck client cannot
  // hold the server. Default: 10 s.
  absl::Duration idle_timeout = absl::Seconds(10);
  // Whether each connection gets its own thread (handlers run at once)
  // instead of one thread serving all. Default: false.
  bool thread_per_connection = false;
  // Serve HTTPS with this certificate and key (base::ReadTlsPair); empty:
  // plain HTTP. Default: empty.
  TlsPair tls;
};

class HttpServer final {
 public:
  using Handler = HttpRoute::Handler;

  // Start listens on `address`, IPv4 "host:port" (port 0 picks a free one),
  // and serves `routes`. InvalidArgument if the address is not IPv4
  // host:port or a route has no handler; Unavailable if it cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const std::string& address,
                                                           std::vector<HttpRoute> routes,
                                                           HttpServerOptions options = {});
  // Stops serving; see the threads note above.
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // port is the port bound (the one picked, if the address asked for 0).
  int port() const { return port_; }

  // Route answers one complete request: the matching handler's answer, 404
  // or 405. Called on the server's threads; thread-safe (the routes do not
  // change once started).
  HttpResponse Route(const HttpRequest& request) const;

  // max_body_bytes is the body limit the server was started with.
  size_t max_body_bytes() const { return options_.max_body_bytes; }

 private:
  HttpServer() = default;

  // The routes that match `path` best: the exact ones, else those of the
  // longest matching prefix; empty if none match.
  std::vector<const HttpRoute*> Matching(const std::string& path) const;

  MHD_Daemon* daemon_ = nullptr;
  std::vector<HttpRoute> routes_;
  HttpServerOptions options_;
  int port_ = 0;
};

}  // namespace base

#endif  // BASE_HTTP_SERVER_H_
