#include "meter-gateway/gateway/gateway.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "glog/logging.h"
#include "meter-gateway/gateway/ingest_batcher.h"
#include "meter-gateway/gateway/meter_link.h"
#include "meter-gateway/gateway/read_scheduler.h"
#include "meter-gateway/gateway/relay_commands.h"
#include "meter-gateway/gateway/wallet_connection.h"
#include "meter-gateway/gateway/wallet_stub.h"
#include "meter-gateway/gateway/work_signal.h"

namespace meter_gateway {
namespace {

// Seed spreads the jitter of gateways that start together.
uint64_t Seed(const std::string& api_key) {
  return absl::Hash<std::string>()(api_key) ^ static_cast<uint64_t>(absl::ToUnixNanos(absl::Now()));
}

RelayCommandOptions RelayOptions(const GatewayOptions& options, uint64_t seed) {
  RelayCommandOptions relay;
  relay.retry = options.retry;
  relay.seed = seed;
  relay.ack_interval = options.ack_interval;
  return relay;
}

ReadSchedulerOptions ReadOptions(const GatewayOptions& options) {
  ReadSchedulerOptions reads;
  reads.read_interval = options.read_interval;
  reads.armed_poll_interval = options.armed_poll_interval;
  return reads;
}

IngestBatcherOptions BatcherOptions(const GatewayOptions& options) {
  IngestBatcherOptions batcher;
  batcher.batch_size = options.ingest_batch_size;
  batcher.flush_interval = options.ingest_flush_interval;
  batcher.max_pending = options.ingest_max_pending;
  // Unique per run: walletd must not take a new batch for a retried one.
  batcher.instance = absl::StrCat("gw-", absl::ToUnixMicros(absl::Now()));
  return batcher;
}

WalletConnectionOptions ConnectionOptions(uint64_t seed) {
  WalletConnectionOptions connection;
  connection.seed = seed;
  return connection;
}

class GatewayImpl final : public Gateway {
 public:
  GatewayImpl(const GatewayOptions& options, uint64_t seed)
      : options_(options),
        wallet_(MakeWalletConnection(MakeGrpcWalletStub(options.wallet_address, options.wallet_credentials, options.api_key),
                                     ConnectionOptions(seed + 1))),
        meters_(MakeDlmsMeterLink(options.directory, options.dlms)),
        batcher_(BatcherOptions(options), wallet_.get()),
        relay_(RelayOptions(options, seed), wallet_.get(), meters_.get(), &clock_, &work_,
               [this](const std::string& meter_id, const wallet::v1::RelayOutcome& outcome) {
                 reads_.OnRelayOutcome(meter_id, outcome);
               }),
        reads_(ReadOptions(options), meters_->MeterIds(), &relay_, meters_.get(), &batcher_,
               wallet_.get(), &clock_, &work_) {}

  ~GatewayImpl() override { Stop(); }

  void Begin() {
    relay_.Start();
    batcher_.Start();
    for (int i = 0; i < options_.concurrency; ++i) {
      workers_.emplace_back([this] { WorkLoop(); });
    }
    LOG(INFO) << "gateway started: walletd " << options_.wallet_address << ", "
              << options_.directory.size() << " meters, " << options_.concurrency
              << " sessions at most, reads every " << options_.read_interval;
  }

  void Stop() override {
    if (stopped_.exchange(true)) return;
    // No new work; running sessions finish, each trying its report once.
    relay_.BeginStop();
    reads_.Stop();
    wallet_->StopRetrying();
    work_.Close();
    for (std::thread& t : workers_) t.join();
    relay_.Stop();
    batcher_.Stop();
    const RelayCommandPath::Stats& relay = relay_.stats();
    LOG(INFO) << "gateway stopped: " << relay.confirmed << " confirmed, " << relay.armed
              << " armed, " << relay.failed << " failed ("
              << relay.failed_by[wallet::v1::RelayOutcome::NO_RELAY] << " without a relay), "
              << relay.offline << " offline, "
              << batcher_.stats().readings_sent << " readings sent";
  }

  bool connected() const override { return wallet_->connected(); }

  void RegisterMetrics(base::Metrics* metrics) override {
    relay_.RegisterMetrics(metrics);
    reads_.RegisterMetrics(metrics);
    batcher_.RegisterMetrics(metrics);
    wallet_->RegisterMetrics(metrics);
    metrics->RegisterValue("gateway_sessions_running", "gauge", "DLMS sessions in progress",
                           [this] { return static_cast<double>(sessions_.load()); });
  }

 private:
  // WorkLoop runs sessions, relay commands before scheduled reads, until
  // the gateway stops.
  void WorkLoop() {
    while (!work_.closed()) {
      const uint64_t seen = work_.generation();
      if (std::optional<RelayJob> job = relay_.TakeDue()) {
        ++sessions_;
        relay_.Run(*job);
        --sessions_;
        continue;
      }
      if (std::optional<std::string> meter_id = reads_.TakeDue()) {
        ++sessions_;
        reads_.Run(*meter_id);
        --sessions_;
        continue;
      }
      absl::Time wake = clock_.Now() + absl::Seconds(1);
      if (std::optional<absl::Time> due = relay_.NextDue()) wake = std::min(wake, *due);
      if (std::optional<absl::Time> due = reads_.NextDue()) wake = std::min(wake, *due);
      work_.Wait(seen, wake);
    }
  }

  const GatewayOptions options_;
  // The workers wait on the real clock, so the gateway runs on it too.
  base::SystemClock clock_;
  WorkSignal work_;
  std::unique_ptr<WalletConnection> wallet_;
  std::unique_ptr<MeterLink> meters_;
  IngestBatcher batcher_;
  RelayCommandPath relay_;
  ReadScheduler reads_;
  std::atomic<int> sessions_{0};
  std::atomic<bool> stopped_{false};
  std::vector<std::thread> workers_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Start(GatewayOptions options) {
  if (options.api_key.empty()) return absl::InvalidArgumentError("an API key is required");
  if (options.concurrency < 1 || options.concurrency > 4096) {
    return absl::InvalidArgumentError("concurrency must be 1-4096");
  }
  if (options.ingest_batch_size < 1 || options.ingest_batch_size > 10'000) {
    return absl::InvalidArgumentError("ingest batch size must be 1-10000");
  }
  if (options.retry.max_attempts < 1) {
    return absl::InvalidArgumentError("max attempts must be at least 1");
  }
  const uint64_t seed = Seed(options.api_key);
  auto gateway = std::make_unique<GatewayImpl>(options, seed);
  gateway->Begin();
  return gateway;
}

}  // namespace meter_gateway
