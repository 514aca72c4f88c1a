// Dues from the billing system and payments toward them: dues imports (one
// chunk at a time), payments at a counter and through a retailer, and what
// every payment toward dues sets off (the record for later imports, the SMS
// receipt, OnDuesPaid). The rules are in wallet/dues.h. Ledger member
// functions; see ledger.h. Writer thread only.
//
// Store layout of imports (Table::kDuesImports, part of the store's format):
//   import id                 -> store::v1::DuesImportRecord
//   import id \0 meter id     -> store::v1::DuesRowRecord
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "wallet/accounts.h"
#include "wallet/idempotency.h"
#include "wallet/ledger.h"
#include "wallet/money.h"
#include "wallet/notification_text.h"
#include "wallet/record_io.h"
#include "wallet/validate.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

using store::v1::DuesImportRecord;
using store::v1::DuesRowRecord;

std::string DuesRowKey(absl::string_view import_id, absl::string_view meter_id) {
  return absl::StrCat(KeyPrefix(import_id), meter_id);
}

std::string Rfc3339(int64_t unix_micros) {
  return absl::FormatTime(absl::RFC3339_sec, absl::FromUnixMicros(unix_micros),
                          absl::UTCTimeZone());
}

// RowRecordOf starts the record of `row` with its values.
DuesRowRecord RowRecordOf(const v1::DuesRow& row) {
  DuesRowRecord record;
  record.set_line(row.line());
  record.set_principal_paise(row.principal_paise());
  record.set_surcharge_paise(row.surcharge_paise());
  record.set_unpaid_bills(row.unpaid_bills());
  record.set_oldest_due_date(row.oldest_due_date());
  return record;
}

DuesRowRecord Rejected(DuesRowRecord record, const absl::Status& why) {
  record.set_code(static_cast<int32_t>(why.code()));
  record.set_message(std::string(why.message()));
  return record;
}

bool SameRow(const DuesRowRecord& taken, const v1::DuesRow& row) {
  return taken.principal_paise() == row.principal_paise() &&
         taken.surcharge_paise() == row.surcharge_paise() &&
         taken.unpaid_bills() == row.unpaid_bills() &&
         taken.oldest_due_date() == row.oldest_due_date();
}

// Count adds one row's outcome to its chunk's progress.
void Count(const v1::DuesRow& row, const DuesRowRecord& outcome, v1::ImportDuesProgress* progress) {
  progress->set_rows_seen(progress->rows_seen() + 1);
  if (outcome.code() != 0) {
    progress->set_rows_rejected(progress->rows_rejected() + 1);
    v1::DuesRowError& error = *progress->add_errors();
    error.set_line(row.line());
    error.set_meter_id(row.meter_id());
    error.set_code(outcome.code());
    error.set_message(outcome.message());
    return;
  }
  if (outcome.principal_posted_paise() == 0 && outcome.surcharge_posted_paise() == 0) {
    progress->set_rows_unchanged(progress->rows_unchanged() + 1);
    return;
  }
  progress->set_rows_applied(progress->rows_applied() + 1);
  progress->set_principal_posted_paise(progress->principal_posted_paise() +
                                       outcome.principal_posted_paise());
  progress->set_surcharge_posted_paise(progress->surcharge_posted_paise() +
                                       outcome.surcharge_posted_paise());
}

}  // namespace

DuesAmounts Ledger::DuesOwedBy(const MeterEntry& m) const {
  return OwedOf(journal_.Balance(ArrearsAccount(m.meter.meter_id())),
                journal_.Balance(SurchargeAccount(m.meter.meter_id())));
}

// ---- Imports ---------------------------------------------------------------

absl::StatusOr<DuesImportRecord> Ledger::ReadDuesImport(Txn& txn,
                                                        const v1::DuesImportHeader& header,
                                                        bool* is_new) {
  WALLET_RETURN_IF_ERROR(ValidateId("import_id", header.import_id()));
  WALLET_RETURN_IF_ERROR(ValidateName("source", header.source()));
  WALLET_ASSIGN_OR_RETURN(const int64_t given_us, TimeField("as_of_time", header.as_of_time()));
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                          txn.batch->Get(Table::kDuesImports, header.import_id()));
  *is_new = !stored;
  if (stored) {
    WALLET_ASSIGN_OR_RETURN(DuesImportRecord import,
                            ParseRecord<DuesImportRecord>(*stored, "dues import"));
    if (given_us != 0 && given_us != import.as_of_us()) {
      return absl::AlreadyExistsError(
          absl::StrCat("import ", header.import_id(), " was started as of ",
                       Rfc3339(import.as_of_us()), "; a new snapshot needs a new import id"));
    }
    return import;
  }
  const int64_t now_us = absl::ToUnixMicros(txn.now);
  if (given_us > now_us) {
    return absl::InvalidArgumentError(
        absl::StrCat("as_of_time ", Rfc3339(given_us), " is in the future"));
  }
  const int64_t as_of_us = given_us != 0 ? given_us : now_us;
  if (as_of_us < absl::ToUnixMicros(txn.now - options_.dues_payment_window)) {
    return absl::FailedPreconditionError(
        absl::StrCat("as_of_time ", Rfc3339(as_of_us), " is older than the ",
                     absl::ToInt64Hours(options_.dues_payment_window) / 24,
                     " days of payments walletd keeps to deduct; import a newer snapshot"));
  }
  DuesImportRecord import;
  import.set_import_id(header.import_id());
  import.set_source(header.source());
  import.set_as_of_us(as_of_us);
  import.set_as_of_given(given_us != 0);
  import.set_created_us(now_us);
  return import;
}

absl::StatusOr<v1::ImportDuesProgress> Ledger::ImportDuesChunk(Txn& txn,
                                                               const v1::DuesImportHeader& header,
                                                               const v1::DuesChunk& chunk) {
  if (chunk.rows_size() > kMaxDuesRowsPerChunk) {
    return absl::InvalidArgumentError(absl::StrCat("a chunk holds at most ", kMaxDuesRowsPerChunk,
                                                   " rows, not ", chunk.rows_size()));
  }
  bool is_new = false;
  WALLET_ASSIGN_OR_RETURN(DuesImportRecord import, ReadDuesImport(txn, header, &is_new));
  // Every read before the first write: a failed read changes nothing.
  // What the import took before, by meter, this chunk's rows included.
  absl::flat_hash_map<std::string, DuesRowRecord> taken;
  for (const v1::DuesRow& row : chunk.rows()) {
    if (!ValidateId("meter_id", row.meter_id()).ok() || taken.contains(row.meter_id())) continue;
    WALLET_ASSIGN_OR_RETURN(
        std::optional<std::string> stored,
        txn.batch->Get(Table::kDuesImports, DuesRowKey(import.import_id(), row.meter_id())));
    if (!stored) continue;
    WALLET_ASSIGN_OR_RETURN(taken[row.meter_id()],
                            ParseRecord<DuesRowRecord>(*stored, "dues import row"));
  }
  if (is_new) {
    txn.batch->Put(Table::kDuesImports, import.import_id(), import.SerializeAsString());
  }
  v1::ImportDuesProgress progress;
  progress.set_import_id(import.import_id());
  for (const v1::DuesRow& row : chunk.rows()) {
    // A row that names no meter, or no line, cannot be told apart from
    // another: rejected without a record (a replay rejects it the same way).
    absl::Status unnamed = ValidateId("meter_id", row.meter_id());
    if (unnamed.ok() && row.line() < 1) {
      unnamed = absl::InvalidArgumentError("line must be 1 or more");
    }
    if (!unnamed.ok()) {
      Count(row, Rejected(RowRecordOf(row), unnamed), &progress);
      continue;
    }
    auto before = taken.find(row.meter_id());
    if (before != taken.end()) {
      const DuesRowRecord& first = before->second;
      if (first.line() != row.line()) {
        Count(row,
              Rejected(RowRecordOf(row),
                       absl::AlreadyExistsError(absl::StrCat(
                           "meter ", row.meter_id(), " is listed twice in import ",
                           import.import_id(), ": at line ", first.line(), " and here"))),
              &progress);
      } else if (!SameRow(first, row)) {
        Count(row,
              Rejected(RowRecordOf(row),
                       absl::AlreadyExistsError(absl::StrCat(
                           "line ", row.line(), " differs from the row import ", import.import_id(),
                           " took before; a new snapshot needs a new "
                           "import id"))),
              &progress);
      } else {
        Count(row, first, &progress);  // a replay: its first outcome
      }
      continue;
    }
    DuesRowRecord outcome = ApplyDuesRow(txn, import, row);
    txn.batch->Put(Table::kDuesImports, DuesRowKey(import.import_id(), row.meter_id()),
                   outcome.SerializeAsString());
    Count(row, outcome, &progress);
    taken.emplace(row.meter_id(), std::move(outcome));
  }
  return progress;
}

DuesRowRecord Ledger::ApplyDuesRow(Txn& txn, const DuesImportRecord& import,
                                   const v1::DuesRow& row) {
  DuesRowRecord outcome = RowRecordOf(row);
  if (absl::Status valid = ValidateDuesRow(row); !valid.ok()) return Rejected(outcome, valid);
  MeterEntry* m = meters_.Find(row.meter_id());
  if (m == nullptr) {
    return Rejected(
        outcome, absl::NotFoundError(absl::StrCat("meter ", row.meter_id(), " is not registered")));
  }
  const std::string& id = m->meter.meter_id();
  if (import.as_of_us() < absl::ToUnixMicros(txn.now - options_.dues_payment_window)) {
    // Resumed too late: payments it should deduct may be forgotten.
    return Rejected(
        outcome, absl::FailedPreconditionError(absl::StrCat(
                     "import ", import.import_id(), " as of ", Rfc3339(import.as_of_us()),
                     " is older than the ", absl::ToInt64Hours(options_.dues_payment_window) / 24,
                     " days of payments walletd keeps; import a newer snapshot")));
  }
  const store::v1::DuesRecord* last = dues_.Find(id);
  if (last != nullptr && last->as_of_us() > import.as_of_us()) {
    return Rejected(outcome, absl::FailedPreconditionError(absl::StrCat(
                                 "meter ", id, " has dues from a newer snapshot (import ",
                                 last->import_id(), " as of ", Rfc3339(last->as_of_us()), ")")));
  }
  const DuesPlan plan =
      PlanDuesRow(DuesOwedBy(*m), DuesAmounts{row.principal_paise(), row.surcharge_paise()},
                  last == nullptr ? 0 : PaidSince(*last, import.as_of_us()));
  const std::string arrears = ArrearsAccount(id);
  const std::string surcharge = SurchargeAccount(id);
  if (absl::Status fits = journal_.CheckRange({{arrears, -plan.principal_delta},
                                               {kBilledDues, plan.principal_delta},
                                               {surcharge, -plan.surcharge_delta},
                                               {kBilledDues, plan.surcharge_delta}});
      !fits.ok()) {
    return Rejected(outcome, fits);
  }
  const std::string billed(kBilledDues);
  const std::string memo = absl::StrCat("billing snapshot, line ", row.line());
  if (plan.principal_delta > 0) {
    journal_.Post(txn, v1::DUES_BILLED, arrears, billed, plan.principal_delta, import.import_id(),
                  memo);
  } else if (plan.principal_delta < 0) {
    journal_.Post(txn, v1::DUES_REDUCED, billed, arrears, -plan.principal_delta, import.import_id(),
                  memo);
  }
  if (plan.surcharge_delta > 0) {
    journal_.Post(txn, v1::SURCHARGE_BILLED, surcharge, billed, plan.surcharge_delta,
                  import.import_id(), memo);
  } else if (plan.surcharge_delta < 0) {
    journal_.Post(txn, v1::DUES_REDUCED, billed, surcharge, -plan.surcharge_delta,
                  import.import_id(), memo);
  }
  store::v1::DuesRecord record;
  if (last != nullptr) record = *last;
  record.set_meter_id(id);
  record.set_unpaid_bills(row.unpaid_bills());
  record.set_oldest_due_date(row.oldest_due_date());
  record.set_import_id(import.import_id());
  record.set_as_of_us(import.as_of_us());
  record.set_principal_paise(row.principal_paise());
  record.set_surcharge_paise(row.surcharge_paise());
  // Deducted now; no later import may be older than this one.
  DropPaymentsUpTo(import.as_of_us(), &record);
  dues_.Put(txn, std::move(record), options_.dues_payment_window);
  DuesChanged(*m);
  outcome.set_principal_posted_paise(plan.principal_delta);
  outcome.set_surcharge_posted_paise(plan.surcharge_delta);
  return outcome;
}

// ---- Payments --------------------------------------------------------------

absl::StatusOr<v1::PayDuesResponse> Ledger::PayDues(Txn& txn, MeterEntry& m,
                                                    const std::string& payer, int64_t amount,
                                                    const std::string& request_ref,
                                                    const std::string& memo) {
  const std::string& id = m.meter.meter_id();
  const DuesAmounts owed = DuesOwedBy(m);
  WALLET_ASSIGN_OR_RETURN(const DuesAmounts paid, AllocateDuesPayment(id, owed, amount));
  const std::string arrears = ArrearsAccount(id);
  const std::string surcharge = SurchargeAccount(id);
  WALLET_RETURN_IF_ERROR(journal_.CheckRange(
      {{payer, -amount}, {arrears, paid.principal_paise}, {surcharge, paid.surcharge_paise}}));
  v1::PayDuesResponse response;
  if (paid.principal_paise > 0) {
    *response.mutable_principal() = ToWire(journal_.Post(txn, v1::DUES_PAYMENT, payer, arrears,
                                                         paid.principal_paise, request_ref, memo));
  }
  if (paid.surcharge_paise > 0) {
    *response.mutable_surcharge() = ToWire(journal_.Post(
        txn, v1::SURCHARGE_PAYMENT, payer, surcharge, paid.surcharge_paise, request_ref, memo));
  }
  dues_.RecordPayment(txn, id, paid, options_.dues_payment_window);
  DuesChanged(m);
  const int64_t left = owed.total() - amount;
  response.set_dues_left_paise(left);
  Notify(txn, m, v1::Notification::DUES_RECEIPT, amount,
         DuesReceiptText(id, paid.principal_paise, paid.surcharge_paise, left));
  response.set_restore_ordered(OnDuesPaid(txn, m, amount, left));
  return response;
}

bool Ledger::OnDuesPaid(Txn& txn, MeterEntry& m, int64_t paid_paise, int64_t dues_left_paise) {
  return ApplyDriveRestoreRule(txn, m, paid_paise, dues_left_paise);
}

absl::StatusOr<v1::PayDuesResponse> Ledger::PayDuesAtCounter(Txn& txn,
                                                             const v1::PayDuesRequest& req) {
  return IdempotentRequest<v1::PayDuesResponse>(
      txn, "PayDuesAtCounter", kAdminScope, req, [&]() -> absl::StatusOr<v1::PayDuesResponse> {
        WALLET_RETURN_IF_ERROR(ValidateId("meter_id", req.meter_id()));
        WALLET_RETURN_IF_ERROR(
            ValidateAmount("amount_paise", req.amount_paise(), options_.max_amount_paise));
        WALLET_RETURN_IF_ERROR(ValidateName("receipt", req.receipt()));
        WALLET_ASSIGN_OR_RETURN(MeterEntry * m, meters_.Registered(req.meter_id()));
        return PayDues(txn, *m, std::string(kCounterCash), req.amount_paise(), req.request_id(),
                       req.receipt().empty() ? "paid at a counter"
                                             : absl::StrCat("counter receipt ", req.receipt()));
      });
}

absl::StatusOr<v1::PayDuesResponse> Ledger::RetailerPayDues(Txn& txn,
                                                            const std::string& retailer_id,
                                                            const v1::RetailerPayDuesRequest& req) {
  WALLET_RETURN_IF_ERROR(ValidateId("request_id", req.request_id()));
  WALLET_ASSIGN_OR_RETURN(const store::v1::RetailerRecord* retailer, FindRetailer(retailer_id));
  // The fingerprint names the acting retailer, as a recharge's does.
  v1::RetailerPayDuesRequest normalized = req;
  normalized.set_retailer_id(retailer_id);
  return Idempotent<v1::PayDuesResponse>(
      txn, RequestKey("PayDues", RetailerAccount(retailer_id), req.request_id()), normalized,
      [&]() -> absl::StatusOr<v1::PayDuesResponse> {
        WALLET_RETURN_IF_ERROR(ValidateId("meter_id", req.meter_id()));
        WALLET_RETURN_IF_ERROR(
            ValidateAmount("amount_paise", req.amount_paise(), options_.max_amount_paise));
        WALLET_ASSIGN_OR_RETURN(MeterEntry * m, meters_.Registered(req.meter_id()));
        WALLET_RETURN_IF_ERROR(CheckFloatCovers(*retailer, req.amount_paise()));
        return PayDues(txn, *m, RetailerAccount(retailer_id), req.amount_paise(), req.request_id(),
                       absl::StrCat("paid through retailer ", retailer_id));
      });
}

}  // namespace wallet
