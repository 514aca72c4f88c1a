#include "api/server.h"

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"

namespace api {

WalletServer::WalletServer(wallet::Wallet* wallet, wallet::SettableClock* settable_clock)
    : wallet_(wallet),
      calls_(wallet, &metrics_),
      admin_(&calls_, settable_clock),
      consumer_(&calls_),
      payment_(&calls_),
      retailer_(&calls_),
      ingest_(&calls_),
      gateway_(&calls_, &hub_),
      notifications_(&calls_, &hub_) {
  wallet_->SetOutboxListener([this] { hub_.WakeAll(); });
}

absl::StatusOr<std::unique_ptr<WalletServer>> WalletServer::Start(wallet::Wallet* wallet,
                                                                  const ServerOptions& options) {
  std::unique_ptr<WalletServer> server(new WalletServer(wallet, options.settable_clock));
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(),
                           &server->grpc_port_);
  builder.RegisterService(&server->admin_);
  builder.RegisterService(&server->consumer_);
  builder.RegisterService(&server->payment_);
  builder.RegisterService(&server->retailer_);
  builder.RegisterService(&server->ingest_);
  builder.RegisterService(&server->gateway_);
  builder.RegisterService(&server->notifications_);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->grpc_port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for gRPC on ", options.listen));
  }
  server->RegisterPipelineMetrics();
  if (!options.notification_log.empty()) {
    absl::StatusOr<std::unique_ptr<NotificationLogSink>> sink =
        NotificationLogSink::Start(wallet, &server->hub_, options.notification_log);
    if (!sink.ok()) return sink.status();
    server->sink_ = *std::move(sink);
    server->notifications_.SetLogSinkActive(true);
  }
  if (!options.http_listen.empty()) {
    WalletServer* self = server.get();
    std::map<std::string, HttpServer::Handler> routes;
    routes["/metrics"] = [self] {
      return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8",
                          self->metrics_.Render()};
    };
    routes["/healthz"] = [self] {
      return self->serving_ ? HttpResponse{200, "text/plain; charset=utf-8", "ok\n"}
                            : HttpResponse{503, "text/plain; charset=utf-8", "shutting down\n"};
    };
    absl::StatusOr<std::unique_ptr<HttpServer>> http =
        HttpServer::Start(options.http_listen, std::move(routes));
    if (!http.ok()) return http.status();
    server->http_ = *std::move(http);
  }
  // The health service answers for "" by itself; each service is named too,
  // so that a client or a load balancer checks the one it calls. Shutdown
  // turns them all NOT_SERVING.
  for (const char* service :
       {v1::AdminService::service_full_name(), v1::ConsumerService::service_full_name(),
        v1::PaymentGatewayService::service_full_name(), v1::RetailerService::service_full_name(),
        v1::MeterIngestService::service_full_name(), v1::MeterGatewayService::service_full_name(),
        v1::NotificationService::service_full_name()}) {
    server->server_->GetHealthCheckService()->SetServingStatus(service, true);
  }
  server->serving_ = true;
  LOG(INFO) << "walletd serving gRPC on port " << server->grpc_port_ << ", HTTP on port "
            << server->http_port();
  return server;
}

void WalletServer::RegisterPipelineMetrics() {
  const wallet::PipelineStats* stats = &wallet_->pipeline_stats();
  metrics_.RegisterValue("walletd_operations_total", "counter",
                         "Mutations applied by the single writer.",
                         [stats] { return static_cast<double>(stats->operations.load()); });
  metrics_.RegisterValue("walletd_commits_total", "counter",
                         "Group commits (one fsynced RocksDB write each).",
                         [stats] { return static_cast<double>(stats->commits.load()); });
  metrics_.RegisterValue(
      "walletd_commit_seconds_total", "counter", "Time spent in group commits, fsync included.",
      [stats] { return static_cast<double>(stats->commit_micros_total.load()) / 1e6; });
  metrics_.RegisterValue("walletd_largest_group", "gauge",
                         "Most mutations committed by one fsync so far.",
                         [stats] { return static_cast<double>(stats->largest_group.load()); });
  metrics_.RegisterValue("walletd_queue_depth", "gauge",
                         "Mutations waiting for the writer.",
                         [stats] { return static_cast<double>(stats->queue_depth.load()); });
  metrics_.RegisterValue("walletd_up", "gauge", "1 while serving.",
                         [this] { return serving_ ? 1.0 : 0.0; });
}

void WalletServer::Shutdown(absl::Duration grace) {
  if (!serving_.exchange(false)) return;
  LOG(INFO) << "walletd shutting down: draining calls for up to " << grace;
  server_->GetHealthCheckService()->Shutdown();
  // Refuse new calls and wait for admitted ones ourselves: gRPC's own
  // deadline would also wait out idle client connections.
  calls_.StartDraining();
  const absl::Time give_up = absl::Now() + grace;
  while (calls_.InFlight() > 0 && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(5));
  if (calls_.InFlight() > 0) {
    LOG(WARNING) << calls_.InFlight() << " calls still running after " << grace
                 << "; cancelling them (their wallet operations still commit)";
  }
  server_->Shutdown(std::chrono::system_clock::now());
  server_->Wait();
  sink_.reset();
  http_.reset();
}

WalletServer::~WalletServer() {
  Shutdown(absl::Seconds(5));
  wallet_->SetOutboxListener(nullptr);
}

}  // namespace api
