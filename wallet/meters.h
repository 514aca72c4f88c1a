// MeterRegistry: the ledger's in-memory copy of every registered meter, its
// consumer's notification phone, and the meter's state: its prepaid wallet,
// its readings and the policy's state (store::v1::MeterState).
//
// Loaded from the store once; afterwards the ledger changes entries in
// memory, marks each meter it changed (Touch), and WriteChanged writes the
// state of every marked meter into the group's batch once, however often the
// group changed it.
//
// Entries never move: a node map keeps pointers and references to them
// (MeterEntry::consumer, the list of changed meters) valid across
// insertions. Nothing is ever removed.
//
// Thread safety: none; the ledger's writer thread owns it.
#ifndef WALLET_METERS_H_
#define WALLET_METERS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "wallet/store.h"
#include "wallet/store/v1/records.pb.h"

namespace wallet {

// What the ledger keeps in memory per consumer: where notifications go.
struct ConsumerEntry {
  std::string phone;
  v1::Language language = v1::LANGUAGE_UNSPECIFIED;
};

// What the ledger keeps in memory per meter.
struct MeterEntry {
  store::v1::MeterRecord meter;
  // The meter's owner (never null once registered). A phone change is seen
  // by every meter of the consumer at once.
  ConsumerEntry* consumer = nullptr;
  store::v1::MeterState state;
  int64_t due_us = 0;  // next policy evaluation, 0 = none (DueScheduler)
  bool dirty = false;  // state changed in the current group
  // The meter's place in the defaulter index (wallet/defaulter_index.h), and
  // what the current group changed beyond its state: its record (details)
  // or its dues. Set through Ledger::DetailsChanged and DuesChanged, which
  // also Touch the meter.
  uint32_t index_slot = 0;
  bool details_changed = false;
  bool dues_changed = false;
};

class MeterRegistry final {
 public:
  // Load reads every meter, meter state and consumer from the store into an
  // empty registry. Internal for a corrupt record or a state without its
  // meter; otherwise the store's error.
  absl::Status Load(const Store& store);

  // Find returns the meter's entry, or null if it is not registered.
  MeterEntry* Find(absl::string_view meter_id);
  const MeterEntry* Find(absl::string_view meter_id) const;
  // Registered is Find for a request: NotFound for an unknown meter.
  absl::StatusOr<MeterEntry*> Registered(absl::string_view meter_id);
  bool Contains(absl::string_view meter_id) const { return meters_.contains(meter_id); }

  // Add registers `meter` (not registered yet) with its consumer's entry,
  // created if needed, and an empty state, and returns its entry.
  MeterEntry& Add(const store::v1::MeterRecord& meter);

  // HasConsumer tells whether a consumer is known; Consumer returns its
  // entry, created (with no phone) if it is not.
  bool HasConsumer(absl::string_view consumer_id) const { return consumers_.contains(consumer_id); }
  ConsumerEntry& Consumer(absl::string_view consumer_id) { return consumers_[consumer_id]; }
  // SetContact sets a consumer's phone and language (creating its entry),
  // keeping the phone index ConsumersWithPhone reads.
  void SetContact(absl::string_view consumer_id, const std::string& phone, v1::Language language);
  // ConsumersWithPhone lists, sorted, the consumers whose phone is `phone`
  // (compared without a leading '+').
  std::vector<std::string> ConsumersWithPhone(absl::string_view phone) const;

  // Touch marks the meter's state as changed in the current group.
  void Touch(MeterEntry& m) {
    if (m.dirty) return;
    m.dirty = true;
    changed_.push_back(&m);
  }

  // changed_count is how many meters were touched since the last
  // WriteChanged.
  size_t changed_count() const { return changed_.size(); }

  // ForEachChanged calls `visit(MeterEntry&)` for every meter touched since
  // the last WriteChanged.
  template <typename Visit>
  void ForEachChanged(Visit visit) {
    for (MeterEntry* m : changed_) visit(*m);
  }

  // WriteChanged writes the state of every meter touched since the last
  // call into `batch`, in key order, and clears the marks.
  void WriteChanged(Batch& batch);

  // ForEach calls `visit(MeterEntry&)` for every meter, in no set order.
  template <typename Visit>
  void ForEach(Visit visit) {
    for (auto& [id, m] : meters_) visit(m);
  }
  template <typename Visit>
  void ForEach(Visit visit) const {
    for (const auto& [id, m] : meters_) visit(m);
  }

 private:
  absl::node_hash_map<std::string, MeterEntry> meters_;
  absl::node_hash_map<std::string, ConsumerEntry> consumers_;
  // A phone without its leading '+' -> the ids of its consumers (keys of
  // consumers_, whose nodes never move). For sign-in by mobile.
  absl::flat_hash_map<std::string, absl::InlinedVector<const std::string*, 1>> by_phone_;
  // Meters touched in the current group.
  std::vector<MeterEntry*> changed_;
};

}  // namespace wallet

#endif  // WALLET_METERS_H_
