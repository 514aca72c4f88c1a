#include "meter-gateway/gateway/relay_commands.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace meter_gateway {

namespace v1 = ::wallet::v1;

RelayCommandPath::RelayCommandPath(const RelayCommandOptions& options, WalletConnection* wallet,
                                   MeterLink* meters, base::Clock* clock, WorkSignal* work,
                                   OutcomeObserver on_outcome)
    : options_(options),
      wallet_(wallet),
      meters_(meters),
      clock_(clock),
      work_(work),
      on_outcome_(std::move(on_outcome)),
      queue_(options.retry, options.seed) {}

RelayCommandPath::~RelayCommandPath() { Stop(); }

void RelayCommandPath::Start() {
  stream_thread_ = std::thread([this] { wallet_->RunRelayStream(this); });
  ack_thread_ = std::thread([this] { AckLoop(); });
}

void RelayCommandPath::BeginStop() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
}

void RelayCommandPath::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopping_ = true;
  }
  SendAck();  // what the workers reported before they stopped
  wallet_->CloseRelayStream();
  if (stream_thread_.joinable()) stream_thread_.join();
  {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
    ack_cv_.SignalAll();
  }
  if (ack_thread_.joinable()) ack_thread_.join();
}

uint64_t RelayCommandPath::ResumeAfter() { return Acked(); }

void RelayCommandPath::OnCommand(const v1::RelayCommand& command) {
  ++stats_.commands_received;
  LOG(INFO) << "command " << command.command_id() << ": " << v1::RelayAction_Name(command.action())
            << " " << command.meter_id() << " (" << command.reason() << ")";
  {
    absl::MutexLock lock(&mu_);
    // A redelivery after a reconnect is already running, waiting or done: it
    // must neither run twice nor be acknowledged before its outcome is.
    if (!acks_.Delivered(command.seq())) return;
    for (uint64_t seq : queue_.Add(command, clock_->Now())) {
      if (seq != command.seq()) ++stats_.commands_superseded;
      acks_.Completed(seq);
    }
  }
  work_->Notify();
}

std::optional<RelayJob> RelayCommandPath::TakeDue() {
  absl::MutexLock lock(&mu_);
  if (stopping_) return std::nullopt;
  return queue_.Take(clock_->Now());
}

std::optional<absl::Time> RelayCommandPath::NextDue() const {
  absl::MutexLock lock(&mu_);
  return queue_.NextDue();
}

void RelayCommandPath::Run(const RelayJob& job) {
  const v1::RelayCommand& command = job.command;
  RelayAttempt attempt;
  if (!meters_->Knows(command.meter_id())) {
    attempt.outcome.set_command_id(command.command_id());
    attempt.outcome.set_meter_id(command.meter_id());
    attempt.outcome.set_result(v1::RelayOutcome::FAILED);
    attempt.outcome.set_failure(v1::RelayOutcome::NOT_IN_DIRECTORY);
    attempt.outcome.set_reason("meter not in the gateway's meter directory");
  } else {
    ++stats_.attempts;
    const absl::Time start = clock_->Now();
    attempt = meters_->ExecuteRelayCommand(command);
    VLOG(1) << "attempt " << job.attempt << " on " << command.meter_id() << " took "
            << clock_->Now() - start;
  }
  if (attempt.retryable) {
    bool retried;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) {
        // Not final, so neither reported nor acknowledged: walletd redelivers
        // it to the next gateway.
        queue_.Done(command.meter_id());
        return;
      }
      // False when out of attempts or superseded: Retry has then ended the
      // job, and a newer command for the meter may be ready now.
      retried = queue_.Retry(job, clock_->Now());
    }
    work_->Notify();
    if (retried) {
      ++stats_.retries;
      LOG(INFO) << "command " << command.command_id() << " on " << command.meter_id()
                << ": attempt " << job.attempt << " " << attempt.outcome.reason()
                << "; will retry";
      return;
    }
  } else {
    {
      absl::MutexLock lock(&mu_);
      queue_.Done(command.meter_id());
    }
    work_->Notify();
  }
  Finish(job, attempt.outcome);
}

void RelayCommandPath::Finish(const RelayJob& job, const v1::RelayOutcome& outcome) {
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
    std::string result = v1::RelayOutcome::Result_Name(outcome.result());
    if (outcome.failure() != v1::RelayOutcome::FAILURE_UNSPECIFIED) {
      absl::StrAppend(&result, " (", v1::RelayOutcome::Failure_Name(outcome.failure()), ")");
    }
    LOG(INFO) << "command " << outcome.command_id() << " on " << outcome.meter_id() << ": "
              << result << " " << v1::RelayState_Name(outcome.state()) << " after " << job.attempt
              << " attempt(s)" << (outcome.reason().empty() ? "" : ": ") << outcome.reason();
    // A refusal for good is final too: retrying cannot help, and holding the
    // stream position back would stall every meter. A retryable error means
    // the gateway stopped first: walletd redelivers the command.
    const absl::Status reported = wallet_->ReportRelayOutcome(outcome);
    if (!reported.ok() && IsRetryable(reported.code())) return;
  }
  {
    absl::MutexLock lock(&mu_);
    acks_.Completed(job.command.seq());
  }
  if (on_outcome_) on_outcome_(job.command.meter_id(), outcome);
}

void RelayCommandPath::CountOutcome(const v1::RelayOutcome& outcome) {
  switch (outcome.result()) {
    case v1::RelayOutcome::CONFIRMED: ++stats_.confirmed; break;
    case v1::RelayOutcome::ARMED: ++stats_.armed; break;
    case v1::RelayOutcome::OFFLINE: ++stats_.offline; break;
    default:
      ++stats_.failed;
      if (v1::RelayOutcome::Failure_IsValid(outcome.failure())) {
        ++stats_.failed_by[outcome.failure()];
      }
      break;
  }
}

bool RelayCommandPath::TryReserve(const std::string& meter_id) {
  absl::MutexLock lock(&mu_);
  return queue_.Reserve(meter_id);
}

bool RelayCommandPath::Release(const std::string& meter_id) {
  bool busy;
  {
    absl::MutexLock lock(&mu_);
    queue_.Done(meter_id);
    busy = queue_.Busy(meter_id);
  }
  work_->Notify();  // a command that came meanwhile may run now
  return busy;
}

uint64_t RelayCommandPath::Acked() const {
  absl::MutexLock lock(&mu_);
  return acks_.Acked();
}

void RelayCommandPath::SendAck() { wallet_->Acknowledge(Acked()); }

void RelayCommandPath::AckLoop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      ack_cv_.WaitWithTimeout(&mu_, options_.ack_interval);
      if (stopped_) return;
    }
    SendAck();
  }
}

size_t RelayCommandPath::waiting() const {
  absl::MutexLock lock(&mu_);
  return queue_.waiting();
}

void RelayCommandPath::RegisterFailedByFailure(base::Metrics* metrics) {
  // One series per reason a FAILED outcome can carry, zeros included, so
  // that a dashboard sees each from the start. UNREACHABLE goes with the
  // OFFLINE result, counted apart.
  const google::protobuf::EnumDescriptor* failures = v1::RelayOutcome::Failure_descriptor();
  for (int i = 0; i < failures->value_count(); ++i) {
    const int number = failures->value(i)->number();
    if (number == v1::RelayOutcome::FAILURE_UNSPECIFIED ||
        number == v1::RelayOutcome::UNREACHABLE) {
      continue;
    }
    metrics->RegisterCounter(
        absl::StrCat("gateway_relay_failed_total{failure=\"",
                     absl::AsciiStrToLower(failures->value(i)->name()), "\"}"),
        "commands that failed for good, by failure (no_relay: a CT-operated meter without a "
        "disconnect control)",
        &stats_.failed_by[number]);
  }
}

void RelayCommandPath::RegisterMetrics(base::Metrics* metrics) {
  metrics->RegisterCounter("gateway_commands_received_total", "relay commands taken from walletd",
                           &stats_.commands_received);
  metrics->RegisterCounter("gateway_commands_superseded_total",
                           "commands replaced by a newer one for the same meter (not run, or run "
                           "and their outcome not reported)",
                           &stats_.commands_superseded);
  metrics->RegisterCounter("gateway_relay_attempts_total", "DLMS relay sessions tried",
                           &stats_.attempts);
  metrics->RegisterCounter("gateway_relay_retries_total", "relay attempts scheduled again",
                           &stats_.retries);
  metrics->RegisterCounter("gateway_relay_confirmed_total", "commands confirmed by read-back",
                           &stats_.confirmed);
  metrics->RegisterCounter("gateway_relay_armed_total", "reconnects left ready for the button",
                           &stats_.armed);
  RegisterFailedByFailure(metrics);
  metrics->RegisterCounter("gateway_relay_offline_total",
                           "commands for meters that stayed offline", &stats_.offline);
  metrics->RegisterValue("gateway_relay_waiting", "gauge", "relay commands waiting",
                         [this] { return static_cast<double>(waiting()); });
}

}  // namespace meter_gateway
