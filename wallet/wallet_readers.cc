// The wallet's readers: committed state only, from any thread, never
// through the writer. Each checks who may see what (a consumer's own meters,
// a retailer's own float) and hands out authenticated page tokens.
#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "base/status_macros.h"
#include "wallet/accounts.h"
#include "wallet/dues.h"
#include "wallet/journal.h"
#include "wallet/journal_check.h"
#include "wallet/journal_pager.h"
#include "wallet/meter_status.h"
#include "wallet/paging.h"
#include "wallet/record_io.h"
#include "wallet/tariff.h"
#include "wallet/validate.h"
#include "wallet/wallet.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

constexpr int32_t kDefaultJournalPage = 50;
constexpr int32_t kDefaultMeterPage = 100;
// A filtered meter listing stops after this many rows and hands back a token,
// so one call never walks a whole utility.
constexpr int kMaxRowsScannedPerPage = 200'000;
constexpr int kMaxStatementEntries = 10'000;

bool MatchesFilter(const store::v1::MeterRecord& meter, const v1::ListMetersRequest& req) {
  return (req.category() == v1::CATEGORY_UNSPECIFIED || meter.category() == req.category()) &&
         (req.circle().empty() || meter.circle() == req.circle()) &&
         (req.division().empty() || meter.division() == req.division()) &&
         (req.subdivision().empty() || meter.subdivision() == req.subdivision()) &&
         (req.consumer_id().empty() || meter.consumer_id() == req.consumer_id());
}

}  // namespace

absl::StatusOr<v1::TariffBook> Wallet::ListTariffs() const {
  WALLET_ASSIGN_OR_RETURN(TariffBook book, TariffBook::Create(file_tariffs_));
  absl::Status status;
  WALLET_RETURN_IF_ERROR(store_->Scan(Table::kMeta, kTariffPrefix, "", false,
                                      [&](absl::string_view, absl::string_view value) {
                                        auto tariff = ParseRecord<v1::Tariff>(value, "tariff");
                                        if (!tariff.ok()) {
                                          status = tariff.status();
                                          return false;
                                        }
                                        book.Add(*tariff).IgnoreError();  // already in the file
                                        return true;
                                      }));
  WALLET_RETURN_IF_ERROR(status);
  return book.ToProto();
}

absl::StatusOr<std::vector<store::v1::OutboxItem>> Wallet::ReadOutbox(Stream stream,
                                                                      uint64_t after_seq,
                                                                      int max) const {
  return wallet::ReadOutbox(*store_, stream, after_seq, max);
}

absl::StatusOr<uint64_t> Wallet::OutboxCursor(Stream stream) const {
  return ReadOutboxCursor(*store_, stream);
}

absl::StatusOr<OutboxStats> Wallet::GetOutboxStats(Stream stream) const {
  return ReadOutboxStats(*store_, stream, clock_->Now());
}

absl::StatusOr<v1::MeterPolicyState> Wallet::GetMeterState(const std::string& meter_id) const {
  WALLET_RETURN_IF_ERROR(ReadMeter(meter_id).status());
  WALLET_ASSIGN_OR_RETURN(store::v1::MeterState state, ReadWallet(meter_id));
  return ToWire(meter_id, state);
}

absl::StatusOr<std::string> Wallet::ActingRetailer(const Principal& who,
                                                   const std::string& requested) const {
  if (who.role == v1::ROLE_RETAILER) {
    if (!requested.empty() && requested != who.subject_id) {
      return absl::PermissionDeniedError("a retailer key acts only on its own float");
    }
    return who.subject_id;
  }
  if (who.is_admin()) {
    if (requested.empty()) return absl::InvalidArgumentError("retailer_id is required");
    WALLET_RETURN_IF_ERROR(ValidateId("retailer_id", requested));
    return requested;
  }
  return absl::PermissionDeniedError("only retailers and admins act on floats");
}

absl::StatusOr<std::optional<int64_t>> Wallet::StoredAccount(const std::string& account,
                                                             const Store::Snapshot* at) const {
  absl::string_view meter_id;
  if (MeterOfAccount(account, &meter_id)) {
    WALLET_ASSIGN_OR_RETURN(std::optional<store::v1::MeterState> state,
                            ReadMeterState(*store_, meter_id, at));
    if (!state) return std::nullopt;
    return state->balance_paise();
  }
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> value,
                          store_->Get(Table::kAccounts, account, at));
  if (!value) return std::nullopt;
  return DecodeBalance(*value);
}

absl::StatusOr<int64_t> Wallet::StoredBalance(const std::string& account,
                                              const Store::Snapshot* at) const {
  WALLET_ASSIGN_OR_RETURN(std::optional<int64_t> balance, StoredAccount(account, at));
  return balance.value_or(0);
}

absl::StatusOr<DuesAmounts> Wallet::StoredDues(const std::string& meter_id,
                                               const Store::Snapshot* at) const {
  WALLET_ASSIGN_OR_RETURN(int64_t arrears, StoredBalance(ArrearsAccount(meter_id), at));
  WALLET_ASSIGN_OR_RETURN(int64_t surcharge, StoredBalance(SurchargeAccount(meter_id), at));
  return OwedOf(arrears, surcharge);
}

absl::StatusOr<store::v1::MeterRecord> Wallet::ReadMeter(const std::string& meter_id) const {
  WALLET_RETURN_IF_ERROR(ValidateId("meter_id", meter_id));
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> stored, store_->Get(Table::kMeters, meter_id));
  if (!stored) return absl::NotFoundError(absl::StrCat("meter ", meter_id, " is not registered"));
  return ParseRecord<store::v1::MeterRecord>(*stored, "meter");
}

absl::StatusOr<store::v1::MeterRecord> Wallet::ReadOwnedMeter(const Principal& who,
                                                              const std::string& meter_id) const {
  absl::StatusOr<store::v1::MeterRecord> meter = ReadMeter(meter_id);
  if (who.is_admin()) return meter;
  if (absl::IsNotFound(meter.status()) || (meter.ok() && !who.OwnsConsumer(meter->consumer_id()))) {
    return NotYourMeter(meter_id);
  }
  return meter;
}

absl::StatusOr<store::v1::MeterState> Wallet::ReadWallet(const std::string& meter_id) const {
  WALLET_ASSIGN_OR_RETURN(std::optional<store::v1::MeterState> state,
                          ReadMeterState(*store_, meter_id));
  return state.value_or(store::v1::MeterState());
}

absl::StatusOr<v1::MeterView> Wallet::ViewOf(store::v1::MeterRecord meter) const {
  v1::MeterView view;
  WALLET_ASSIGN_OR_RETURN(store::v1::MeterState wallet, ReadWallet(meter.meter_id()));
  WALLET_ASSIGN_OR_RETURN(const DuesAmounts owed, StoredDues(meter.meter_id()));
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> consumer,
                          store_->Get(Table::kConsumers, meter.consumer_id()));
  if (consumer) {
    WALLET_ASSIGN_OR_RETURN(store::v1::ConsumerRecord record,
                            ParseRecord<store::v1::ConsumerRecord>(*consumer, "consumer"));
    *view.mutable_consumer() = ToWire(std::move(record));
  }
  view.set_balance_paise(wallet.balance_paise());
  view.set_arrears_paise(owed.principal_paise);
  view.set_surcharge_paise(owed.surcharge_paise);
  WALLET_ASSIGN_OR_RETURN(std::optional<store::v1::DuesRecord> billed,
                          ReadRecord<store::v1::DuesRecord>(*store_, Table::kDues,
                                                            meter.meter_id(), "dues"));
  if (billed) {
    view.set_unpaid_bills(billed->unpaid_bills());
    view.set_oldest_due_date(billed->oldest_due_date());
  }
  *view.mutable_meter() = ToWire(std::move(meter), wallet);
  return view;
}

absl::StatusOr<v1::MeterView> Wallet::GetMeter(const std::string& meter_id) const {
  WALLET_ASSIGN_OR_RETURN(store::v1::MeterRecord meter, ReadMeter(meter_id));
  return ViewOf(std::move(meter));
}

absl::StatusOr<v1::ListMetersResponse> Wallet::ListMeters(const v1::ListMetersRequest& req) const {
  const v1::ListMetersRequest filter = PageFilter(req);
  std::string after;  // the last meter id of the previous page
  if (!req.page_token().empty()) {
    WALLET_ASSIGN_OR_RETURN(after, tokens_.Open("ListMeters", filter, req.page_token()));
  }
  if (req.min_arrears_paise() < 0) {
    return absl::InvalidArgumentError("min_arrears_paise must not be negative");
  }
  v1::ListMetersResponse response;
  WALLET_ASSIGN_OR_RETURN(
      std::string next,
      ScanPage(*store_, Table::kMeters, "", after, /*reverse=*/false,
               PageSize(req.page_size(), kDefaultMeterPage), kMaxRowsScannedPerPage,
               [&](absl::string_view, absl::string_view value) -> absl::StatusOr<bool> {
                 WALLET_ASSIGN_OR_RETURN(store::v1::MeterRecord meter,
                                         ParseRecord<store::v1::MeterRecord>(value, "meter"));
                 if (!MatchesFilter(meter, req)) return false;
                 WALLET_ASSIGN_OR_RETURN(v1::MeterView view, ViewOf(std::move(meter)));
                 if (view.arrears_paise() < req.min_arrears_paise()) return false;
                 *response.add_meters() = std::move(view);
                 return true;
               }));
  if (!next.empty()) response.set_next_page_token(tokens_.Issue("ListMeters", filter, next));
  return response;
}

absl::StatusOr<v1::GetJournalResponse> Wallet::GetJournal(const v1::GetJournalRequest& req) const {
  if (req.account().empty() || req.account().size() > 2 * kMaxIdLength) {
    return absl::InvalidArgumentError("account is required, e.g. meter:<id>");
  }
  const v1::GetJournalRequest filter = PageFilter(req);
  std::string position;
  if (!req.page_token().empty()) {
    WALLET_ASSIGN_OR_RETURN(position, tokens_.Open("GetJournal", filter, req.page_token()));
  }
  v1::GetJournalResponse response;
  const auto snapshot = store_->TakeSnapshot();
  WALLET_ASSIGN_OR_RETURN(std::optional<int64_t> balance,
                          StoredAccount(req.account(), snapshot.get()));
  if (!balance) return absl::NotFoundError(absl::StrCat("account ", req.account(), " not found"));
  response.set_balance_paise(*balance);
  std::string next;
  WALLET_RETURN_IF_ERROR(ReadAccountPage(*store_, snapshot.get(), req.account(), *balance,
                                         PageSize(req.page_size(), kDefaultJournalPage), position,
                                         response.mutable_entries(), &next));
  if (!next.empty()) response.set_next_page_token(tokens_.Issue("GetJournal", filter, next));
  return response;
}

absl::StatusOr<v1::GetBalanceResponse> Wallet::BalanceOf(
    const store::v1::MeterRecord& meter) const {
  WALLET_ASSIGN_OR_RETURN(store::v1::MeterState wallet, ReadWallet(meter.meter_id()));
  WALLET_ASSIGN_OR_RETURN(const DuesAmounts owed, StoredDues(meter.meter_id()));
  v1::GetBalanceResponse response =
      MeterStatusOf(meter.meter_id(), wallet, PolicyFor(policy_, meter.category()), calendar_,
                    clock_->Now(), meter.billing_mode() == v1::POSTPAID);
  response.set_arrears_paise(owed.principal_paise);
  response.set_surcharge_paise(owed.surcharge_paise);
  return response;
}

absl::StatusOr<v1::GetBalanceResponse> Wallet::GetBalance(const Principal& who,
                                                          const std::string& meter_id) const {
  WALLET_ASSIGN_OR_RETURN(store::v1::MeterRecord meter, ReadOwnedMeter(who, meter_id));
  return BalanceOf(meter);
}

absl::StatusOr<v1::ListMyMetersResponse> Wallet::ListMyMeters(const Principal& who) const {
  if (who.role != v1::ROLE_CONSUMER) {
    return absl::InvalidArgumentError("ListMyMeters needs a consumer key");
  }
  std::vector<std::string> meter_ids;
  for (const std::string& consumer_id : who.Consumers()) {
    const std::string prefix = KeyPrefix(consumer_id);
    WALLET_RETURN_IF_ERROR(store_->Scan(Table::kConsumerMeters, prefix, "", false,
                                        [&](absl::string_view key, absl::string_view) {
                                          meter_ids.emplace_back(key.substr(prefix.size()));
                                          return true;
                                        }));
  }
  v1::ListMyMetersResponse response;
  for (const std::string& id : meter_ids) {
    WALLET_ASSIGN_OR_RETURN(store::v1::MeterRecord meter, ReadMeter(id));
    WALLET_ASSIGN_OR_RETURN(*response.add_meters(), BalanceOf(meter));
  }
  return response;
}

absl::StatusOr<v1::ListTransactionsResponse> Wallet::ListTransactions(
    const Principal& who, const v1::ListTransactionsRequest& req) const {
  WALLET_RETURN_IF_ERROR(ReadOwnedMeter(who, req.meter_id()).status());
  const v1::ListTransactionsRequest filter = PageFilter(req);
  std::string position;
  if (!req.page_token().empty()) {
    WALLET_ASSIGN_OR_RETURN(position, tokens_.Open("ListTransactions", filter, req.page_token()));
  }
  v1::ListTransactionsResponse response;
  std::string next;
  // A wallet's page follows its chain: no balance needed to start it.
  WALLET_RETURN_IF_ERROR(ReadAccountPage(*store_, nullptr, MeterAccount(req.meter_id()), 0,
                                         PageSize(req.page_size(), kDefaultJournalPage), position,
                                         response.mutable_entries(), &next));
  if (!next.empty()) {
    response.set_next_page_token(tokens_.Issue("ListTransactions", filter, next));
  }
  return response;
}

absl::StatusOr<store::v1::RetailerRecord> Wallet::ReadRetailer(
    const std::string& retailer_id) const {
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                          store_->Get(Table::kRetailers, retailer_id));
  if (!stored) return absl::NotFoundError(absl::StrCat("retailer ", retailer_id, " not found"));
  return ParseRecord<store::v1::RetailerRecord>(*stored, "retailer");
}

absl::StatusOr<v1::GetFloatResponse> Wallet::GetFloat(const Principal& who,
                                                      const std::string& retailer_id) const {
  WALLET_ASSIGN_OR_RETURN(std::string id, ActingRetailer(who, retailer_id));
  v1::GetFloatResponse response;
  WALLET_ASSIGN_OR_RETURN(store::v1::RetailerRecord retailer, ReadRetailer(id));
  *response.mutable_retailer() = ToWire(std::move(retailer));
  WALLET_ASSIGN_OR_RETURN(int64_t balance, StoredBalance(RetailerAccount(id)));
  response.set_balance_paise(balance);
  // A float near the top of int64 minus a negative limit: saturate.
  const __int128 available =
      static_cast<__int128>(balance) - response.retailer().float_limit_paise();
  response.set_available_paise(
      static_cast<int64_t>(std::min<__int128>(available, std::numeric_limits<int64_t>::max())));
  return response;
}

absl::StatusOr<v1::GetStatementResponse> Wallet::GetStatement(
    const Principal& who, const v1::GetStatementRequest& req) const {
  WALLET_ASSIGN_OR_RETURN(std::string id, ActingRetailer(who, req.retailer_id()));
  WALLET_RETURN_IF_ERROR(ReadRetailer(id).status());
  absl::CivilDay day;
  if (!ParseIsoDate(req.date(), &day)) {
    return absl::InvalidArgumentError("date must be YYYY-MM-DD");
  }
  const absl::Time start = absl::FromCivil(day, IstTimeZone());
  const absl::Time end = absl::FromCivil(day + 1, IstTimeZone());
  const std::string account = RetailerAccount(id);
  v1::GetStatementResponse response;
  response.set_retailer_id(id);
  response.set_date(req.date());
  absl::Status status;
  // Opening balance: the balance after the last movement before the day.
  WALLET_RETURN_IF_ERROR(store_->Scan(
      Table::kAccountJournal, KeyPrefix(account), JournalKeyAt(account, start), true,
      [&](absl::string_view key, absl::string_view value) {
        if (key >= JournalKeyAt(account, start)) return true;
        auto entry = ParseRecord<store::v1::JournalEntryRecord>(value, "journal entry");
        if (!entry.ok()) {
          status = entry.status();
        } else {
          response.set_opening_balance_paise(entry->balance_after_paise());
        }
        return false;
      }));
  WALLET_RETURN_IF_ERROR(status);
  response.set_closing_balance_paise(response.opening_balance_paise());
  const std::string end_key = JournalKeyAt(account, end);
  WALLET_RETURN_IF_ERROR(store_->Scan(
      Table::kAccountJournal, KeyPrefix(account), JournalKeyAt(account, start), false,
      [&](absl::string_view key, absl::string_view value) {
        if (key >= end_key || response.entries_size() >= kMaxStatementEntries) return false;
        auto entry = ReadEntry(*store_, account, value);
        if (!entry.ok()) {
          status = entry.status();
          return false;
        }
        switch (entry->transfer().type()) {
          case v1::RETAILER_RECHARGE:
            response.set_recharges_count(response.recharges_count() + 1);
            response.set_recharges_paise(response.recharges_paise() +
                                         entry->transfer().amount_paise());
            break;
          case v1::RETAILER_COMMISSION:
            response.set_commission_paise(response.commission_paise() + entry->delta_paise());
            break;
          case v1::FLOAT_TOPUP:
            response.set_topups_paise(response.topups_paise() + entry->delta_paise());
            break;
          default:
            break;
        }
        response.set_closing_balance_paise(entry->balance_after_paise());
        *response.add_entries() = *std::move(entry);
        return true;
      }));
  WALLET_RETURN_IF_ERROR(status);
  return response;
}

absl::StatusOr<v1::CheckLedgerResponse> Wallet::CheckLedger() const {
  return CheckJournal(*store_);
}

}  // namespace wallet
