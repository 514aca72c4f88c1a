// HttpServer: a small HTTP/1.1 endpoint (libmicrohttpd) for operators and
// integrations, such as GET /metrics and GET /healthz
// (base/monitoring_endpoint.h).
//
// It answers GET requests for the paths it was given and ignores request
// bodies; any other path is 404 and any other method on a known path 405.
// At most 64 connections at once, each closed after 10 s idle, so that a
// stuck scraper cannot hold the server.
//
// Threads: handlers run on the server's own thread, one request at a time;
// they must be thread-safe with respect to the rest of the program and
// should be quick. Destroying the server stops that thread, waiting for a
// handler that is running; after that no handler runs again.
//
// Example:
//   std::map<std::string, base::HttpServer::Handler> routes;
//   routes["/healthz"] = [] { return base::HttpResponse{200, "text/plain", "ok\n"}; };
//   absl::StatusOr<std::unique_ptr<base::HttpServer>> http =
//       base::HttpServer::Start("127.0.0.1:0", std::move(routes));
//   if (!http.ok()) return http.status();
//   int port = (*http)->port();
#ifndef BASE_HTTP_SERVER_H_
#define BASE_HTTP_SERVER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

struct MHD_Daemon;

namespace base {

struct HttpResponse {
  // HTTP status code. Default: 200.
  int status = 200;
  // Default: text/plain; charset=utf-8.
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class HttpServer final {
 public:
  using Handler = std::function<HttpResponse()>;

  // Start listens on `address`, IPv4 "host:port" (port 0 picks a free one),
  // and serves `routes` (path to handler). InvalidArgument if the address is
  // not IPv4 host:port; Unavailable if it cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const std::string& address,
                                                           std::map<std::string, Handler> routes);
  // Stops serving; see the threads note above.
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // port is the port bound (the one picked, if the address asked for 0).
  int port() const { return port_; }

  // Route answers one request: the handler's answer, 404 or 405. Called on
  // the server thread; thread-safe (the routes do not change once started).
  HttpResponse Route(const std::string& method, const std::string& path) const;

 private:
  HttpServer() = default;

  MHD_Daemon* daemon_ = nullptr;
  std::map<std::string, Handler> routes_;
  int port_ = 0;
};

}  // namespace base

#endif  // BASE_HTTP_SERVER_H_
