#include "wallet/ledger.h"

#include <algorithm>
#include <limits>
#include <map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "absl/strings/str_join.h"
#include "glog/logging.h"
#include "wallet/accounts.h"
#include "wallet/auth.h"
#include "wallet/journal_pages.h"
#include "wallet/money.h"
#include "wallet/orders.h"
#include "wallet/registry_changes.h"
#include "wallet/validate.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

using store::v1::TransferRecord;

constexpr int32_t kMaxCommissionBps = 1000;  // 10 %

}  // namespace

std::string RequestKey(absl::string_view op, absl::string_view scope,
                       absl::string_view request_id) {
  return absl::StrCat(op, "/", scope, "/", request_id);
}

namespace {

std::string EncodeBalance(int64_t balance) { return BigEndian64(static_cast<uint64_t>(balance)); }

}  // namespace

Ledger::Ledger(const Store* store, const LedgerOptions& options)
    : store_(store), options_(options) {}

absl::StatusOr<std::unique_ptr<Ledger>> Ledger::Load(const Store* store,
                                                     const LedgerOptions& options) {
  std::unique_ptr<Ledger> ledger(new Ledger(store, options));
  WALLET_ASSIGN_OR_RETURN(ledger->tariffs_, TariffBook::Create(options.tariffs));
  ApplyPolicyDefaults(&ledger->options_.policy);
  WALLET_RETURN_IF_ERROR(ValidatePolicyConfig(ledger->options_.policy));
  ledger->calendar_ = std::make_unique<CutoffCalendar>(options.policy.calendar());
  WALLET_RETURN_IF_ERROR(ledger->LoadState());
  return ledger;
}

absl::Status Ledger::CheckTariffsInUse(absl::Time now) const {
  // Tariff id -> meters on it, for the tariffs that cannot bill them now.
  std::map<std::string, int64_t> missing;
  std::map<std::string, int64_t> not_in_force;
  for (const auto& [id, m] : meters_) {
    const std::string& tariff = m.meter.tariff_id();
    if (!tariffs_.Contains(tariff)) {
      ++missing[tariff];
    } else if (tariffs_.InForce(tariff, now) == nullptr) {
      ++not_in_force[tariff];
    }
  }
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

absl::Status Ledger::LoadState() {
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> last_seq, store_->LastKey(Table::kJournal));
  if (last_seq) next_seq_ = DecodeBigEndian64(*last_seq) + 1;
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> next_order,
                          store_->Get(Table::kMeta, kNextOrderKey));
  if (next_order) next_order_ = DecodeBigEndian64(*next_order);
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> next_change,
                          store_->Get(Table::kMeta, "next_change"));
  if (next_change) next_change_ = DecodeBigEndian64(*next_change);

  absl::Status parse_error;
  WALLET_RETURN_IF_ERROR(store_->Scan(Table::kAccounts, "", "", false,
                                      [&](absl::string_view key, absl::string_view value) {
                                        balances_[key] =
                                            static_cast<int64_t>(DecodeBigEndian64(value));
                                        return true;
                                      }));
  WALLET_RETURN_IF_ERROR(store_->Scan(
      Table::kMeters, "", "", false, [&](absl::string_view key, absl::string_view value) {
        store::v1::MeterRecord meter;
        if (!meter.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse_error = absl::InternalError(absl::StrCat("corrupt meter record ", key));
          return false;
        }
        meters_[key].meter = std::move(meter);
        return true;
      }));
  WALLET_RETURN_IF_ERROR(store_->Scan(
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
  WALLET_RETURN_IF_ERROR(store_->Scan(
      Table::kConsumers, "", "", false, [&](absl::string_view key, absl::string_view value) {
        store::v1::ConsumerRecord consumer;
        if (!consumer.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse_error = absl::InternalError(absl::StrCat("corrupt consumer record ", key));
          return false;
        }
        consumers_[key].phone = consumer.phone();
        return true;
      }));
  WALLET_RETURN_IF_ERROR(parse_error);
  for (auto& [id, m] : meters_) {
    m.consumer = &consumers_[m.meter.consumer_id()];
    Schedule(m, NextDue(m));
  }
  WALLET_RETURN_IF_ERROR(LoadOutbox());
  // Tariff versions added through the API, on top of the tariff file.
  absl::Status tariff_error;
  WALLET_RETURN_IF_ERROR(store_->Scan(
      Table::kMeta, kTariffPrefix, "", false, [&](absl::string_view key, absl::string_view value) {
        v1::Tariff tariff;
        if (!tariff.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          tariff_error = absl::InternalError(absl::StrCat("corrupt tariff ", key));
          return false;
        }
        absl::Status added = tariffs_.Add(tariff);
        // The file may already hold the same version: that is fine.
        if (!added.ok() && added.code() != absl::StatusCode::kAlreadyExists) tariff_error = added;
        return tariff_error.ok();
      }));
  WALLET_RETURN_IF_ERROR(tariff_error);
  WALLET_RETURN_IF_ERROR(store_->Scan(
      Table::kRetailers, "", "", false, [&](absl::string_view key, absl::string_view value) {
        store::v1::RetailerRecord& retailer = retailers_[key];
        if (!retailer.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse_error = absl::InternalError(absl::StrCat("corrupt retailer record ", key));
          return false;
        }
        return true;
      }));
  return parse_error;
}

int64_t Ledger::Balance(absl::string_view account) const {
  absl::string_view meter_id;
  if (MeterOfAccount(account, &meter_id)) {
    auto it = meters_.find(meter_id);
    return it == meters_.end() ? 0 : it->second.state.balance_paise();
  }
  auto it = balances_.find(account);
  return it == balances_.end() ? 0 : it->second;
}

void Ledger::ApplyToAccount(Txn& txn, TransferRecord& transfer, const std::string& account,
                            int64_t delta) {
  absl::string_view meter_id;
  if (MeterOfAccount(account, &meter_id)) {
    MeterEntry* m = FindMeter(meter_id);
    CHECK(m != nullptr) << "transfer on unregistered " << account;
    ApplyToWallet(*m, transfer, delta);
    return;
  }
  dirty_.insert(account);
  int64_t& balance = balances_[account];
  CHECK(!AddOverflows(balance, delta))
      << "transfer #" << transfer.seq() << " would overflow " << account << " (" << balance
      << " + " << delta << "): an operation posted without CheckRange";
  balance += delta;
  PutJournalEntry(txn, transfer, account, delta, balance);
}

void Ledger::ApplyToWallet(MeterEntry& m, TransferRecord& transfer, int64_t delta) {
  store::v1::MeterState& st = m.state;
  CHECK(!AddOverflows(st.balance_paise(), delta))
      << "transfer #" << transfer.seq() << " would overflow meter:" << m.meter.meter_id()
      << ": an operation posted without CheckRange";
  st.set_balance_paise(st.balance_paise() + delta);
  transfer.set_wallet_prev_seq(st.last_seq());
  transfer.set_wallet_balance_after(st.balance_paise());
  st.set_last_seq(transfer.seq());
  Touch(m);
}

TransferRecord Ledger::NewTransfer(Txn& txn, v1::TransferType type, const std::string& debit,
                                   const std::string& credit, int64_t amount,
                                   const std::string& request_ref, const std::string& memo) {
  TransferRecord transfer;
  transfer.set_seq(next_seq_++);
  transfer.set_time_us(absl::ToUnixMicros(txn.now));
  transfer.set_type(type);
  transfer.set_debit_account(debit);
  transfer.set_credit_account(credit);
  transfer.set_amount_paise(amount);
  transfer.set_request_ref(request_ref);
  transfer.set_memo(memo);
  return transfer;
}

void Ledger::PutTransfer(Txn& txn, const TransferRecord& transfer) {
  txn.batch->Put(Table::kJournal, BigEndian64(transfer.seq()), transfer.SerializeAsString());
}

TransferRecord Ledger::Post(Txn& txn, v1::TransferType type, const std::string& debit,
                            const std::string& credit, int64_t amount,
                            const std::string& request_ref, const std::string& memo) {
  TransferRecord transfer = NewTransfer(txn, type, debit, credit, amount, request_ref, memo);
  ApplyToAccount(txn, transfer, debit, -amount);
  ApplyToAccount(txn, transfer, credit, amount);
  PutTransfer(txn, transfer);
  return transfer;
}

void Ledger::PostCharge(Txn& txn, v1::TransferType type, MeterEntry& m, int64_t amount,
                        int64_t duty, const std::string& request_ref, const std::string& memo) {
  const std::string revenue(kRevenue);
  TransferRecord transfer = NewTransfer(txn, type, MeterAccount(m.meter.meter_id()), revenue,
                                        amount, request_ref, memo);
  transfer.set_duty_paise(duty);
  ApplyToWallet(m, transfer, -amount);
  ApplyToAccount(txn, transfer, revenue, amount);
  PutTransfer(txn, transfer);
  pending_duty_paise_ += duty;
}

void Ledger::PutJournalEntry(Txn& txn, const TransferRecord& transfer, const std::string& account,
                             int64_t delta, int64_t balance_after) {
  // System accounts move on nearly every request; their history is the
  // global journal filtered by account (Wallet::GetJournal), not an index
  // that would double the hot path's writes. Meter wallets chain their
  // transfers instead (TransferRecord.wallet_prev_seq).
  if (IsSystemAccount(account)) return;
  // The entry refers to the transfer by seq instead of copying it: readers
  // join it back from the journal, and the hot path writes a third as much.
  store::v1::JournalEntryRecord entry;
  entry.mutable_transfer()->set_seq(transfer.seq());
  entry.set_delta_paise(delta);
  entry.set_balance_after_paise(balance_after);
  std::string key = absl::StrCat(account, absl::string_view("\0", 1),
                                 BigEndian64(static_cast<uint64_t>(transfer.time_us())),
                                 BigEndian64(transfer.seq()));
  txn.batch->Put(Table::kAccountJournal, key, entry.SerializeAsString());
}

void Ledger::SweepDuty(Txn& txn, const std::string& request_ref) {
  if (pending_duty_paise_ == 0) return;
  Post(txn, v1::ELECTRICITY_DUTY, std::string(kRevenue), std::string(kDuty), pending_duty_paise_,
       request_ref, "electricity duty charged by this batch of readings");
  pending_duty_paise_ = 0;
}

void Ledger::FinishGroup(Txn& txn) {
  DCHECK_EQ(pending_duty_paise_, 0) << "duty charged outside IngestReadings";
  // A balance that moved many times in one group is written once. A system
  // account's is also written as of the group's last transfer: its history
  // pages, read out of the global journal, start from the nearest such mark
  // (SystemBalanceKey) instead of adding up the journal from the newest.
  for (const std::string& account : dirty_) {
    const std::string balance = EncodeBalance(balances_[account]);
    txn.batch->Put(Table::kAccounts, account, balance);
    if (IsSystemAccount(account)) {
      txn.batch->Put(Table::kSystemBalances, SystemBalanceKey(account, next_seq_ - 1), balance);
    }
  }
  dirty_.clear();
  // In key order: the store inserts neighbours cheaply (see store.cc).
  std::sort(dirty_meters_.begin(), dirty_meters_.end(),
            [](const MeterEntry* a, const MeterEntry* b) {
              return a->meter.meter_id() < b->meter.meter_id();
            });
  for (MeterEntry* m : dirty_meters_) {
    txn.batch->Put(Table::kMeterState, m->meter.meter_id(), m->state.SerializeAsString());
    m->dirty = false;
  }
  dirty_meters_.clear();
}

absl::Status Ledger::CheckRange(std::initializer_list<Move> moves) const {
  for (auto it = moves.begin(); it != moves.end(); ++it) {
    // Each account once, at its first move that moves anything.
    bool seen = it->delta == 0;
    for (auto before = moves.begin(); before != it && !seen; ++before) {
      seen = before->delta != 0 && before->account == it->account;
    }
    if (seen) continue;
    // Posted in any order, the balance stays between these two.
    const __int128 balance = Balance(it->account);
    __int128 lowest = balance;
    __int128 highest = balance;
    for (auto move = it; move != moves.end(); ++move) {
      if (move->account != it->account) continue;
      (move->delta < 0 ? lowest : highest) += move->delta;
    }
    if (lowest < std::numeric_limits<int64_t>::min() ||
        highest > std::numeric_limits<int64_t>::max()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the balance of ", it->account, " (", FormatRupees(Balance(it->account)),
                       ") would leave the range the ledger can hold; nothing was changed"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::RegisterMeterResponse> Ledger::RegisterMeter(
    Txn& txn, const v1::RegisterMeterRequest& req) {
  WALLET_RETURN_IF_ERROR(ValidateId("request_id", req.request_id()));
  return Idempotent<v1::RegisterMeterResponse>(
      txn, RequestKey("RegisterMeter", "admin", req.request_id()), req,
      [&]() -> absl::StatusOr<v1::RegisterMeterResponse> {
        const v1::Meter& in = req.meter();
        WALLET_RETURN_IF_ERROR(ValidateId("meter.meter_id", in.meter_id()));
        WALLET_RETURN_IF_ERROR(ValidateId("meter.consumer_id", in.consumer_id()));
        if (!req.consumer().consumer_id().empty() &&
            req.consumer().consumer_id() != in.consumer_id()) {
          return absl::InvalidArgumentError("consumer.consumer_id differs from meter.consumer_id");
        }
        WALLET_RETURN_IF_ERROR(ValidateCategory("meter.category", in.category()));
        WALLET_RETURN_IF_ERROR(ValidateName("meter.circle", in.circle()));
        WALLET_RETURN_IF_ERROR(ValidateName("meter.division", in.division()));
        WALLET_RETURN_IF_ERROR(ValidateName("meter.subdivision", in.subdivision()));
        WALLET_RETURN_IF_ERROR(
            ValidateSanctionedLoad("meter.sanctioned_load_w", in.sanctioned_load_w()));
        WALLET_RETURN_IF_ERROR(ValidateId("meter.tariff_id", in.tariff_id()));
        if (req.arrears_paise() < 0 || req.arrears_paise() > kMaxLedgerAmount) {
          return absl::InvalidArgumentError(
              absl::StrCat("arrears_paise must be between 0 and ", kMaxLedgerAmount));
        }
        const bool new_consumer = !consumers_.contains(in.consumer_id());
        if (new_consumer) {
          WALLET_RETURN_IF_ERROR(ValidateNewConsumer(req.consumer()));
        }
        if (meters_.contains(in.meter_id())) {
          return absl::AlreadyExistsError(
              absl::StrCat("meter ", in.meter_id(), " is already registered"));
        }
        store::v1::ConsumerRecord consumer;
        if (!new_consumer) {
          WALLET_ASSIGN_OR_RETURN(consumer, StoredConsumer(txn, in.consumer_id()));
          WALLET_RETURN_IF_ERROR(SameConsumerDetails(consumer, req.consumer()));
        }
        WALLET_RETURN_IF_ERROR(CheckTariff(in.tariff_id(), txn.now));
        WALLET_RETURN_IF_ERROR(CheckRange({{ArrearsAccount(in.meter_id()), -req.arrears_paise()},
                                           {kLegacyArrears, req.arrears_paise()}}));

        store::v1::MeterRecord meter = RecordOf(in);
        meter.set_registered_us(absl::ToUnixMicros(txn.now));
        if (new_consumer) {
          consumer = RecordOf(req.consumer());
          consumer.set_consumer_id(in.consumer_id());
          PutConsumer(txn, consumer);
        }
        txn.batch->Put(Table::kMeters, meter.meter_id(), meter.SerializeAsString());
        txn.batch->Put(Table::kConsumerMeters,
                       ConsumerMeterKey(meter.consumer_id(), meter.meter_id()), "");
        MeterEntry& entry = meters_[meter.meter_id()];
        entry.meter = meter;
        entry.consumer = &consumers_[meter.consumer_id()];
        // Prepaid from now: the grace period and the daily fixed charges
        // (from today) start at registration.
        entry.state.set_prepaid_since_us(absl::ToUnixMicros(txn.now));
        entry.state.set_charged_day(IstDayNumber(txn.now) - 1);
        entry.state.set_relay(v1::RELAY_CONNECTED);
        // The wallet (balance zero) is part of the state written here.
        Touch(entry);
        if (req.arrears_paise() > 0) {
          Post(txn, v1::ARREARS_OPENING, ArrearsAccount(meter.meter_id()),
               std::string(kLegacyArrears), req.arrears_paise(), req.request_id(),
               "legacy arrears at conversion to prepaid");
        }
        v1::RegisterMeterResponse response;
        *response.mutable_meter() = ToWire(std::move(meter), entry.state);
        *response.mutable_consumer() = ToWire(std::move(consumer));
        return response;
      });
}

absl::StatusOr<v1::AdjustBalanceResponse> Ledger::AdjustBalance(
    Txn& txn, const v1::AdjustBalanceRequest& req) {
  WALLET_RETURN_IF_ERROR(ValidateId("request_id", req.request_id()));
  return Idempotent<v1::AdjustBalanceResponse>(
      txn, RequestKey("AdjustBalance", "admin", req.request_id()), req,
      [&]() -> absl::StatusOr<v1::AdjustBalanceResponse> {
        WALLET_RETURN_IF_ERROR(ValidateId("meter_id", req.meter_id()));
        WALLET_RETURN_IF_ERROR(
            ValidateAmount("amount_paise", req.amount_paise(), options_.max_amount_paise));
        WALLET_RETURN_IF_ERROR(ValidateReason("reason", req.reason()));
        const bool credit = req.direction() == v1::AdjustBalanceRequest::CREDIT;
        if (!credit && req.direction() != v1::AdjustBalanceRequest::DEBIT) {
          return absl::InvalidArgumentError("direction must be CREDIT or DEBIT");
        }
        if (!meters_.contains(req.meter_id())) {
          return absl::NotFoundError(absl::StrCat("meter ", req.meter_id(), " is not registered"));
        }
        const std::string account = MeterAccount(req.meter_id());
        const int64_t amount = req.amount_paise();
        if (credit) {
          // A credit may restore a cut meter, which pays the reconnection fee.
          const int64_t fee = ReconnectionFeeBound(*FindMeter(req.meter_id()));
          WALLET_RETURN_IF_ERROR(CheckRange(
              {{kAdjustments, -amount}, {account, amount}, {account, -fee}, {kFees, fee}}));
        } else if (Balance(account) < amount) {
          return absl::FailedPreconditionError(absl::StrCat(
              "a debit of ", FormatRupees(amount), " would take meter ", req.meter_id(),
              " below zero (balance ", FormatRupees(Balance(account)), ")"));
        } else {
          WALLET_RETURN_IF_ERROR(CheckRange({{account, -amount}, {kAdjustments, amount}}));
        }
        v1::AdjustBalanceResponse response;
        const std::string adjustments(kAdjustments);
        *response.mutable_transfer() = ToWire(
            credit ? Post(txn, v1::ADJUSTMENT_CREDIT, adjustments, account, req.amount_paise(),
                          req.request_id(), req.reason())
                   : Post(txn, v1::ADJUSTMENT_DEBIT, account, adjustments, req.amount_paise(),
                          req.request_id(), req.reason()));
        response.set_balance_paise(Balance(account));
        Evaluate(txn, *FindMeter(req.meter_id()));
        return response;
      });
}

absl::StatusOr<v1::CreateRetailerResponse> Ledger::CreateRetailer(
    Txn& txn, const v1::CreateRetailerRequest& req) {
  WALLET_RETURN_IF_ERROR(ValidateId("request_id", req.request_id()));
  return Idempotent<v1::CreateRetailerResponse>(
      txn, RequestKey("CreateRetailer", "admin", req.request_id()), req,
      [&]() -> absl::StatusOr<v1::CreateRetailerResponse> {
        const v1::Retailer& in = req.retailer();
        WALLET_RETURN_IF_ERROR(ValidateId("retailer.retailer_id", in.retailer_id()));
        if (in.name().empty()) return absl::InvalidArgumentError("retailer.name is required");
        WALLET_RETURN_IF_ERROR(ValidateName("retailer.name", in.name()));
        if (in.commission_bps() > kMaxCommissionBps) {
          return absl::InvalidArgumentError(
              absl::StrCat("retailer.commission_bps must be at most ", kMaxCommissionBps));
        }
        if (in.float_limit_paise() > 0 || in.float_limit_paise() < -kMaxLedgerAmount) {
          return absl::InvalidArgumentError(absl::StrCat(
              "retailer.float_limit_paise must be between ", -kMaxLedgerAmount, " and 0"));
        }
        if (retailers_.contains(in.retailer_id())) {
          return absl::AlreadyExistsError(
              absl::StrCat("retailer ", in.retailer_id(), " already exists"));
        }
        store::v1::RetailerRecord retailer = RecordOf(in);
        if (retailer.commission_bps() < 0) {
          retailer.set_commission_bps(options_.default_commission_bps);
        }
        retailer.set_created_us(absl::ToUnixMicros(txn.now));
        txn.batch->Put(Table::kRetailers, retailer.retailer_id(), retailer.SerializeAsString());
        retailers_[retailer.retailer_id()] = retailer;
        const std::string account = RetailerAccount(retailer.retailer_id());
        balances_[account] = 0;
        txn.batch->Put(Table::kAccounts, account, EncodeBalance(0));
        v1::CreateRetailerResponse response;
        *response.mutable_retailer() = ToWire(std::move(retailer));
        return response;
      });
}

absl::StatusOr<v1::TopUpFloatResponse> Ledger::TopUpFloat(Txn& txn,
                                                          const v1::TopUpFloatRequest& req) {
  WALLET_RETURN_IF_ERROR(ValidateId("request_id", req.request_id()));
  return Idempotent<v1::TopUpFloatResponse>(
      txn, RequestKey("TopUpFloat", "admin", req.request_id()), req,
      [&]() -> absl::StatusOr<v1::TopUpFloatResponse> {
        WALLET_RETURN_IF_ERROR(ValidateId("retailer_id", req.retailer_id()));
        WALLET_RETURN_IF_ERROR(
            ValidateAmount("amount_paise", req.amount_paise(), options_.max_amount_paise));
        WALLET_RETURN_IF_ERROR(ValidateName("reference", req.reference()));
        if (!retailers_.contains(req.retailer_id())) {
          return absl::NotFoundError(absl::StrCat("retailer ", req.retailer_id(), " not found"));
        }
        const std::string account = RetailerAccount(req.retailer_id());
        WALLET_RETURN_IF_ERROR(
            CheckRange({{kFloatDeposits, -req.amount_paise()}, {account, req.amount_paise()}}));
        v1::TopUpFloatResponse response;
        *response.mutable_transfer() =
            ToWire(Post(txn, v1::FLOAT_TOPUP, std::string(kFloatDeposits), account,
                        req.amount_paise(), req.request_id(), req.reference()));
        response.set_float_balance_paise(Balance(account));
        return response;
      });
}

absl::StatusOr<v1::IssueApiKeyResponse> Ledger::IssueApiKey(Txn& txn,
                                                            const v1::IssueApiKeyRequest& req,
                                                            const std::string& key_hash,
                                                            bool* issued) {
  WALLET_RETURN_IF_ERROR(ValidateId("request_id", req.request_id()));
  return Idempotent<v1::IssueApiKeyResponse>(
      txn, RequestKey("IssueApiKey", "admin", req.request_id()), req,
      [&]() -> absl::StatusOr<v1::IssueApiKeyResponse> {
        WALLET_RETURN_IF_ERROR(ValidateName("label", req.label()));
        switch (req.role()) {
          case v1::ROLE_RETAILER:
            WALLET_RETURN_IF_ERROR(ValidateId("subject_id", req.subject_id()));
            if (!retailers_.contains(req.subject_id())) {
              return absl::NotFoundError(
                  absl::StrCat("retailer ", req.subject_id(), " not found"));
            }
            break;
          case v1::ROLE_CONSUMER:
            WALLET_RETURN_IF_ERROR(ValidateId("subject_id", req.subject_id()));
            if (!consumers_.contains(req.subject_id())) {
              return absl::NotFoundError(
                  absl::StrCat("consumer ", req.subject_id(), " not found"));
            }
            break;
          case v1::ROLE_ADMIN:
          case v1::ROLE_PAYMENT_GATEWAY:
          case v1::ROLE_METER_GATEWAY:
            if (!req.subject_id().empty()) {
              return absl::InvalidArgumentError("subject_id must be empty for this role");
            }
            break;
          default:
            return absl::InvalidArgumentError("role is required");
        }
        store::v1::ApiKeyRecord record;
        record.set_role(req.role());
        record.set_subject_id(req.subject_id());
        record.set_label(req.label());
        record.set_created_us(absl::ToUnixMicros(txn.now));
        txn.batch->Put(Table::kApiKeys, key_hash, record.SerializeAsString());
        *issued = true;
        v1::IssueApiKeyResponse response;
        response.set_role(req.role());
        response.set_subject_id(req.subject_id());
        return response;
      });
}

absl::Status Ledger::EnsureApiKey(Txn& txn, const std::string& key_hash, v1::Role role,
                                  const std::string& label) {
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> existing,
                          txn.batch->Get(Table::kApiKeys, key_hash));
  if (existing) return absl::OkStatus();
  store::v1::ApiKeyRecord record;
  record.set_role(role);
  record.set_label(label);
  record.set_created_us(absl::ToUnixMicros(txn.now));
  txn.batch->Put(Table::kApiKeys, key_hash, record.SerializeAsString());
  return absl::OkStatus();
}

absl::StatusOr<v1::RetailerRechargeResponse> Ledger::RetailerRecharge(
    Txn& txn, const std::string& retailer_id, const v1::RetailerRechargeRequest& req) {
  WALLET_RETURN_IF_ERROR(ValidateId("request_id", req.request_id()));
  WALLET_RETURN_IF_ERROR(ValidateId("retailer_id", retailer_id));
  auto retailer = retailers_.find(retailer_id);
  if (retailer == retailers_.end()) {
    return absl::NotFoundError(absl::StrCat("retailer ", retailer_id, " not found"));
  }
  // The fingerprint names the acting retailer even when the key implied it.
  v1::RetailerRechargeRequest normalized = req;
  normalized.set_retailer_id(retailer_id);
  return Idempotent<v1::RetailerRechargeResponse>(
      txn, RequestKey("Recharge", RetailerAccount(retailer_id), req.request_id()), normalized,
      [&]() -> absl::StatusOr<v1::RetailerRechargeResponse> {
        WALLET_RETURN_IF_ERROR(ValidateId("meter_id", req.meter_id()));
        WALLET_RETURN_IF_ERROR(
            ValidateAmount("amount_paise", req.amount_paise(), options_.max_amount_paise));
        if (!meters_.contains(req.meter_id())) {
          return absl::NotFoundError(absl::StrCat("meter ", req.meter_id(), " is not registered"));
        }
        const std::string float_account = RetailerAccount(retailer_id);
        // 128 bits: a float near the top of int64 minus a negative limit.
        const __int128 available =
            static_cast<__int128>(Balance(float_account)) - retailer->second.float_limit_paise();
        if (available < req.amount_paise()) {
          return absl::FailedPreconditionError(
              absl::StrCat("insufficient float: ", FormatRupees(static_cast<int64_t>(available)),
                           " available, ",
                           FormatRupees(req.amount_paise()), " requested"));
        }
        const std::string meter_account = MeterAccount(req.meter_id());
        const MeterEntry& m = *FindMeter(req.meter_id());
        const int64_t amount = req.amount_paise();
        const int64_t commission = PercentOfBps(amount, retailer->second.commission_bps());
        const int64_t share = ArrearsShare(m, amount);
        const int64_t fee = ReconnectionFeeBound(m);
        WALLET_RETURN_IF_ERROR(CheckRange({{float_account, -amount},
                                           {float_account, commission},
                                           {kCommission, -commission},
                                           {meter_account, amount},
                                           {meter_account, -share},
                                           {ArrearsAccount(req.meter_id()), share},
                                           {meter_account, -fee},
                                           {kFees, fee}}));
        v1::RetailerRechargeResponse response;
        *response.mutable_recharge() =
            ToWire(Post(txn, v1::RETAILER_RECHARGE, float_account, meter_account, amount,
                        req.request_id(), ""));
        if (commission > 0) {
          *response.mutable_commission() =
              ToWire(Post(txn, v1::RETAILER_COMMISSION, std::string(kCommission), float_account,
                          commission, req.request_id(), ""));
        }
        if (auto arrears =
                Recharged(txn, *FindMeter(req.meter_id()), req.amount_paise(), req.request_id())) {
          *response.mutable_arrears_recovery() = ToWire(*std::move(arrears));
        }
        response.set_float_balance_paise(Balance(float_account));
        response.set_meter_balance_paise(Balance(meter_account));
        return response;
      });
}

absl::StatusOr<v1::PutTariffResponse> Ledger::PutTariff(Txn& txn,
                                                        const v1::PutTariffRequest& req) {
  WALLET_RETURN_IF_ERROR(ValidateId("request_id", req.request_id()));
  return Idempotent<v1::PutTariffResponse>(
      txn, RequestKey("PutTariff", "admin", req.request_id()), req,
      [&]() -> absl::StatusOr<v1::PutTariffResponse> {
        WALLET_RETURN_IF_ERROR(tariffs_.Add(req.tariff()));
        txn.batch->Put(Table::kMeta,
                       absl::StrCat(kTariffPrefix, req.tariff().tariff_id(), "/",
                                    BigEndian64(static_cast<uint64_t>(req.tariff().version()))),
                       req.tariff().SerializeAsString());
        v1::PutTariffResponse response;
        *response.mutable_tariff() = req.tariff();
        return response;
      });
}

}  // namespace wallet
