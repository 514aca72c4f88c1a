// meter-gatewayd: executes walletd's relay commands on DLMS/COSEM meters and
// forwards scheduled energy register reads to walletd.
//
//   meter-gatewayd --wallet=127.0.0.1:50051 --api_key_file=gateway.key
//                  --meters=meters.csv --read_interval=15m
//
// The API key needs the METER_GATEWAY role (walletctl issue-key). SIGTERM or
// SIGINT: take no new work, finish and report the sessions running,
// acknowledge them, send the readings taken, exit 0.
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "base/daemon.h"
#include "base/daemon_files.h"
#include "base/grpc/wallet_client_flags.h"
#include "base/metrics.h"
#include "base/monitoring_endpoint.h"
#include "glog/logging.h"
#include "meter-gateway/gateway/directory.h"
#include "meter-gateway/gateway/gateway.h"

ABSL_FLAG(std::string, meters, "",
          "meter directory CSV: meter_id,host,port,server_wport,client_wport,password");
ABSL_FLAG(int32_t, concurrency, 64, "DLMS sessions with meters at once");
ABSL_FLAG(absl::Duration, read_interval, absl::Minutes(15),
          "how often each meter's energy register is read; 0 turns reads off");
ABSL_FLAG(absl::Duration, armed_poll_interval, absl::Seconds(10),
          "how often a meter waiting for its button is read");
ABSL_FLAG(absl::Duration, retry_initial, absl::Milliseconds(250), "first retry back-off");
ABSL_FLAG(absl::Duration, retry_max, absl::Seconds(30), "longest retry back-off");
ABSL_FLAG(int32_t, max_attempts, 8, "attempts per relay command before it fails for good");
ABSL_FLAG(absl::Duration, connect_timeout, absl::Seconds(2), "TCP connect timeout per meter");
ABSL_FLAG(absl::Duration, response_timeout, absl::Seconds(3), "DLMS response timeout");
ABSL_FLAG(int32_t, ingest_batch, 1000, "readings per IngestReadings call");
ABSL_FLAG(std::string, http_listen, "127.0.0.1:9465",
          "address for GET /metrics and /healthz; port 0 picks one; empty disables");
ABSL_FLAG(std::string, ready_file, "", "if set, written once running: http_port=N");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("meter-gatewayd: relay commands and readings for DLMS meters");
  absl::ParseCommandLine(argc, argv);
  base::Daemon daemon("meter-gatewayd", argv[0]);

  meter_gateway::GatewayOptions options;
  absl::StatusOr<base::WalletClientConfig> wallet = base::WalletClientFromFlags();
  if (!wallet.ok()) return daemon.Fail(wallet.status());
  options.wallet_address = wallet->address;
  options.wallet_credentials = wallet->credentials;
  options.api_key = wallet->api_key;
  absl::StatusOr<meter_gateway::MeterDirectory> directory =
      meter_gateway::LoadMeterDirectory(absl::GetFlag(FLAGS_meters));
  if (!directory.ok()) return daemon.Fail(directory.status());
  options.directory = *std::move(directory);
  options.concurrency = absl::GetFlag(FLAGS_concurrency);
  options.read_interval = absl::GetFlag(FLAGS_read_interval);
  options.armed_poll_interval = absl::GetFlag(FLAGS_armed_poll_interval);
  options.retry.initial_backoff = absl::GetFlag(FLAGS_retry_initial);
  options.retry.max_backoff = absl::GetFlag(FLAGS_retry_max);
  options.retry.max_attempts = absl::GetFlag(FLAGS_max_attempts);
  options.dlms.connect_timeout = absl::GetFlag(FLAGS_connect_timeout);
  options.dlms.response_timeout = absl::GetFlag(FLAGS_response_timeout);
  options.ingest_batch_size = absl::GetFlag(FLAGS_ingest_batch);

  absl::StatusOr<std::unique_ptr<meter_gateway::Gateway>> gateway =
      meter_gateway::Gateway::Start(options);
  if (!gateway.ok()) return daemon.Fail(gateway.status());

  base::Metrics metrics;
  (*gateway)->RegisterMetrics(&metrics);
  std::unique_ptr<base::HttpServer> http;
  if (const std::string address = absl::GetFlag(FLAGS_http_listen); !address.empty()) {
    meter_gateway::Gateway* g = gateway->get();
    absl::StatusOr<std::unique_ptr<base::HttpServer>> started =
        base::StartMonitoringEndpoint(address, &metrics, [g] {
          return g->connected() ? absl::OkStatus()
                                : absl::UnavailableError("relay stream to walletd is down");
        });
    if (!started.ok()) return daemon.Fail(started.status());
    http = *std::move(started);
  }
  absl::Status ready =
      daemon.WriteReadyFile(absl::GetFlag(FLAGS_ready_file), {{"http_port", http ? http->port() : 0}});
  if (!ready.ok()) return daemon.Fail(ready);

  daemon.WaitForStopSignal();
  (*gateway)->Stop();
  http.reset();
  return 0;
}
