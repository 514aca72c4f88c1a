#include "wallet/meters.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "wallet/record_io.h"

namespace wallet {

absl::Status MeterRegistry::Load(const Store& store) {
  WALLET_RETURN_IF_ERROR(
      ScanRecords<store::v1::MeterRecord>(store, Table::kMeters, "", "meter record",
                                          [&](absl::string_view key, store::v1::MeterRecord meter) {
                                            meters_[key].meter = std::move(meter);
                                            return absl::OkStatus();
                                          }));
  WALLET_RETURN_IF_ERROR(ScanRecords<store::v1::MeterState>(
      store, Table::kMeterState, "", "meter state",
      [&](absl::string_view key, store::v1::MeterState state) {
        auto it = meters_.find(key);
        if (it == meters_.end()) {
          return absl::InternalError(absl::StrCat("corrupt meter state ", key));
        }
        it->second.state = std::move(state);
        return absl::OkStatus();
      }));
  WALLET_RETURN_IF_ERROR(ScanRecords<store::v1::ConsumerRecord>(
      store, Table::kConsumers, "", "consumer record",
      [&](absl::string_view key, const store::v1::ConsumerRecord& consumer) {
        ConsumerEntry& entry = consumers_[key];
        entry.phone = consumer.phone();
        entry.language = consumer.language();
        return absl::OkStatus();
      }));
  for (auto& [id, m] : meters_) m.consumer = &consumers_[m.meter.consumer_id()];
  return absl::OkStatus();
}

MeterEntry* MeterRegistry::Find(absl::string_view meter_id) {
  auto it = meters_.find(meter_id);
  return it == meters_.end() ? nullptr : &it->second;
}

const MeterEntry* MeterRegistry::Find(absl::string_view meter_id) const {
  auto it = meters_.find(meter_id);
  return it == meters_.end() ? nullptr : &it->second;
}

absl::StatusOr<MeterEntry*> MeterRegistry::Registered(absl::string_view meter_id) {
  MeterEntry* m = Find(meter_id);
  if (m == nullptr) {
    return absl::NotFoundError(absl::StrCat("meter ", meter_id, " is not registered"));
  }
  return m;
}

MeterEntry& MeterRegistry::Add(const store::v1::MeterRecord& meter) {
  MeterEntry& entry = meters_[meter.meter_id()];
  entry.meter = meter;
  entry.consumer = &consumers_[meter.consumer_id()];
  return entry;
}

void MeterRegistry::WriteChanged(Batch& batch) {
  // In key order: the store inserts neighbours cheaply (see store.cc).
  std::sort(changed_.begin(), changed_.end(), [](const MeterEntry* a, const MeterEntry* b) {
    return a->meter.meter_id() < b->meter.meter_id();
  });
  for (MeterEntry* m : changed_) {
    batch.Put(Table::kMeterState, m->meter.meter_id(), m->state.SerializeAsString());
    m->dirty = false;
  }
  changed_.clear();
}

}  // namespace wallet
