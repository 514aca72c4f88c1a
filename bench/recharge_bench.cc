// recharge_bench: closed-loop recharge throughput and latency of a real walletd.
//
// Starts walletd on a temporary data directory, registers meters and a funded
// retailer (or consumers and a payment gateway key), then keeps --clients
// recharges in flight for --seconds (after --warmup_seconds), each client
// issuing its next recharge as soon as the previous one is answered. Then it
// measures the rate of a no-op RPC (grpc.health.v1.Health/Check) with the same
// concurrency and duration, the ceiling that the RPC stack alone allows on
// this machine, and checks that the ledger is consistent and that the meter
// balances add up to exactly the recharges that were acknowledged.
//
// The clients are state machines on a few completion-queue threads (--threads)
// rather than one thread each: the benchmark shares the machine with walletd
// and must not take the cores that it is measuring.
//
// Usage (from the build tree; walletd is found at ../api/walletd relative to
// this binary):
//
//   bench/recharge_bench --clients=64 --meters=1000 --seconds=10
//   bench/recharge_bench --mode=order --seconds=5
//
// The last line of output is one JSON object with the headline figures. The
// exit code is non-zero if setup failed or the verification found a mismatch.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_init.h"
#include "bench/bench_walletd.h"
#include "bench/recharge_phase.h"
#include "bench/xorshift.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "tests/testing/bench_util.h"
#include "tests/testing/walletd_process.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "wallet/v1/consumer.grpc.pb.h"
#include "wallet/v1/payment.grpc.pb.h"
#include "wallet/v1/retailer.grpc.pb.h"

ABSL_FLAG(int, clients, 64, "Concurrent closed-loop clients.");
ABSL_FLAG(int, meters, 1000, "Meters to spread the recharges over.");
ABSL_FLAG(int, seconds, 10, "Measured duration of each phase.");
ABSL_FLAG(double, warmup_seconds, 1.0,
          "Unmeasured load before each phase's window, so that connections, "
          "allocators and caches are warm when measuring starts.");
ABSL_FLAG(std::string, mode, "retailer",
          "retailer: RetailerService.Recharge; order: "
          "ConsumerService.StartRecharge + PaymentGatewayService.ConfirmPayment.");
ABSL_FLAG(int, threads, 2, "Client completion-queue threads.");
ABSL_FLAG(int, retailers, 1, "Retailers in retailer mode (clients round-robin).");
ABSL_FLAG(int64_t, amount_paise, 10000,
          "Base recharge amount; each request adds 0..99 paise so that lost or "
          "doubled requests show up in the sums.");
ABSL_FLAG(int64_t, max_topup_paise, 10'000'000,
          "Largest single TopUpFloat; keep at or below walletd's "
          "--max_amount_paise.");
ABSL_FLAG(int64_t, float_paise, 0, "Float per retailer; 0 sizes it for 60,000 recharges/s.");
ABSL_FLAG(int, deadline_ms, 10000, "Deadline of each benchmark call.");
ABSL_FLAG(bool, skip_noop, false, "Skip the no-op RPC phase.");

namespace wallet::bench {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::wallet::testing::Topology;
using ::wallet::testing::WalletdProcess;
using ::wallet::v1::AdminService;
using ::wallet::v1::ConfirmPaymentRequest;
using ::wallet::v1::ConfirmPaymentResponse;
using ::wallet::v1::ConsumerService;
using ::wallet::v1::PaymentGatewayService;
using ::wallet::v1::RetailerRechargeRequest;
using ::wallet::v1::RetailerRechargeResponse;
using ::wallet::v1::RetailerService;
using ::wallet::v1::StartRechargeRequest;
using ::wallet::v1::StartRechargeResponse;
using Clock = std::chrono::steady_clock;

struct ThreadStats {
  int64_t ok_in_window = 0;
  int64_t ok_total = 0;
  std::vector<int64_t> latencies_ns;  // of requests completed in the window
  std::map<int, int64_t> errors_by_code;
  std::string first_error;
  std::vector<int64_t> acked_paise_by_meter;
  int64_t acked_paise = 0;
  int64_t commission_paise = 0;
  std::vector<Unresolved> unresolved;
};

// Timing and inputs shared (read-only) by every client of a phase.
struct PhaseContext {
  Mode mode = Mode::kRetailer;
  Clock::time_point window_start;
  Clock::time_point window_end;
  const Topology* topology = nullptr;
  std::string admin_key;
  int64_t amount_paise = 0;
  std::chrono::milliseconds deadline{10000};
};

// One closed-loop client: a state machine driven by its thread's completion
// queue, always with exactly one call in flight until the window ends.
class Client final {
 public:
  Client(int index, const PhaseContext* phase, Connection* connection, grpc::CompletionQueue* cq,
         ThreadStats* stats)
      : index_(index), phase_(phase), connection_(connection), cq_(cq), stats_(stats), rng_(index) {
    if (phase_->mode == Mode::kRetailer) {
      const Topology& topology = *phase_->topology;
      const int retailer = index_ % static_cast<int>(topology.retailer_ids.size());
      retailer_key_ = topology.retailer_keys[retailer];
      recharge_request_.set_retailer_id(topology.retailer_ids[retailer]);
    }
  }

  // Issues the first call.
  void Start() { IssueNext(); }

  // Handles the completion of the current call. Returns false once the client
  // has finished (the window ended and nothing is in flight).
  bool OnComplete() {
    const Clock::time_point now = Clock::now();
    switch (phase_->mode) {
      case Mode::kRetailer:
        if (status_.ok()) {
          Acknowledge(now, recharge_response_.recharge().amount_paise(),
                      recharge_response_.commission().amount_paise());
        } else {
          RecordError(now, /*unknown_outcome=*/true);
        }
        break;
      case Mode::kOrder:
        if (!confirming_) {
          if (status_.ok()) {
            IssueConfirm();
            return true;
          }
          // No order, so nothing can have been credited.
          RecordError(now, /*unknown_outcome=*/false);
        } else if (status_.ok()) {
          Acknowledge(now, confirm_request_.amount_paise(), 0);
        } else {
          RecordError(now, /*unknown_outcome=*/true);
        }
        break;
      case Mode::kNoop:
        if (status_.ok()) {
          Acknowledge(now, 0, 0);
        } else {
          RecordError(now, /*unknown_outcome=*/false);
        }
        break;
    }
    if (now >= phase_->window_end) return false;
    IssueNext();
    return true;
  }

 private:
  void ResetContext(const std::string& api_key) {
    context_.emplace();
    context_->AddMetadata(wallet::testing::kApiKeyMetadata, api_key);
    context_->set_deadline(std::chrono::system_clock::now() + phase_->deadline);
  }

  void IssueNext() {
    confirming_ = false;
    started_ = Clock::now();
    ++sequence_;
    if (phase_->mode == Mode::kNoop) {
      ResetContext(phase_->admin_key);
      health_reader_ = connection_->health->AsyncCheck(&*context_, health_request_, cq_);
      health_reader_->Finish(&health_response_, &status_, this);
      return;
    }
    const uint64_t random = rng_.Next();
    meter_ = static_cast<int>(random % phase_->topology->meter_ids.size());
    const int64_t amount = phase_->amount_paise + static_cast<int64_t>((random >> 32) % 100);
    const std::string& meter_id = phase_->topology->meter_ids[meter_];
    if (phase_->mode == Mode::kRetailer) {
      recharge_request_.set_request_id(absl::StrCat("rc", index_, "-", sequence_));
      recharge_request_.set_meter_id(meter_id);
      recharge_request_.set_amount_paise(amount);
      ResetContext(retailer_key_);
      recharge_reader_ = connection_->retailer->AsyncRecharge(&*context_, recharge_request_, cq_);
      recharge_reader_->Finish(&recharge_response_, &status_, this);
    } else {
      start_request_.set_request_id(absl::StrCat("or", index_, "-", sequence_));
      start_request_.set_meter_id(meter_id);
      start_request_.set_amount_paise(amount);
      ResetContext(phase_->topology->consumer_keys[meter_]);
      start_reader_ = connection_->consumer->AsyncStartRecharge(&*context_, start_request_, cq_);
      start_reader_->Finish(&start_response_, &status_, this);
    }
  }

  void IssueConfirm() {
    confirming_ = true;
    confirm_request_.set_payment_id(absl::StrCat("pay", index_, "-", sequence_));
    confirm_request_.set_order_id(start_response_.order().order_id());
    confirm_request_.set_amount_paise(start_request_.amount_paise());
    ResetContext(phase_->topology->payment_gateway_key);
    confirm_reader_ = connection_->payment->AsyncConfirmPayment(&*context_, confirm_request_, cq_);
    confirm_reader_->Finish(&confirm_response_, &status_, this);
  }

  void Acknowledge(Clock::time_point now, int64_t amount, int64_t commission) {
    ++stats_->ok_total;
    if (phase_->mode != Mode::kNoop) {
      stats_->acked_paise_by_meter[meter_] += amount;
      stats_->acked_paise += amount;
      stats_->commission_paise += commission;
    }
    if (now >= phase_->window_start && now < phase_->window_end) {
      ++stats_->ok_in_window;
      stats_->latencies_ns.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - started_).count());
    }
  }

  void RecordError(Clock::time_point now, bool unknown_outcome) {
    ++stats_->errors_by_code[status_.error_code()];
    if (stats_->first_error.empty()) {
      stats_->first_error = absl::StrCat(ModeName(phase_->mode), ": code ", status_.error_code(),
                                         " ", status_.error_message());
    }
    if (!unknown_outcome) return;
    Unresolved unresolved;
    unresolved.meter = meter_;
    if (phase_->mode == Mode::kRetailer) {
      unresolved.recharge = recharge_request_;
    } else {
      unresolved.confirm = confirm_request_;
    }
    stats_->unresolved.push_back(std::move(unresolved));
  }

  const int index_;
  const PhaseContext* const phase_;
  Connection* const connection_;
  grpc::CompletionQueue* const cq_;
  ThreadStats* const stats_;
  XorShift64 rng_;
  std::string retailer_key_;

  // The current call. Requests are reused to spare allocations.
  int64_t sequence_ = 0;
  int meter_ = 0;
  bool confirming_ = false;
  Clock::time_point started_;
  std::optional<grpc::ClientContext> context_;
  grpc::Status status_;
  RetailerRechargeRequest recharge_request_;
  RetailerRechargeResponse recharge_response_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<RetailerRechargeResponse>> recharge_reader_;
  StartRechargeRequest start_request_;
  StartRechargeResponse start_response_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<StartRechargeResponse>> start_reader_;
  ConfirmPaymentRequest confirm_request_;
  ConfirmPaymentResponse confirm_response_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<ConfirmPaymentResponse>> confirm_reader_;
  HealthCheckRequest health_request_;
  HealthCheckResponse health_response_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<HealthCheckResponse>> health_reader_;
};

PhaseResult RunPhase(Mode mode, const Topology& topology, std::vector<Connection>& connections,
                     const WalletdProcess& walletd) {
  const std::string& admin_key = walletd.admin_key();
  const int clients = absl::GetFlag(FLAGS_clients);
  const int threads = std::max(1, std::min(absl::GetFlag(FLAGS_threads), clients));
  const int meters = static_cast<int>(topology.meter_ids.size());

  PhaseContext phase;
  phase.mode = mode;
  phase.topology = &topology;
  phase.admin_key = admin_key;
  phase.amount_paise = absl::GetFlag(FLAGS_amount_paise);
  phase.deadline = std::chrono::milliseconds(absl::GetFlag(FLAGS_deadline_ms));
  const Window window =
      WindowAfterWarmup(absl::GetFlag(FLAGS_warmup_seconds), absl::GetFlag(FLAGS_seconds));
  phase.window_start = window.start;
  phase.window_end = window.end;

  std::vector<ThreadStats> stats(threads);
  std::vector<std::unique_ptr<grpc::CompletionQueue>> queues;
  std::vector<std::vector<std::unique_ptr<Client>>> thread_clients(threads);
  for (int t = 0; t < threads; ++t) {
    queues.push_back(std::make_unique<grpc::CompletionQueue>());
    stats[t].acked_paise_by_meter.assign(meters, 0);
    stats[t].latencies_ns.reserve(1 << 18);
  }
  for (int c = 0; c < clients; ++c) {
    const int t = c % threads;
    thread_clients[t].push_back(std::make_unique<Client>(
        c, &phase, &connections[c % connections.size()], queues[t].get(), &stats[t]));
  }

  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      size_t active = thread_clients[t].size();
      for (auto& client : thread_clients[t]) client->Start();
      void* tag = nullptr;
      bool ok = false;
      while (active > 0 && queues[t]->Next(&tag, &ok)) {
        if (!static_cast<Client*>(tag)->OnComplete()) --active;
      }
      queues[t]->Shutdown();
      while (queues[t]->Next(&tag, &ok)) {
      }
    });
  }
  WindowSample sample = SampleWindow(walletd, window);
  for (std::thread& worker : workers) worker.join();

  PhaseResult result;
  result.metrics_before = std::move(sample.metrics_before);
  result.metrics_after = std::move(sample.metrics_after);
  result.client_cpu_seconds = sample.client_cpu_seconds;
  result.server_cpu_seconds = sample.server_cpu_seconds;

  result.mode = mode;
  result.seconds = std::chrono::duration<double>(phase.window_end - phase.window_start).count();
  result.acked_paise_by_meter.assign(meters, 0);
  for (ThreadStats& s : stats) {
    result.ok_in_window += s.ok_in_window;
    result.ok_total += s.ok_total;
    for (const auto& [code, count] : s.errors_by_code) {
      result.errors_by_code[code] += count;
      result.errors += count;
    }
    if (result.first_error.empty()) result.first_error = s.first_error;
    result.latencies_ns.insert(result.latencies_ns.end(), s.latencies_ns.begin(),
                               s.latencies_ns.end());
    for (int m = 0; m < meters; ++m) {
      result.acked_paise_by_meter[m] += s.acked_paise_by_meter[m];
    }
    result.acked_paise += s.acked_paise;
    result.commission_paise += s.commission_paise;
    for (Unresolved& u : s.unresolved) result.unresolved.push_back(std::move(u));
  }
  std::sort(result.latencies_ns.begin(), result.latencies_ns.end());
  return result;
}

int Main() {
  const std::string mode_flag = absl::GetFlag(FLAGS_mode);
  Mode mode;
  if (mode_flag == "retailer") {
    mode = Mode::kRetailer;
  } else if (mode_flag == "order") {
    mode = Mode::kOrder;
  } else {
    std::fprintf(stderr, "--mode must be retailer or order\n");
    return 2;
  }
  const int clients = absl::GetFlag(FLAGS_clients);
  const int meters = absl::GetFlag(FLAGS_meters);
  const int seconds = absl::GetFlag(FLAGS_seconds);
  if (clients < 1 || meters < 1 || seconds < 1 || absl::GetFlag(FLAGS_channels) < 1 ||
      absl::GetFlag(FLAGS_retailers) < 1) {
    std::fprintf(stderr,
                 "--clients, --meters, --seconds, --channels and "
                 "--retailers must be positive\n");
    return 2;
  }

  std::unique_ptr<WalletdProcess> started = StartWalletdFromFlags({});
  if (started == nullptr) return 1;
  WalletdProcess& walletd = *started;

  auto admin = AdminService::NewStub(walletd.NewChannel());
  wallet::testing::TopologyOptions topology_options;
  topology_options.meters = meters;
  if (mode == Mode::kRetailer) {
    topology_options.retailers = absl::GetFlag(FLAGS_retailers);
    int64_t float_paise = absl::GetFlag(FLAGS_float_paise);
    if (float_paise <= 0) {
      // Enough for 60,000 recharges/s of the largest amount, with a margin;
      // running dry shows up as FAILED_PRECONDITION errors, not wrong sums.
      const double recharges = 60000.0 * (seconds + absl::GetFlag(FLAGS_warmup_seconds) + 1);
      float_paise = static_cast<int64_t>(recharges * (absl::GetFlag(FLAGS_amount_paise) + 100) /
                                         topology_options.retailers);
    }
    topology_options.float_paise_per_retailer = float_paise;
  } else {
    topology_options.retailers = 0;
    topology_options.retailer_keys = false;
    topology_options.consumer_keys = true;
    topology_options.payment_gateway_key = true;
  }
  topology_options.max_topup_paise = absl::GetFlag(FLAGS_max_topup_paise);
  const absl::Time setup_start = absl::Now();
  std::optional<Topology> topology = CreateTopology(walletd, *admin, topology_options);
  if (!topology.has_value()) return 1;
  if (mode == Mode::kRetailer) {
    std::printf(
        "setup: %d meters, %d retailers with Rs %.2f lakh float each, "
        "in %.2f s\n",
        meters, topology_options.retailers, topology_options.float_paise_per_retailer / 1e7,
        absl::ToDoubleSeconds(absl::Now() - setup_start));
  } else {
    std::printf("setup: %d meters and consumer keys, in %.2f s\n", meters,
                absl::ToDoubleSeconds(absl::Now() - setup_start));
  }

  std::vector<std::shared_ptr<grpc::Channel>> channels =
      ConnectChannels(walletd, absl::GetFlag(FLAGS_channels));
  if (channels.empty()) return 1;
  std::vector<Connection> connections(channels.size());
  for (size_t i = 0; i < channels.size(); ++i) {
    Connection& connection = connections[i];
    connection.channel = std::move(channels[i]);
    connection.retailer = RetailerService::NewStub(connection.channel);
    connection.consumer = ConsumerService::NewStub(connection.channel);
    connection.payment = PaymentGatewayService::NewStub(connection.channel);
    connection.health = Health::NewStub(connection.channel);
  }
  std::printf(
      "load: %d clients on %d threads over %d channels, %d s + %.1f s "
      "warm-up per phase, mode %s\n",
      clients, std::min(absl::GetFlag(FLAGS_threads), clients), absl::GetFlag(FLAGS_channels),
      seconds, absl::GetFlag(FLAGS_warmup_seconds), ModeName(mode));
  std::fflush(stdout);

  PhaseResult recharge = RunPhase(mode, *topology, connections, walletd);
  PrintPhase(recharge, ModeName(mode));
  std::fflush(stdout);

  PhaseResult noop;
  if (!absl::GetFlag(FLAGS_skip_noop)) {
    noop = RunPhase(Mode::kNoop, *topology, connections, walletd);
    PrintPhase(noop, "noop");
  }

  bool verified = false;
  const absl::Time verify_start = absl::Now();
  absl::Status resolved = ResolveUnknownOutcomes(recharge, *topology, connections[0]);
  if (!resolved.ok()) {
    std::printf("cannot resolve requests of unknown outcome: %s\n", resolved.ToString().c_str());
  } else {
    const Verification v = Verify(recharge, *topology, *admin, walletd.admin_key(),
                                  topology_options.float_paise_per_retailer);
    verified = v.ledger_ok && v.meters_match && v.float_match;
  }
  std::printf("verification: %s (%.2f s)\n", verified ? "PASSED" : "FAILED",
              absl::ToDoubleSeconds(absl::Now() - verify_start));

  // Close every connection first: walletd's graceful shutdown waits until its
  // clients have closed their connections, and an idle gRPC client that no
  // thread polls notices the server's GOAWAY only on its 5 s backup poll.
  connections.clear();
  admin.reset();
  StopWalletd(walletd);

  const double noop_rate = noop.seconds > 0 ? noop.Rate() : 0;
  std::printf(
      "{\"recharges_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
      "\"p999_ms\":%.3f,\"noop_per_s\":%.1f,\"ratio_to_noop\":%.3f,"
      "\"clients\":%d,\"meters\":%d,\"seconds\":%d,\"mode\":\"%s\","
      "\"errors\":%" PRId64 ",\"verified\":%s}\n",
      recharge.Rate(), recharge.PercentileMs(0.50), recharge.PercentileMs(0.99),
      recharge.PercentileMs(0.999), noop_rate, noop_rate > 0 ? recharge.Rate() / noop_rate : 0.0,
      clients, meters, seconds, ModeName(mode), recharge.errors, verified ? "true" : "false");
  return verified ? 0 : 1;
}

}  // namespace
}  // namespace wallet::bench

int main(int argc, char** argv) {
  wallet::bench::InitBench(argc, argv);
  return wallet::bench::Main();
}
