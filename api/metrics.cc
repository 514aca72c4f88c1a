#include "api/metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace api {
namespace {

constexpr const char* kCodeNames[] = {
    "OK",        "CANCELLED",          "UNKNOWN",        "INVALID_ARGUMENT",    "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS",     "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",       "UNIMPLEMENTED",  "INTERNAL",            "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

}  // namespace

Metrics::Method* Metrics::RegisterMethod(const std::string& name) {
  absl::MutexLock lock(&mu_);
  methods_.emplace_back();
  methods_.back().name = name;
  return &methods_.back();
}

void Metrics::RegisterValue(const std::string& name, const std::string& type,
                            const std::string& help, std::function<double()> read) {
  absl::MutexLock lock(&mu_);
  gauges_.push_back(Gauge{name, type, help, std::move(read)});
}

void Metrics::Record(Method* method, int code, absl::Duration latency) {
  if (code < 0 || code >= static_cast<int>(method->by_code.size())) code = 2;  // UNKNOWN
  method->by_code[code].fetch_add(1, std::memory_order_relaxed);
  const int64_t us = absl::ToInt64Microseconds(latency);
  size_t bucket = 0;
  while (bucket < kBucketsUs.size() && us > kBucketsUs[bucket]) ++bucket;
  method->buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  method->latency_us_sum.fetch_add(static_cast<uint64_t>(us), std::memory_order_relaxed);
}

std::string Metrics::Render() const {
  absl::MutexLock lock(&mu_);
  std::string out;
  // A server without RPC methods (meter-gatewayd) has only its own values.
  if (methods_.empty()) {
    RenderValues(&out);
    return out;
  }
  absl::StrAppend(&out, "# HELP walletd_rpc_total RPCs finished, by method and status code.\n",
                  "# TYPE walletd_rpc_total counter\n");
  for (const Method& m : methods_) {
    for (size_t code = 0; code < m.by_code.size(); ++code) {
      const uint64_t n = m.by_code[code].load(std::memory_order_relaxed);
      if (n == 0) continue;
      absl::StrAppend(&out, "walletd_rpc_total{method=\"", m.name, "\",code=\"", kCodeNames[code],
                      "\"} ", n, "\n");
    }
  }
  absl::StrAppend(&out, "# HELP walletd_rpc_latency_seconds RPC latency from arrival to answer.\n",
                  "# TYPE walletd_rpc_latency_seconds histogram\n");
  for (const Method& m : methods_) {
    uint64_t cumulative = 0;
    for (size_t b = 0; b < m.buckets.size(); ++b) {
      cumulative += m.buckets[b].load(std::memory_order_relaxed);
      const std::string le =
          b < kBucketsUs.size() ? absl::StrFormat("%g", kBucketsUs[b] / 1e6) : "+Inf";
      absl::StrAppend(&out, "walletd_rpc_latency_seconds_bucket{method=\"", m.name, "\",le=\"", le,
                      "\"} ", cumulative, "\n");
    }
    absl::StrAppend(&out, "walletd_rpc_latency_seconds_sum{method=\"", m.name, "\"} ",
                    absl::StrFormat("%.6f", m.latency_us_sum.load(std::memory_order_relaxed) / 1e6),
                    "\n", "walletd_rpc_latency_seconds_count{method=\"", m.name, "\"} ",
                    cumulative, "\n");
  }
  RenderValues(&out);
  return out;
}

void Metrics::RenderValues(std::string* out) const {
  for (const Gauge& g : gauges_) {
    absl::StrAppend(out, "# HELP ", g.name, " ", g.help, "\n# TYPE ", g.name, " ", g.type, "\n", g.name,
                    " ", absl::StrFormat("%.17g", g.read()), "\n");
  }
}

}  // namespace api
