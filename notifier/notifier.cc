#include "notifier/notifier.h"

#include <algorithm>
#include <cmath>

#include "glog/logging.h"

namespace notifier {

namespace v1 = ::wallet::v1;

std::unique_ptr<Notifier> Notifier::Start(const NotifierOptions& options, TemplateBook book,
                                          std::unique_ptr<SmsStore> store,
                                          std::unique_ptr<SmsSender> sender, base::Clock* clock) {
  std::unique_ptr<Notifier> notifier(
      new Notifier(options, std::move(book), std::move(store), std::move(sender), clock));
  notifier->thread_ = std::thread([n = notifier.get()] { n->Run(); });
  return notifier;
}

Notifier::Notifier(const NotifierOptions& options, TemplateBook book,
                   std::unique_ptr<SmsStore> store, std::unique_ptr<SmsSender> sender,
                   base::Clock* clock)
    : options_(options),
      book_(std::move(book)),
      store_(std::move(store)),
      sender_(std::move(sender)),
      clock_(clock),
      channel_(grpc::CreateChannel(options.wallet_address,
                                   options.wallet_credentials != nullptr
                                       ? options.wallet_credentials
                                       : grpc::InsecureChannelCredentials())),
      bucket_(options.rate, options.burst, clock->Now()) {}

Notifier::~Notifier() { Stop(); }

void Notifier::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (open_stream_ != nullptr) open_stream_->Cancel();
  }
  if (thread_.joinable()) thread_.join();
}

void Notifier::Run() {
  int failures = 0;
  while (true) {
    NotificationStream stream(channel_, options_.api_key);
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      open_stream_ = &stream;
    }
    stream.WaitUntilAccepted();
    connected_ = true;
    v1::Notification notification;
    while (stream.Read(&notification)) {
      failures = 0;
      if (!Handle(notification)) break;
      stream.Ack(notification.seq());
      // Nothing waits until the next one is read: the backlog age is 0, not
      // the age of the last notification sent.
      absl::MutexLock lock(&mu_);
      oldest_unacked_.reset();
    }
    {
      absl::MutexLock lock(&mu_);
      open_stream_ = nullptr;
      oldest_unacked_.reset();
    }
    stream.Cancel();  // a Handle cut short by Stop leaves the stream open
    const absl::Status status = stream.Finish();
    connected_ = false;
    const absl::Duration delay = Backoff(++failures);
    LOG(WARNING) << "notification stream closed (" << status << "); reopening in " << delay;
    if (!WaitUnlessStopped(delay)) return;
  }
}

bool Notifier::Handle(const v1::Notification& notification) {
  {
    absl::MutexLock lock(&mu_);
    oldest_unacked_ = absl::FromUnixSeconds(notification.create_time().seconds());
  }
  const std::string& id = notification.notification_id();
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<SmsRecord> record = store_->Get(id);
    if (record.ok() && record->state != SmsState::kNone) {
      VLOG(1) << id << " already " << SmsStateName(record->state) << ": acknowledged again";
      return true;
    }
    if (record.ok()) break;
    LOG(ERROR) << "SMS store: " << record.status();
    if (!WaitUnlessStopped(Backoff(attempt))) return false;
  }
  absl::StatusOr<Sms> sms = book_.Render(notification);
  if (!sms.ok()) {
    ++skipped_;
    LOG(INFO) << "notification " << id << " (" << v1::Notification::Kind_Name(notification.kind())
              << ") not sent: " << sms.status().message();
    return true;
  }
  const std::optional<SendOutcome> outcome = SendUntilTaken(*sms);
  if (!outcome) return false;
  if (*outcome == SendOutcome::kAccepted) {
    ++sent_;
    return Record(id, SmsState::kAccepted);
  }
  ++failed_;
  return Record(id, SmsState::kFailed);
}

std::optional<SendOutcome> Notifier::SendUntilTaken(const Sms& sms) {
  for (int attempt = 1;; ++attempt) {
    if (!WaitForToken()) return std::nullopt;
    absl::StatusOr<SendOutcome> outcome = sender_->Send(sms);
    if (outcome.ok() && *outcome != SendOutcome::kRetry) return *outcome;
    ++retries_;
    const absl::Duration delay = Backoff(attempt);
    LOG_EVERY_N(WARNING, 20) << "SMS gateway did not take " << sms.notification_id << " ("
                             << (outcome.ok() ? "asked to retry" : outcome.status().ToString())
                             << "); retrying in " << delay;
    if (!WaitUnlessStopped(delay)) return std::nullopt;
  }
}

bool Notifier::Record(const std::string& notification_id, SmsState state) {
  for (int attempt = 1;; ++attempt) {
    const absl::StatusOr<bool> moved = store_->Advance(notification_id, state, clock_->Now());
    if (moved.ok()) return true;
    LOG(ERROR) << "SMS store: " << moved.status();
    if (!WaitUnlessStopped(Backoff(attempt))) return false;
  }
}

absl::Status Notifier::OnDeliveryReport(const Dlr& dlr) {
  if (!DlrIsFinal(dlr.type)) return absl::OkStatus();
  const SmsState state = DlrIsDelivered(dlr.type) ? SmsState::kDelivered : SmsState::kFailed;
  absl::StatusOr<bool> moved = store_->Advance(dlr.notification_id, state, clock_->Now());
  if (!moved.ok()) return moved.status();
  if (*moved) ++(state == SmsState::kDelivered ? delivered_ : failed_);
  return absl::OkStatus();
}

absl::Duration Notifier::Backoff(int attempt) const {
  const double factor = std::pow(2.0, std::min(attempt - 1, 30));
  return std::min(options_.retry_initial * factor, options_.retry_max);
}

bool Notifier::WaitUnlessStopped(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stopping_), delay);
  return !stopping_;
}

bool Notifier::WaitForToken() {
  for (absl::Duration wait; (wait = bucket_.Take(clock_->Now())) > absl::ZeroDuration();) {
    if (!WaitUnlessStopped(wait)) return false;
  }
  absl::MutexLock lock(&mu_);
  return !stopping_;
}

double Notifier::BacklogAgeSeconds() {
  absl::MutexLock lock(&mu_);
  if (!oldest_unacked_) return 0;
  return std::max(0.0, absl::ToDoubleSeconds(clock_->Now() - *oldest_unacked_));
}

void Notifier::RegisterMetrics(base::Metrics* metrics) {
  metrics->RegisterCounter("sms_sent_total", "SMS Kannel accepted", &sent_);
  metrics->RegisterCounter("sms_delivered_total", "SMS reported delivered to the phone",
                           &delivered_);
  metrics->RegisterCounter("sms_failed_total", "SMS refused by Kannel or reported undelivered",
                           &failed_);
  metrics->RegisterCounter("sms_skipped_total",
                           "Notifications not sent: not for a consumer, or no template", &skipped_);
  metrics->RegisterCounter("sms_send_retries_total",
                           "Send attempts that Kannel did not take (down, busy, 5xx)", &retries_);
  metrics->RegisterValue("sms_backlog_age_seconds", "gauge",
                         "Age of the oldest notification not yet acknowledged to walletd",
                         [this] { return BacklogAgeSeconds(); });
  metrics->RegisterValue("notifier_stream_connected", "gauge",
                         "1 while the notification stream from walletd is open",
                         [this] { return connected() ? 1.0 : 0.0; });
}

}  // namespace notifier
