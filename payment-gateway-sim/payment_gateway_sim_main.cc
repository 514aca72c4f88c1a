// payment-gateway-sim: a payment gateway for tests, benchmarks and the demo,
// with Razorpay's orders API and signed webhooks delivered at least once
// (duplicates, reordering and retries on request). State is in memory.
//
//   payment-gateway-sim --listen=127.0.0.1:8090 --key_id=rzp_test_sim
//       --key_secret_file=/etc/wallet/pg.key
//       --webhook_url=http://127.0.0.1:9464/v1/webhooks/razorpay
//       --webhook_secret_file=/etc/wallet/pg-webhook.key --webhook_copies=3
//
// Once serving it prints "listening on <port>" and writes --ready_file
// (http_port=N). SIGTERM or SIGINT: stop serving, discard pending
// deliveries, exit 0.
#include <cstdint>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "base/daemon.h"
#include "base/daemon_files.h"
#include "base/http_server.h"
#include "base/metrics.h"
#include "base/monitoring_endpoint.h"
#include "glog/logging.h"
#include "payment-gateway-sim/api.h"
#include "payment-gateway-sim/ids.h"
#include "payment-gateway-sim/order_book.h"
#include "payment-gateway-sim/webhook_sender.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:8090",
          "IPv4 host:port of the API, /sim, /metrics and /healthz; port 0 picks a free one");
ABSL_FLAG(std::string, key_id, "rzp_test_sim", "the API key id callers authenticate with");
ABSL_FLAG(std::string, key_secret_file, "", "file holding the API key secret (required)");
ABSL_FLAG(std::string, webhook_url, "",
          "where webhooks are POSTed; empty: none are sent (counted as dropped)");
ABSL_FLAG(std::string, webhook_secret_file, "",
          "file holding the webhook signing secret (required with --webhook_url)");
ABSL_FLAG(std::string, webhook_ca_file, "",
          "PEM CA that signed the webhook receiver's certificate (https:// URLs); empty: the "
          "system's CAs");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate: serve the orders API over HTTPS (with --tls_key_file)");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file");
ABSL_FLAG(int32_t, webhook_copies, 1, "deliver each event this many times (1-100)");
ABSL_FLAG(bool, webhook_shuffle, false, "deliver a checkout's events in random order");
ABSL_FLAG(bool, webhook_drop, false, "deliver no webhooks at all (for reconciliation tests)");
ABSL_FLAG(int32_t, webhook_threads, 8, "webhook deliveries at once (1-1024)");
ABSL_FLAG(absl::Duration, webhook_timeout, absl::Seconds(5),
          "a receiver silent this long has failed the attempt");
ABSL_FLAG(absl::Duration, webhook_retry_initial, absl::Seconds(1),
          "wait before the first retry; doubled per retry, with jitter");
ABSL_FLAG(absl::Duration, webhook_retry_max, absl::Seconds(60), "longest wait between retries");
ABSL_FLAG(int32_t, webhook_max_attempts, 12, "attempts per delivery before it is given up");
ABSL_FLAG(uint64_t, seed, 0, "seed of ids, shuffles and jitter; 0: a random one");
ABSL_FLAG(std::string, ready_file, "", "if set, written once serving: an http_port=N line");

namespace {

// Options reads and checks the webhook flags and the webhook secret.
absl::StatusOr<pg_sim::WebhookOptions> WebhookFlags(uint64_t seed) {
  pg_sim::WebhookOptions options;
  options.url = absl::GetFlag(FLAGS_webhook_url);
  options.copies = absl::GetFlag(FLAGS_webhook_copies);
  options.shuffle = absl::GetFlag(FLAGS_webhook_shuffle);
  options.drop = absl::GetFlag(FLAGS_webhook_drop);
  options.threads = absl::GetFlag(FLAGS_webhook_threads);
  options.timeout = absl::GetFlag(FLAGS_webhook_timeout);
  options.initial_backoff = absl::GetFlag(FLAGS_webhook_retry_initial);
  options.max_backoff = absl::GetFlag(FLAGS_webhook_retry_max);
  options.max_attempts = absl::GetFlag(FLAGS_webhook_max_attempts);
  options.ca_file = absl::GetFlag(FLAGS_webhook_ca_file);
  options.seed = seed;
  if (options.copies < 1 || options.copies > 100) {
    return absl::InvalidArgumentError("--webhook_copies must be 1-100");
  }
  if (options.threads < 1 || options.threads > 1024) {
    return absl::InvalidArgumentError("--webhook_threads must be 1-1024");
  }
  if (options.max_attempts < 1) {
    return absl::InvalidArgumentError("--webhook_max_attempts must be at least 1");
  }
  if (options.timeout <= absl::ZeroDuration() || options.initial_backoff <= absl::ZeroDuration() ||
      options.max_backoff < options.initial_backoff) {
    return absl::InvalidArgumentError(
        "--webhook_timeout and --webhook_retry_initial must be positive and "
        "--webhook_retry_max at least --webhook_retry_initial");
  }
  if (!options.url.empty()) {
    const std::string path = absl::GetFlag(FLAGS_webhook_secret_file);
    if (path.empty()) {
      return absl::InvalidArgumentError("--webhook_url needs --webhook_secret_file");
    }
    absl::StatusOr<std::string> secret = base::ReadApiKeyFile(path);
    if (!secret.ok()) return secret.status();
    options.secret = *std::move(secret);
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "payment-gateway-sim: a payment gateway with Razorpay's orders API and webhooks");
  absl::ParseCommandLine(argc, argv);
  base::Daemon daemon("payment-gateway-sim", argv[0]);

  if (absl::GetFlag(FLAGS_key_secret_file).empty()) {
    return daemon.Fail(absl::InvalidArgumentError("--key_secret_file is required"));
  }
  absl::StatusOr<std::string> key_secret =
      base::ReadApiKeyFile(absl::GetFlag(FLAGS_key_secret_file));
  if (!key_secret.ok()) return daemon.Fail(key_secret.status());
  uint64_t seed = absl::GetFlag(FLAGS_seed);
  if (seed == 0) seed = (uint64_t{std::random_device()()} << 32) | std::random_device()();
  absl::StatusOr<pg_sim::WebhookOptions> webhooks = WebhookFlags(seed);
  if (!webhooks.ok()) return daemon.Fail(webhooks.status());

  base::SystemClock clock;
  pg_sim::IdMaker ids(seed);
  pg_sim::OrderBook book(&clock, &ids);
  pg_sim::WebhookSender sender(*std::move(webhooks), &clock);
  pg_sim::Api api(&book, &sender, &clock, &ids,
                  {absl::GetFlag(FLAGS_key_id), *std::move(key_secret)});
  base::Metrics metrics("payment_gateway_sim_http");
  api.RegisterMetrics(&metrics);
  sender.RegisterMetrics(&metrics);

  std::vector<base::HttpRoute> routes = api.Routes();
  for (base::HttpRoute& route : base::MonitoringRoutes(&metrics, [] { return absl::OkStatus(); })) {
    routes.push_back(std::move(route));
  }
  base::HttpServerOptions http_options;
  absl::StatusOr<base::TlsPair> tls =
      base::ReadTlsPair(absl::GetFlag(FLAGS_tls_cert_file), absl::GetFlag(FLAGS_tls_key_file));
  if (!tls.ok()) return daemon.Fail(tls.status());
  http_options.tls = *std::move(tls);
  http_options.max_connections = 256;  // kept-alive clients (walletd's threads, benchmarks)
  absl::StatusOr<std::unique_ptr<base::HttpServer>> http =
      base::HttpServer::Start(absl::GetFlag(FLAGS_listen), std::move(routes), http_options);
  if (!http.ok()) return daemon.Fail(http.status());

  absl::Status ready =
      daemon.WriteReadyFile(absl::GetFlag(FLAGS_ready_file), {{"http_port", (*http)->port()}});
  if (!ready.ok()) return daemon.Fail(ready);
  LOG(INFO) << "listening on " << (*http)->port();
  std::cout << "listening on " << (*http)->port() << std::endl;

  daemon.WaitForStopSignal();
  http->reset();
  LOG(INFO) << "payment-gateway-sim stopped cleanly";
  return 0;
}
