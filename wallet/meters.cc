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
        SetContact(key, consumer.phone(), consumer.language());
        return absl::OkStatus();
      }));
  for (auto& [id, m] : meters_) m.consumer = &consumers_[m.meter.consumer_id()];
  return absl::OkStatus();
}

namespace {

absl::string_view PhoneKey(absl::string_view phone) {
  if (!phone.empty() && phone.front() == '+') phone.remove_prefix(1);
  return phone;
}

}  // namespace

void MeterRegistry::SetContact(absl::string_view consumer_id, const std::string& phone,
                               v1::Language language) {
  auto [it, created] = consumers_.try_emplace(consumer_id);
  ConsumerEntry& entry = it->second;
  entry.language = language;
  if (!created && entry.phone == phone) return;
  const std::string* id = &it->first;
  if (!entry.phone.empty()) {
    auto old = by_phone_.find(PhoneKey(entry.phone));
    if (old != by_phone_.end()) {
      auto& ids = old->second;
      ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
      if (ids.empty()) by_phone_.erase(old);
    }
  }
  entry.phone = phone;
  if (!phone.empty()) by_phone_[PhoneKey(phone)].push_back(id);
}

std::vector<std::string> MeterRegistry::ConsumersWithPhone(absl::string_view phone) const {
  std::vector<std::string> ids;
  auto it = by_phone_.find(PhoneKey(phone));
  if (it == by_phone_.end()) return ids;
  for (const std::string* id : it->second) ids.push_back(*id);
  std::sort(ids.begin(), ids.end());
  return ids;
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
