// WebhookSender: delivers the gateway's signed webhooks at least once, as
// a payment gateway does: each event POSTed to the receiver with
//   Content-Type: application/json
//   X-Razorpay-Signature: lower-case hex HMAC-SHA256 of the body under the
//                         webhook secret
//   X-Razorpay-Event-Id:  the event's id, the same on every delivery
// and retried with exponential back-off (capped, with jitter) while the
// receiver answers anything but 2xx or nothing within the timeout, until it
// takes it or the attempts run out (then it is given up and logged).
//
// The faults a receiver must survive, on request: every event delivered
// `copies` times (the copies travel apart and may arrive at once), a
// checkout's events in random order (`shuffle`), or nothing delivered at
// all (`drop`, for the reconciler's test). Without `shuffle` a checkout's
// events arrive in the order given, each after the one before was taken.
//
// Threads: Send may be called from any thread. Deliveries run on the
// sender's own worker threads, so that many checkouts are delivered at
// once. The destructor stops the workers; deliveries still pending are
// discarded (the simulator keeps nothing).
//
// Example:
//   pg_sim::WebhookOptions options;
//   options.url = "http://127.0.0.1:9464/v1/webhooks/razorpay";
//   options.secret = secret;
//   auto sender = std::make_unique<pg_sim::WebhookSender>(options, &clock);
//   sender->Send({{"evt_1", "payment.captured", body1}, {"evt_2", "order.paid", body2}});
#ifndef PAYMENT_GATEWAY_SIM_WEBHOOK_SENDER_H_
#define PAYMENT_GATEWAY_SIM_WEBHOOK_SENDER_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "base/http_client.h"
#include "base/metrics.h"
#include "payment-gateway-sim/wire.h"

namespace pg_sim {

struct WebhookOptions {
  // Where events are POSTed. Default: empty, meaning no deliveries (events
  // are counted as dropped).
  std::string url;
  // The HMAC key of the signatures. Required with `url`.
  std::string secret;
  // How many times each event is delivered. Default: 1.
  int copies = 1;
  // Whether a checkout's events are delivered in random order.
  // Default: false.
  bool shuffle = false;
  // Whether nothing is delivered. Default: false.
  bool drop = false;
  // Worker threads delivering at once. Default: 8.
  int threads = 8;
  // A receiver that has not answered in this long has failed the attempt.
  // Default: 5 s.
  absl::Duration timeout = absl::Seconds(5);
  // The wait before the first retry; doubled for each further one up to
  // `max_backoff`, and each wait drawn at random from its upper half.
  // Defaults: 1 s, 60 s.
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(60);
  // Attempts per delivery before it is given up. Default: 12.
  int max_attempts = 12;
  // The CA that signed the receiver's certificate, for an https:// url
  // (empty: the system's CAs). Default: empty.
  std::string ca_file;
  // Seeds the order of shuffled events and the back-off jitter.
  // Default: 1.
  uint64_t seed = 1;
};

class WebhookSender final {
 public:
  // The sender starts its workers at once. `clock` is not owned and must
  // outlive the sender.
  WebhookSender(WebhookOptions options, base::Clock* clock);
  // Stops the workers; see the threads note above.
  ~WebhookSender();

  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Send queues one checkout's events for delivery (each `copies` times).
  void Send(std::vector<WebhookEvent> events);

  // RegisterMetrics adds the deliveries by result, the deliveries pending
  // and the delivery latency (checkout to the receiver's 2xx) to `metrics`,
  // which must not outlive the sender.
  void RegisterMetrics(base::Metrics* metrics);

 private:
  // Run is one copy of one checkout's events, delivered in order.
  struct Run {
    std::vector<WebhookEvent> events;
    size_t next = 0;     // the event being delivered
    int attempts = 0;    // failed attempts of that event so far
    absl::Time created;  // when the checkout was made
    absl::Time due;      // when the next attempt may start
  };
  struct LaterFirst {
    bool operator()(const std::shared_ptr<Run>& a, const std::shared_ptr<Run>& b) const {
      return a->due > b->due;
    }
  };

  void Work();
  // Takes the run whose attempt is due, waiting for one; null once stopping.
  std::shared_ptr<Run> Take();
  void Schedule(std::shared_ptr<Run> run);
  // Attempt delivers the run's current event once; true if it was taken.
  bool Attempt(const Run& run);
  // After an attempt: on to the next event, or the same one again later, or
  // given up.
  void Advance(std::shared_ptr<Run> run, bool delivered);
  absl::Duration Backoff(int attempts);
  void RecordLatency(absl::Duration latency);

  const WebhookOptions options_;
  base::Clock* const clock_;
  const base::HttpClient client_;

  absl::Mutex mu_;
  absl::CondVar changed_;
  std::priority_queue<std::shared_ptr<Run>, std::vector<std::shared_ptr<Run>>, LaterFirst> queue_
      ABSL_GUARDED_BY(mu_);
  std::mt19937_64 random_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;

  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> retried_{0};
  std::atomic<uint64_t> given_up_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<int64_t> pending_{0};  // runs not yet finished
  // Delivery latency buckets (kLatencyBoundsUs, then one above them all).
  static constexpr std::array<int64_t, 14> kLatencyBoundsUs = {
      1000,   2500,   5000,    10000,   25000,   50000,    100000,
      250000, 500000, 1000000, 2500000, 5000000, 30000000, 120000000};
  std::array<std::atomic<uint64_t>, kLatencyBoundsUs.size() + 1> latency_counts_{};
  std::atomic<uint64_t> latency_sum_us_{0};
};

}  // namespace pg_sim

#endif  // PAYMENT_GATEWAY_SIM_WEBHOOK_SENDER_H_
