#include "bench/relay_watch.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "wallet/v1/meter.grpc.pb.h"

namespace wallet::bench {

using google::protobuf::util::TimeUtil;

int64_t MonotonicUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

RelayWatch::RelayWatch(metersim::v1::MeterSimService::Stub& stub) {
  reader_ = stub.WatchRelay(&context_, metersim::v1::WatchRelayRequest());
  thread_ = std::thread([this] {
    metersim::v1::RelayEvent e;
    while (reader_->Read(&e)) {
      absl::MutexLock lock(&mu_);
      if (e.control_state() == 1) {
        closed_us_[e.meter_id()] = TimeUtil::DurationToMicroseconds(e.monotonic_time());
      }
    }
  });
}

RelayWatch::~RelayWatch() {
  context_.TryCancel();
  thread_.join();
}

std::optional<int64_t> RelayWatch::ClosedUs(const std::string& meter) {
  absl::MutexLock lock(&mu_);
  auto it = closed_us_.find(meter);
  return it == closed_us_.end() ? std::nullopt : std::optional<int64_t>(it->second);
}

absl::Status CutForNonPayment(testing::MeterFleet& fleet, int count) {
  auto ingest = v1::MeterIngestService::NewStub(fleet.walletd().NewChannel());
  const int64_t now_us = absl::ToUnixMicros(absl::Now());
  for (int base = 0; base < count; base += 1000) {
    for (int step = 0; step < 2; ++step) {
      v1::IngestReadingsRequest r;
      r.set_batch_id(absl::StrCat("bench-cut-", base, "-", step));
      for (int i = base; i < std::min(count, base + 1000); ++i) {
        v1::Reading& reading = *r.add_readings();
        reading.set_meter_id(fleet.meter_id(i));
        reading.set_register_wh(0);
        *reading.mutable_meter_time() =
            TimeUtil::MicrosecondsToTimestamp(now_us - (2 - step) * 1'000'000);
      }
      v1::IngestReadingsResponse response;
      grpc::Status s =
          ingest->IngestReadings(testing::MakeContext(fleet.gateway_key()).get(), r, &response);
      if (!s.ok()) return testing::ToStatus(s, "IngestReadings");
    }
  }
  return absl::OkStatus();
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * values.size()))];
}

}  // namespace wallet::bench
