// Metrics: a registry of counters, gauges and histograms that a server
// renders in the Prometheus text exposition format (version 0.0.4) for
// GET /metrics (see base/monitoring_endpoint.h).
//
// Two kinds of figures:
//   - RPC methods (RegisterMethod): a count per canonical status code and a
//     latency histogram, recorded as calls finish (Record) with relaxed
//     atomics, so that recording costs a few nanoseconds and takes no lock;
//   - values and histograms read at each scrape (RegisterValue,
//     RegisterHistogram) from a callback, so that a figure is never stale
//     and the code that owns it keeps no copy for the registry.
//
// Threads: every method may be called from any thread. Register everything
// before the first scrape if the output should never change shape, but a
// late registration is safe. Read callbacks run on the scraping thread with
// the registry's lock held: they must be quick and must not call back into
// the registry.
//
// Ownership: the registry owns the callbacks; whatever they read must
// outlive the registry or the last Render.
//
// Example:
//   base::Metrics metrics("walletd_rpc");
//   base::Metrics::Method* get = metrics.RegisterMethod("GetBalance");
//   metrics.RegisterValue("walletd_queue_depth", "gauge", "Operations waiting.",
//                         [&] { return static_cast<double>(queue.size()); });
//   base::Metrics::Record(get, /*code=*/0, absl::Microseconds(180));
//   std::string text = metrics.Render();
#ifndef BASE_METRICS_H_
#define BASE_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace base {

class Metrics final {
 public:
  // Upper bounds of the RPC latency buckets, in microseconds.
  static constexpr std::array<int64_t, 12> kBucketsUs = {100,    250,    500,    1000,
                                                         2500,   5000,   10000,  25000,
                                                         50000,  100000, 250000, 1000000};
  // The counters of one RPC method.
  struct Method {
    std::string name;
    // Indexed by canonical status code (absl::StatusCode and grpc::StatusCode
    // share the numbers).
    std::array<std::atomic<uint64_t>, 17> by_code{};
    std::array<std::atomic<uint64_t>, kBucketsUs.size() + 1> buckets{};
    std::atomic<uint64_t> latency_us_sum{0};
  };

  // Metrics renders the RPC methods as the families `<rpc_family>_total`
  // (counter, by method and code) and `<rpc_family>_latency_seconds`
  // (histogram, by method), so that each server names its own.
  // Default: "rpc".
  explicit Metrics(std::string rpc_family = "rpc");

  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // RegisterMethod returns the counters of an RPC method; the pointer stays
  // valid for the life of the registry.
  Method* RegisterMethod(const std::string& name);

  // RegisterValue adds a value read at every scrape; `type` is "gauge" or
  // "counter". `name` may carry labels (`walletd_outbox_backlog{stream="relay"}`):
  // values of one family are registered one after another and share the
  // first one's help. A read that fails may return NaN, which renders as
  // such rather than as a plausible number.
  void RegisterValue(const std::string& name, const std::string& type, const std::string& help,
                     std::function<double()> read);

  // RegisterCounter adds a counter read from `value` at every scrape;
  // `value` must outlive every later Render.
  void RegisterCounter(const std::string& name, const std::string& help,
                       const std::atomic<uint64_t>* value);

  // A histogram's figures as read at a scrape: a count per bucket (one per
  // upper bound, then one above them all) and the sum of the values.
  struct HistogramValues {
    std::vector<uint64_t> counts;
    double sum = 0;
  };
  // RegisterHistogram adds a histogram of seconds whose buckets end at
  // `bounds_us` (microseconds, ascending), read at every scrape.
  void RegisterHistogram(const std::string& name, const std::string& help,
                         std::vector<int64_t> bounds_us, std::function<HistogramValues()> read);

  // Record counts one finished call of `method` with canonical status `code`
  // (out of range counts as UNKNOWN) that took `latency`. Lock-free.
  static void Record(Method* method, int code, absl::Duration latency);

  // Render returns the exposition text: the RPC families if any method is
  // registered, then the values and histograms in registration order.
  std::string Render() const;

 private:
  struct Gauge {
    std::string name;
    std::string type;
    std::string help;
    std::function<double()> read;
  };
  struct Histogram {
    std::string name;
    std::string help;
    std::vector<int64_t> bounds_us;
    std::function<HistogramValues()> read;
  };
  void RenderMethods(std::string* out) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RenderValues(std::string* out) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string rpc_family_;
  mutable absl::Mutex mu_;
  std::deque<Method> methods_ ABSL_GUARDED_BY(mu_);
  std::deque<Gauge> gauges_ ABSL_GUARDED_BY(mu_);
  std::deque<Histogram> histograms_ ABSL_GUARDED_BY(mu_);
};

}  // namespace base

#endif  // BASE_METRICS_H_
