// Gateway: carries walletd's relay commands to the meters and the meters'
// readings back to walletd. It is the composition of four parts, each in its
// own file:
//
//   WalletConnection   (wallet_connection.h) the connection to walletd, with
//                      the one retry policy every call follows;
//   RelayCommandPath   (relay_commands.h) the relay command stream, the
//                      per-meter queue, DLMS execution, outcome reports and
//                      acknowledgements;
//   ReadScheduler      (read_scheduler.h) scheduled register reads, armed
//                      meters polled, relay changes observed;
//   IngestBatcher      (ingest_batcher.h) readings batched to walletd.
//
//   walletd --StreamRelayCommands--> RelayCommandPath --workers--> DLMS session
//   walletd <--ReportRelayOutcome------------------------------------ outcome
//   walletd <--IngestReadings-- IngestBatcher <-- ReadScheduler <-- meters
//
// The gateway's workers run both kinds of session: at most one per meter at
// a time and at most `concurrency` in all, relay commands before scheduled
// reads. A command is acknowledged on the stream only once its outcome is
// reported, so a gateway that dies re-executes (harmlessly: the relay
// methods are idempotent) what it had not reported, and loses nothing. The
// gateway reaches the wallet only through walletd's gRPC API.
//
// Example:
//   GatewayOptions options;
//   options.wallet_address = "127.0.0.1:50051";
//   options.api_key = key;              // role METER_GATEWAY
//   options.directory = *LoadMeterDirectory("meters.csv");
//   WALLET_ASSIGN_OR_RETURN(std::unique_ptr<Gateway> gateway, Gateway::Start(options));
//   ...
//   gateway->Stop();
#ifndef METER_GATEWAY_GATEWAY_GATEWAY_H_
#define METER_GATEWAY_GATEWAY_GATEWAY_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/metrics.h"
#include "grpcpp/security/credentials.h"
#include "meter-gateway/dlms/client.h"
#include "meter-gateway/gateway/directory.h"
#include "meter-gateway/gateway/retry_policy.h"

namespace meter_gateway {

struct GatewayOptions {
  // walletd's gRPC address. Default: 127.0.0.1:50051.
  std::string wallet_address = "127.0.0.1:50051";
  // How the channel to walletd is secured (base::ChannelCredentialsFrom);
  // null: plaintext. Default: null.
  std::shared_ptr<grpc::ChannelCredentials> wallet_credentials;
  // An API key with the METER_GATEWAY role. Required.
  std::string api_key;
  // How each meter is reached. Commands for meters not listed fail.
  MeterDirectory directory;
  // Sessions with meters at once. Default: 64.
  int concurrency = 64;
  // How a relay command that failed in a retryable way (the meter offline,
  // a timeout) is tried again on its meter; max_attempts must be at least
  // 1. Calls to walletd follow WalletConnectionOptions' policy.
  // Default: RetryPolicy's (250 ms doubling to 30 s, 8 attempts).
  RetryPolicy retry;
  dlms::ClientOptions dlms;
  // Each meter's energy register (and relay) is read once per interval, the
  // meters spread evenly over it; zero turns scheduled reads off.
  // Default: 15 minutes.
  absl::Duration read_interval = absl::Minutes(15);
  // A meter left ready_for_reconnection is read this often until the
  // consumer presses the button. Default: 10 s.
  absl::Duration armed_poll_interval = absl::Seconds(10);
  // Readings per IngestReadings call, and the longest a reading waits for
  // its batch. Default: 1000 and 1 s.
  int ingest_batch_size = 1000;
  absl::Duration ingest_flush_interval = absl::Seconds(1);
  // Readings held while walletd is away; beyond this the oldest are dropped
  // (the next reads carry the registers forward). Default: 100,000.
  size_t ingest_max_pending = 100'000;
  // How often the stream position is acknowledged. Default: 50 ms.
  absl::Duration ack_interval = absl::Milliseconds(50);
};

class Gateway {
 public:
  virtual ~Gateway() = default;

  // Start connects to walletd and starts the workers. InvalidArgument for
  // bad options. walletd need not be up yet: the stream reconnects.
  static absl::StatusOr<std::unique_ptr<Gateway>> Start(GatewayOptions options);

  // Stop takes no new work, lets running sessions finish and report,
  // acknowledges what was reported, sends the readings taken and stops.
  // Called by the destructor if not before.
  virtual void Stop() = 0;

  // True while the relay command stream to walletd is open.
  virtual bool connected() const = 0;
  // RegisterMetrics adds the gateway's counters and gauges to `metrics`; the
  // gateway must outlive every later Render.
  virtual void RegisterMetrics(base::Metrics* metrics) = 0;
};

}  // namespace meter_gateway

#endif  // METER_GATEWAY_GATEWAY_GATEWAY_H_
