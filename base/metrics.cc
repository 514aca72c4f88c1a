#include "base/metrics.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace base {
namespace {

constexpr const char* kCodeNames[] = {
    "OK",        "CANCELLED",          "UNKNOWN",        "INVALID_ARGUMENT",    "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS",     "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",       "UNIMPLEMENTED",  "INTERNAL",            "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

// AppendHistogram renders one histogram series: cumulative buckets, sum and
// count. `labels` is empty or ends with a comma (`method="X",`).
void AppendHistogram(std::string* out, const std::string& name, const std::string& labels,
                     const int64_t* bounds_us, size_t bounds, const std::vector<uint64_t>& counts,
                     double sum) {
  uint64_t cumulative = 0;
  for (size_t b = 0; b < counts.size(); ++b) {
    cumulative += counts[b];
    const std::string le = b < bounds ? absl::StrFormat("%g", bounds_us[b] / 1e6) : "+Inf";
    absl::StrAppend(out, name, "_bucket{", labels, "le=\"", le, "\"} ", cumulative, "\n");
  }
  const std::string series =
      labels.empty() ? "" : absl::StrCat("{", labels.substr(0, labels.size() - 1), "}");
  absl::StrAppend(out, name, "_sum", series, " ", absl::StrFormat("%.6f", sum), "\n", name,
                  "_count", series, " ", cumulative, "\n");
}

// Family is a value's name without its labels.
absl::string_view Family(absl::string_view name) { return name.substr(0, name.find('{')); }

}  // namespace

Metrics::Metrics(std::string rpc_family) : rpc_family_(std::move(rpc_family)) {}

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

void Metrics::RegisterCounter(const std::string& name, const std::string& help,
                              const std::atomic<uint64_t>* value) {
  RegisterValue(name, "counter", help,
                [value] { return static_cast<double>(value->load(std::memory_order_relaxed)); });
}

void Metrics::RegisterHistogram(const std::string& name, const std::string& help,
                                std::vector<int64_t> bounds_us,
                                std::function<HistogramValues()> read) {
  absl::MutexLock lock(&mu_);
  histograms_.push_back(Histogram{name, help, std::move(bounds_us), std::move(read)});
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
  if (!methods_.empty()) RenderMethods(&out);
  RenderValues(&out);
  return out;
}

void Metrics::RenderMethods(std::string* out) const {
  const std::string total = absl::StrCat(rpc_family_, "_total");
  absl::StrAppend(out, "# HELP ", total, " RPCs finished, by method and status code.\n",
                  "# TYPE ", total, " counter\n");
  for (const Method& m : methods_) {
    for (size_t code = 0; code < m.by_code.size(); ++code) {
      const uint64_t n = m.by_code[code].load(std::memory_order_relaxed);
      if (n == 0) continue;
      absl::StrAppend(out, total, "{method=\"", m.name, "\",code=\"", kCodeNames[code], "\"} ", n,
                      "\n");
    }
  }
  const std::string latency = absl::StrCat(rpc_family_, "_latency_seconds");
  absl::StrAppend(out, "# HELP ", latency, " RPC latency from arrival to answer.\n", "# TYPE ",
                  latency, " histogram\n");
  for (const Method& m : methods_) {
    std::vector<uint64_t> counts;
    for (const auto& bucket : m.buckets) counts.push_back(bucket.load(std::memory_order_relaxed));
    AppendHistogram(out, latency, absl::StrCat("method=\"", m.name, "\","), kBucketsUs.data(),
                    kBucketsUs.size(), counts,
                    m.latency_us_sum.load(std::memory_order_relaxed) / 1e6);
  }
}

void Metrics::RenderValues(std::string* out) const {
  absl::string_view family;
  for (const Gauge& g : gauges_) {
    if (Family(g.name) != family) {
      family = Family(g.name);
      absl::StrAppend(out, "# HELP ", family, " ", g.help, "\n# TYPE ", family, " ", g.type, "\n");
    }
    absl::StrAppend(out, g.name, " ", absl::StrFormat("%.17g", g.read()), "\n");
  }
  for (const Histogram& h : histograms_) {
    const HistogramValues values = h.read();
    absl::StrAppend(out, "# HELP ", h.name, " ", h.help, "\n# TYPE ", h.name, " histogram\n");
    AppendHistogram(out, h.name, "", h.bounds_us.data(), h.bounds_us.size(), values.counts,
                    values.sum);
  }
}

}  // namespace base
