#include "api/meter_services.h"

#include <atomic>
#include <deque>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "wallet/wire.h"

namespace api {
namespace {

using wallet::store::v1::OutboxItem;

const Roles kMeterGateway = {v1::ROLE_METER_GATEWAY};
// Until a dedicated notifier role exists, admins and the meter gateway may
// take notifications.
const Roles kNotifier = {v1::ROLE_METER_GATEWAY, v1::ROLE_ADMIN};
constexpr int kReadAhead = 256;

v1::RelayCommand ItemOf(const OutboxItem& item, const v1::RelayCommand*) {
  return wallet::ToWire(item.relay());
}
v1::Notification ItemOf(const OutboxItem& item, const v1::Notification*) {
  return wallet::ToWire(item.notification());
}

// OutboxStream delivers one outbox stream to one receiver: items after the
// resume point, in order, one write at a time; acknowledgements move the
// durable cursor. Lives until the RPC has ended and every acknowledgement it
// handed to the wallet has been answered, whichever is later.
template <typename Item>
class OutboxStream final : public grpc::ServerBidiReactor<v1::StreamAck, Item>,
                           public StreamHub::Stream {
 public:
  OutboxStream(wallet::Wallet* wallet, StreamHub* hub, char stream, absl::Status auth)
      : wallet_(wallet), hub_(hub), stream_(stream) {
    if (!auth.ok()) {
      this->Finish(ToGrpc(auth, "stream"));
      return;
    }
    hub_->Add(this);
    registered_ = true;
    this->StartRead(&ack_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The receiver closed its side: finish once nothing is being written.
      absl::MutexLock lock(&mu_);
      closing_ = true;
      if (!writing_) FinishLocked(grpc::Status::OK);
      return;
    }
    if (!started_) {
      absl::StatusOr<uint64_t> cursor = wallet_->OutboxCursor(stream_);
      if (!cursor.ok()) {
        Fail(cursor.status());
        return;
      }
      {
        absl::MutexLock lock(&mu_);
        started_ = true;
        sent_ = ack_.resume_after_seq() != 0 ? ack_.resume_after_seq() : *cursor;
        // Tells the receiver the stream is open even while there is nothing
        // to deliver (a gateway's health check waits for it). Under mu_, so
        // that no write (Pump takes mu_) starts beside it.
        this->StartSendInitialMetadata();
      }
      LOG(INFO) << "outbox stream '" << stream_ << "' opened after seq " << sent_;
      Pump();
    } else if (ack_.ack_seq() != 0) {
      // The answer comes after a commit, by which time the receiver may have
      // closed the stream and OnDone run: the reference keeps `this` alive.
      refs_.fetch_add(1, std::memory_order_relaxed);
      wallet_->AckOutbox(stream_, ack_.ack_seq(), [this](absl::StatusOr<bool> acked) {
        if (!acked.ok()) Fail(acked.status());
        Unref();
      });
    }
    absl::MutexLock lock(&mu_);
    if (!finished_) this->StartRead(&ack_);
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok || closing_) {
        FinishLocked(grpc::Status::OK);
        return;
      }
      sent_ = pending_.front().seq();
      pending_.pop_front();
    }
    Pump();
  }

  void Wake() override { Pump(); }

  void OnDone() override {
    if (registered_) hub_->Remove(this);
    Unref();
  }

 private:
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  void Pump() {
    absl::MutexLock lock(&mu_);
    if (!started_ || writing_ || finished_ || closing_) return;
    if (pending_.empty()) {
      absl::StatusOr<std::vector<OutboxItem>> items =
          wallet_->ReadOutbox(stream_, sent_, kReadAhead);
      if (!items.ok()) {
        FinishLocked(ToGrpc(items.status(), "stream"));
        return;
      }
      for (const OutboxItem& item : *items) {
        pending_.push_back(ItemOf(item, static_cast<const Item*>(nullptr)));
      }
      if (pending_.empty()) return;  // the hub wakes us on the next commit
    }
    writing_ = true;
    this->StartWrite(&pending_.front());
  }

  void Fail(const absl::Status& status) {
    absl::MutexLock lock(&mu_);
    FinishLocked(ToGrpc(status, "stream"));
  }

  void FinishLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    finished_ = true;
    this->Finish(status);
  }

  wallet::Wallet* wallet_;
  StreamHub* hub_;
  const char stream_;
  bool registered_ = false;
  // One for the RPC (until OnDone) and one per acknowledgement in the wallet.
  std::atomic<int> refs_{1};
  v1::StreamAck ack_;
  absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t sent_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<Item> pending_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

void StreamHub::Add(Stream* stream) {
  absl::MutexLock lock(&mu_);
  streams_.insert(stream);
}

void StreamHub::Remove(Stream* stream) {
  absl::MutexLock lock(&mu_);
  streams_.erase(stream);
}

StreamHub::StreamHub() : thread_([this] { Run(); }) {}

StreamHub::~StreamHub() {
  {
    absl::MutexLock lock(&wake_mu_);
    stop_ = true;
  }
  thread_.join();
}

void StreamHub::WakeAll() {
  absl::MutexLock lock(&wake_mu_);
  wake_ = true;
}

void StreamHub::Run() {
  for (;;) {
    {
      absl::MutexLock lock(&wake_mu_);
      wake_mu_.Await(absl::Condition(this, &StreamHub::WakeOrStop));
      if (stop_) return;
      wake_ = false;
    }
    absl::MutexLock lock(&mu_);
    for (Stream* stream : streams_) stream->Wake();
  }
}

absl::StatusOr<std::unique_ptr<NotificationLogSink>> NotificationLogSink::Start(
    wallet::Wallet* wallet, StreamHub* hub, const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) return absl::UnavailableError(absl::StrCat("cannot append to ", path));
  absl::StatusOr<uint64_t> cursor = wallet->OutboxCursor('n');
  if (!cursor.ok()) {
    std::fclose(file);
    return cursor.status();
  }
  std::unique_ptr<NotificationLogSink> sink(new NotificationLogSink(wallet, hub, file, *cursor));
  {
    absl::MutexLock lock(&sink->mu_);
    sink->acked_ = *cursor;
  }
  hub->Add(sink.get());
  sink->Wake();
  return sink;
}

NotificationLogSink::~NotificationLogSink() {
  hub_->Remove(this);
  absl::MutexLock lock(&mu_);
  AckLocked();
  std::fclose(file_);
}

void NotificationLogSink::AckLocked() {
  if (cursor_ <= acked_) return;
  acked_ = cursor_;
  // Wall time on purpose: this paces disk work, it is not ledger time.
  last_ack_ = absl::Now();
  wallet_->AckOutbox('n', cursor_, [](absl::StatusOr<bool> acked) {
    if (!acked.ok()) LOG(ERROR) << "notification sink ack: " << acked.status();
  });
}

void NotificationLogSink::Wake() {
  absl::MutexLock lock(&mu_);
  for (;;) {
    absl::StatusOr<std::vector<OutboxItem>> items = wallet_->ReadOutbox('n', cursor_, 1000);
    if (!items.ok()) {
      LOG(ERROR) << "notification sink: " << items.status();
      return;
    }
    for (const OutboxItem& item : *items) {
      const wallet::store::v1::NotificationRecord& n = item.notification();
      std::fprintf(file_, "%s %s to=%s meter=%s: %s\n", n.notification_id().c_str(),
                   v1::Notification::Kind_Name(n.kind()).c_str(),
                   n.phone().empty() ? "utility" : n.phone().c_str(), n.meter_id().c_str(),
                   n.text().c_str());
      cursor_ = n.seq();
    }
    std::fflush(file_);
    if (absl::Now() - last_ack_ >= kAckInterval) AckLocked();
    if (items->size() < 1000) return;  // caught up
  }
}

MeterIngestService::MeterIngestService(Calls* calls)
    : calls_(calls), ingest_(calls->Method("MeterIngestService/IngestReadings")) {}

grpc::ServerUnaryReactor* MeterIngestService::IngestReadings(
    grpc::CallbackServerContext* ctx, const v1::IngestReadingsRequest* request,
    v1::IngestReadingsResponse* response) {
  return calls_->Handle(ctx, ingest_, kMeterGateway, response,
                        [&](const wallet::Principal&, auto done) {
                          calls_->wallet()->IngestReadings(*request, std::move(done));
                        });
}

MeterGatewayService::MeterGatewayService(Calls* calls, StreamHub* hub)
    : calls_(calls), hub_(hub), report_(calls->Method("MeterGatewayService/ReportRelayOutcome")) {}

grpc::ServerBidiReactor<v1::StreamAck, v1::RelayCommand>* MeterGatewayService::StreamRelayCommands(
    grpc::CallbackServerContext* ctx) {
  return new OutboxStream<v1::RelayCommand>(calls_->wallet(), hub_, 'r',
                                            calls_->Authorize(ctx, kMeterGateway).status());
}

grpc::ServerUnaryReactor* MeterGatewayService::ReportRelayOutcome(
    grpc::CallbackServerContext* ctx, const v1::RelayOutcome* request,
    v1::ReportRelayOutcomeResponse* response) {
  return calls_->Handle(ctx, report_, kMeterGateway, response,
                        [&](const wallet::Principal&, auto done) {
                          calls_->wallet()->ReportRelayOutcome(*request, std::move(done));
                        });
}

NotificationService::NotificationService(Calls* calls, StreamHub* hub)
    : calls_(calls), hub_(hub) {}

grpc::ServerBidiReactor<v1::StreamAck, v1::Notification>* NotificationService::StreamNotifications(
    grpc::CallbackServerContext* ctx) {
  absl::Status admitted = calls_->Authorize(ctx, kNotifier).status();
  if (admitted.ok() && sink_active_) {
    admitted = absl::FailedPreconditionError(
        "walletd's notification log sink takes this stream; start walletd with "
        "--notification_log=none to deliver notifications yourself");
  }
  return new OutboxStream<v1::Notification>(calls_->wallet(), hub_, 'n', admitted);
}

}  // namespace api
