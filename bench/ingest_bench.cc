// ingest_bench: meter-reading ingest throughput and batch latency of a real
// walletd.
//
// Starts walletd with the example tariff book and policy from the source tree
// (deploy/config), registers --meters DOMESTIC meters on DOM-LT1 with
// concurrent asynchronous calls, credits each wallet so that none runs out,
// and sends every meter a first reading (the base of its register). Then
// --clients closed-loop clients each keep one IngestReadings call of --batch
// readings in flight for --seconds (after --warmup_seconds). Every reading
// advances its meter's clock by --interval_minutes and its register by a
// plausible 100-300 Wh, so every one must be rated and debited; each batch is
// committed durably (fsync) before walletd answers.
//
// Each client owns the meters with index = client (mod clients) and has one
// call in flight, so the readings of one meter reach walletd in order. A batch
// that fails is retried with the same batch_id (ingest is idempotent by
// batch_id) before the client goes on, so no reading is lost or skipped.
//
// Verification at the end: CheckLedger is ok; every reading of the measured
// phase came back DEBITED (the outcomes are counted and printed); the money
// the answers say was charged equals what reached system:revenue and
// system:duty; a sample of meters has the balance its last answer reported.
//
// Usage (from the build tree; walletd is found at ../api/walletd relative to
// this binary):
//
//   bench/ingest_bench --meters=100000 --batch=1000 --clients=8 --seconds=10
//
// The last line of output is one JSON object with the headline figures. The
// exit code is non-zero if setup failed or the verification found a mismatch.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
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
#include "bench/xorshift.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "tests/testing/bench_util.h"
#include "tests/testing/walletd_process.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "wallet/v1/meter.grpc.pb.h"

#ifndef WALLET_SOURCE_DIR
#define WALLET_SOURCE_DIR "."
#endif

ABSL_FLAG(int, meters, 100000, "Meters to register and read.");
ABSL_FLAG(int, batch, 1000, "Readings per IngestReadings call (walletd takes at most 10,000).");
ABSL_FLAG(int, clients, 8, "Concurrent closed-loop clients, one IngestReadings call each.");
ABSL_FLAG(int, seconds, 10, "Measured duration.");
ABSL_FLAG(double, warmup_seconds, 1.0,
          "Unmeasured load before the window, so that connections, allocators "
          "and caches are warm when measuring starts.");
ABSL_FLAG(int, register_parallelism, 1000,
          "Registration and credit calls in flight at once during setup.");
ABSL_FLAG(int64_t, credit_paise, 500000,
          "Opening credit of each meter wallet (Rs 5,000 by default), enough "
          "that meters are not exhausted during a run.");
ABSL_FLAG(int, interval_minutes, 15, "Meter time between two readings of a meter.");
ABSL_FLAG(int32_t, sanctioned_load_w, 5000, "Sanctioned load of every meter.");
ABSL_FLAG(std::string, tariff_id, "DOM-LT1", "Tariff of every meter; must be in --tariffs.");
ABSL_FLAG(std::string, tariffs, WALLET_SOURCE_DIR "/deploy/config/tariffs.textproto",
          "Tariff book passed to walletd.");
ABSL_FLAG(std::string, policy, WALLET_SOURCE_DIR "/deploy/config/policy.textproto",
          "Prepaid policy passed to walletd.");
ABSL_FLAG(int, deadline_ms, 30000, "Deadline of each IngestReadings call.");
ABSL_FLAG(int, retries, 5, "Retries of a failed batch (same batch_id) before a client gives up.");
ABSL_FLAG(int, sample_meters, 200, "Meters whose final balance is checked one by one.");

namespace wallet::bench {
namespace {

using google::protobuf::util::TimeUtil;
using ::wallet::testing::MetricSamples;
using ::wallet::testing::Topology;
using ::wallet::testing::WalletdProcess;
using ::wallet::v1::AdminService;
using ::wallet::v1::IngestReadingsRequest;
using ::wallet::v1::IngestReadingsResponse;
using ::wallet::v1::MeterIngestService;
using ::wallet::v1::ReadingResult;
using Clock = std::chrono::steady_clock;

constexpr int kOutcomes = ReadingResult::Outcome_ARRAYSIZE;

// What one client observed. Owned by its thread while it runs.
struct ClientStats {
  int64_t batches_in_window = 0;
  int64_t readings_in_window = 0;
  int64_t batches_total = 0;
  int64_t readings_total = 0;
  std::vector<int64_t> latencies_ns;  // of batches answered in the window
  int64_t outcomes[kOutcomes] = {};
  int64_t charged_paise = 0;
  int64_t failed_attempts = 0;  // attempts that were retried
  std::map<int, int64_t> errors_by_code;
  std::string first_error;
  std::string first_unexpected;  // first reading that was not as expected
  bool gave_up = false;
};

// The meters one client owns and where each one's register stands.
class Client final {
 public:
  Client(int index, const Topology& topology, int clients, MeterIngestService::Stub* stub,
         std::string api_key, absl::Time base_time)
      : index_(index),
        topology_(topology),
        stub_(stub),
        api_key_(std::move(api_key)),
        base_time_us_(absl::ToUnixMicros(base_time)),
        rng_(index) {
    for (int m = index; m < static_cast<int>(topology.meter_ids.size()); m += clients) {
      meters_.push_back(m);
    }
    readings_sent_.assign(meters_.size(), 0);
    register_wh_.assign(meters_.size(), 0);
    last_balance_.assign(meters_.size(), 0);
    for (size_t k = 0; k < meters_.size(); ++k) {
      // Registers of installed meters do not start at zero.
      register_wh_[k] = 1'000'000 + static_cast<int64_t>(rng_.Next() % 10'000'000);
    }
  }

  // SendBase sends every owned meter its first reading. Every answer must be
  // RESET ("first reading").
  void SendBase(int batch, const absl::Duration interval, ClientStats* stats) {
    size_t sent = 0;
    while (sent < meters_.size() && !stats->gave_up) {
      const int n = static_cast<int>(std::min<size_t>(batch, meters_.size() - sent));
      Send(n, interval, ReadingResult::RESET, Clock::time_point::max(), Clock::time_point::max(),
           stats);
      sent += n;
    }
  }

  // Drive sends batches of `batch` readings until `window_end`, recording
  // latency for batches answered inside [window_start, window_end).
  void Drive(int batch, absl::Duration interval, Clock::time_point window_start,
             Clock::time_point window_end, ClientStats* stats) {
    while (Clock::now() < window_end && !stats->gave_up) {
      Send(batch, interval, ReadingResult::DEBITED, window_start, window_end, stats);
    }
  }

  const std::vector<int>& meters() const { return meters_; }
  int64_t last_balance(size_t k) const { return last_balance_[k]; }
  bool has_reading(size_t k) const { return readings_sent_[k] > 1; }

 private:
  // Send builds the next `n` readings (cycling over the owned meters), sends
  // them as one batch, retrying with the same batch_id on failure, and checks
  // that each came back as `expected`.
  void Send(int n, absl::Duration interval, ReadingResult::Outcome expected,
            Clock::time_point window_start, Clock::time_point window_end, ClientStats* stats) {
    const int64_t interval_us = absl::ToInt64Microseconds(interval);
    request_.set_batch_id(absl::StrCat("c", index_, "-b", ++batches_));
    request_.mutable_readings()->Clear();
    std::vector<size_t>& slots = slots_;
    slots.clear();
    for (int i = 0; i < n; ++i) {
      const size_t k = next_;
      next_ = (next_ + 1) % meters_.size();
      slots.push_back(k);
      if (readings_sent_[k] > 0) {
        register_wh_[k] += 100 + static_cast<int64_t>(rng_.Next() % 201);
      }
      v1::Reading& reading = *request_.add_readings();
      reading.set_meter_id(topology_.meter_ids[meters_[k]]);
      reading.set_register_wh(register_wh_[k]);
      *reading.mutable_meter_time() =
          TimeUtil::MicrosecondsToTimestamp(base_time_us_ + readings_sent_[k] * interval_us);
      ++readings_sent_[k];
    }

    const Clock::time_point started = Clock::now();
    grpc::Status status;
    for (int attempt = 0;; ++attempt) {
      grpc::ClientContext context;
      wallet::testing::ConfigureContext(&context, api_key_,
                                        absl::Milliseconds(absl::GetFlag(FLAGS_deadline_ms)));
      status = stub_->IngestReadings(&context, request_, &response_);
      if (status.ok()) break;
      ++stats->errors_by_code[status.error_code()];
      if (stats->first_error.empty()) {
        stats->first_error =
            absl::StrCat("IngestReadings: code ", status.error_code(), " ", status.error_message());
      }
      // Only transport trouble is worth a retry; anything else would fail
      // the same way again.
      const bool retryable = status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                             status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
                             status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
      if (!retryable || attempt >= absl::GetFlag(FLAGS_retries)) {
        stats->gave_up = true;
        return;
      }
      ++stats->failed_attempts;
      absl::SleepFor(absl::Milliseconds(100 << std::min(attempt, 4)));
    }
    const Clock::time_point now = Clock::now();

    ++stats->batches_total;
    stats->readings_total += n;
    if (now >= window_start && now < window_end) {
      ++stats->batches_in_window;
      stats->readings_in_window += n;
      stats->latencies_ns.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - started).count());
    }
    if (response_.results_size() != n) {
      if (stats->first_unexpected.empty()) {
        stats->first_unexpected =
            absl::StrCat("batch ", request_.batch_id(), " has ", response_.results_size(),
                         " results for ", n, " readings");
      }
      return;
    }
    for (int i = 0; i < n; ++i) {
      const ReadingResult& result = response_.results(i);
      ++stats->outcomes[result.outcome()];
      if (result.outcome() == ReadingResult::DEBITED) {
        stats->charged_paise += result.charged_paise();
        last_balance_[slots[i]] = result.balance_paise();
      }
      if (result.outcome() != expected && stats->first_unexpected.empty()) {
        stats->first_unexpected =
            absl::StrCat(request_.readings(i).meter_id(), " at ",
                         TimeUtil::ToString(request_.readings(i).meter_time()), ": ",
                         ReadingResult::Outcome_Name(result.outcome()), " ", result.reason(),
                         " (expected ", ReadingResult::Outcome_Name(expected), ")");
      }
    }
  }

  const int index_;
  const Topology& topology_;
  MeterIngestService::Stub* const stub_;
  const std::string api_key_;
  const int64_t base_time_us_;
  XorShift64 rng_;
  std::vector<int> meters_;             // indices into topology_.meter_ids
  std::vector<int64_t> readings_sent_;  // per owned meter
  std::vector<int64_t> register_wh_;
  std::vector<int64_t> last_balance_;  // from the last DEBITED answer
  size_t next_ = 0;                    // next owned meter to read
  int64_t batches_ = 0;
  std::vector<size_t> slots_;  // owned meter of each reading in the batch
  IngestReadingsRequest request_;
  IngestReadingsResponse response_;
};

ClientStats Sum(const std::vector<ClientStats>& stats) {
  ClientStats total;
  for (const ClientStats& s : stats) {
    total.batches_in_window += s.batches_in_window;
    total.readings_in_window += s.readings_in_window;
    total.batches_total += s.batches_total;
    total.readings_total += s.readings_total;
    total.latencies_ns.insert(total.latencies_ns.end(), s.latencies_ns.begin(),
                              s.latencies_ns.end());
    for (int o = 0; o < kOutcomes; ++o) total.outcomes[o] += s.outcomes[o];
    total.charged_paise += s.charged_paise;
    total.failed_attempts += s.failed_attempts;
    for (const auto& [code, count] : s.errors_by_code) total.errors_by_code[code] += count;
    if (total.first_error.empty()) total.first_error = s.first_error;
    if (total.first_unexpected.empty()) total.first_unexpected = s.first_unexpected;
    total.gave_up = total.gave_up || s.gave_up;
  }
  std::sort(total.latencies_ns.begin(), total.latencies_ns.end());
  return total;
}

void PrintOutcomes(const ClientStats& s) {
  std::printf("          outcomes:");
  for (int o = 0; o < kOutcomes; ++o) {
    if (s.outcomes[o] == 0) continue;
    std::printf(" %s %" PRId64,
                ReadingResult::Outcome_Name(static_cast<ReadingResult::Outcome>(o)).c_str(),
                s.outcomes[o]);
  }
  std::printf("\n");
  for (const auto& [code, count] : s.errors_by_code) {
    std::printf("          errors with code %d: %" PRId64 "%s\n", code, count,
                s.gave_up ? " (a client gave up)" : " (retried)");
  }
  if (!s.first_error.empty()) std::printf("          first error: %s\n", s.first_error.c_str());
  if (!s.first_unexpected.empty()) {
    std::printf("          first unexpected result: %s\n", s.first_unexpected.c_str());
  }
}

// Runs `fn(c)` for every client on its own thread and waits for all.
template <typename Fn>
void ForEachClient(std::vector<std::unique_ptr<Client>>& clients, Fn fn) {
  std::vector<std::thread> threads;
  for (size_t c = 0; c < clients.size(); ++c) threads.emplace_back([&fn, c] { fn(c); });
  for (std::thread& thread : threads) thread.join();
}

absl::StatusOr<int64_t> AccountBalance(AdminService::Stub& admin, const std::string& admin_key,
                                       const std::string& account) {
  v1::GetJournalRequest request;
  request.set_account(account);
  request.set_page_size(1);
  v1::GetJournalResponse response;
  grpc::Status status = admin.GetJournal(
      wallet::testing::MakeContext(admin_key, absl::Seconds(60)).get(), request, &response);
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) return 0;  // never moved
  if (!status.ok()) return wallet::testing::ToStatus(status, absl::StrCat("GetJournal ", account));
  return response.balance_paise();
}

struct Verification {
  bool ledger_ok = false;
  bool all_debited = false;
  bool charges_match = false;
  bool sample_match = false;
  bool passed() const { return ledger_ok && all_debited && charges_match && sample_match; }
};

Verification Verify(const ClientStats& base, const ClientStats& drive,
                    const std::vector<std::unique_ptr<Client>>& clients, const Topology& topology,
                    AdminService::Stub& admin, const std::string& admin_key) {
  Verification v;
  v.ledger_ok = CheckLedger(admin, admin_key, absl::Seconds(300));

  v.all_debited = !base.gave_up && !drive.gave_up &&
                  base.outcomes[ReadingResult::RESET] == base.readings_total &&
                  drive.outcomes[ReadingResult::DEBITED] == drive.readings_total &&
                  drive.readings_total > 0;
  std::printf("readings: %" PRId64 " base readings all RESET: %s; %" PRId64
              " acknowledged readings all DEBITED: %s\n",
              base.readings_total,
              base.outcomes[ReadingResult::RESET] == base.readings_total ? "yes" : "NO",
              drive.readings_total,
              drive.outcomes[ReadingResult::DEBITED] == drive.readings_total ? "yes" : "NO");

  // Readings are the only charges in this run, so revenue and duty together
  // must hold exactly what the answers said was charged: a reading applied
  // twice, or answered but not applied, would show here.
  absl::StatusOr<int64_t> revenue = AccountBalance(admin, admin_key, "system:revenue");
  absl::StatusOr<int64_t> duty = AccountBalance(admin, admin_key, "system:duty");
  if (!revenue.ok() || !duty.ok()) {
    std::printf("cannot read system accounts: %s %s\n", revenue.status().ToString().c_str(),
                duty.status().ToString().c_str());
  } else {
    const int64_t charged = base.charged_paise + drive.charged_paise;
    v.charges_match = *revenue + *duty == charged;
    std::printf("charges: revenue %" PRId64 " + duty %" PRId64 " = %" PRId64
                " paise, answers charged %" PRId64 " paise: %s\n",
                *revenue, *duty, *revenue + *duty, charged, v.charges_match ? "MATCH" : "MISMATCH");
  }

  // A sample of meters, spread over the clients: the stored balance is the
  // one the meter's last answer reported.
  const int sample = std::min<int>(absl::GetFlag(FLAGS_sample_meters),
                                   static_cast<int>(topology.meter_ids.size()));
  int checked = 0;
  int mismatched = 0;
  for (int i = 0; i < sample; ++i) {
    const Client& client = *clients[i % clients.size()];
    const size_t k = static_cast<size_t>(i / clients.size()) * 7919 % client.meters().size();
    if (!client.has_reading(k)) continue;
    v1::GetMeterRequest request;
    request.set_meter_id(topology.meter_ids[client.meters()[k]]);
    v1::MeterView view;
    const grpc::Status status =
        admin.GetMeter(wallet::testing::MakeContext(admin_key).get(), request, &view);
    ++checked;
    if (!status.ok() || view.balance_paise() != client.last_balance(k)) {
      if (++mismatched <= 5) {
        std::printf("meter %s: balance %" PRId64 " != last answer %" PRId64 " (%s)\n",
                    request.meter_id().c_str(), view.balance_paise(), client.last_balance(k),
                    status.error_message().c_str());
      }
    }
  }
  v.sample_match = mismatched == 0;
  std::printf("sampled balances: %d meters checked, %d differ: %s\n", checked, mismatched,
              v.sample_match ? "MATCH" : "MISMATCH");
  return v;
}

int Main() {
  const int meters = absl::GetFlag(FLAGS_meters);
  const int batch = absl::GetFlag(FLAGS_batch);
  const int client_count = absl::GetFlag(FLAGS_clients);
  const int seconds = absl::GetFlag(FLAGS_seconds);
  const int channel_count = std::max(1, std::min(absl::GetFlag(FLAGS_channels), client_count));
  const absl::Duration interval = absl::Minutes(absl::GetFlag(FLAGS_interval_minutes));
  if (meters < 1 || batch < 1 || batch > 10'000 || client_count < 1 || seconds < 1 ||
      absl::GetFlag(FLAGS_interval_minutes) < 1) {
    std::fprintf(stderr,
                 "--meters, --clients, --seconds and --interval_minutes must be positive, "
                 "--batch between 1 and 10000\n");
    return 2;
  }
  if (meters < client_count) {
    std::fprintf(stderr, "--meters must be at least --clients (each client owns meters)\n");
    return 2;
  }

  std::unique_ptr<WalletdProcess> started =
      StartWalletdFromFlags({absl::StrCat("--tariffs=", absl::GetFlag(FLAGS_tariffs)),
                             absl::StrCat("--policy=", absl::GetFlag(FLAGS_policy))});
  if (started == nullptr) return 1;
  WalletdProcess& walletd = *started;

  auto admin = AdminService::NewStub(walletd.NewChannel());
  wallet::testing::TopologyOptions topology_options;
  topology_options.meters = meters;
  topology_options.retailers = 0;
  topology_options.retailer_keys = false;
  topology_options.meter_gateway_key = true;
  topology_options.tariff_id = absl::GetFlag(FLAGS_tariff_id);
  topology_options.sanctioned_load_w = absl::GetFlag(FLAGS_sanctioned_load_w);
  topology_options.opening_credit_paise = absl::GetFlag(FLAGS_credit_paise);
  topology_options.max_topup_paise =
      std::max<int64_t>(topology_options.max_topup_paise, topology_options.opening_credit_paise);
  topology_options.parallelism = absl::GetFlag(FLAGS_register_parallelism);
  topology_options.call_timeout = absl::Seconds(120);
  const absl::Time setup_start = absl::Now();
  std::optional<Topology> topology = CreateTopology(walletd, *admin, topology_options);
  if (!topology.has_value()) return 1;
  const double setup_seconds = absl::ToDoubleSeconds(absl::Now() - setup_start);
  std::printf(
      "setup: %d meters on %s registered and credited Rs %.2f each in %.2f s "
      "(%.0f meters/s, %d calls in flight)\n",
      meters, topology_options.tariff_id.c_str(), topology_options.opening_credit_paise / 100.0,
      setup_seconds, meters / setup_seconds, topology_options.parallelism);
  std::fflush(stdout);

  std::vector<std::shared_ptr<grpc::Channel>> channels = ConnectChannels(walletd, channel_count);
  if (channels.empty()) return 1;
  std::vector<std::unique_ptr<MeterIngestService::Stub>> stubs;
  for (const auto& channel : channels) stubs.push_back(MeterIngestService::NewStub(channel));
  // Meter time moves 15 minutes per reading, much faster than real time, and
  // walletd rejects readings stamped ahead of its clock. So meter time starts
  // far enough in the past that even 2 million readings/s stay behind now
  // (still under the tariff version in force since 2024).
  const int64_t max_rounds =
      int64_t{2'000'000} * (absl::GetFlag(FLAGS_seconds) + 10) / std::max<int64_t>(meters, 1) + 2;
  const absl::Time base_time = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()) / 900 * 900) -
                               absl::Minutes(15) * max_rounds - absl::Hours(1);
  std::vector<std::unique_ptr<Client>> clients;
  for (int c = 0; c < client_count; ++c) {
    clients.push_back(std::make_unique<Client>(c, *topology, client_count,
                                               stubs[c % stubs.size()].get(),
                                               topology->meter_gateway_key, base_time));
  }

  // Phase 1: the base reading of every meter.
  std::vector<ClientStats> base_stats(client_count);
  const absl::Time base_start = absl::Now();
  ForEachClient(clients, [&](size_t c) { clients[c]->SendBase(batch, interval, &base_stats[c]); });
  const ClientStats base = Sum(base_stats);
  const double base_seconds = absl::ToDoubleSeconds(absl::Now() - base_start);
  std::printf("base:     %" PRId64 " first readings in %" PRId64 " batches, %.2f s (%.0f/s)\n",
              base.readings_total, base.batches_total, base_seconds,
              base.readings_total / base_seconds);
  PrintOutcomes(base);
  std::fflush(stdout);
  if (base.gave_up) {
    std::printf("base readings failed; not measuring\n");
    return 1;
  }

  // Phase 2: the measured load.
  std::printf(
      "load: %d clients over %d channels, batches of %d readings, %d s + %.1f s warm-up, "
      "%d min of meter time per reading\n",
      client_count, channel_count, batch, seconds, absl::GetFlag(FLAGS_warmup_seconds),
      absl::GetFlag(FLAGS_interval_minutes));
  std::fflush(stdout);
  std::vector<ClientStats> drive_stats(client_count);
  for (ClientStats& s : drive_stats) s.latencies_ns.reserve(1 << 14);
  const Window w = WindowAfterWarmup(absl::GetFlag(FLAGS_warmup_seconds), seconds);
  WindowSample sample;
  std::thread sampler([&] { sample = SampleWindow(walletd, w); });
  ForEachClient(clients, [&](size_t c) {
    clients[c]->Drive(batch, interval, w.start, w.end, &drive_stats[c]);
  });
  sampler.join();
  const double client_cpu = sample.client_cpu_seconds;
  const double server_cpu = sample.server_cpu_seconds;
  const MetricSamples& metrics_before = sample.metrics_before;
  const MetricSamples& metrics_after = sample.metrics_after;
  const ClientStats drive = Sum(drive_stats);
  const double window = static_cast<double>(seconds);
  const double readings_per_s = drive.readings_in_window / window;
  const double batches_per_s = drive.batches_in_window / window;
  const double p50 = PercentileMs(drive.latencies_ns, 0.50);
  const double p99 = PercentileMs(drive.latencies_ns, 0.99);
  std::printf("ingest   %9.0f readings/s  %.1f batches/s  (%" PRId64
              " readings in %d s window, %" PRId64 " total)\n",
              readings_per_s, batches_per_s, drive.readings_in_window, seconds,
              drive.readings_total);
  std::printf("          batch latency ms: p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n", p50,
              PercentileMs(drive.latencies_ns, 0.90), p99,
              drive.latencies_ns.empty() ? 0.0 : drive.latencies_ns.back() / 1e6);
  std::printf(
      "          cpu in window: client %.2f cores, walletd %.2f cores (%.2f us of walletd "
      "cpu per reading)\n",
      client_cpu / window, server_cpu / window,
      drive.readings_in_window > 0 ? 1e6 * server_cpu / drive.readings_in_window : 0.0);
  const std::string commits =
      wallet::testing::DescribeCommits(metrics_before, metrics_after, window);
  if (!commits.empty()) std::printf("          %s\n", commits.c_str());
  const double commit_seconds =
      wallet::testing::MetricDelta(metrics_before, metrics_after, "walletd_commit_seconds_sum");
  const double commit_fraction = commit_seconds >= 0 ? commit_seconds / window : -1;
  PrintOutcomes(drive);
  std::fflush(stdout);

  const absl::Time verify_start = absl::Now();
  const Verification v = Verify(base, drive, clients, *topology, *admin, walletd.admin_key());
  std::printf("verification: %s (%.2f s)\n", v.passed() ? "PASSED" : "FAILED",
              absl::ToDoubleSeconds(absl::Now() - verify_start));

  // Close every connection first: walletd's graceful shutdown waits until its
  // clients have closed their connections.
  clients.clear();
  stubs.clear();
  channels.clear();
  admin.reset();
  StopWalletd(walletd);

  int64_t other_outcomes = drive.readings_total - drive.outcomes[ReadingResult::DEBITED];
  int64_t errors = 0;
  for (const auto& [code, count] : drive.errors_by_code) errors += count;
  std::printf(
      "{\"readings_per_s\":%.1f,\"batches_per_s\":%.2f,\"batch_p50_ms\":%.3f,"
      "\"batch_p99_ms\":%.3f,\"meters\":%d,\"batch\":%d,\"clients\":%d,\"seconds\":%d,"
      "\"walletd_cpu_cores\":%.2f,\"client_cpu_cores\":%.2f,\"commit_fraction\":%.3f,"
      "\"setup_meters_per_s\":%.0f,\"debited\":%" PRId64 ",\"not_debited\":%" PRId64
      ",\"errors\":%" PRId64 ",\"verified\":%s}\n",
      readings_per_s, batches_per_s, p50, p99, meters, batch, client_count, seconds,
      server_cpu / window, client_cpu / window, commit_fraction, meters / setup_seconds,
      drive.outcomes[ReadingResult::DEBITED], other_outcomes, errors,
      v.passed() ? "true" : "false");
  return v.passed() ? 0 : 1;
}

}  // namespace
}  // namespace wallet::bench

int main(int argc, char** argv) {
  wallet::bench::InitBench(argc, argv);
  return wallet::bench::Main();
}
