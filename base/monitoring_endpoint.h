// StartMonitoringEndpoint: the HTTP endpoint every server here offers its
// operators and their scrapers:
//   GET /metrics  the registry's exposition text (Prometheus text format
//                 0.0.4), read at each request;
//   GET /healthz  200 "ok" while the health check returns OK; otherwise 503
//                 with the check's message, so that a load balancer takes
//                 the server out and an operator sees why.
//
// Threads and ownership as base::HttpServer's: the metrics registry and
// whatever the health check reads are not owned and must outlive the
// returned server; both are used on the server's thread.
//
// Example:
//   absl::StatusOr<std::unique_ptr<base::HttpServer>> http = base::StartMonitoringEndpoint(
//       "127.0.0.1:9465", &metrics, [&gateway] {
//         return gateway->connected() ? absl::OkStatus()
//                                     : absl::UnavailableError("relay stream to walletd is down");
//       });
#ifndef BASE_MONITORING_ENDPOINT_H_
#define BASE_MONITORING_ENDPOINT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/http_server.h"
#include "base/metrics.h"

namespace base {

// HealthCheck answers whether the server can do its work now; an error's
// message says why not (it is shown to whoever asks: no secrets).
using HealthCheck = std::function<absl::Status()>;

// MonitoringRoutes are the two routes above, for a server that serves more
// (its own API beside them): pass them to HttpServer::Start with the rest.
std::vector<HttpRoute> MonitoringRoutes(const Metrics* metrics, HealthCheck health);

// StartMonitoringEndpoint listens on `address` as HttpServer::Start does (the
// same errors) and serves /metrics from `metrics` and /healthz from `health`.
absl::StatusOr<std::unique_ptr<HttpServer>> StartMonitoringEndpoint(const std::string& address,
                                                                    const Metrics* metrics,
                                                                    HealthCheck health);

}  // namespace base

#endif  // BASE_MONITORING_ENDPOINT_H_
