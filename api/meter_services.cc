#include "api/meter_services.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
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

v1::RelayCommand ItemOf(const wallet::Wallet&, const OutboxItem& item, const v1::RelayCommand*) {
  return wallet::ToWire(item.relay());
}
// An OTP is opened only here, for the receiver on this (TLS) stream. One that
// does not open (walletd restarted with another --seal_key_file) goes out
// masked: the consumer asks for a new one.
v1::Notification ItemOf(const wallet::Wallet& wallet, const OutboxItem& item,
                        const v1::Notification*) {
  absl::StatusOr<v1::Notification> opened = wallet.NotificationToWire(item.notification());
  if (opened.ok()) return *std::move(opened);
  LOG(ERROR) << "notification " << item.notification().notification_id()
             << " goes out without its OTP: " << opened.status().message();
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
  OutboxStream(wallet::Wallet* wallet, StreamHub* hub, wallet::Stream stream, absl::Status auth)
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
      LOG(INFO) << "outbox stream '" << wallet::StreamByte(stream_) << "' opened after seq "
                << sent_;
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
        pending_.push_back(ItemOf(*wallet_, item, static_cast<const Item*>(nullptr)));
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
  const wallet::Stream stream_;
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

namespace {

// LineOf formats a notification as one line of the log.
std::string LineOf(const wallet::store::v1::NotificationRecord& n) {
  return absl::StrCat(n.notification_id(), " ", v1::Notification::Kind_Name(n.kind()),
                      " to=", n.phone().empty() ? "utility" : n.phone(), " meter=", n.meter_id(),
                      ": ", absl::StrReplaceAll(n.text(), {{"\n", " "}, {"\r", " "}}), "\n");
}

// SeqOfLine reads the seq back from a line's notification id ("nt-<seq>"):
// 0 if it has none.
uint64_t SeqOfLine(absl::string_view line) {
  const absl::string_view id = line.substr(0, line.find(' '));
  uint64_t seq = 0;
  const size_t dash = id.rfind('-');
  if (dash == absl::string_view::npos || !absl::SimpleAtoi(id.substr(dash + 1), &seq)) return 0;
  return seq;
}

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat(what, " ", path, ": ", strerror(errno)));
}

// TrimTail cuts a line left unfinished in the log (a crash in the middle of
// a write) and returns the log's length and the seq of its last line.
absl::Status TrimTail(int fd, const std::string& path, uint64_t* length, uint64_t* last_seq) {
  struct stat st;
  if (fstat(fd, &st) != 0) return ErrnoError("cannot stat", path);
  *length = static_cast<uint64_t>(st.st_size);
  *last_seq = 0;
  if (*length == 0) return absl::OkStatus();
  constexpr uint64_t kTail = 64 << 10;  // far longer than any line
  std::string tail(std::min(*length, kTail), '\0');
  const uint64_t tail_start = *length - tail.size();
  if (pread(fd, tail.data(), tail.size(), static_cast<off_t>(tail_start)) !=
      static_cast<ssize_t>(tail.size())) {
    return ErrnoError("cannot read", path);
  }
  const size_t end = tail.rfind('\n');
  if (end == std::string::npos) {
    if (tail_start > 0) return absl::OkStatus();  // no line ends here: leave it be
    tail.clear();
  } else {
    tail.resize(end + 1);
  }
  if (tail_start + tail.size() != *length) {
    LOG(WARNING) << "notification log " << path << ": removing an unfinished last line";
    *length = tail_start + tail.size();
    if (ftruncate(fd, static_cast<off_t>(*length)) != 0) return ErrnoError("cannot cut", path);
  }
  if (tail.empty()) return absl::OkStatus();
  tail.pop_back();
  *last_seq = SeqOfLine(absl::string_view(tail).substr(tail.rfind('\n') + 1));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<NotificationLogSink>> NotificationLogSink::Start(
    wallet::Wallet* wallet, StreamHub* hub, const std::string& path) {
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("cannot append to", path);
  absl::StatusOr<uint64_t> cursor = wallet->OutboxCursor(wallet::Stream::kNotification);
  uint64_t length = 0;
  uint64_t last_seq = 0;
  absl::Status tail = cursor.ok() ? TrimTail(fd, path, &length, &last_seq) : cursor.status();
  if (!tail.ok()) {
    close(fd);
    return tail;
  }
  std::unique_ptr<NotificationLogSink> sink(
      new NotificationLogSink(wallet, hub, path, fd, *cursor, length));
  if (last_seq > *cursor) {
    // Written before a stop but not acknowledged: in the file already, so not
    // written again; acknowledged once a sync has made them durable.
    LOG(INFO) << "notification log " << path << " already holds notifications " << *cursor + 1
              << " to " << last_seq;
    absl::MutexLock lock(&sink->mu_);
    sink->written_seq_ = last_seq;
  }
  hub->Add(sink.get());
  sink->Wake();  // catch up
  sink->thread_ = std::thread([raw = sink.get()] { raw->Run(); });
  return sink;
}

NotificationLogSink::NotificationLogSink(wallet::Wallet* wallet, StreamHub* hub, std::string path,
                                         int fd, uint64_t cursor, uint64_t length)
    : wallet_(wallet),
      hub_(hub),
      path_(std::move(path)),
      fd_(fd),
      written_seq_(cursor),
      written_length_(length),
      synced_seq_(cursor),
      synced_length_(length),
      acked_(cursor) {}

NotificationLogSink::~NotificationLogSink() {
  hub_->Remove(this);
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
  close(fd_);
}

void NotificationLogSink::Wake() {
  absl::MutexLock lock(&mu_);
  WriteLocked();
}

void NotificationLogSink::Run() {
  absl::MutexLock lock(&mu_);
  for (;;) {
    absl::Time deadline = failing_ ? retry_at_ : absl::InfiniteFuture();
    if (!ack_in_flight_ && written_seq_ > acked_) {
      deadline = std::min(deadline, last_ack_ + kAckInterval);
    }
    mu_.AwaitWithDeadline(absl::Condition(this, &NotificationLogSink::Kicked), deadline);
    kick_ = false;
    const bool stop = stop_;
    // Wall time on purpose: this paces disk work, it is not ledger time.
    const absl::Time now = absl::Now();
    if (stop || (failing_ && now >= retry_at_)) WriteLocked();
    const bool ack_due = !ack_in_flight_ && written_seq_ > acked_ && now >= last_ack_ + kAckInterval;
    if ((ack_due || stop) && SyncLocked() && synced_seq_ > acked_ && !ack_in_flight_) {
      const uint64_t seq = synced_seq_;
      mu_.Unlock();
      Ack(seq);
      mu_.Lock();
    }
    if (stop) {
      mu_.AwaitWithTimeout(
          absl::Condition(+[](bool* in_flight) { return !*in_flight; }, &ack_in_flight_),
          absl::Seconds(10));
      return;
    }
  }
}

void NotificationLogSink::WriteLocked() {
  if (failing_ && absl::Now() < retry_at_) return;
  const uint64_t unacknowledged_before = written_seq_ - acked_;
  constexpr int kBatch = 1000;
  for (;;) {
    absl::StatusOr<std::vector<OutboxItem>> items =
        wallet_->ReadOutbox(wallet::Stream::kNotification, written_seq_, kBatch);
    if (!items.ok()) {
      LOG_EVERY_N(ERROR, 100) << "notification sink: " << items.status();
      return;
    }
    if (items->empty()) break;
    std::string text;
    for (const OutboxItem& item : *items) absl::StrAppend(&text, LineOf(item.notification()));
    absl::Status appended = AppendLocked(text);
    if (!appended.ok()) {
      FailedLocked(appended);
      return;
    }
    written_seq_ = items->back().notification().seq();
    if (static_cast<int>(items->size()) < kBatch) break;
  }
  if (failing_) {
    failing_ = false;
    retry_backoff_ = kRetryInitial;
    LOG(WARNING) << "notification log " << path_ << " is written again, up to notification "
                 << written_seq_;
  }
  // The sink's thread sleeps while nothing waits for an ack.
  if (unacknowledged_before == 0 && written_seq_ > acked_) kick_ = true;
}

bool NotificationLogSink::SyncLocked() {
  if (written_seq_ <= synced_seq_) return true;
  const uint64_t seq = written_seq_;
  const uint64_t length = written_length_;
  // Appends may go on meanwhile; they are synced next time.
  mu_.Unlock();
  const bool synced = fdatasync(fd_) == 0;
  const absl::Status failed = synced ? absl::OkStatus() : ErrnoError("cannot sync", path_);
  mu_.Lock();
  if (synced) {
    synced_seq_ = std::max(synced_seq_, seq);
    synced_length_ = std::max(synced_length_, length);
    return true;
  }
  // What the failed sync covered may never reach the disk: cut it, and write
  // it again.
  if (ftruncate(fd_, static_cast<off_t>(synced_length_)) != 0) {
    PLOG(ERROR) << "cannot cut " << path_ << " back to " << synced_length_ << " bytes";
  }
  written_length_ = synced_length_;
  written_seq_ = synced_seq_;
  FailedLocked(failed);
  return false;
}

absl::Status NotificationLogSink::AppendLocked(const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd_, text.data() + done, text.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      const absl::Status failed = ErrnoError("cannot write", path_);
      // Never leave a cut line: back to the end of the last whole one.
      if (ftruncate(fd_, static_cast<off_t>(written_length_)) != 0) {
        PLOG(ERROR) << "cannot cut " << path_ << " back to " << written_length_ << " bytes";
      }
      return failed;
    }
  }
  written_length_ += text.size();
  return absl::OkStatus();
}

void NotificationLogSink::FailedLocked(const absl::Status& status) {
  write_errors_.fetch_add(1, std::memory_order_relaxed);
  if (!failing_) {
    LOG(ERROR) << "notification log: " << status.message() << "; notifications after "
               << written_seq_
               << " stay in the outbox, unacknowledged, and are written once the file can be "
                  "written again (retrying with back-off)";
  } else {
    retry_backoff_ = std::min(retry_backoff_ * 2, kRetryMax);
  }
  failing_ = true;
  retry_at_ = absl::Now() + retry_backoff_;
  kick_ = true;  // the sink's thread runs the retry
}

void NotificationLogSink::Ack(uint64_t seq) {
  {
    absl::MutexLock lock(&mu_);
    ack_in_flight_ = true;
    last_ack_ = absl::Now();
  }
  wallet_->AckOutbox(wallet::Stream::kNotification, seq, [this, seq](absl::StatusOr<bool> acked) {
    if (!acked.ok()) {
      LOG_EVERY_N(WARNING, 300) << "notification sink ack: " << acked.status();
    }
    absl::MutexLock lock(&mu_);
    ack_in_flight_ = false;
    if (acked.ok()) acked_ = std::max(acked_, seq);
    kick_ = true;  // another ack may be due
  });
}

grpc::ServerUnaryReactor* MeterIngestService::IngestReadings(
    grpc::CallbackServerContext* ctx, const v1::IngestReadingsRequest* request,
    v1::IngestReadingsResponse* response) {
  return Serve(ctx, "IngestReadings", kMeterGateway, response,
               [&](const wallet::Principal&, auto done) {
                 wallet()->IngestReadings(*request, std::move(done));
               });
}

grpc::ServerBidiReactor<v1::StreamAck, v1::RelayCommand>* MeterGatewayService::StreamRelayCommands(
    grpc::CallbackServerContext* ctx) {
  return new OutboxStream<v1::RelayCommand>(wallet(), hub_, wallet::Stream::kRelay,
                                            calls()->Authorize(ctx, kMeterGateway).status());
}

grpc::ServerUnaryReactor* MeterGatewayService::ReportRelayOutcome(
    grpc::CallbackServerContext* ctx, const v1::RelayOutcome* request,
    v1::ReportRelayOutcomeResponse* response) {
  return Serve(ctx, "ReportRelayOutcome", kMeterGateway, response,
               [&](const wallet::Principal&, auto done) {
                 wallet()->ReportRelayOutcome(*request, std::move(done));
               });
}

grpc::ServerBidiReactor<v1::StreamAck, v1::Notification>* NotificationService::StreamNotifications(
    grpc::CallbackServerContext* ctx) {
  absl::Status admitted = calls()->Authorize(ctx, kNotifier).status();
  if (admitted.ok() && sink_active_) {
    admitted = absl::FailedPreconditionError(
        "walletd's notification log sink takes this stream; start walletd with "
        "--notification_log=none to deliver notifications yourself");
  }
  return new OutboxStream<v1::Notification>(wallet(), hub_, wallet::Stream::kNotification,
                                            admitted);
}

}  // namespace api
