// WalletServer: walletd's gRPC server and HTTP endpoints around one Wallet.
#ifndef API_SERVER_H_
#define API_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api/call.h"
#include "api/meter_services.h"
#include "api/online_recharge.h"
#include "api/order_reconciler.h"
#include "api/payment_gateway_client.h"
#include "api/payment_webhook.h"
#include "api/services.h"
#include "base/http_server.h"
#include "base/metrics.h"
#include "grpcpp/grpcpp.h"
#include "wallet/wallet.h"

namespace api {

struct ServerOptions {
  // gRPC listen address; port 0 picks a free port.
  // Default: 127.0.0.1:50051.
  std::string listen = "127.0.0.1:50051";
  // How the gRPC port is served (base::ServerCredentialsFrom); null:
  // plaintext.
  // Default: null.
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // HTTP address for /metrics and /healthz; port 0 picks a free port, empty
  // disables.
  // Default: 127.0.0.1:9464.
  std::string http_listen = "127.0.0.1:9464";
  // File that stands in for SMS delivery: notifications are appended there
  // and acknowledged. Empty: none, an external sender takes the stream.
  // Default: empty.
  std::string notification_log;
  // Tests and demos only: the clock walletd runs on, which AdminService.SetClock
  // moves forward. Null disables SetClock.
  // Default: null.
  base::SettableClock* settable_clock = nullptr;
  // The payment gateway's orders API. With a base_url, StartRecharge makes
  // the gateway's order and answers the checkout (api/online_recharge.h),
  // and the order reconciler runs; without one, orders wait for
  // PaymentGatewayService.ConfirmPayment.
  // Default: no base_url.
  PaymentGatewayOptions payment_gateway;
  ReconcilerOptions reconciler;
  // Address of the payment gateway's webhook listener (POST
  // /webhooks/payment-gateway, api/payment_webhook.h); port 0 picks a free
  // port, empty disables. Needs webhook_secret.
  // Default: empty.
  std::string webhook_listen;
  // The webhook secret the gateway signs with. Never logged.
  std::string webhook_secret;
  // The webhook listener's certificate and key: HTTPS, as the payment
  // gateway requires on the internet. Empty: plain HTTP (behind a proxy
  // that terminates TLS, or in tests). Default: empty.
  base::TlsPair webhook_tls;
};

class WalletServer final {
 public:
  // Start serves `wallet` (not owned; must outlive the server) with the
  // standard health service and server reflection. Unavailable if an address
  // cannot be bound.
  static absl::StatusOr<std::unique_ptr<WalletServer>> Start(wallet::Wallet* wallet,
                                                             const ServerOptions& options);
  // Shuts down if still serving.
  ~WalletServer();

  int grpc_port() const { return grpc_port_; }
  int http_port() const { return http_ ? http_->port() : 0; }
  int webhook_port() const { return webhook_http_ ? webhook_http_->port() : 0; }

  // Shutdown stops taking calls, lets calls in flight finish for up to
  // `grace`, then cancels the rest. Their wallet operations still complete:
  // the wallet drains its queue when it is closed.
  void Shutdown(absl::Duration grace);

 private:
  WalletServer(wallet::Wallet* wallet, const ServerOptions& options);
  // StartPayments starts the webhook listener and the order reconciler as
  // configured.
  absl::Status StartPayments(const ServerOptions& options);
  void RegisterPipelineMetrics();
  void RegisterOutboxMetrics();
  // Health answers GET /healthz: Unavailable with the cause while shutting
  // down or refusing writes.
  absl::Status Health() const;

  wallet::Wallet* wallet_;
  Metrics metrics_{"walletd_rpc"};
  Calls calls_;
  // Null without a payment gateway.
  std::unique_ptr<PaymentGatewayClient> gateway_client_;
  std::unique_ptr<OnlineRecharge> online_recharge_;
  std::unique_ptr<grpc::Service> admin_;
  std::unique_ptr<grpc::Service> consumer_;
  std::unique_ptr<grpc::Service> payment_;
  std::unique_ptr<grpc::Service> retailer_;
  std::unique_ptr<grpc::Service> sign_in_;
  // Wakes WatchDrive streams when a commit changed a drive.
  StreamHub drive_hub_;
  std::unique_ptr<grpc::Service> collection_;
  StreamHub hub_;
  MeterIngestService ingest_;
  MeterGatewayService gateway_;
  NotificationService notifications_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<base::HttpServer> http_;
  std::unique_ptr<PaymentWebhook> webhook_;
  std::unique_ptr<base::HttpServer> webhook_http_;
  std::unique_ptr<OrderReconciler> reconciler_;
  std::unique_ptr<NotificationLogSink> sink_;
  int grpc_port_ = 0;
  std::atomic<bool> serving_{false};
};

}  // namespace api

#endif  // API_SERVER_H_
