#include "wallet/ledger.h"

#include <map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "wallet/accounts.h"
#include "wallet/orders.h"
#include "wallet/record_io.h"
#include "wallet/registry_changes.h"

namespace wallet {

Ledger::Ledger(const Store* store, const LedgerOptions& options,
               const DefaulterIndex* defaulters)
    : store_(store), options_(options), defaulters_(defaulters) {}

absl::StatusOr<std::unique_ptr<Ledger>> Ledger::Load(const Store* store,
                                                     const LedgerOptions& options,
                                                     const DefaulterIndex* defaulters) {
  std::unique_ptr<Ledger> ledger(new Ledger(store, options, defaulters));
  WALLET_ASSIGN_OR_RETURN(ledger->tariffs_, TariffBook::Create(options.tariffs));
  ApplyPolicyDefaults(&ledger->options_.policy);
  WALLET_RETURN_IF_ERROR(ValidatePolicyConfig(ledger->options_.policy));
  ledger->calendar_ = std::make_unique<CutoffCalendar>(options.policy.calendar());
  WALLET_RETURN_IF_ERROR(ledger->LoadState());
  return ledger;
}

absl::Status Ledger::LoadState() {
  WALLET_RETURN_IF_ERROR(meters_.Load(*store_));
  WALLET_RETURN_IF_ERROR(journal_.Load(*store_));
  WALLET_RETURN_IF_ERROR(dues_.Load(*store_));
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> next_order,
                          store_->Get(Table::kMeta, kNextOrderKey));
  if (next_order) next_order_ = DecodeBigEndian64(*next_order);
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> next_change,
                          store_->Get(Table::kMeta, kNextChangeKey));
  if (next_change) next_change_ = DecodeBigEndian64(*next_change);
  // This ledger's updates of the defaulter index, from FillIndex on.
  index_generation_ = DefaulterIndex::NewGeneration();
  index_update_ = DefaulterUpdate();
  index_update_.generation = index_generation_;
  meters_.ForEach([this](MeterEntry& m) {
    scheduler_.Schedule(m.meter.meter_id(), m.due_us,
                        NextPolicyDue(PolicyStateOf(m), PolicyOf(m), *calendar_, 0));
    m.index_slot = next_index_slot_++;
  });
  WALLET_RETURN_IF_ERROR(outbox_.Load(*store_));
  WALLET_RETURN_IF_ERROR(drives_.Load(*store_));
  // Tariff versions added through the API, on top of the tariff file (which
  // may already hold the same version: that is fine).
  const auto add_tariff = [this](absl::string_view, const v1::Tariff& tariff) {
    const absl::Status added = tariffs_.Add(tariff);
    return absl::IsAlreadyExists(added) ? absl::OkStatus() : added;
  };
  WALLET_RETURN_IF_ERROR(
      ScanRecords<v1::Tariff>(*store_, Table::kMeta, kTariffPrefix, "tariff", add_tariff));
  return ScanRecords<store::v1::RetailerRecord>(
      *store_, Table::kRetailers, "", "retailer record",
      [&](absl::string_view key, store::v1::RetailerRecord retailer) {
        retailers_[key] = std::move(retailer);
        return absl::OkStatus();
      });
}

absl::Status Ledger::CheckTariffsInUse(absl::Time now) const {
  // Tariff id -> meters on it, for the tariffs that cannot bill them now.
  std::map<std::string, int64_t> missing;
  std::map<std::string, int64_t> not_in_force;
  meters_.ForEach([&](const MeterEntry& m) {
    const std::string& tariff = m.meter.tariff_id();
    if (!tariffs_.Contains(tariff)) {
      ++missing[tariff];
    } else if (tariffs_.InForce(tariff, now) == nullptr) {
      ++not_in_force[tariff];
    }
  });
  if (missing.empty() && not_in_force.empty()) return absl::OkStatus();
  auto name = [](const std::string& tariff, int64_t meters) {
    return absl::StrCat("tariff \"", tariff, "\" (used by ", meters,
                        meters == 1 ? " meter)" : " meters)");
  };
  std::vector<std::string> problems;
  for (const auto& [tariff, meters] : missing) {
    problems.push_back(absl::StrCat(name(tariff, meters),
                                    " is neither in the tariff file nor added by PutTariff"));
  }
  for (const auto& [tariff, meters] : not_in_force) {
    problems.push_back(absl::StrCat(name(tariff, meters), " has no version in force before ",
                                    tariffs_.First(tariff)->effective_from()));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "meters are on tariffs that cannot bill their readings: ", absl::StrJoin(problems, "; "),
      ". Put the tariffs back in the --tariffs file, with a version in force today; the meters "
      "can then be moved to another tariff with UpdateMeter"));
}

absl::Status Ledger::CheckTariff(absl::string_view tariff_id, absl::Time now) const {
  const v1::Tariff* first = tariffs_.First(tariff_id);
  if (first == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "tariff ", tariff_id, " not found: add it to the tariff file or with PutTariff first"));
  }
  if (tariffs_.InForce(tariff_id, now) == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "tariff ", tariff_id, " is not in force yet (its first version takes effect on ",
        first->effective_from(), "): readings before then could not be billed"));
  }
  return absl::OkStatus();
}

void Ledger::FinishGroup(Txn& txn) {
  journal_.FinishGroup(txn);
  // Every meter whose state, record or dues the group changed was touched.
  // Sized once: a group of readings touches thousands of meters, and a
  // growing vector of that size costs the writer a chain of large
  // allocations and copies per group.
  index_update_.changes.reserve(index_update_.changes.size() + meters_.changed_count());
  meters_.ForEachChanged(
      [this](MeterEntry& m) { index_update_.changes.push_back(IndexChangeOf(m, /*all=*/false)); });
  meters_.WriteChanged(*txn.batch);
  drives_.WriteChanged(*txn.batch);
}

void Ledger::FillIndex(DefaulterIndex& index) {
  index.Reset(index_generation_, [this](DefaulterIndex::AddFn add) {
    meters_.ForEach([&](MeterEntry& m) { add(IndexChangeOf(m, /*all=*/true)); });
  });
}

DefaulterUpdate Ledger::TakeIndexUpdate() {
  DefaulterUpdate update = std::move(index_update_);
  index_update_ = DefaulterUpdate();
  index_update_.generation = index_generation_;
  return update;
}

void Ledger::DuesChanged(MeterEntry& m) {
  m.dues_changed = true;
  meters_.Touch(m);
}

void Ledger::DetailsChanged(MeterEntry& m) {
  m.details_changed = true;
  meters_.Touch(m);
}

DefaulterChange Ledger::IndexChangeOf(MeterEntry& m, bool all) {
  DefaulterChange change;
  change.slot = m.index_slot;
  // Most changes are readings and recharges: balance and relay only, without
  // the strings and account lookups of the rest.
  if (all || m.details_changed) {
    auto details = std::make_shared<DefaulterDetails>();
    details->meter_id = m.meter.meter_id();
    details->circle = m.meter.circle();
    details->division = m.meter.division();
    details->subdivision = m.meter.subdivision();
    details->category = m.meter.category();
    details->billing_mode = m.meter.billing_mode() == v1::POSTPAID ? v1::POSTPAID : v1::PREPAID;
    details->ct_operated = m.meter.ct_operated();
    change.details = std::move(details);
  }
  if (all || m.dues_changed) {
    const DuesAmounts owed = DuesOwedBy(m);
    const store::v1::DuesRecord* record = dues_.Find(m.meter.meter_id());
    change.dues = DefaulterDues{owed.principal_paise, owed.surcharge_paise,
                                record == nullptr ? 0 : record->unpaid_bills()};
  }
  change.balance_paise = m.state.balance_paise();
  change.relay = m.state.relay();
  change.hold = m.state.hold();
  m.details_changed = false;
  m.dues_changed = false;
  return change;
}

}  // namespace wallet
