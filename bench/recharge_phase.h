// The parts of recharge_bench that describe and check a phase: the load's
// mode, the connections, what a phase measured, its printout, and the check
// that the ledger holds exactly the recharges acknowledged.
#ifndef BENCH_RECHARGE_PHASE_H_
#define BENCH_RECHARGE_PHASE_H_

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "bench/bench_walletd.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "tests/testing/bench_util.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "wallet/v1/consumer.grpc.pb.h"
#include "wallet/v1/payment.grpc.pb.h"
#include "wallet/v1/retailer.grpc.pb.h"

namespace wallet::bench {

using ::wallet::testing::MetricSamples;
using ::wallet::testing::Topology;

enum class Mode { kRetailer, kOrder, kNoop };

inline const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kRetailer:
      return "retailer";
    case Mode::kOrder:
      return "order";
    case Mode::kNoop:
      return "noop";
  }
  return "?";
}

struct Connection {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::RetailerService::Stub> retailer;
  std::unique_ptr<v1::ConsumerService::Stub> consumer;
  std::unique_ptr<v1::PaymentGatewayService::Stub> payment;
  std::unique_ptr<grpc::health::v1::Health::Stub> health;
};

// A request whose outcome the client could not learn (transport error,
// deadline): it may or may not have been applied, so it is retried with the
// same id before the balances are checked.
struct Unresolved {
  int meter = 0;
  std::optional<v1::RetailerRechargeRequest> recharge;
  std::optional<v1::ConfirmPaymentRequest> confirm;
};

// What a phase measured, summed over its client threads.

struct PhaseResult {
  Mode mode = Mode::kRetailer;
  double seconds = 0;
  int64_t ok_in_window = 0;
  int64_t ok_total = 0;
  int64_t errors = 0;
  std::map<int, int64_t> errors_by_code;
  std::string first_error;
  std::vector<int64_t> latencies_ns;  // sorted
  std::vector<int64_t> acked_paise_by_meter;
  int64_t acked_paise = 0;
  int64_t commission_paise = 0;
  std::vector<Unresolved> unresolved;
  double client_cpu_seconds = 0;
  double server_cpu_seconds = 0;
  // walletd's counters at the window's start and end.
  MetricSamples metrics_before;
  MetricSamples metrics_after;

  double Rate() const { return ok_in_window / seconds; }
  double PercentileMs(double q) const { return bench::PercentileMs(latencies_ns, q); }
};

// PrintPhase prints a phase's rate, latency, CPU and walletd's own figures.
void PrintPhase(const PhaseResult& r, const char* label);

// ResolveUnknownOutcomes retries every request whose outcome is unknown with
// its original id, so that the acknowledged totals are exact. UNAVAILABLE or
// a deadline on a retry is an error: the totals cannot be known.
absl::Status ResolveUnknownOutcomes(PhaseResult& r, const Topology& topology,
                                    Connection& connection);

struct Verification {
  bool ledger_ok = false;
  bool meters_match = false;
  bool float_match = true;
};

// Verify checks the ledger and that the meters (and floats) hold exactly what
// was acknowledged, printing each comparison.
Verification Verify(const PhaseResult& r, const Topology& topology, v1::AdminService::Stub& admin,
                    const std::string& admin_key, int64_t float_per_retailer);

}  // namespace wallet::bench

#endif  // BENCH_RECHARGE_PHASE_H_
