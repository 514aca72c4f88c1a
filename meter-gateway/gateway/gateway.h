// Gateway: carries walletd's relay commands to the meters and the meters'
// readings back to walletd.
//
//   walletd --StreamRelayCommands--> RelayQueue --workers--> DLMS session
//   walletd <--ReportRelayOutcome--------------------------- outcome
//   walletd <--IngestReadings (batches)--- scheduled reads <-- meters
//
// At most one session per meter runs at a time and at most `concurrency` in
// all; relay commands go before scheduled reads. A command is acknowledged on
// the stream only once its outcome is reported, so a gateway that dies
// re-executes (harmlessly: the relay methods are idempotent) what it had not
// reported, and loses nothing. The gateway reaches the wallet only through
// walletd's gRPC API.
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

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/metrics.h"
#include "meter-gateway/dlms/client.h"
#include "meter-gateway/gateway/directory.h"
#include "meter-gateway/gateway/relay_queue.h"

namespace meter_gateway {

struct GatewayOptions {
  // walletd's gRPC address. Default: 127.0.0.1:50051.
  std::string wallet_address = "127.0.0.1:50051";
  // An API key with the METER_GATEWAY role. Required.
  std::string api_key;
  // How each meter is reached. Commands for meters not listed fail.
  MeterDirectory directory;
  // Sessions with meters at once. Default: 64.
  int concurrency = 64;
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
  // How often the stream position is acknowledged. Default: 50 ms.
  absl::Duration ack_interval = absl::Milliseconds(50);
};

// Counters for /metrics; monotonic.
struct GatewayStats {
  std::atomic<uint64_t> commands_received{0};
  std::atomic<uint64_t> commands_superseded{0};
  std::atomic<uint64_t> attempts{0};
  std::atomic<uint64_t> retries{0};
  std::atomic<uint64_t> confirmed{0};
  std::atomic<uint64_t> armed{0};
  std::atomic<uint64_t> failed{0};
  std::atomic<uint64_t> offline{0};
  std::atomic<uint64_t> observations{0};
  std::atomic<uint64_t> reads_ok{0};
  std::atomic<uint64_t> reads_failed{0};
  std::atomic<uint64_t> readings_sent{0};
  std::atomic<uint64_t> ingest_batches{0};
  std::atomic<uint64_t> ingest_errors{0};
  std::atomic<uint64_t> stream_reconnects{0};
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
  // RegisterMetrics adds the gateway's counters and gauges to `metrics`,
  // which must outlive the gateway.
  virtual void RegisterMetrics(base::Metrics* metrics) = 0;
};

}  // namespace meter_gateway

#endif  // METER_GATEWAY_GATEWAY_GATEWAY_H_
