// Fakes of the gateway's neighbours, so that each part can be tested alone,
// in process, on a fake clock: walletd at the stub layer (FakeWalletStub,
// FakeRelayStream) and at the connection layer (FakeWalletConnection),
// scripted meters (FakeMeterLink), the relay path's meter sessions
// (FakeMeterSessions) and the ingest batcher (FakeReadingSink). Every fake
// is thread-safe and records what it was asked.
#ifndef TESTS_METER_GATEWAY_GATEWAY_FAKES_H_
#define TESTS_METER_GATEWAY_GATEWAY_FAKES_H_

#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "meter-gateway/gateway/ingest_batcher.h"
#include "meter-gateway/gateway/meter_link.h"
#include "meter-gateway/gateway/relay_commands.h"
#include "meter-gateway/gateway/wallet_connection.h"
#include "meter-gateway/gateway/wallet_stub.h"

namespace meter_gateway::testing {

namespace v1 = ::wallet::v1;

inline v1::RelayCommand Command(uint64_t seq, const std::string& meter, v1::RelayAction action) {
  v1::RelayCommand c;
  c.set_seq(seq);
  c.set_command_id(absl::StrCat("cmd-", seq));
  c.set_meter_id(meter);
  c.set_action(action);
  return c;
}

// Recorded: what a fake was asked, in order. Thread-safe.
template <typename T>
class Recorded {
 public:
  void Add(T item) {
    absl::MutexLock lock(&mu_);
    items_.push_back(std::move(item));
  }
  std::vector<T> Get() const {
    absl::MutexLock lock(&mu_);
    return items_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<T> items_ ABSL_GUARDED_BY(mu_);
};

// Answers: the statuses a fake answers, in order, then OK; or, once
// AlwaysFail is called, that failure every time. Thread-safe.
class Answers {
 public:
  void Script(std::vector<absl::Status> statuses) {
    absl::MutexLock lock(&mu_);
    for (absl::Status& s : statuses) script_.push_back(std::move(s));
  }
  void AlwaysFail(absl::Status status) {
    absl::MutexLock lock(&mu_);
    always_ = std::move(status);
  }
  absl::Status Next() {
    absl::MutexLock lock(&mu_);
    if (!always_.ok()) return always_;
    if (script_.empty()) return absl::OkStatus();
    absl::Status next = std::move(script_.front());
    script_.pop_front();
    return next;
  }

 private:
  absl::Mutex mu_;
  std::deque<absl::Status> script_ ABSL_GUARDED_BY(mu_);
  absl::Status always_ ABSL_GUARDED_BY(mu_);
};

// FakeRelayStream: a stream whose commands and end the test decides. Read
// blocks until a command is pushed, End is called or it is cancelled.
class FakeRelayStream final : public RelayStream {
 public:
  bool Write(const v1::StreamAck& message) override {
    {
      absl::MutexLock lock(&mu_);
      if (ended_) return false;
    }
    written_.Add(message);
    return true;
  }
  void WaitUntilAccepted() override {}
  bool Read(v1::RelayCommand* command) override {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](FakeRelayStream* s) { return s->ended_ || !s->commands_.empty(); }, this));
    if (commands_.empty()) return false;
    *command = std::move(commands_.front());
    commands_.pop_front();
    return true;
  }
  void Cancel() override { End(absl::CancelledError("cancelled")); }
  absl::Status Finish() override {
    absl::MutexLock lock(&mu_);
    return status_;
  }

  void Push(v1::RelayCommand command) {
    absl::MutexLock lock(&mu_);
    commands_.push_back(std::move(command));
  }
  // End ends the stream with `status` once the commands pushed are read.
  void End(absl::Status status) {
    absl::MutexLock lock(&mu_);
    if (ended_) return;
    ended_ = true;
    status_ = std::move(status);
  }
  std::vector<v1::StreamAck> written() const { return written_.Get(); }

 private:
  mutable absl::Mutex mu_;
  std::deque<v1::RelayCommand> commands_ ABSL_GUARDED_BY(mu_);
  Recorded<v1::StreamAck> written_;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

// FakeWalletStub: walletd at the stub layer. Each call is recorded with its
// deadline and takes the next answer; each stream opened is a
// FakeRelayStream the test reaches through stream(i).
class FakeWalletStub final : public WalletStub {
 public:
  absl::Status ReportRelayOutcome(const v1::RelayOutcome& outcome,
                                  absl::Duration timeout) override {
    reports_.Add(outcome);
    timeouts_.Add(timeout);
    return answers_.Next();
  }
  absl::StatusOr<v1::IngestReadingsResponse> IngestReadings(
      const v1::IngestReadingsRequest& request, absl::Duration timeout) override {
    batches_.Add(request);
    timeouts_.Add(timeout);
    absl::Status status = answers_.Next();
    if (!status.ok()) return status;
    return v1::IngestReadingsResponse();
  }
  std::unique_ptr<RelayStream> StreamRelayCommands() override {
    auto stream = std::make_shared<FakeRelayStream>();
    streams_.Add(stream);
    return std::make_unique<ForwardingStream>(std::move(stream));
  }

  Answers& answers() { return answers_; }
  std::vector<v1::RelayOutcome> reports() const { return reports_.Get(); }
  std::vector<v1::IngestReadingsRequest> batches() const { return batches_.Get(); }
  std::vector<absl::Duration> timeouts() const { return timeouts_.Get(); }
  size_t streams_opened() const { return streams_.Get().size(); }
  std::shared_ptr<FakeRelayStream> stream(size_t i) const { return streams_.Get().at(i); }

 private:
  // The connection owns the stream it opened; the test keeps reaching the
  // fake behind it.
  class ForwardingStream final : public RelayStream {
   public:
    explicit ForwardingStream(std::shared_ptr<FakeRelayStream> target)
        : target_(std::move(target)) {}
    bool Write(const v1::StreamAck& m) override { return target_->Write(m); }
    void WaitUntilAccepted() override { target_->WaitUntilAccepted(); }
    bool Read(v1::RelayCommand* c) override { return target_->Read(c); }
    void Cancel() override { target_->Cancel(); }
    absl::Status Finish() override { return target_->Finish(); }

   private:
    std::shared_ptr<FakeRelayStream> target_;
  };

  Answers answers_;
  Recorded<v1::RelayOutcome> reports_;
  Recorded<v1::IngestReadingsRequest> batches_;
  Recorded<absl::Duration> timeouts_;
  Recorded<std::shared_ptr<FakeRelayStream>> streams_;
};

// FakeWalletConnection: walletd at the connection layer: each call is
// recorded and takes the next answer, as a connection's call ends after its
// retries. RunRelayStream waits until the stream is closed.
class FakeWalletConnection final : public WalletConnection {
 public:
  absl::Status ReportRelayOutcome(const v1::RelayOutcome& outcome) override {
    reports_.Add(outcome);
    return answers_.Next();
  }
  absl::StatusOr<v1::IngestReadingsResponse> IngestReadings(
      const v1::IngestReadingsRequest& request) override {
    batches_.Add(request);
    absl::Status status = answers_.Next();
    if (!status.ok()) return status;
    return v1::IngestReadingsResponse();
  }
  void RunRelayStream(RelayStreamListener*) override {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&closed_));
  }
  void Acknowledge(uint64_t seq) override { acknowledged_.Add(seq); }
  bool connected() const override { return true; }
  void StopRetrying() override {}
  void CloseRelayStream() override {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }
  void RegisterMetrics(base::Metrics*) override {}

  Answers& answers() { return answers_; }
  std::vector<v1::RelayOutcome> reports() const { return reports_.Get(); }
  std::vector<v1::IngestReadingsRequest> batches() const { return batches_.Get(); }
  std::vector<uint64_t> acknowledged() const { return acknowledged_.Get(); }

 private:
  Answers answers_;
  Recorded<v1::RelayOutcome> reports_;
  Recorded<v1::IngestReadingsRequest> batches_;
  Recorded<uint64_t> acknowledged_;
  absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

// FakeMeterLink: scripted meters. A relay attempt takes the meter's next
// scripted result, or else confirms the state the command asks for; a read
// answers the meter's scripted read (register 0, relay connected, if none).
class FakeMeterLink final : public MeterLink {
 public:
  explicit FakeMeterLink(std::vector<std::string> meters) : meters_(std::move(meters)) {}

  bool Knows(const std::string& meter_id) const override {
    for (const std::string& m : meters_) {
      if (m == meter_id) return true;
    }
    return false;
  }
  std::vector<std::string> MeterIds() const override { return meters_; }
  RelayAttempt ExecuteRelayCommand(const v1::RelayCommand& command) override {
    executed_.Add(command);
    absl::MutexLock lock(&mu_);
    std::deque<RelayAttempt>& script = attempts_[command.meter_id()];
    if (!script.empty()) {
      RelayAttempt next = std::move(script.front());
      script.pop_front();
      next.outcome.set_command_id(command.command_id());
      next.outcome.set_meter_id(command.meter_id());
      return next;
    }
    RelayAttempt confirmed;
    confirmed.outcome.set_command_id(command.command_id());
    confirmed.outcome.set_meter_id(command.meter_id());
    confirmed.outcome.set_result(v1::RelayOutcome::CONFIRMED);
    confirmed.outcome.set_state(command.action() == v1::DISCONNECT ? v1::RELAY_DISCONNECTED
                                                                   : v1::RELAY_CONNECTED);
    return confirmed;
  }
  absl::StatusOr<MeterRead> Read(const std::string& meter_id) override {
    absl::MutexLock lock(&mu_);
    auto it = reads_.find(meter_id);
    if (it != reads_.end()) return it->second;
    MeterRead read;
    read.has_relay = true;
    read.relay = v1::RELAY_CONNECTED;
    return read;
  }

  // ScriptAttempt makes the meter's next relay attempt end with `result`.
  void ScriptAttempt(const std::string& meter_id, v1::RelayOutcome::Result result,
                     v1::RelayState state, bool retryable) {
    RelayAttempt attempt;
    attempt.outcome.set_result(result);
    attempt.outcome.set_state(state);
    attempt.outcome.set_reason(retryable ? "offline: scripted" : "scripted");
    attempt.retryable = retryable;
    absl::MutexLock lock(&mu_);
    attempts_[meter_id].push_back(std::move(attempt));
  }
  // SetRead makes every read of the meter answer `read`.
  void SetRead(const std::string& meter_id, absl::StatusOr<MeterRead> read) {
    absl::MutexLock lock(&mu_);
    reads_.insert_or_assign(meter_id, std::move(read));
  }
  std::vector<v1::RelayCommand> executed() const { return executed_.Get(); }

 private:
  const std::vector<std::string> meters_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::deque<RelayAttempt>> attempts_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, absl::StatusOr<MeterRead>> reads_ ABSL_GUARDED_BY(mu_);
  Recorded<v1::RelayCommand> executed_;
};

// FakeMeterSessions: the relay path as the read scheduler sees it. Meters
// marked busy cannot be reserved; meters marked with a pending command say
// so on release.
class FakeMeterSessions final : public MeterSessions {
 public:
  bool TryReserve(const std::string& meter_id) override {
    absl::MutexLock lock(&mu_);
    if (busy_.contains(meter_id) || reserved_.contains(meter_id)) return false;
    reserved_.insert(meter_id);
    return true;
  }
  bool Release(const std::string& meter_id) override {
    absl::MutexLock lock(&mu_);
    reserved_.erase(meter_id);
    return pending_.contains(meter_id);
  }
  void SetBusy(const std::string& meter_id, bool busy) {
    absl::MutexLock lock(&mu_);
    if (busy) {
      busy_.insert(meter_id);
    } else {
      busy_.erase(meter_id);
    }
  }
  void SetCommandPending(const std::string& meter_id) {
    absl::MutexLock lock(&mu_);
    pending_.insert(meter_id);
  }
  bool reserved(const std::string& meter_id) const {
    absl::MutexLock lock(&mu_);
    return reserved_.contains(meter_id);
  }

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_set<std::string> busy_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> pending_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> reserved_ ABSL_GUARDED_BY(mu_);
};

// FakeReadingSink: the readings handed on, in order.
class FakeReadingSink final : public ReadingSink {
 public:
  void Add(v1::Reading reading) override { readings_.Add(std::move(reading)); }
  std::vector<v1::Reading> readings() const { return readings_.Get(); }

 private:
  Recorded<v1::Reading> readings_;
};

}  // namespace meter_gateway::testing

#endif  // TESTS_METER_GATEWAY_GATEWAY_FAKES_H_
