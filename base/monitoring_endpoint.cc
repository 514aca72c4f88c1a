#include "base/monitoring_endpoint.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace base {

std::vector<HttpRoute> MonitoringRoutes(const Metrics* metrics, HealthCheck health) {
  std::vector<HttpRoute> routes;
  routes.push_back(
      {"/metrics", {"GET"}, [metrics](const HttpRequest&) {
         return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", metrics->Render()};
       }});
  routes.push_back({"/healthz", {"GET"}, [health = std::move(health)](const HttpRequest&) {
                      const absl::Status status = health();
                      if (status.ok())
                        return HttpResponse{200, "text/plain; charset=utf-8", "ok\n"};
                      return HttpResponse{503, "text/plain; charset=utf-8",
                                          absl::StrCat(status.message(), "\n")};
                    }});
  return routes;
}

absl::StatusOr<std::unique_ptr<HttpServer>> StartMonitoringEndpoint(const std::string& address,
                                                                    const Metrics* metrics,
                                                                    HealthCheck health) {
  return HttpServer::Start(address, MonitoringRoutes(metrics, std::move(health)));
}

}  // namespace base
