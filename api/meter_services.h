// walletd's meter-side services: readings ingest, relay commands and outcomes
// for the meter gateway, and the notification stream for SMS senders.
#ifndef API_METER_SERVICES_H_
#define API_METER_SERVICES_H_

#include <atomic>
#include <cstdio>
#include <memory>
#include <thread>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "api/call.h"
#include "wallet/v1/meter.grpc.pb.h"

namespace api {

namespace v1 = ::wallet::v1;

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
// notification to a file, one line each, and acknowledges the stream. Acks are
// sent at most every kAckInterval (and on close): each ack is a commit with an
// fsync, and under load one per recharge group would double the fsyncs. After
// a crash the lines since the last ack are appended again (at least once).
class NotificationLogSink final : public StreamHub::Stream {
 public:
  // Start opens `path` for appending and catches up from the stored cursor.
  static absl::StatusOr<std::unique_ptr<NotificationLogSink>> Start(wallet::Wallet* wallet,
                                                                    StreamHub* hub,
                                                                    const std::string& path);
  ~NotificationLogSink() override;
  void Wake() override;

 private:
  NotificationLogSink(wallet::Wallet* wallet, StreamHub* hub, std::FILE* file, uint64_t cursor)
      : wallet_(wallet), hub_(hub), file_(file), cursor_(cursor) {}
  void AckLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  static constexpr absl::Duration kAckInterval = absl::Milliseconds(200);
  wallet::Wallet* wallet_;
  StreamHub* hub_;
  std::FILE* file_;
  absl::Mutex mu_;
  uint64_t cursor_ ABSL_GUARDED_BY(mu_);
  uint64_t acked_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_ack_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

class MeterIngestService final : public v1::MeterIngestService::CallbackService {
 public:
  explicit MeterIngestService(Calls* calls);
  grpc::ServerUnaryReactor* IngestReadings(grpc::CallbackServerContext* ctx,
                                           const v1::IngestReadingsRequest* request,
                                           v1::IngestReadingsResponse* response) override;

 private:
  Calls* calls_;
  Metrics::Method* ingest_;
};

class MeterGatewayService final : public v1::MeterGatewayService::CallbackService {
 public:
  MeterGatewayService(Calls* calls, StreamHub* hub);
  grpc::ServerBidiReactor<v1::StreamAck, v1::RelayCommand>* StreamRelayCommands(
      grpc::CallbackServerContext* ctx) override;
  grpc::ServerUnaryReactor* ReportRelayOutcome(grpc::CallbackServerContext* ctx,
                                               const v1::RelayOutcome* request,
                                               v1::ReportRelayOutcomeResponse* response) override;

 private:
  Calls* calls_;
  StreamHub* hub_;
  Metrics::Method* report_;
};

class NotificationService final : public v1::NotificationService::CallbackService {
 public:
  NotificationService(Calls* calls, StreamHub* hub);
  grpc::ServerBidiReactor<v1::StreamAck, v1::Notification>* StreamNotifications(
      grpc::CallbackServerContext* ctx) override;
  // SetLogSinkActive: walletd's own log sink takes the stream; a second
  // receiver would silently skip what the sink acknowledged, so it is refused.
  void SetLogSinkActive(bool active) { sink_active_ = active; }

 private:
  Calls* calls_;
  StreamHub* hub_;
  std::atomic<bool> sink_active_{false};
};

}  // namespace api

#endif  // API_METER_SERVICES_H_
