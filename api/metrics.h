// Metrics: counters, latency histograms and gauges rendered in the Prometheus
// text exposition format for GET /metrics.
//
// Register every method, value and histogram before serving; recording is
// lock-free and safe from any thread.
#ifndef API_METRICS_H_
#define API_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace api {

class Metrics final {
 public:
  // Upper bounds of the latency buckets, in microseconds.
  static constexpr std::array<int64_t, 12> kBucketsUs = {100,    250,    500,    1000,
                                                         2500,   5000,   10000,  25000,
                                                         50000,  100000, 250000, 1000000};
  struct Method {
    std::string name;
    std::array<std::atomic<uint64_t>, 17> by_code{};  // indexed by grpc::StatusCode
    std::array<std::atomic<uint64_t>, kBucketsUs.size() + 1> buckets{};
    std::atomic<uint64_t> latency_us_sum{0};
  };

  // RegisterMethod returns the counters of an RPC method; the pointer stays
  // valid for the life of Metrics.
  Method* RegisterMethod(const std::string& name);
  // RegisterValue adds a value read at every scrape; `type` is "gauge" or
  // "counter". `name` may carry labels (`walletd_outbox_backlog{stream="relay"}`):
  // values of one family are registered one after another and share the
  // first one's help.
  void RegisterValue(const std::string& name, const std::string& type, const std::string& help,
                     std::function<double()> read);

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

  static void Record(Method* method, int code, absl::Duration latency);

  // Render returns the exposition text.
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
  void RenderValues(std::string* out) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::deque<Method> methods_ ABSL_GUARDED_BY(mu_);
  std::deque<Gauge> gauges_ ABSL_GUARDED_BY(mu_);
  std::deque<Histogram> histograms_ ABSL_GUARDED_BY(mu_);
};

}  // namespace api

#endif  // API_METRICS_H_
