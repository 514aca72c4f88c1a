#include "wallet/meters.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace wallet {

absl::Status MeterRegistry::Load(const Store& store) {
  absl::Status parse_error;
  WALLET_RETURN_IF_ERROR(store.Scan(
      Table::kMeters, "", "", false, [&](absl::string_view key, absl::string_view value) {
        store::v1::MeterRecord meter;
        if (!meter.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse_error = absl::InternalError(absl::StrCat("corrupt meter record ", key));
          return false;
        }
        meters_[key].meter = std::move(meter);
        return true;
      }));
  WALLET_RETURN_IF_ERROR(store.Scan(
      Table::kMeterState, "", "", false, [&](absl::string_view key, absl::string_view value) {
        auto it = meters_.find(key);
        if (it == meters_.end() ||
            !it->second.state.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse_error = absl::InternalError(absl::StrCat("corrupt meter state ", key));
          return false;
        }
        return true;
      }));
  WALLET_RETURN_IF_ERROR(parse_error);
  WALLET_RETURN_IF_ERROR(store.Scan(
      Table::kConsumers, "", "", false, [&](absl::string_view key, absl::string_view value) {
        store::v1::ConsumerRecord consumer;
        if (!consumer.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse_error = absl::InternalError(absl::StrCat("corrupt consumer record ", key));
          return false;
        }
        ConsumerEntry& entry = consumers_[key];
        entry.phone = consumer.phone();
        entry.language = consumer.language();
        return true;
      }));
  WALLET_RETURN_IF_ERROR(parse_error);
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
