#include "api/server.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "base/monitoring_endpoint.h"
#include "glog/logging.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "wallet/v1/collection.grpc.pb.h"
#include "wallet/v1/consumer.grpc.pb.h"
#include "wallet/v1/payment.grpc.pb.h"
#include "wallet/v1/retailer.grpc.pb.h"
#include "wallet/v1/signin.grpc.pb.h"

namespace api {
namespace {

// Largest request walletd takes (gRPC's default is 4 MiB).
constexpr int kMaxRequestBytes = 64 << 20;

}  // namespace

WalletServer::WalletServer(wallet::Wallet* wallet, const ServerOptions& options)
    : wallet_(wallet),
      calls_(wallet, &metrics_),
      gateway_client_(options.payment_gateway.base_url.empty()
                          ? nullptr
                          : std::make_unique<PaymentGatewayClient>(options.payment_gateway)),
      online_recharge_(gateway_client_ == nullptr
                           ? nullptr
                           : std::make_unique<OnlineRecharge>(wallet, gateway_client_.get())),
      admin_(NewAdminService(&calls_, options.settable_clock)),
      consumer_(NewConsumerService(&calls_, online_recharge_.get())),
      payment_(NewPaymentGatewayService(&calls_)),
      retailer_(NewRetailerService(&calls_)),
      sign_in_(NewSignInService(&calls_)),
      collection_(NewCollectionService(&calls_, &drive_hub_)),
      ingest_(&calls_),
      gateway_(&calls_, &hub_),
      notifications_(&calls_, &hub_) {
  wallet_->SetOutboxListener([this] { hub_.WakeAll(); });
  wallet_->SetDriveListener([this] { drive_hub_.WakeAll(); });
}

absl::StatusOr<std::unique_ptr<WalletServer>> WalletServer::Start(wallet::Wallet* wallet,
                                                                  const ServerOptions& options) {
  if (!options.webhook_listen.empty() && options.webhook_secret.empty()) {
    return absl::InvalidArgumentError("a webhook listener needs the webhook secret");
  }
  std::unique_ptr<WalletServer> server(new WalletServer(wallet, options));
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(
      options.listen,
      options.credentials != nullptr ? options.credentials : grpc::InsecureServerCredentials(),
      &server->grpc_port_);
  // A drive may list a million meter ids: ~12 MB at ten characters each.
  builder.SetMaxReceiveMessageSize(kMaxRequestBytes);
  builder.RegisterService(server->admin_.get());
  builder.RegisterService(server->consumer_.get());
  builder.RegisterService(server->payment_.get());
  builder.RegisterService(server->retailer_.get());
  builder.RegisterService(server->sign_in_.get());
  builder.RegisterService(server->collection_.get());
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
    NotificationLogSink* raw = server->sink_.get();
    server->metrics_.RegisterValue(
        "walletd_notification_log_errors_total", "counter",
        "Failed writes and syncs of the notification log; the notifications stay in the outbox "
        "and are written again.",
        [raw] { return static_cast<double>(raw->write_errors()); });
  }
  if (!options.http_listen.empty()) {
    WalletServer* self = server.get();
    absl::StatusOr<std::unique_ptr<base::HttpServer>> http = base::StartMonitoringEndpoint(
        options.http_listen, &server->metrics_, [self] { return self->Health(); });
    if (!http.ok()) return http.status();
    server->http_ = *std::move(http);
  }
  if (absl::Status payments = server->StartPayments(options); !payments.ok()) return payments;
  // The health service answers for "" by itself; each service is named too,
  // so that a client or a load balancer checks the one it calls. Shutdown
  // turns them all NOT_SERVING.
  for (const char* service :
       {v1::AdminService::service_full_name(), v1::ConsumerService::service_full_name(),
        v1::PaymentGatewayService::service_full_name(), v1::RetailerService::service_full_name(),
        v1::SignInService::service_full_name(), v1::CollectionService::service_full_name(),
        v1::MeterIngestService::service_full_name(), v1::MeterGatewayService::service_full_name(),
        v1::NotificationService::service_full_name()}) {
    server->server_->GetHealthCheckService()->SetServingStatus(service, true);
  }
  server->serving_ = true;
  LOG(INFO) << "walletd serving gRPC on port " << server->grpc_port_ << ", HTTP on port "
            << server->http_port();
  return server;
}

absl::Status WalletServer::StartPayments(const ServerOptions& options) {
  if (!options.webhook_listen.empty()) {
    webhook_ = std::make_unique<PaymentWebhook>(wallet_, options.webhook_secret, &metrics_);
    std::vector<base::HttpRoute> routes;
    PaymentWebhook* webhook = webhook_.get();
    routes.push_back({kWebhookPath, {"POST"}, [webhook](const base::HttpRequest& request) {
                        return webhook->Answer(request);
                      }});
    base::HttpServerOptions http_options;
    // Each delivery waits for its durable write: many at once share a
    // group commit.
    http_options.thread_per_connection = true;
    http_options.tls = options.webhook_tls;
    absl::StatusOr<std::unique_ptr<base::HttpServer>> http =
        base::HttpServer::Start(options.webhook_listen, std::move(routes), http_options);
    if (!http.ok()) return http.status();
    webhook_http_ = *std::move(http);
    LOG(INFO) << "walletd taking payment gateway webhooks on port " << webhook_http_->port();
  }
  if (gateway_client_ != nullptr) {
    reconciler_ = std::make_unique<OrderReconciler>(wallet_, gateway_client_.get(), &metrics_,
                                                    options.reconciler);
  }
  return absl::OkStatus();
}

absl::Status WalletServer::Health() const {
  if (!serving_) return absl::UnavailableError("shutting down");
  const wallet::WriteHealth health = wallet_->write_health();
  if (!health.writable) {
    return absl::UnavailableError(
        absl::StrCat("not accepting writes (reads are served): ", health.reason,
                     "; writes resume by themselves once space is freed"));
  }
  return absl::OkStatus();
}

void WalletServer::RegisterPipelineMetrics() {
  const wallet::PipelineStats* stats = &wallet_->pipeline_stats();
  auto counter = [this](const std::string& name, const std::string& help,
                        const std::atomic<uint64_t>& value) {
    metrics_.RegisterValue(name, "counter", help,
                           [&value] { return static_cast<double>(value.load()); });
  };
  counter("walletd_operations_total",
          "Requests that change the wallet, applied by the single writer and answered after "
          "their group commit (those refused by validation included; scheduler ticks are "
          "counted in walletd_scheduler_ticks_total).",
          stats->operations);
  counter("walletd_scheduler_ticks_total",
          "Policy scheduler wake-ups applied by the single writer (about one a second).",
          stats->ticks);
  counter("walletd_commits_total",
          "Group commits written to RocksDB (each one write, fsynced with its WAL).",
          stats->commits);
  metrics_.RegisterHistogram(
      "walletd_commit_seconds", "Duration of each group commit: the RocksDB write and its fsync.",
      std::vector<int64_t>(wallet::kCommitBucketsUs.begin(), wallet::kCommitBucketsUs.end()),
      [stats] {
        Metrics::HistogramValues values;
        // The count comes from the buckets, so that it always matches them.
        for (const auto& bucket : stats->commit_buckets) values.counts.push_back(bucket.load());
        values.sum = static_cast<double>(stats->commit_micros_total.load()) / 1e6;
        return values;
      });
  counter("walletd_write_errors_total",
          "Group commits that failed (disk full, I/O error); walletd then refuses writes until "
          "it has reopened the store.",
          stats->commit_errors);
  metrics_.RegisterValue("walletd_largest_group", "gauge",
                         "Most requests committed by one group commit so far.",
                         [stats] { return static_cast<double>(stats->largest_group.load()); });
  metrics_.RegisterValue("walletd_queue_depth", "gauge", "Operations waiting for the writer.",
                         [stats] { return static_cast<double>(stats->queue_depth.load()); });
  metrics_.RegisterValue("walletd_up", "gauge", "1 while serving, 0 while shutting down.",
                         [this] { return serving_ ? 1.0 : 0.0; });
  metrics_.RegisterValue(
      "walletd_writable", "gauge",
      "1 while changes are accepted; 0 while they are refused because the data disk is full or "
      "failed a write (see /healthz).",
      [this] { return wallet_->write_health().writable ? 1.0 : 0.0; });
  metrics_.RegisterValue(
      "walletd_disk_free_bytes", "gauge",
      "Free space of the data directory's file system at the last check (once a second).",
      [this] { return static_cast<double>(wallet_->write_health().free_bytes); });
  RegisterOutboxMetrics();
}

void WalletServer::RegisterOutboxMetrics() {
  struct Stream {
    wallet::Stream id;
    const char* label;
  };
  static constexpr Stream kStreams[] = {{wallet::Stream::kRelay, "relay"},
                                        {wallet::Stream::kNotification, "notifications"}};
  // Each figure is read from the store at the scrape; a failed read shows as
  // NaN rather than as a plausible number.
  auto value = [this](const std::string& family, const char* label, const std::string& type,
                      const std::string& help, wallet::Stream stream,
                      double (*pick)(const wallet::OutboxStats&)) {
    metrics_.RegisterValue(
        absl::StrCat(family, "{stream=\"", label, "\"}"), type, help, [this, stream, pick] {
          absl::StatusOr<wallet::OutboxStats> stats = wallet_->GetOutboxStats(stream);
          return stats.ok() ? pick(*stats) : std::nan("");
        });
  };
  for (const Stream& s : kStreams) {
    value("walletd_outbox_committed_total", s.label, "counter",
          "Outbox items committed, by stream (relay commands, notifications).", s.id,
          [](const wallet::OutboxStats& st) { return static_cast<double>(st.committed); });
  }
  for (const Stream& s : kStreams) {
    value("walletd_outbox_acknowledged_total", s.label, "counter",
          "Outbox items acknowledged by the stream's receiver (the durable cursor).", s.id,
          [](const wallet::OutboxStats& st) { return static_cast<double>(st.acknowledged); });
  }
  for (const Stream& s : kStreams) {
    value("walletd_outbox_backlog", s.label, "gauge",
          "Outbox items committed but not yet acknowledged by the stream's receiver.", s.id,
          [](const wallet::OutboxStats& st) {
            return static_cast<double>(st.committed - st.acknowledged);
          });
  }
  for (const Stream& s : kStreams) {
    value("walletd_outbox_lag_seconds", s.label, "gauge",
          "Age of the oldest outbox item not yet acknowledged, on walletd's clock; 0 when none "
          "waits.",
          s.id, [](const wallet::OutboxStats& st) {
            return absl::ToDoubleSeconds(st.oldest_unacknowledged_age);
          });
  }
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
  // The HTTP servers first: /metrics reads the sink. Webhooks stop with
  // the gRPC calls: both are answered only after a durable write.
  webhook_http_.reset();
  reconciler_.reset();
  http_.reset();
  sink_.reset();
}

WalletServer::~WalletServer() {
  Shutdown(absl::Seconds(5));
  wallet_->SetOutboxListener(nullptr);
  wallet_->SetDriveListener(nullptr);
}

}  // namespace api
