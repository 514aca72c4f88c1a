#include "meter-gateway/gateway/read_scheduler.h"

#include "absl/hash/hash.h"
#include "glog/logging.h"
#include "google/protobuf/util/time_util.h"

namespace meter_gateway {

namespace v1 = ::wallet::v1;
using google::protobuf::util::TimeUtil;

ReadScheduler::ReadScheduler(const ReadSchedulerOptions& options,
                             const std::vector<std::string>& meter_ids, MeterSessions* sessions,
                             MeterLink* meters, ReadingSink* readings, WalletConnection* wallet,
                             base::Clock* clock, WorkSignal* work)
    : options_(options),
      sessions_(sessions),
      meters_(meters),
      readings_(readings),
      wallet_(wallet),
      clock_(clock),
      work_(work) {
  if (options_.read_interval <= absl::ZeroDuration()) return;
  const absl::Time now = clock_->Now();
  const int64_t interval_us = absl::ToInt64Microseconds(options_.read_interval);
  absl::MutexLock lock(&mu_);
  for (const std::string& meter_id : meter_ids) {
    // A spread over the interval, so that a fleet never reads all at once.
    const int64_t phase = static_cast<int64_t>(absl::Hash<std::string>()(meter_id) %
                                               static_cast<uint64_t>(interval_us));
    Schedule(meter_id, infos_[meter_id], now + absl::Microseconds(phase));
  }
}

void ReadScheduler::Schedule(const std::string& meter_id, MeterInfo& info, absl::Time at) {
  if (info.next_read != absl::InfiniteFuture()) schedule_.erase({info.next_read, meter_id});
  info.next_read = at;
  schedule_.insert({at, meter_id});
}

std::optional<std::string> ReadScheduler::TakeDue() {
  absl::MutexLock lock(&mu_);
  if (stopped_) return std::nullopt;
  const absl::Time now = clock_->Now();
  while (!schedule_.empty() && schedule_.begin()->first <= now) {
    const std::string meter_id = schedule_.begin()->second;
    MeterInfo& info = infos_[meter_id];
    // One session per meter: a read waits for a relay command to finish.
    if (!sessions_->TryReserve(meter_id)) {
      Schedule(meter_id, info, now + absl::Seconds(1));
      continue;
    }
    schedule_.erase(schedule_.begin());
    info.next_read = absl::InfiniteFuture();
    return meter_id;
  }
  return std::nullopt;
}

std::optional<absl::Time> ReadScheduler::NextDue() const {
  absl::MutexLock lock(&mu_);
  if (schedule_.empty()) return std::nullopt;
  return schedule_.begin()->first;
}

void ReadScheduler::Run(const std::string& meter_id) {
  absl::StatusOr<MeterRead> read = meters_->Read(meter_id);
  const absl::Time now = clock_->Now();
  const bool command_pending = sessions_->Release(meter_id);
  std::optional<v1::RelayOutcome> observation;
  {
    absl::MutexLock lock(&mu_);
    MeterInfo& info = infos_[meter_id];
    if (read.ok()) {
      ++stats_.reads_ok;
      observation = Observe(meter_id, info, *read, command_pending, now);
    } else {
      ++stats_.reads_failed;
      LOG(WARNING) << "read of " << meter_id << " failed: " << read.status();
    }
    const absl::Duration next = info.armed ? options_.armed_poll_interval : options_.read_interval;
    if (next > absl::ZeroDuration()) Schedule(meter_id, info, now + next);
  }
  work_->Notify();
  if (read.ok()) {
    v1::Reading reading;
    reading.set_meter_id(meter_id);
    reading.set_register_wh(read->register_wh);
    *reading.mutable_meter_time() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
    readings_->Add(std::move(reading));
  }
  if (observation) {
    ++stats_.observations;
    LOG(INFO) << "relay of " << meter_id << " found " << v1::RelayState_Name(observation->state());
    wallet_->ReportRelayOutcome(*observation).IgnoreError();  // logged by the connection
  }
}

std::optional<v1::RelayOutcome> ReadScheduler::Observe(const std::string& meter_id,
                                                       MeterInfo& info, const MeterRead& read,
                                                       bool command_pending, absl::Time now) {
  std::optional<v1::RelayOutcome> observation;
  // A command on its way will report the relay itself.
  if (read.has_relay && read.relay != info.relay && !command_pending) {
    observation.emplace();
    observation->set_meter_id(meter_id);
    observation->set_result(v1::RelayOutcome::CONFIRMED);
    observation->set_state(read.relay);
    observation->set_reason("read by the gateway's schedule");
    *observation->mutable_observe_time() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
    info.relay = read.relay;
  }
  if (info.armed && read.relay != v1::RELAY_ARMED) info.armed = false;
  return observation;
}

void ReadScheduler::OnRelayOutcome(const std::string& meter_id, const v1::RelayOutcome& outcome) {
  {
    absl::MutexLock lock(&mu_);
    MeterInfo& info = infos_[meter_id];
    if (outcome.state() != v1::RELAY_UNKNOWN) info.relay = outcome.state();
    if (outcome.result() != v1::RelayOutcome::ARMED || info.armed) return;
    info.armed = true;
    const absl::Time poll = clock_->Now() + options_.armed_poll_interval;
    if (poll < info.next_read) Schedule(meter_id, info, poll);
  }
  work_->Notify();
}

void ReadScheduler::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
}

void ReadScheduler::RegisterMetrics(base::Metrics* metrics) {
  metrics->RegisterCounter("gateway_relay_observations_total",
                           "relay changes seen by scheduled reads", &stats_.observations);
  metrics->RegisterCounter("gateway_reads_ok_total", "scheduled meter reads that succeeded",
                           &stats_.reads_ok);
  metrics->RegisterCounter("gateway_reads_failed_total", "scheduled meter reads that failed",
                           &stats_.reads_failed);
}

}  // namespace meter_gateway
