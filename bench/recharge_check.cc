// The printout and checks of recharge_bench's phases (recharge_phase.h).
#include <cinttypes>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "bench/bench_walletd.h"
#include "bench/recharge_phase.h"

namespace wallet::bench {

using ::wallet::testing::DescribeCommits;
using ::wallet::testing::DescribeServerLatency;
using ::wallet::v1::AdminService;
using ::wallet::v1::ConfirmPaymentResponse;
using ::wallet::v1::RetailerRechargeResponse;

void PrintPhase(const PhaseResult& r, const char* label) {
  std::printf("%-9s %9.0f ok/s  (%" PRId64 " ok in %.1f s window, %" PRId64 " ok total, %" PRId64
              " errors)\n",
              label, r.Rate(), r.ok_in_window, r.seconds, r.ok_total, r.errors);
  std::printf("          latency ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
              r.PercentileMs(0.50), r.PercentileMs(0.90), r.PercentileMs(0.99),
              r.PercentileMs(0.999), r.latencies_ns.empty() ? 0.0 : r.latencies_ns.back() / 1e6);
  std::printf("          cpu in window: client %.2f cores, walletd %.2f cores\n",
              r.client_cpu_seconds / r.seconds, r.server_cpu_seconds / r.seconds);
  if (r.mode != Mode::kNoop) {
    const std::string commits = DescribeCommits(r.metrics_before, r.metrics_after, r.seconds);
    if (!commits.empty()) std::printf("          %s\n", commits.c_str());
    const std::string served =
        DescribeServerLatency(r.metrics_before, r.metrics_after,
                              r.mode == Mode::kRetailer ? "RetailerService/Recharge"
                                                        : "PaymentGatewayService/ConfirmPayment");
    if (!served.empty()) std::printf("          %s\n", served.c_str());
  }
  for (const auto& [code, count] : r.errors_by_code) {
    std::printf("          errors with code %d: %" PRId64 "\n", code, count);
  }
  if (!r.first_error.empty()) {
    std::printf("          first error: %s\n", r.first_error.c_str());
  }
}

// Retries every request whose outcome is unknown with its original id, so that
// the acknowledged totals are exact: OK on retry means it is (now) applied.
absl::Status ResolveUnknownOutcomes(PhaseResult& r, const Topology& topology,
                                    Connection& connection) {
  int64_t resolved = 0;
  int64_t refused = 0;
  for (const Unresolved& u : r.unresolved) {
    grpc::Status status;
    int64_t amount = 0;
    int64_t commission = 0;
    if (u.recharge.has_value()) {
      const std::string& key =
          topology.retailer_keys[std::find(topology.retailer_ids.begin(),
                                           topology.retailer_ids.end(), u.recharge->retailer_id()) -
                                 topology.retailer_ids.begin()];
      RetailerRechargeResponse response;
      status = connection.retailer->Recharge(wallet::testing::MakeContext(key).get(), *u.recharge,
                                             &response);
      amount = response.recharge().amount_paise();
      commission = response.commission().amount_paise();
    } else {
      ConfirmPaymentResponse response;
      status = connection.payment->ConfirmPayment(
          wallet::testing::MakeContext(topology.payment_gateway_key).get(), *u.confirm, &response);
      amount = u.confirm->amount_paise();
    }
    if (status.ok()) {
      ++resolved;
      r.acked_paise_by_meter[u.meter] += amount;
      r.acked_paise += amount;
      r.commission_paise += commission;
    } else if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
               status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      return wallet::testing::ToStatus(status, "retrying an unresolved request");
    } else {
      ++refused;
    }
  }
  if (!r.unresolved.empty()) {
    std::printf("retried %zu requests of unknown outcome: %" PRId64 " applied, %" PRId64
                " refused\n",
                r.unresolved.size(), resolved, refused);
  }
  return absl::OkStatus();
}

Verification Verify(const PhaseResult& r, const Topology& topology, AdminService::Stub& admin,
                    const std::string& admin_key, int64_t float_per_retailer) {
  Verification v;
  v.ledger_ok = CheckLedger(admin, admin_key, absl::Seconds(120));
  grpc::Status status;

  int64_t balance_sum = 0;
  int mismatched_meters = 0;
  bool read_failed = false;
  for (size_t m = 0; m < topology.meter_ids.size(); ++m) {
    wallet::v1::GetMeterRequest request;
    request.set_meter_id(topology.meter_ids[m]);
    wallet::v1::MeterView view;
    status = admin.GetMeter(wallet::testing::MakeContext(admin_key).get(), request, &view);
    if (!status.ok()) {
      std::printf("GetMeter %s failed: %s\n", topology.meter_ids[m].c_str(),
                  status.error_message().c_str());
      read_failed = true;
      break;
    }
    balance_sum += view.balance_paise();
    if (view.balance_paise() != r.acked_paise_by_meter[m] && ++mismatched_meters <= 5) {
      std::printf("meter %s: balance %" PRId64 " != acknowledged %" PRId64 "\n",
                  topology.meter_ids[m].c_str(), view.balance_paise(), r.acked_paise_by_meter[m]);
    }
  }
  v.meters_match = !read_failed && mismatched_meters == 0 && balance_sum == r.acked_paise;
  std::printf("meter balances: sum %" PRId64 " paise, acknowledged %" PRId64
              " paise, %d meters differ: %s\n",
              balance_sum, r.acked_paise, mismatched_meters, v.meters_match ? "MATCH" : "MISMATCH");

  if (r.mode == Mode::kRetailer) {
    // With several retailers the per-retailer split is not tracked; check the
    // total, which is what a lost or doubled recharge would change.
    int64_t float_sum = 0;
    for (const std::string& retailer : topology.retailer_ids) {
      wallet::v1::GetJournalRequest request;
      request.set_account(absl::StrCat("retailer:", retailer));
      request.set_page_size(1);
      wallet::v1::GetJournalResponse response;
      status = admin.GetJournal(wallet::testing::MakeContext(admin_key).get(), request, &response);
      if (!status.ok()) {
        std::printf("GetJournal retailer:%s failed: %s\n", retailer.c_str(),
                    status.error_message().c_str());
        v.float_match = false;
        break;
      }
      float_sum += response.balance_paise();
    }
    const int64_t expected =
        float_per_retailer * static_cast<int64_t>(topology.retailer_ids.size()) - r.acked_paise +
        r.commission_paise;
    v.float_match = v.float_match && float_sum == expected;
    std::printf("retailer floats: %" PRId64 " paise, expected %" PRId64
                " (top-ups - recharges + commission): %s\n",
                float_sum, expected, v.float_match ? "MATCH" : "MISMATCH");
  }
  return v;
}

}  // namespace wallet::bench
