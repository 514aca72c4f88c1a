#include "meter-gateway/gateway/gateway.h"

#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "glog/logging.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "meter-gateway/gateway/meter_session.h"
#include "wallet/v1/meter.grpc.pb.h"

namespace meter_gateway {
namespace {

namespace v1 = ::wallet::v1;

using google::protobuf::util::TimeUtil;
using RelayStream = grpc::ClientReaderWriter<v1::StreamAck, v1::RelayCommand>;

// What the gateway knows of one meter between sessions.
struct MeterInfo {
  v1::RelayState relay = v1::RELAY_UNKNOWN;  // as last read or reported
  bool armed = false;                         // polled until connected
  // Its one entry in the read schedule; InfiniteFuture while none (a read is
  // running, or reads are off).
  absl::Time next_read = absl::InfiniteFuture();
};

class GatewayImpl final : public Gateway {
 public:
  explicit GatewayImpl(GatewayOptions options)
      : options_(std::move(options)),
        queue_(options_.retry, absl::Hash<std::string>()(options_.api_key) ^
                                   static_cast<uint64_t>(absl::ToUnixNanos(absl::Now()))),
        channel_(grpc::CreateChannel(options_.wallet_address, grpc::InsecureChannelCredentials())),
        gateway_stub_(v1::MeterGatewayService::NewStub(channel_)),
        ingest_stub_(v1::MeterIngestService::NewStub(channel_)),
        instance_(absl::StrCat("gw-", absl::ToUnixMicros(absl::Now()))) {}

  ~GatewayImpl() override { Stop(); }

  void Begin() {
    ScheduleFirstReads();
    stream_thread_ = std::thread([this] { StreamLoop(); });
    ack_thread_ = std::thread([this] { AckLoop(); });
    ingest_thread_ = std::thread([this] { IngestLoop(); });
    for (int i = 0; i < options_.concurrency; ++i) {
      workers_.emplace_back([this] { WorkLoop(); });
    }
    LOG(INFO) << "gateway started: walletd " << options_.wallet_address << ", "
              << options_.directory.size() << " meters, " << options_.concurrency
              << " sessions at most, reads every " << options_.read_interval;
  }

  void Stop() override {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      stopping_ = true;
      cv_.SignalAll();
      bg_cv_.SignalAll();
    }
    for (std::thread& t : workers_) t.join();
    SendAck();  // what the workers reported before they stopped
    {
      // Not stream_mu_: an ack write stalled on a dead connection holds it.
      absl::MutexLock lock(&context_mu_);
      stream_closing_ = true;
      if (stream_context_ != nullptr) stream_context_->TryCancel();
    }
    stream_thread_.join();
    {
      absl::MutexLock lock(&mu_);
      background_done_ = true;
      bg_cv_.SignalAll();
    }
    ack_thread_.join();
    ingest_thread_.join();
    while (FlushReadings()) {
    }
    LOG(INFO) << "gateway stopped: " << stats_.confirmed << " confirmed, " << stats_.armed
              << " armed, " << stats_.failed << " failed, " << stats_.offline << " offline, "
              << stats_.readings_sent << " readings sent";
  }

  bool connected() const override { return connected_.load(); }

  void RegisterMetrics(base::Metrics* metrics) override {
    auto counter = [&](const std::string& name, const std::string& help,
                       const std::atomic<uint64_t>& v) {
      metrics->RegisterValue(name, "counter", help, [&v] { return static_cast<double>(v.load()); });
    };
    counter("gateway_commands_received_total", "relay commands taken from walletd",
            stats_.commands_received);
    counter("gateway_commands_superseded_total",
            "commands replaced by a newer one for the same meter (not run, or run and their "
            "outcome not reported)",
            stats_.commands_superseded);
    counter("gateway_relay_attempts_total", "DLMS relay sessions tried", stats_.attempts);
    counter("gateway_relay_retries_total", "relay attempts scheduled again", stats_.retries);
    counter("gateway_relay_confirmed_total", "commands confirmed by read-back", stats_.confirmed);
    counter("gateway_relay_armed_total", "reconnects left ready for the button", stats_.armed);
    counter("gateway_relay_failed_total", "commands that failed for good", stats_.failed);
    counter("gateway_relay_offline_total", "commands for meters that stayed offline",
            stats_.offline);
    counter("gateway_relay_observations_total", "relay changes seen by scheduled reads",
            stats_.observations);
    counter("gateway_reads_ok_total", "scheduled meter reads that succeeded", stats_.reads_ok);
    counter("gateway_reads_failed_total", "scheduled meter reads that failed",
            stats_.reads_failed);
    counter("gateway_readings_sent_total",
            "readings in IngestReadings batches walletd answered (those it rejected or "
            "quarantined included)",
            stats_.readings_sent);
    counter("gateway_ingest_batches_total", "IngestReadings calls that succeeded",
            stats_.ingest_batches);
    counter("gateway_ingest_errors_total", "IngestReadings attempts that failed (each retry counts)",
            stats_.ingest_errors);
    counter("gateway_stream_reconnects_total",
            "times the relay stream ended and was opened again (failed attempts included)",
            stats_.stream_reconnects);
    metrics->RegisterValue("gateway_relay_waiting", "gauge", "relay commands waiting", [this] {
      absl::MutexLock lock(&mu_);
      return static_cast<double>(queue_.waiting());
    });
    metrics->RegisterValue("gateway_sessions_running", "gauge", "DLMS sessions in progress",
                           [this] { return static_cast<double>(sessions_.load()); });
    metrics->RegisterValue("gateway_stream_connected", "gauge", "1 while the relay stream is open",
                           [this] { return connected_.load() ? 1.0 : 0.0; });
  }

 private:
  std::unique_ptr<grpc::ClientContext> NewContext(absl::Duration timeout) const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("x-api-key", options_.api_key);
    if (timeout != absl::InfiniteDuration()) {
      context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    }
    return context;
  }

  // Sleep waits for `d` or until the gateway stops; false if it stopped.
  bool Sleep(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    const absl::Time until = absl::Now() + d;
    while (!stopping_ && absl::Now() < until) bg_cv_.WaitWithDeadline(&mu_, until);
    return !stopping_;
  }

  // ------------------------------------------------------------ relay stream

  void StreamLoop() {
    absl::Duration backoff = absl::Milliseconds(100);
    while (true) {
      std::unique_ptr<grpc::ClientContext> context = NewContext(absl::InfiniteDuration());
      std::unique_ptr<RelayStream> stream;
      {
        absl::MutexLock lock(&context_mu_);
        if (stream_closing_) return;
        stream = gateway_stub_->StreamRelayCommands(context.get());
        stream_context_ = context.get();
      }
      uint64_t resume_after;
      {
        absl::MutexLock lock(&mu_);
        resume_after = acks_.Acked();
      }
      RunStream(*stream, resume_after, &backoff);
      {
        absl::MutexLock lock(&stream_mu_);
        stream_ = nullptr;
      }
      {
        absl::MutexLock lock(&context_mu_);
        stream_context_ = nullptr;
      }
      const grpc::Status status = stream->Finish();
      connected_ = false;
      {
        absl::MutexLock lock(&context_mu_);
        if (stream_closing_) return;
      }
      ++stats_.stream_reconnects;
      LOG(WARNING) << "relay stream closed (" << status.error_code() << " "
                   << status.error_message() << "); reopening in " << backoff;
      if (!Sleep(backoff)) return;
      backoff = std::min(backoff * 2, absl::Seconds(5));
    }
  }

  // RunStream opens the stream with its resume message and takes commands
  // until it ends.
  void RunStream(RelayStream& stream, uint64_t resume_after, absl::Duration* backoff) {
    v1::StreamAck resume;
    resume.set_resume_after_seq(resume_after);
    if (!stream.Write(resume)) return;
    // walletd sends its initial metadata once it has taken the resume: the
    // stream is up even if no command comes for hours.
    stream.WaitForInitialMetadata();
    {
      absl::MutexLock lock(&stream_mu_);
      stream_ = &stream;
      ack_sent_ = resume_after;
    }
    connected_ = true;
    *backoff = absl::Milliseconds(100);
    LOG(INFO) << "relay stream open, resuming after seq " << resume_after;
    v1::RelayCommand command;
    while (stream.Read(&command)) Take(command);
  }

  void Take(const v1::RelayCommand& command) {
    ++stats_.commands_received;
    LOG(INFO) << "command " << command.command_id() << ": " << v1::RelayAction_Name(command.action())
              << " " << command.meter_id() << " (" << command.reason() << ")";
    absl::MutexLock lock(&mu_);
    // A redelivery after a reconnect is already running, waiting or done: it
    // must neither run twice nor be acknowledged before its outcome is.
    if (!acks_.Delivered(command.seq())) return;
    for (uint64_t seq : queue_.Add(command, absl::Now())) {
      if (seq != command.seq()) ++stats_.commands_superseded;
      acks_.Completed(seq);
    }
    cv_.Signal();
  }

  void SendAck() {
    uint64_t acked;
    {
      absl::MutexLock lock(&mu_);
      acked = acks_.Acked();
    }
    absl::MutexLock lock(&stream_mu_);
    if (stream_ == nullptr || acked <= ack_sent_) return;
    v1::StreamAck ack;
    ack.set_ack_seq(acked);
    if (stream_->Write(ack)) ack_sent_ = acked;
  }

  void AckLoop() {
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        bg_cv_.WaitWithTimeout(&mu_, options_.ack_interval);
        if (background_done_) return;
      }
      SendAck();
    }
  }

  // ------------------------------------------------------------ workers

  void WorkLoop() {
    while (true) {
      std::optional<RelayJob> job;
      std::string read_meter;
      {
        absl::MutexLock lock(&mu_);
        while (!stopping_ && !(job = queue_.Take(absl::Now())) && !TakeRead(&read_meter)) {
          absl::Time wake = absl::Now() + absl::Seconds(1);
          if (std::optional<absl::Time> due = queue_.NextDue()) wake = std::min(wake, *due);
          if (!reads_.empty()) wake = std::min(wake, reads_.begin()->first);
          cv_.WaitWithDeadline(&mu_, wake);
        }
        if (stopping_ && !job) return;
      }
      ++sessions_;
      if (job) {
        RunRelay(*job);
      } else {
        RunRead(read_meter);
      }
      --sessions_;
    }
  }

  void RunRelay(const RelayJob& job) {
    const v1::RelayCommand& command = job.command;
    auto endpoint = options_.directory.find(command.meter_id());
    RelayAttempt attempt;
    if (endpoint == options_.directory.end()) {
      attempt.outcome.set_command_id(command.command_id());
      attempt.outcome.set_meter_id(command.meter_id());
      attempt.outcome.set_result(v1::RelayOutcome::FAILED);
      attempt.outcome.set_reason("meter not in the gateway's meter directory");
    } else {
      ++stats_.attempts;
      const absl::Time start = absl::Now();
      attempt = ExecuteRelayCommand(endpoint->second, command, options_.dlms);
      VLOG(1) << "attempt " << job.attempt << " on " << command.meter_id() << " took "
              << absl::Now() - start;
    }
    if (attempt.retryable) {
      absl::MutexLock lock(&mu_);
      if (stopping_) {
        // Not final, so not reported nor acknowledged: walletd redelivers it
        // to the next gateway.
        queue_.Done(command.meter_id());
        return;
      }
      if (queue_.Retry(job, absl::Now())) {
        ++stats_.retries;
        LOG(INFO) << "command " << command.command_id() << " on " << command.meter_id()
                  << ": attempt " << job.attempt << " " << attempt.outcome.reason()
                  << "; will retry";
        cv_.Signal();
        return;
      }
      // Out of attempts or superseded: Retry has ended the job, and a newer
      // command for the meter may be ready now.
      cv_.Signal();
    } else {
      absl::MutexLock lock(&mu_);
      queue_.Done(command.meter_id());
      cv_.Signal();
    }
    Finish(job, attempt.outcome);
  }

  // Finish reports a final outcome and lets the stream position move past it.
  void Finish(const RelayJob& job, const v1::RelayOutcome& outcome) {
    bool superseded;
    {
      absl::MutexLock lock(&mu_);
      superseded = queue_.Superseded(job);
    }
    if (superseded) {
      ++stats_.commands_superseded;
      LOG(INFO) << "command " << job.command.command_id() << " superseded; outcome not reported";
    } else {
      CountOutcome(outcome);
      LOG(INFO) << "command " << outcome.command_id() << " on " << outcome.meter_id() << ": "
                << v1::RelayOutcome::Result_Name(outcome.result()) << " "
                << v1::RelayState_Name(outcome.state()) << " after " << job.attempt
                << " attempt(s)" << (outcome.reason().empty() ? "" : ": ") << outcome.reason();
      if (!Report(outcome)) return;  // stopping: walletd will redeliver it
    }
    absl::MutexLock lock(&mu_);
    acks_.Completed(job.command.seq());
    MeterInfo& info = meters_[job.command.meter_id()];
    if (outcome.state() != v1::RELAY_UNKNOWN) info.relay = outcome.state();
    if (outcome.result() == v1::RelayOutcome::ARMED && !info.armed) {
      info.armed = true;
      const absl::Time poll = absl::Now() + options_.armed_poll_interval;
      if (poll < info.next_read) ScheduleRead(job.command.meter_id(), info, poll);
      cv_.Signal();
    }
  }

  void CountOutcome(const v1::RelayOutcome& outcome) {
    switch (outcome.result()) {
      case v1::RelayOutcome::CONFIRMED: ++stats_.confirmed; break;
      case v1::RelayOutcome::ARMED: ++stats_.armed; break;
      case v1::RelayOutcome::OFFLINE: ++stats_.offline; break;
      default: ++stats_.failed; break;
    }
  }

  // Report sends an outcome or observation to walletd, retrying while walletd
  // is unreachable; false only if the gateway stops first.
  bool Report(const v1::RelayOutcome& outcome) {
    absl::Duration backoff = absl::Milliseconds(100);
    while (true) {
      std::unique_ptr<grpc::ClientContext> context = NewContext(absl::Seconds(10));
      v1::ReportRelayOutcomeResponse response;
      const grpc::Status status = gateway_stub_->ReportRelayOutcome(context.get(), outcome, &response);
      if (status.ok()) return true;
      const grpc::StatusCode code = status.error_code();
      if (code != grpc::StatusCode::UNAVAILABLE && code != grpc::StatusCode::DEADLINE_EXCEEDED &&
          code != grpc::StatusCode::RESOURCE_EXHAUSTED) {
        // walletd refused it for good (e.g. a meter it does not know): retrying
        // cannot help, and holding the stream back would stall every meter.
        LOG(WARNING) << "walletd refused the outcome for " << outcome.meter_id() << ": "
                     << status.error_message();
        return true;
      }
      if (!Sleep(backoff)) return false;
      backoff = std::min(backoff * 2, absl::Seconds(5));
    }
  }

  // ------------------------------------------------------------ scheduled reads

  void ScheduleFirstReads() {
    if (options_.read_interval <= absl::ZeroDuration()) return;
    const absl::Time now = absl::Now();
    const int64_t interval_us = absl::ToInt64Microseconds(options_.read_interval);
    absl::MutexLock lock(&mu_);
    for (const auto& [meter_id, endpoint] : options_.directory) {
      // A stable spread over the interval: the same meter reads at the same
      // phase after a restart, and a fleet never reads all at once.
      const int64_t phase = static_cast<int64_t>(absl::Hash<std::string>()(meter_id) %
                                                 static_cast<uint64_t>(interval_us));
      ScheduleRead(meter_id, meters_[meter_id], now + absl::Microseconds(phase));
    }
  }

  // ScheduleRead moves the meter's one entry in the read schedule to `at`.
  void ScheduleRead(const std::string& meter_id, MeterInfo& info, absl::Time at)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (info.next_read != absl::InfiniteFuture()) reads_.erase({info.next_read, meter_id});
    info.next_read = at;
    reads_.insert({at, meter_id});
  }

  bool TakeRead(std::string* meter_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const absl::Time now = absl::Now();
    while (!reads_.empty() && reads_.begin()->first <= now) {
      const std::string id = reads_.begin()->second;
      MeterInfo& info = meters_[id];
      // One session per meter: a read waits for a relay command to finish.
      if (!queue_.Reserve(id)) {
        ScheduleRead(id, info, now + absl::Seconds(1));
        continue;
      }
      reads_.erase(reads_.begin());
      info.next_read = absl::InfiniteFuture();
      *meter_id = id;
      return true;
    }
    return false;
  }

  void RunRead(const std::string& meter_id) {
    auto endpoint = options_.directory.find(meter_id);
    absl::StatusOr<MeterRead> read = ReadMeter(endpoint->second, options_.dlms);
    const absl::Time now = absl::Now();
    std::optional<v1::RelayOutcome> observation;
    {
      absl::MutexLock lock(&mu_);
      MeterInfo& info = meters_[meter_id];
      queue_.Done(meter_id);
      cv_.Signal();  // a command that arrived meanwhile may run now
      if (read.ok()) {
        ++stats_.reads_ok;
        v1::Reading& reading = readings_.emplace_back();
        reading.set_meter_id(meter_id);
        reading.set_register_wh(read->register_wh);
        *reading.mutable_meter_time() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
        // A command on its way will report the relay itself.
        if (read->has_relay && read->relay != info.relay && !queue_.Busy(meter_id)) {
          observation.emplace();
          observation->set_meter_id(meter_id);
          observation->set_result(v1::RelayOutcome::CONFIRMED);
          observation->set_state(read->relay);
          observation->set_reason("read by the gateway's schedule");
          *observation->mutable_observe_time() =
              TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
          info.relay = read->relay;
        }
        if (info.armed && read->relay != v1::RELAY_ARMED) info.armed = false;
      } else {
        ++stats_.reads_failed;
        LOG(WARNING) << "read of " << meter_id << " failed: " << read.status();
      }
      absl::Duration next = options_.read_interval;
      if (info.armed) next = options_.armed_poll_interval;
      if (next > absl::ZeroDuration()) ScheduleRead(meter_id, info, now + next);
      if (static_cast<int>(readings_.size()) >= options_.ingest_batch_size) bg_cv_.SignalAll();
    }
    if (observation) {
      ++stats_.observations;
      LOG(INFO) << "relay of " << meter_id << " found " << v1::RelayState_Name(observation->state());
      Report(*observation);
    }
  }

  // ------------------------------------------------------------ ingest

  void IngestLoop() {
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        const absl::Time until = absl::Now() + options_.ingest_flush_interval;
        while (!background_done_ &&
               static_cast<int>(readings_.size()) < options_.ingest_batch_size &&
               absl::Now() < until) {
          bg_cv_.WaitWithDeadline(&mu_, until);
        }
        if (background_done_) return;
      }
      FlushReadings();
    }
  }

  // FlushReadings sends one batch of the readings taken; false if there were
  // none.
  bool FlushReadings() {
    std::vector<v1::Reading> batch;
    {
      absl::MutexLock lock(&mu_);
      const size_t n = std::min<size_t>(readings_.size(), options_.ingest_batch_size);
      batch.assign(std::make_move_iterator(readings_.begin()),
                   std::make_move_iterator(readings_.begin() + n));
      readings_.erase(readings_.begin(), readings_.begin() + n);
    }
    if (batch.empty()) return false;
    v1::IngestReadingsRequest request;
    request.set_batch_id(absl::StrCat(instance_, "-", ++batches_));
    for (v1::Reading& r : batch) *request.add_readings() = std::move(r);
    // The same batch id on every try: walletd applies a batch once.
    for (int attempt = 1; attempt <= 5; ++attempt) {
      std::unique_ptr<grpc::ClientContext> context = NewContext(absl::Seconds(10));
      v1::IngestReadingsResponse response;
      const grpc::Status status = ingest_stub_->IngestReadings(context.get(), request, &response);
      if (status.ok()) {
        ++stats_.ingest_batches;
        stats_.readings_sent += request.readings_size();
        if (response.rejected() > 0 || response.quarantined() > 0) {
          LOG(WARNING) << "batch " << request.batch_id() << ": " << response.rejected()
                       << " rejected, " << response.quarantined() << " quarantined of "
                       << request.readings_size();
        }
        return true;
      }
      ++stats_.ingest_errors;
      LOG(WARNING) << "IngestReadings " << request.batch_id() << " failed (attempt " << attempt
                   << "): " << status.error_message();
      if (!Sleep(absl::Milliseconds(200) * attempt)) break;  // stopping: no more waiting
    }
    LOG(ERROR) << "dropped " << request.readings_size() << " readings of batch "
               << request.batch_id() << "; the next reads carry the registers forward";
    return true;
  }

  const GatewayOptions options_;
  GatewayStats stats_;

  mutable absl::Mutex mu_;
  absl::CondVar cv_;     // workers: a job may be ready
  absl::CondVar bg_cv_;  // ack and ingest threads, back-off sleeps, stop
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool background_done_ ABSL_GUARDED_BY(mu_) = false;
  RelayQueue queue_ ABSL_GUARDED_BY(mu_);
  AckTracker acks_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, MeterInfo> meters_ ABSL_GUARDED_BY(mu_);
  std::set<std::pair<absl::Time, std::string>> reads_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::Reading> readings_ ABSL_GUARDED_BY(mu_);

  // The open stream, for acks written beside the reading thread.
  absl::Mutex stream_mu_;
  RelayStream* stream_ ABSL_GUARDED_BY(stream_mu_) = nullptr;
  uint64_t ack_sent_ ABSL_GUARDED_BY(stream_mu_) = 0;
  // Its context, to cancel it; never held across I/O.
  absl::Mutex context_mu_;
  grpc::ClientContext* stream_context_ ABSL_GUARDED_BY(context_mu_) = nullptr;
  bool stream_closing_ ABSL_GUARDED_BY(context_mu_) = false;

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::MeterGatewayService::Stub> gateway_stub_;
  std::unique_ptr<v1::MeterIngestService::Stub> ingest_stub_;
  const std::string instance_;
  std::atomic<uint64_t> batches_{0};
  std::atomic<bool> connected_{false};
  std::atomic<int> sessions_{0};
  std::thread stream_thread_;
  std::thread ack_thread_;
  std::thread ingest_thread_;
  std::vector<std::thread> workers_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Start(GatewayOptions options) {
  if (options.api_key.empty()) return absl::InvalidArgumentError("an API key is required");
  if (options.concurrency < 1 || options.concurrency > 4096) {
    return absl::InvalidArgumentError("concurrency must be 1-4096");
  }
  if (options.ingest_batch_size < 1 || options.ingest_batch_size > 10'000) {
    return absl::InvalidArgumentError("ingest batch size must be 1-10000");
  }
  if (options.retry.max_attempts < 1) {
    return absl::InvalidArgumentError("max attempts must be at least 1");
  }
  auto gateway = std::make_unique<GatewayImpl>(std::move(options));
  gateway->Begin();
  return gateway;
}

}  // namespace meter_gateway
