#include "base/monitoring_endpoint.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"

namespace base {

absl::StatusOr<std::unique_ptr<HttpServer>> StartMonitoringEndpoint(const std::string& address,
                                                                    const Metrics* metrics,
                                                                    HealthCheck health) {
  std::map<std::string, HttpServer::Handler> routes;
  routes["/metrics"] = [metrics] {
    return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", metrics->Render()};
  };
  routes["/healthz"] = [health = std::move(health)] {
    const absl::Status status = health();
    if (status.ok()) return HttpResponse{200, "text/plain; charset=utf-8", "ok\n"};
    return HttpResponse{503, "text/plain; charset=utf-8", absl::StrCat(status.message(), "\n")};
  };
  return HttpServer::Start(address, std::move(routes));
}

}  // namespace base
