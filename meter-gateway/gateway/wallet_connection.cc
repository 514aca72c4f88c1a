#include "meter-gateway/gateway/wallet_connection.h"

#include <atomic>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "glog/logging.h"

namespace meter_gateway {

bool IsRetryable(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
      return true;
    default:
      return false;
  }
}

namespace {

namespace v1 = ::wallet::v1;

class WalletConnectionImpl final : public WalletConnection {
 public:
  WalletConnectionImpl(std::unique_ptr<WalletStub> stub, const WalletConnectionOptions& options)
      : stub_(std::move(stub)), options_(options) {}

  absl::Status ReportRelayOutcome(const v1::RelayOutcome& outcome) override {
    return Retry(
        [&] { return absl::StrCat("ReportRelayOutcome for ", outcome.meter_id()); }, nullptr,
        [&](absl::Duration timeout) { return stub_->ReportRelayOutcome(outcome, timeout); });
  }

  absl::StatusOr<v1::IngestReadingsResponse> IngestReadings(
      const v1::IngestReadingsRequest& request) override {
    absl::StatusOr<v1::IngestReadingsResponse> response;
    // The last attempt's status is in `response` too.
    Retry([&] { return absl::StrCat("IngestReadings ", request.batch_id()); }, &ingest_errors_,
          [&](absl::Duration timeout) {
            response = stub_->IngestReadings(request, timeout);
            return response.status();
          })
        .IgnoreError();
    return response;
  }

  void RunRelayStream(RelayStreamListener* listener) override {
    Backoff backoff(options_.retry, NextSeed());
    int failures = 0;
    while (true) {
      std::unique_ptr<RelayStream> stream;
      {
        absl::MutexLock lock(&open_mu_);
        if (closing_) return;
        stream = stub_->StreamRelayCommands();
        open_ = stream.get();
      }
      if (Serve(*stream, listener)) failures = 0;
      {
        absl::MutexLock lock(&writer_mu_);
        writer_ = nullptr;
      }
      {
        absl::MutexLock lock(&open_mu_);
        open_ = nullptr;
      }
      const absl::Status status = stream->Finish();
      connected_ = false;
      {
        absl::MutexLock lock(&open_mu_);
        if (closing_) return;
      }
      ++stream_reconnects_;
      const absl::Duration delay = backoff.Delay(++failures);
      LOG(WARNING) << "relay stream closed (" << status << "); reopening in " << delay;
      if (!WaitUnlessStopped(delay)) return;
    }
  }

  void Acknowledge(uint64_t seq) override {
    absl::MutexLock lock(&writer_mu_);
    if (writer_ == nullptr || seq <= ack_sent_) return;
    v1::StreamAck ack;
    ack.set_ack_seq(seq);
    if (writer_->Write(ack)) ack_sent_ = seq;
  }

  bool connected() const override { return connected_.load(); }

  void StopRetrying() override {
    absl::MutexLock lock(&stop_mu_);
    stopped_ = true;
    stop_cv_.SignalAll();
  }

  void CloseRelayStream() override {
    // Not writer_mu_: an acknowledgement stalled on a dead connection holds it.
    absl::MutexLock lock(&open_mu_);
    closing_ = true;
    if (open_ != nullptr) open_->Cancel();
  }

  void RegisterMetrics(base::Metrics* metrics) override {
    metrics->RegisterCounter("gateway_ingest_errors_total",
                             "IngestReadings attempts that failed (each retry counts)",
                             &ingest_errors_);
    metrics->RegisterCounter(
        "gateway_stream_reconnects_total",
        "times the relay stream ended and was opened again (failed attempts included)",
        &stream_reconnects_);
    metrics->RegisterValue("gateway_stream_connected", "gauge", "1 while the relay stream is open",
                           [this] { return connected_.load() ? 1.0 : 0.0; });
  }

 private:
  // Retry makes attempts of one call until it succeeds, fails with an error
  // retrying cannot cure, runs out of attempts or is stopped, and returns the
  // last status. `describe` names the call for the log (built only when
  // something is logged); `failures`, if set, counts every failed attempt.
  template <typename Describe, typename Attempt>
  absl::Status Retry(Describe describe, std::atomic<uint64_t>* failures, Attempt attempt) {
    Backoff backoff(options_.retry, NextSeed());
    for (int n = 1;; ++n) {
      const absl::Status status = attempt(options_.call_timeout);
      if (status.ok()) {
        if (n > 1) LOG(INFO) << describe() << " succeeded at attempt " << n;
        return status;
      }
      if (failures != nullptr) ++*failures;
      if (!IsRetryable(status.code())) {
        LOG(WARNING) << "walletd refused " << describe() << ": " << status;
        return status;
      }
      if (backoff.Exhausted(n)) {
        LOG(WARNING) << describe() << " failed " << n << " times; giving up: " << status;
        return status;
      }
      const absl::Duration delay = backoff.Delay(n);
      // One line when an outage starts for this call, not one per attempt.
      if (n == 1) {
        LOG(WARNING) << describe() << " failed: " << status << "; retrying, first in " << delay;
      }
      if (!WaitUnlessStopped(delay)) return status;
    }
  }

  // WaitUnlessStopped waits for `delay`; false, at once, if retries stop.
  bool WaitUnlessStopped(absl::Duration delay) {
    absl::MutexLock lock(&stop_mu_);
    const absl::Time until = absl::Now() + delay;
    while (!stopped_ && absl::Now() < until) stop_cv_.WaitWithDeadline(&stop_mu_, until);
    return !stopped_;
  }

  // Serve sends the resume message, waits for walletd to take the stream and
  // passes its commands on until it ends; true if walletd took it.
  bool Serve(RelayStream& stream, RelayStreamListener* listener) {
    const uint64_t resume_after = listener->ResumeAfter();
    v1::StreamAck resume;
    resume.set_resume_after_seq(resume_after);
    if (!stream.Write(resume)) return false;
    // walletd sends its initial metadata once it has taken the resume: the
    // stream is up even if no command comes for hours.
    stream.WaitUntilAccepted();
    {
      absl::MutexLock lock(&writer_mu_);
      writer_ = &stream;
      ack_sent_ = resume_after;
    }
    connected_ = true;
    LOG(INFO) << "relay stream open, resuming after seq " << resume_after;
    v1::RelayCommand command;
    while (stream.Read(&command)) listener->OnCommand(command);
    return true;
  }

  // NextSeed gives each call's back-off its own jitter.
  uint64_t NextSeed() { return options_.seed ^ (0x9E3779B97F4A7C15ull * ++calls_); }

  const std::unique_ptr<WalletStub> stub_;
  const WalletConnectionOptions options_;
  std::atomic<uint64_t> calls_{0};

  absl::Mutex stop_mu_;
  absl::CondVar stop_cv_;
  bool stopped_ ABSL_GUARDED_BY(stop_mu_) = false;

  // The open stream as a writer, for acknowledgements beside the reading
  // thread.
  absl::Mutex writer_mu_;
  RelayStream* writer_ ABSL_GUARDED_BY(writer_mu_) = nullptr;
  uint64_t ack_sent_ ABSL_GUARDED_BY(writer_mu_) = 0;
  // The open stream, to cancel it; never held across I/O.
  absl::Mutex open_mu_;
  RelayStream* open_ ABSL_GUARDED_BY(open_mu_) = nullptr;
  bool closing_ ABSL_GUARDED_BY(open_mu_) = false;

  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> ingest_errors_{0};
  std::atomic<uint64_t> stream_reconnects_{0};
};

}  // namespace

std::unique_ptr<WalletConnection> MakeWalletConnection(std::unique_ptr<WalletStub> stub,
                                                       const WalletConnectionOptions& options) {
  return std::make_unique<WalletConnectionImpl>(std::move(stub), options);
}

}  // namespace meter_gateway
