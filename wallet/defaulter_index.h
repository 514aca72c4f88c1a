// DefaulterIndex: an in-memory read index of every meter's dues, prepaid
// balance, place and supply, for selecting defaulters out of millions of
// meters without reading the store (CollectionService.ListDefaulters, and
// the meters of a collection drive).
//
// Per meter it keeps one compact entry: the meter id, its category, billing
// mode and CT flag, its circle, division and subdivision as interned ids, the
// principal and surcharge owed, the unpaid bills, the prepaid balance, the
// relay as last read and the hold. A selection is one pass over the entries
// and a sort of those that match.
//
// The writer keeps it up to date: for each commit group the ledger describes
// what the group changed as a DefaulterUpdate (Ledger::TakeIndexUpdate), and
// the wallet applies it once the group is durable, in commit order. So
// readers see committed state only, and the writer's own selections see the
// state as of the last group answered (not the operations of the group it is
// applying). A ledger loaded from the store resets the index with every
// meter (Ledger::FillIndex); updates of a ledger replaced since (an older
// generation) are ignored.
//
// Thread safety: thread-safe. Apply takes the lock exclusively; selections
// share it, from any thread (readers and the writer alike).
//
// Example:
//   WALLET_RETURN_IF_ERROR(DefaulterIndex::ValidateSelection(selection));
//   for (const DefaulterIndex::Selected& s : index.Select(selection)) {
//     ... s.meter_id, s.dues_paise, largest first ...
//   }
#ifndef WALLET_DEFAULTER_INDEX_H_
#define WALLET_DEFAULTER_INDEX_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "wallet/v1/collection.pb.h"
#include "wallet/v1/common.pb.h"
#include "wallet/v1/meter.pb.h"

namespace wallet {

// DefaulterDetails is what the index keeps of a meter's record: it changes
// with registration and UpdateMeter only.
struct DefaulterDetails {
  std::string meter_id;
  std::string circle;
  std::string division;
  std::string subdivision;
  v1::Category category = v1::CATEGORY_UNSPECIFIED;
  v1::BillingMode billing_mode = v1::PREPAID;
  bool ct_operated = false;
};

// DefaulterDues is what a meter owes and the bills behind it.
struct DefaulterDues {
  int64_t principal_paise = 0;
  int64_t surcharge_paise = 0;
  int32_t unpaid_bills = 0;
};

// DefaulterChange is one meter's change in a commit group. Slots are the
// ledger's numbering of its meters (0, 1, ...; MeterEntry::index_slot).
struct DefaulterChange {
  uint32_t slot = 0;
  std::shared_ptr<const DefaulterDetails> details;  // null: unchanged
  std::optional<DefaulterDues> dues;                // unset: unchanged
  int64_t balance_paise = 0;
  v1::RelayState relay = v1::RELAY_UNKNOWN;
  v1::Hold hold = v1::HOLD_NONE;
};

// DefaulterUpdate is what one commit group (or a ledger's load) changed.
struct DefaulterUpdate {
  uint64_t generation = 0;
  // A ledger's load: the update replaces the whole index and carries every
  // meter's details and dues.
  bool reset = false;
  std::vector<DefaulterChange> changes;

  bool empty() const { return !reset && changes.empty(); }
};

class DefaulterIndex final {
 public:
  // One meter as a selection returns it.
  struct Row {
    std::string meter_id;
    int64_t principal_paise = 0;
    int64_t surcharge_paise = 0;
    int64_t dues_paise = 0;
    int32_t unpaid_bills = 0;
    int64_t balance_paise = 0;
    v1::RelayState relay = v1::RELAY_UNKNOWN;
    v1::Hold hold = v1::HOLD_NONE;
    v1::Category category = v1::CATEGORY_UNSPECIFIED;
    v1::BillingMode billing_mode = v1::PREPAID;
    bool ct_operated = false;
  };
  struct Selected {
    std::string meter_id;
    int64_t dues_paise = 0;
  };
  // Where a page starts: after this row of the order (dues descending, then
  // meter id ascending).
  struct Cursor {
    int64_t dues_paise = 0;
    std::string meter_id;
  };
  struct Page {
    std::vector<Row> rows;
    // The whole selection, not just this page.
    int64_t total_count = 0;
    int64_t total_dues_paise = 0;  // saturates at int64's maximum
    bool more = false;             // rows follow the page
  };

  // NewGeneration numbers a ledger's updates, unique in the process.
  static uint64_t NewGeneration();

  // ValidateSelection is InvalidArgument, naming the field, for negative
  // minimums and unknown categories or billing modes.
  static absl::Status ValidateSelection(const v1::Selection& selection);

  // Apply applies a commit group's update (or a reset). Ignores an update
  // whose generation is not the last reset's.
  void Apply(const DefaulterUpdate& update);

  // Reset replaces the whole index, as `generation`, with the meters `fill`
  // adds (it calls its argument once per meter, with everything of it):
  // a loaded ledger's every meter, without gathering them first. Selections
  // wait until it is done.
  using AddFn = absl::FunctionRef<void(const DefaulterChange&)>;
  void Reset(uint64_t generation, absl::FunctionRef<void(AddFn add)> fill);

  // Select returns the meters owing dues (more than zero) that match a
  // validated `selection`, largest dues first, then by meter id.
  std::vector<Selected> Select(const v1::Selection& selection) const;

  // SelectPage returns up to `page_size` rows of the selection that follow
  // `after` (null: from the first), in Select's order, with the count and
  // total of the whole selection.
  Page SelectPage(const v1::Selection& selection, const Cursor* after, int page_size) const;

  // Size is the number of meters indexed.
  size_t Size() const;

 private:
  // Entry is one meter, packed: a million meters take about 48 MB here plus
  // their ids.
  struct Entry {
    int64_t principal_paise = 0;
    int64_t surcharge_paise = 0;
    int64_t balance_paise = 0;
    uint32_t circle = 0;  // interned names; 0 is ""
    uint32_t division = 0;
    uint32_t subdivision = 0;
    int32_t unpaid_bills = 0;
    uint8_t category = 0;
    uint8_t billing_mode = 0;
    uint8_t relay = 0;
    uint8_t hold = 0;
    bool ct_operated = false;
    bool present = false;  // the slot has a meter
  };
  // A selection turned into the index's terms.
  struct Filter;
  struct Match {
    int64_t dues_paise;
    uint32_t slot;
  };

  void ClearLocked(uint64_t generation) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ApplyLocked(const DefaulterChange& change) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint32_t InternLocked(const std::string& name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // MakeFilter is false when the selection names a place no meter has.
  bool MakeFilterLocked(const v1::Selection& selection, Filter* filter) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Matches collects the matching entries (not sorted).
  std::vector<Match> MatchesLocked(const v1::Selection& selection) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Before is the selection's order: dues descending, then meter id.
  bool BeforeLocked(const Match& a, const Match& b) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  Row RowLocked(const Match& match) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> ids_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> names_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint32_t> name_ids_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wallet

#endif  // WALLET_DEFAULTER_INDEX_H_
