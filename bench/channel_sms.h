// The SMS side of channel_bench: Kannel's own sendsms rate from a plain
// HTTP loop, and notifierd (a real process) draining walletd's notification
// stream into the same Kannel.
//
// Thread safety: call from the bench's main thread (it owns the children).
//
// Example:
//   CallsResult kannel = SendSmsLoop(kannel_options, sender, pe, 2000, 1);
//   absl::StatusOr<Notifierd> n = Notifierd::Start(options);
//   absl::StatusOr<double> per_s = n->RateUntilSent(4000, absl::Minutes(5));
#ifndef BENCH_CHANNEL_SMS_H_
#define BENCH_CHANNEL_SMS_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "bench/run_calls.h"
#include "notifier/kannel.h"
#include "tests/testing/child_process.h"

namespace wallet::bench {

// SendSmsLoop sends `count` English receipts of the usual length through
// Kannel's sendsms from `concurrency` threads, each URL as notifierd builds
// it (notifier::SendSmsUrl: sender, DLT ids, delivery reports to
// `kannel.dlr_url`). Only a 2xx answer (Kannel took it) counts as ok.
CallsResult SendSmsLoop(const notifier::KannelOptions& kannel, absl::string_view sender_id,
                        absl::string_view principal_entity_id, int count, int concurrency);

struct NotifierdOptions {
  // The notifierd executable. Required.
  std::string binary;
  // Where its key and password files, its state and its log go. Required.
  std::string dir;
  // walletd's gRPC address and a key with the METER_GATEWAY role. Required.
  std::string wallet_target;
  std::string api_key;
  // The template file. Required.
  std::string templates;
  // Kannel's sendsms URL and its user. Required.
  std::string kannel_url;
  std::string kannel_user;
  std::string kannel_password;
  // SMS per second at most; the burst is the same. Default: 100,000 (the
  // rate does not bind).
  double rate = 100'000;
  // notifierd's --send_concurrency. Default: 1.
  int send_concurrency = 1;
};

// Notifierd is one notifierd process, with its metrics.
class Notifierd {
 public:
  // Start starts notifierd and returns once it serves /metrics; errors as
  // ChildProcess::Start.
  static absl::StatusOr<std::unique_ptr<Notifierd>> Start(const NotifierdOptions& options);

  // RateUntilSent polls notifierd's sms_sent_total every 20 ms until it
  // reaches `count` and returns the SMS sent per second from the call on
  // (those sent before it, while it started, are not counted);
  // DeadlineExceeded (with the count) if it did not within `timeout`.
  absl::StatusOr<double> RateUntilSent(int count, absl::Duration timeout);
  // Metric is an unlabelled counter or gauge of notifierd's /metrics; -1 if
  // it cannot be read.
  double Metric(absl::string_view name) const;
  // Stop terminates notifierd; the exit code must be 0.
  absl::Status Stop();
  std::string LogTail() const { return child_->LogTail(); }

 private:
  Notifierd(std::unique_ptr<testing::ChildProcess> child, int http_port)
      : child_(std::move(child)), http_port_(http_port) {}

  std::unique_ptr<testing::ChildProcess> child_;
  int http_port_;
};

}  // namespace wallet::bench

#endif  // BENCH_CHANNEL_SMS_H_
