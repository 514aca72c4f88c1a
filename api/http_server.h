// HttpServer: a small HTTP/1.1 endpoint (libmicrohttpd) for operators and
// integrations: GET /metrics, GET /healthz, and later the payment webhook.
#ifndef API_HTTP_SERVER_H_
#define API_HTTP_SERVER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

struct MHD_Daemon;

namespace api {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class HttpServer final {
 public:
  using Handler = std::function<HttpResponse()>;

  // Start listens on host:port (port 0 picks one) and serves GET requests for
  // the registered paths, 404 for others, 405 for other methods. Handlers run
  // on the server's own thread.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const std::string& address,
                                                           std::map<std::string, Handler> routes);
  ~HttpServer();

  int port() const { return port_; }

  // Route answers one request; called from the server thread.
  HttpResponse Route(const std::string& method, const std::string& path) const;

 private:
  HttpServer() = default;

  MHD_Daemon* daemon_ = nullptr;
  std::map<std::string, Handler> routes_;
  int port_ = 0;
};

}  // namespace api

#endif  // API_HTTP_SERVER_H_
