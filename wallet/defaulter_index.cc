#include "wallet/defaulter_index.h"

#include <algorithm>
#include <atomic>
#include <limits>

#include "absl/strings/str_cat.h"

namespace wallet {
namespace {

// Saturating: two amounts each within int64 may not add up within it.
int64_t AddSaturating(int64_t a, int64_t b) {
  if (b > 0 && a > std::numeric_limits<int64_t>::max() - b) {
    return std::numeric_limits<int64_t>::max();
  }
  return a + b;
}

constexpr uint32_t kNoName = std::numeric_limits<uint32_t>::max();

}  // namespace

struct DefaulterIndex::Filter {
  // kNoName: any; else the interned name that must match.
  uint32_t circle = kNoName;
  uint32_t division = kNoName;
  uint32_t subdivision = kNoName;
  uint32_t categories = 0;   // bit per Category number; 0: any
  uint8_t billing_mode = 0;  // 0: any
  int64_t min_dues_paise = 1;
  int32_t min_unpaid_bills = 0;
  std::optional<int64_t> balance_below;

  bool Matches(const Entry& e) const {
    if (!e.present) return false;
    if (circle != kNoName && e.circle != circle) return false;
    if (division != kNoName && e.division != division) return false;
    if (subdivision != kNoName && e.subdivision != subdivision) return false;
    if (categories != 0 && (categories & (uint32_t{1} << e.category)) == 0) return false;
    if (billing_mode != 0 && e.billing_mode != billing_mode) return false;
    if (AddSaturating(e.principal_paise, e.surcharge_paise) < min_dues_paise) return false;
    if (e.unpaid_bills < min_unpaid_bills) return false;
    if (balance_below && e.balance_paise >= *balance_below) return false;
    return true;
  }
};

uint64_t DefaulterIndex::NewGeneration() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

absl::Status DefaulterIndex::ValidateSelection(const v1::Selection& selection) {
  for (int category : selection.categories()) {
    if (category == v1::CATEGORY_UNSPECIFIED || !v1::Category_IsValid(category) || category >= 32) {
      return absl::InvalidArgumentError(
          absl::StrCat("selection.categories: unknown category ", category));
    }
  }
  if (!v1::BillingMode_IsValid(selection.billing_mode())) {
    return absl::InvalidArgumentError("selection.billing_mode: unknown billing mode");
  }
  if (selection.min_dues_paise() < 0) {
    return absl::InvalidArgumentError("selection.min_dues_paise must not be negative");
  }
  if (selection.min_unpaid_bills() < 0) {
    return absl::InvalidArgumentError("selection.min_unpaid_bills must not be negative");
  }
  return absl::OkStatus();
}

void DefaulterIndex::Apply(const DefaulterUpdate& update) {
  absl::MutexLock lock(&mu_);
  if (update.reset) {
    ClearLocked(update.generation);
  } else if (update.generation != generation_) {
    return;  // from a ledger that has been reloaded since
  }
  for (const DefaulterChange& change : update.changes) ApplyLocked(change);
}

void DefaulterIndex::Reset(uint64_t generation, absl::FunctionRef<void(AddFn add)> fill) {
  absl::MutexLock lock(&mu_);
  ClearLocked(generation);
  fill([this](const DefaulterChange& change)
           ABSL_NO_THREAD_SAFETY_ANALYSIS { ApplyLocked(change); });
}

void DefaulterIndex::ClearLocked(uint64_t generation) {
  generation_ = generation;
  entries_.clear();
  ids_.clear();
  names_.clear();
  name_ids_.clear();
  InternLocked("");
}

uint32_t DefaulterIndex::InternLocked(const std::string& name) {
  auto [it, added] = name_ids_.try_emplace(name, static_cast<uint32_t>(names_.size()));
  if (added) names_.push_back(name);
  return it->second;
}

void DefaulterIndex::ApplyLocked(const DefaulterChange& change) {
  if (change.slot >= entries_.size()) {
    entries_.resize(change.slot + 1);
    ids_.resize(change.slot + 1);
  }
  Entry& e = entries_[change.slot];
  if (change.details != nullptr) {
    const DefaulterDetails& d = *change.details;
    ids_[change.slot] = d.meter_id;
    e.circle = InternLocked(d.circle);
    e.division = InternLocked(d.division);
    e.subdivision = InternLocked(d.subdivision);
    e.category = static_cast<uint8_t>(d.category);
    e.billing_mode = static_cast<uint8_t>(d.billing_mode);
    e.ct_operated = d.ct_operated;
    e.present = true;
  }
  if (change.dues) {
    e.principal_paise = change.dues->principal_paise;
    e.surcharge_paise = change.dues->surcharge_paise;
    e.unpaid_bills = change.dues->unpaid_bills;
  }
  e.balance_paise = change.balance_paise;
  e.relay = static_cast<uint8_t>(change.relay);
  e.hold = static_cast<uint8_t>(change.hold);
}

bool DefaulterIndex::MakeFilterLocked(const v1::Selection& selection, Filter* filter) const {
  auto place = [this](const std::string& name, uint32_t* id) {
    if (name.empty()) return true;
    auto it = name_ids_.find(name);
    if (it == name_ids_.end()) return false;
    *id = it->second;
    return true;
  };
  if (!place(selection.circle(), &filter->circle) ||
      !place(selection.division(), &filter->division) ||
      !place(selection.subdivision(), &filter->subdivision)) {
    return false;
  }
  for (int category : selection.categories()) filter->categories |= uint32_t{1} << category;
  filter->billing_mode = static_cast<uint8_t>(selection.billing_mode());
  filter->min_dues_paise = std::max<int64_t>(selection.min_dues_paise(), 1);
  filter->min_unpaid_bills = selection.min_unpaid_bills();
  if (selection.has_balance_below_paise()) filter->balance_below = selection.balance_below_paise();
  return true;
}

std::vector<DefaulterIndex::Match> DefaulterIndex::MatchesLocked(
    const v1::Selection& selection) const {
  std::vector<Match> matches;
  Filter filter;
  if (!MakeFilterLocked(selection, &filter)) return matches;
  for (uint32_t slot = 0; slot < entries_.size(); ++slot) {
    const Entry& e = entries_[slot];
    if (filter.Matches(e)) {
      matches.push_back({AddSaturating(e.principal_paise, e.surcharge_paise), slot});
    }
  }
  return matches;
}

bool DefaulterIndex::BeforeLocked(const Match& a, const Match& b) const {
  if (a.dues_paise != b.dues_paise) return a.dues_paise > b.dues_paise;
  return ids_[a.slot] < ids_[b.slot];
}

DefaulterIndex::Row DefaulterIndex::RowLocked(const Match& match) const {
  const Entry& e = entries_[match.slot];
  Row row;
  row.meter_id = ids_[match.slot];
  row.principal_paise = e.principal_paise;
  row.surcharge_paise = e.surcharge_paise;
  row.dues_paise = match.dues_paise;
  row.unpaid_bills = e.unpaid_bills;
  row.balance_paise = e.balance_paise;
  row.relay = static_cast<v1::RelayState>(e.relay);
  row.hold = static_cast<v1::Hold>(e.hold);
  row.category = static_cast<v1::Category>(e.category);
  row.billing_mode = static_cast<v1::BillingMode>(e.billing_mode);
  row.ct_operated = e.ct_operated;
  return row;
}

std::vector<DefaulterIndex::Selected> DefaulterIndex::Select(const v1::Selection& selection) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<Match> matches = MatchesLocked(selection);
  std::sort(matches.begin(), matches.end(),
            [this](const Match& a, const Match& b) { return BeforeLocked(a, b); });
  std::vector<Selected> selected;
  selected.reserve(matches.size());
  for (const Match& match : matches) selected.push_back({ids_[match.slot], match.dues_paise});
  return selected;
}

DefaulterIndex::Page DefaulterIndex::SelectPage(const v1::Selection& selection, const Cursor* after,
                                                int page_size) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<Match> matches = MatchesLocked(selection);
  Page page;
  page.total_count = static_cast<int64_t>(matches.size());
  for (const Match& match : matches) {
    page.total_dues_paise = AddSaturating(page.total_dues_paise, match.dues_paise);
  }
  if (after != nullptr) {
    // Only the rows after the cursor: smaller dues, or the same and a later id.
    matches.erase(std::remove_if(matches.begin(), matches.end(),
                                 [&](const Match& m) {
                                   return m.dues_paise > after->dues_paise ||
                                          (m.dues_paise == after->dues_paise &&
                                           ids_[m.slot] <= after->meter_id);
                                 }),
                  matches.end());
  }
  const size_t take = std::min(matches.size(), static_cast<size_t>(std::max(page_size, 0)));
  page.more = matches.size() > take;
  // Only the page is sorted: a page of a million matches costs a pass, not
  // a full sort.
  std::partial_sort(matches.begin(), matches.begin() + static_cast<std::ptrdiff_t>(take),
                    matches.end(),
                    [this](const Match& a, const Match& b) { return BeforeLocked(a, b); });
  page.rows.reserve(take);
  for (size_t i = 0; i < take; ++i) page.rows.push_back(RowLocked(matches[i]));
  return page;
}

size_t DefaulterIndex::Size() const {
  absl::ReaderMutexLock lock(&mu_);
  return static_cast<size_t>(
      std::count_if(entries_.begin(), entries_.end(), [](const Entry& e) { return e.present; }));
}

}  // namespace wallet
