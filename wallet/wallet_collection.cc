// Collection of dues, the wallet's readers: the dues import header's check
// and the defaulter list, read from the defaulter index (the mutations are
// queued in wallet.cc). Wallet member functions; see wallet.h.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "wallet/ledger.h"
#include "wallet/paging.h"
#include "wallet/record_io.h"
#include "wallet/validate.h"
#include "wallet/wallet.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

constexpr int32_t kDefaultDefaulterPage = 100;
constexpr int32_t kMaxDefaulterPage = 10'000;
constexpr absl::string_view kListDefaulters = "ListDefaulters";

// A page token's position: the last row's dues and meter id, "<dues>:<id>".
std::string PositionOf(const DefaulterIndex::Row& row) {
  return absl::StrCat(row.dues_paise, ":", row.meter_id);
}

absl::StatusOr<DefaulterIndex::Cursor> CursorOf(absl::string_view position) {
  const size_t colon = position.find(':');
  DefaulterIndex::Cursor cursor;
  if (colon == absl::string_view::npos ||
      !absl::SimpleAtoi(position.substr(0, colon), &cursor.dues_paise)) {
    return absl::InvalidArgumentError("page_token is not a token of this listing");
  }
  cursor.meter_id = std::string(position.substr(colon + 1));
  return cursor;
}

}  // namespace

absl::Status Wallet::CheckDuesImportHeader(const v1::DuesImportHeader& header) const {
  WALLET_RETURN_IF_ERROR(ValidateId("import_id", header.import_id()));
  WALLET_RETURN_IF_ERROR(ValidateName("source", header.source()));
  WALLET_ASSIGN_OR_RETURN(const int64_t as_of_us, TimeField("as_of_time", header.as_of_time()));
  if (as_of_us > absl::ToUnixMicros(clock_->Now())) {
    return absl::InvalidArgumentError("as_of_time is in the future");
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::ListDefaultersResponse> Wallet::ListDefaulters(
    const v1::ListDefaultersRequest& req) const {
  WALLET_RETURN_IF_ERROR(DefaulterIndex::ValidateSelection(req.selection()));
  if (req.page_size() < 0) return absl::InvalidArgumentError("page_size must not be negative");
  const int32_t page_size =
      req.page_size() == 0 ? kDefaultDefaulterPage : std::min(req.page_size(), kMaxDefaulterPage);
  const v1::ListDefaultersRequest filter = PageFilter(req);
  std::optional<DefaulterIndex::Cursor> after;
  if (!req.page_token().empty()) {
    WALLET_ASSIGN_OR_RETURN(std::string position,
                            tokens_.Open(kListDefaulters, filter, req.page_token()));
    WALLET_ASSIGN_OR_RETURN(after, CursorOf(position));
  }
  const DefaulterIndex::Page page =
      defaulters_->SelectPage(req.selection(), after ? &*after : nullptr, page_size);
  v1::ListDefaultersResponse response;
  response.set_total_count(page.total_count);
  response.set_total_dues_paise(page.total_dues_paise);
  const auto snapshot = store_->TakeSnapshot();
  for (const DefaulterIndex::Row& row : page.rows) {
    WALLET_ASSIGN_OR_RETURN(*response.add_defaulters(), DefaulterOf(row, snapshot.get()));
  }
  if (page.more && !page.rows.empty()) {
    response.set_next_page_token(
        tokens_.Issue(kListDefaulters, filter, PositionOf(page.rows.back())));
  }
  return response;
}

absl::StatusOr<v1::Defaulter> Wallet::DefaulterOf(const DefaulterIndex::Row& row,
                                                  const Store::Snapshot* at) const {
  WALLET_ASSIGN_OR_RETURN(
      std::optional<store::v1::MeterRecord> meter,
      ReadRecord<store::v1::MeterRecord>(*store_, Table::kMeters, row.meter_id, "meter", at));
  if (!meter) {
    return absl::InternalError(absl::StrCat("the defaulter index names a missing meter"));
  }
  WALLET_ASSIGN_OR_RETURN(std::optional<store::v1::MeterState> state,
                          ReadMeterState(*store_, row.meter_id, at));
  WALLET_ASSIGN_OR_RETURN(std::optional<store::v1::ConsumerRecord> consumer,
                          ReadRecord<store::v1::ConsumerRecord>(
                              *store_, Table::kConsumers, meter->consumer_id(), "consumer", at));
  WALLET_ASSIGN_OR_RETURN(
      std::optional<store::v1::DuesRecord> billed,
      ReadRecord<store::v1::DuesRecord>(*store_, Table::kDues, row.meter_id, "dues", at));
  v1::Defaulter out;
  *out.mutable_meter() = ToWire(*std::move(meter), state.value_or(store::v1::MeterState()));
  if (consumer) out.set_consumer_name(consumer->name());
  // The figures the selection sorted and added up, not a later commit's.
  out.set_principal_paise(row.principal_paise);
  out.set_surcharge_paise(row.surcharge_paise);
  out.set_dues_paise(row.dues_paise);
  out.set_unpaid_bills(row.unpaid_bills);
  if (billed) out.set_oldest_due_date(billed->oldest_due_date());
  out.set_balance_paise(row.balance_paise);
  out.set_relay(row.relay);
  out.set_hold(row.hold);
  return out;
}

}  // namespace wallet
