// walletd's meter-side services: readings ingest, relay commands and outcomes
// for the meter gateway, and the notification stream for SMS senders.
#ifndef API_METER_SERVICES_H_
#define API_METER_SERVICES_H_

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "api/call.h"
#include "wallet/v1/meter.grpc.pb.h"

namespace api {

// StreamHub wakes every open outbox stream when new items are committed. WakeAll is called on
// the wallet's answer thread, which also answers every recharge: it only
// flags the hub, and the hub's own thread does the reading (one pass for any
// number of commits that came meanwhile).
class StreamHub final {
 public:
  class Stream {
   public:
    virtual ~Stream() = default;
    virtual void Wake() = 0;
  };
  StreamHub();
  ~StreamHub();
  // Remove returns once no Wake of `stream` is running.
  void Add(Stream* stream);
  void Remove(Stream* stream);
  void WakeAll();

 private:
  void Run();
  bool WakeOrStop() const ABSL_SHARED_LOCKS_REQUIRED(wake_mu_) { return wake_ || stop_; }

  absl::Mutex mu_;  // held while streams are woken
  absl::flat_hash_set<Stream*> streams_ ABSL_GUARDED_BY(mu_);
  mutable absl::Mutex wake_mu_;
  bool wake_ ABSL_GUARDED_BY(wake_mu_) = false;
  bool stop_ ABSL_GUARDED_BY(wake_mu_) = false;
  std::thread thread_;
};

// NotificationLogSink stands in for SMS delivery: it appends every
// notification to a file, one line each, and acknowledges the stream. A
// notification is acknowledged only once its line is durable: every write is
// checked and the file is fdatasync'ed before the acknowledgement moves the
// cursor. A failed or short write (a full disk) is cut back to the last
// whole line, the notifications stay in the outbox, and writing is retried
// with back-off; an outage is logged once, and once more when it ends. Lines
// are appended on the hub's thread as commits wake it (a write, no sync);
// the sink's own thread syncs and acknowledges at most every kAckInterval
// (each ack is a commit with an fsync; one per recharge group would double
// the fsyncs) and runs the retries. Lines already in the file when the sink
// starts (written, not yet acknowledged) are not written again, so each
// notification appears once.
class NotificationLogSink final : public StreamHub::Stream {
 public:
  // Start opens `path` for appending, removes a line left unfinished by a
  // crash and catches up from the stored cursor. Unavailable if the file
  // cannot be opened.
  static absl::StatusOr<std::unique_ptr<NotificationLogSink>> Start(wallet::Wallet* wallet,
                                                                    StreamHub* hub,
                                                                    const std::string& path);
  // Writes, syncs and acknowledges what it can, then stops.
  ~NotificationLogSink() override;
  void Wake() override;

  // write_errors counts failed writes and syncs of the file. Thread-safe.
  uint64_t write_errors() const { return write_errors_.load(std::memory_order_relaxed); }

 private:
  NotificationLogSink(wallet::Wallet* wallet, StreamHub* hub, std::string path, int fd,
                      uint64_t cursor, uint64_t length);
  void Run();
  // WriteLocked appends the outbox's new notifications to the file, unless a
  // retry is not yet due. After a failure the file is back at its last whole
  // line and a retry is scheduled.
  void WriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // SyncLocked makes what is written durable (mu_ is released during the
  // fdatasync). False after a failure: what the sync covered is cut and will
  // be written again.
  bool SyncLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // AppendLocked writes `text` whole at the end of the file, or cuts the
  // file back.
  absl::Status AppendLocked(const std::string& text) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FailedLocked(const absl::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Ack records `seq` as delivered; the answer comes on the wallet's answer
  // thread, or at once if the wallet refuses writes. Call without mu_.
  void Ack(uint64_t seq);
  bool Kicked() const ABSL_SHARED_LOCKS_REQUIRED(mu_) { return kick_ || stop_; }

  static constexpr absl::Duration kAckInterval = absl::Milliseconds(200);
  static constexpr absl::Duration kRetryInitial = absl::Milliseconds(100);
  static constexpr absl::Duration kRetryMax = absl::Seconds(10);
  wallet::Wallet* wallet_;
  StreamHub* hub_;
  const std::string path_;
  const int fd_;
  std::atomic<uint64_t> write_errors_{0};

  absl::Mutex mu_;
  uint64_t written_seq_ ABSL_GUARDED_BY(mu_);     // last notification in the file
  uint64_t written_length_ ABSL_GUARDED_BY(mu_);  // file length after it
  uint64_t synced_seq_ ABSL_GUARDED_BY(mu_);      // last notification known durable
  uint64_t synced_length_ ABSL_GUARDED_BY(mu_);
  uint64_t acked_ ABSL_GUARDED_BY(mu_);
  bool ack_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_ack_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool failing_ ABSL_GUARDED_BY(mu_) = false;
  absl::Duration retry_backoff_ ABSL_GUARDED_BY(mu_) = kRetryInitial;
  absl::Time retry_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // Wakes the sink's thread: something new to acknowledge, or stop.
  bool kick_ ABSL_GUARDED_BY(mu_) = true;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// The three services below are WalletServices (api/call.h); `calls` and
// `hub` are not owned and must outlive them.

// MeterIngestService takes meter readings from the meter gateway's key.
class MeterIngestService final : public WalletService<v1::MeterIngestService> {
 public:
  explicit MeterIngestService(Calls* calls) : WalletService(calls) {}
  grpc::ServerUnaryReactor* IngestReadings(grpc::CallbackServerContext* ctx,
                                           const v1::IngestReadingsRequest* request,
                                           v1::IngestReadingsResponse* response) override;
};

// MeterGatewayService streams relay commands to the meter gateway and takes
// their outcomes back.
class MeterGatewayService final : public WalletService<v1::MeterGatewayService> {
 public:
  MeterGatewayService(Calls* calls, StreamHub* hub) : WalletService(calls), hub_(hub) {}
  grpc::ServerBidiReactor<v1::StreamAck, v1::RelayCommand>* StreamRelayCommands(
      grpc::CallbackServerContext* ctx) override;
  grpc::ServerUnaryReactor* ReportRelayOutcome(grpc::CallbackServerContext* ctx,
                                               const v1::RelayOutcome* request,
                                               v1::ReportRelayOutcomeResponse* response) override;

 private:
  StreamHub* const hub_;
};

// NotificationService streams notifications to one SMS sender.
class NotificationService final : public WalletService<v1::NotificationService> {
 public:
  NotificationService(Calls* calls, StreamHub* hub) : WalletService(calls), hub_(hub) {}
  grpc::ServerBidiReactor<v1::StreamAck, v1::Notification>* StreamNotifications(
      grpc::CallbackServerContext* ctx) override;
  // SetLogSinkActive: walletd's own log sink takes the stream; a second
  // receiver would silently skip what the sink acknowledged, so it is refused.
  void SetLogSinkActive(bool active) { sink_active_ = active; }

 private:
  StreamHub* const hub_;
  std::atomic<bool> sink_active_{false};
};

}  // namespace api

#endif  // API_METER_SERVICES_H_
