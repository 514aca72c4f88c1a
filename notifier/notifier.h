// Notifier: takes walletd's notification stream and sends each item as an
// SMS in the consumer's language, through an SmsSender (Kannel).
//
// For each notification, on one of `send_concurrency` lanes (SendLanes: a
// consumer's notifications in stream order, on one lane):
//   1. already in the SmsStore (sent before a restart or a reconnect):
//      acknowledge it, send nothing;
//   2. render it (TemplateBook); one that is not for a consumer (no phone)
//      or has no template is logged, counted as skipped and acknowledged;
//   3. wait for the rate (TokenBucket), send; while the gateway is down
//      (no answer, 5xx, 401/403) retry with exponential back-off, without
//      end, so that nothing is lost;
//   4. once Kannel took it: record ACCEPTED, then acknowledge it once a
//      sync of the store covers the record (DurableAcks: one sync for all
//      the messages handled meanwhile, on a thread of its own, so that the
//      loop sends at Kannel's pace, not one disk sync per SMS). A message
//      Kannel refuses for good (another 4xx) is recorded FAILED and
//      acknowledged the same way.
// Delivery reports (OnDeliveryReport, from the HTTP listener) move a
// message to DELIVERED or FAILED.
//
// A crash of the process between Kannel's acceptance and the record sends
// that one message again after the restart: the only duplicate possible,
// and a rare one (a crash of the machine may also resend the messages
// recorded since the last sync, a few milliseconds' worth).
//
// The stream is reopened after walletd goes away, with the same back-off.
//
// Threads: Start runs the loop, which reads the stream, on its own thread,
// the sends on `send_concurrency` lane threads and the syncs on a
// DurableAcks thread, per open stream; OnDeliveryReport,
// connected and the metrics may be called from any thread. Stop (or the
// destructor) ends the loop, cutting a back-off wait short; a send in
// flight finishes first (at most its timeout).
//
// Example:
//   auto notifier = notifier::Notifier::Start(options, *std::move(book),
//                                             *std::move(store), std::move(kannel), &clock);
//   notifier->RegisterMetrics(&metrics);
//   ... WaitForStopSignal ...
//   notifier->Stop();
#ifndef NOTIFIER_NOTIFIER_H_
#define NOTIFIER_NOTIFIER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "base/metrics.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/security/credentials.h"
#include "notifier/kannel.h"
#include "notifier/notification_stream.h"
#include "notifier/send_lanes.h"
#include "notifier/sms_sender.h"
#include "notifier/sms_store.h"
#include "notifier/templates.h"
#include "notifier/token_bucket.h"

namespace notifier {

struct NotifierOptions {
  // walletd's gRPC address. Default: 127.0.0.1:50051.
  std::string wallet_address = "127.0.0.1:50051";
  // How the channel to walletd is secured (base::ChannelCredentialsFrom);
  // null: plaintext.
  std::shared_ptr<grpc::ChannelCredentials> wallet_credentials;
  // An API key with the METER_GATEWAY or ADMIN role. Default: none (set it).
  std::string api_key;
  // SMS per second at most, and the burst a full bucket allows. Default: 10, 10.
  double rate = 10;
  double burst = 10;
  // SMS handled at once (SendLanes): one consumer's SMS keep their order
  // whatever the value; with 1, every SMS goes out in stream order.
  // Default: 1.
  int send_concurrency = 1;
  // Back-off between attempts to send, and between stream reopenings:
  // doubling from the first to the longest. Default: 200 ms to 30 s.
  absl::Duration retry_initial = absl::Milliseconds(200);
  absl::Duration retry_max = absl::Seconds(30);
};

class Notifier {
 public:
  // Start connects to walletd and starts the loop. Nothing here fails once
  // the parts are made: walletd or Kannel being away only delays the work.
  static std::unique_ptr<Notifier> Start(const NotifierOptions& options, TemplateBook book,
                                         std::unique_ptr<SmsStore> store,
                                         std::unique_ptr<SmsSender> sender, base::Clock* clock);
  ~Notifier();

  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // OnDeliveryReport records a delivery report: a final one moves the
  // message to DELIVERED or FAILED (once; a repeat changes nothing), synced
  // before it returns. Unavailable if the store cannot be written or synced
  // (Kannel will call again).
  absl::Status OnDeliveryReport(const Dlr& dlr);

  // connected is true while the notification stream is open.
  bool connected() const { return connected_.load(); }

  // RegisterMetrics adds sms_sent_total, sms_delivered_total,
  // sms_failed_total, sms_skipped_total, sms_send_retries_total,
  // sms_backlog_age_seconds and notifier_stream_connected; the notifier must
  // outlive every later Render.
  void RegisterMetrics(base::Metrics* metrics);

  // Stop ends the loop and waits for it. Irreversible; idempotent.
  void Stop();

 private:
  Notifier(const NotifierOptions& options, TemplateBook book, std::unique_ptr<SmsStore> store,
           std::unique_ptr<SmsSender> sender, base::Clock* clock);

  void Run();
  // Handle settles one notification (steps 1-4 above); false only when
  // stopped first, in which case it is not to be acknowledged.
  bool Handle(const wallet::v1::Notification& notification);
  // SendUntilTaken retries `sms` until the gateway answers for good; nullopt
  // if stopped first.
  std::optional<SendOutcome> SendUntilTaken(const Sms& sms);
  // Record retries a store write, unsynced (DurableAcks syncs it before the
  // acknowledgement), until it succeeds; false if stopped first.
  bool Record(const std::string& notification_id, SmsState state);
  // Backoff is the wait after failed attempt `attempt` (1 for the first).
  absl::Duration Backoff(int attempt) const;
  // WaitUnlessStopped waits `delay`; false if Stop came first.
  bool WaitUnlessStopped(absl::Duration delay);
  // WaitForToken waits until the rate allows a send; false if stopped.
  bool WaitForToken();
  double BacklogAgeSeconds();

  const NotifierOptions options_;
  const TemplateBook book_;
  const std::unique_ptr<SmsStore> store_;
  const std::unique_ptr<SmsSender> sender_;
  base::Clock* const clock_;
  const std::shared_ptr<grpc::Channel> channel_;
  absl::Mutex bucket_mu_;  // the lanes take tokens at once
  TokenBucket bucket_ ABSL_GUARDED_BY(bucket_mu_);

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  NotificationStream* open_stream_ ABSL_GUARDED_BY(mu_) = nullptr;
  // The lanes of the open stream, whose oldest unfinished notification is
  // the oldest not acknowledged; null while none is open.
  SendLanes* open_lanes_ ABSL_GUARDED_BY(mu_) = nullptr;

  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> skipped_{0};
  std::atomic<uint64_t> retries_{0};

  std::thread thread_;
};

}  // namespace notifier

#endif  // NOTIFIER_NOTIFIER_H_
