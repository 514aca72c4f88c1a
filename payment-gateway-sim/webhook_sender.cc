#include "payment-gateway-sim/webhook_sender.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/hmac.h"
#include "glog/logging.h"

namespace pg_sim {

WebhookSender::WebhookSender(WebhookOptions options, base::Clock* clock)
    : options_(std::move(options)), clock_(clock), random_(options_.seed) {
  const int threads = std::max(1, options_.threads);
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
}

WebhookSender::~WebhookSender() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    changed_.SignalAll();
  }
  for (std::thread& worker : workers_) worker.join();
}

void WebhookSender::Send(std::vector<WebhookEvent> events) {
  if (events.empty()) return;
  const int copies = std::max(1, options_.copies);
  if (options_.drop || options_.url.empty()) {
    dropped_ += events.size() * static_cast<uint64_t>(copies);
    for (const WebhookEvent& event : events) {
      LOG(INFO) << "webhook " << event.name << " " << event.id << " dropped (not delivered)";
    }
    return;
  }
  const absl::Time now = clock_->Now();
  for (int copy = 0; copy < copies; ++copy) {
    auto run = std::make_shared<Run>();
    run->events = events;
    run->created = now;
    run->due = now;
    if (options_.shuffle) {
      absl::MutexLock lock(&mu_);
      std::shuffle(run->events.begin(), run->events.end(), random_);
    }
    ++pending_;
    Schedule(std::move(run));
  }
}

void WebhookSender::Schedule(std::shared_ptr<Run> run) {
  absl::MutexLock lock(&mu_);
  queue_.push(std::move(run));
  changed_.Signal();
}

std::shared_ptr<WebhookSender::Run> WebhookSender::Take() {
  absl::MutexLock lock(&mu_);
  for (;;) {
    if (stopping_) return nullptr;
    if (queue_.empty()) {
      changed_.Wait(&mu_);
      continue;
    }
    const absl::Time now = clock_->Now();
    const absl::Time due = queue_.top()->due;
    if (due <= now) {
      std::shared_ptr<Run> run = queue_.top();
      queue_.pop();
      // Another worker may have a later run to wait for.
      if (!queue_.empty()) changed_.Signal();
      return run;
    }
    changed_.WaitWithTimeout(&mu_, due - now);
  }
}

void WebhookSender::Work() {
  while (std::shared_ptr<Run> run = Take()) {
    const bool delivered = Attempt(*run);
    Advance(std::move(run), delivered);
  }
}

bool WebhookSender::Attempt(const Run& run) {
  const WebhookEvent& event = run.events[run.next];
  base::HttpCall call;
  call.method = "POST";
  call.url = options_.url;
  call.headers = {{"Content-Type", "application/json"},
                  {"X-Razorpay-Signature", base::HmacSha256Hex(options_.secret, event.body)},
                  {"X-Razorpay-Event-Id", event.id}};
  call.body = event.body;
  call.timeout = options_.timeout;
  call.ca_file = options_.ca_file;
  absl::StatusOr<base::HttpReply> reply = client_.Send(call);
  if (reply.ok() && reply->status >= 200 && reply->status < 300) return true;
  LOG(WARNING) << "webhook " << event.name << " " << event.id << " attempt " << run.attempts + 1
               << " failed: "
               << (reply.ok() ? absl::StrCat("HTTP ", reply->status) : reply.status().ToString());
  return false;
}

void WebhookSender::Advance(std::shared_ptr<Run> run, bool delivered) {
  const WebhookEvent& event = run->events[run->next];
  const absl::Time now = clock_->Now();
  if (delivered) {
    ++delivered_;
    RecordLatency(now - run->created);
    LOG(INFO) << "webhook " << event.name << " " << event.id << " delivered after "
              << run->attempts + 1 << " attempt(s)";
  } else if (++run->attempts < options_.max_attempts) {
    ++retried_;
    const absl::Duration wait = Backoff(run->attempts);
    LOG(INFO) << "webhook " << event.name << " " << event.id << " retried in "
              << absl::FormatDuration(wait);
    run->due = now + wait;
    Schedule(std::move(run));
    return;
  } else {
    ++given_up_;
    LOG(WARNING) << "webhook " << event.name << " " << event.id << " given up after "
                 << run->attempts << " attempts";
  }
  run->attempts = 0;
  if (++run->next == run->events.size()) {
    --pending_;
    return;
  }
  run->due = now;
  Schedule(std::move(run));
}

absl::Duration WebhookSender::Backoff(int attempts) {
  absl::Duration wait = options_.initial_backoff;
  for (int i = 1; i < attempts && wait < options_.max_backoff; ++i) wait *= 2;
  wait = std::min(wait, options_.max_backoff);
  // Drawn from the upper half, so that receivers that failed together are
  // not retried together.
  absl::MutexLock lock(&mu_);
  std::uniform_real_distribution<double> half(0.5, 1.0);
  return wait * half(random_);
}

void WebhookSender::RecordLatency(absl::Duration latency) {
  const int64_t us = std::max<int64_t>(0, absl::ToInt64Microseconds(latency));
  size_t bucket = 0;
  while (bucket < kLatencyBoundsUs.size() && us > kLatencyBoundsUs[bucket]) ++bucket;
  latency_counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  latency_sum_us_.fetch_add(static_cast<uint64_t>(us), std::memory_order_relaxed);
}

void WebhookSender::RegisterMetrics(base::Metrics* metrics) {
  const std::string deliveries = "payment_gateway_sim_webhook_deliveries_total";
  const std::string help =
      "Webhook delivery attempts by result: delivered (2xx), retried (failed, tried again), "
      "given_up (failed the last attempt), dropped (--webhook_drop).";
  metrics->RegisterCounter(deliveries + "{result=\"delivered\"}", help, &delivered_);
  metrics->RegisterCounter(deliveries + "{result=\"retried\"}", help, &retried_);
  metrics->RegisterCounter(deliveries + "{result=\"given_up\"}", help, &given_up_);
  metrics->RegisterCounter(deliveries + "{result=\"dropped\"}", help, &dropped_);
  metrics->RegisterValue("payment_gateway_sim_webhook_runs_pending", "gauge",
                         "Event sequences (a checkout's events, one copy) not yet delivered.",
                         [this] { return static_cast<double>(pending_.load()); });
  metrics->RegisterHistogram("payment_gateway_sim_webhook_delivery_latency_seconds",
                             "From the checkout to the receiver's 2xx, retries included.",
                             std::vector<int64_t>(kLatencyBoundsUs.begin(), kLatencyBoundsUs.end()),
                             [this] {
                               base::Metrics::HistogramValues values;
                               for (const auto& count : latency_counts_)
                                 values.counts.push_back(count.load());
                               values.sum = static_cast<double>(latency_sum_us_.load()) / 1e6;
                               return values;
                             });
}

}  // namespace pg_sim
