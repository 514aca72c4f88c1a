// Changes of registered consumers and meters and their audit records. Ledger
// operations (writer thread, see ledger.h) and the wallet's reader of the
// records (any thread, see wallet.h).
#include "wallet/registry_changes.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "wallet/idempotency.h"
#include "wallet/ledger.h"
#include "wallet/orders.h"
#include "wallet/paging.h"
#include "wallet/record_io.h"
#include "wallet/validate.h"
#include "wallet/wallet.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

using store::v1::ChangeRecord;
using store::v1::ConsumerRecord;
using store::v1::MeterRecord;

constexpr int32_t kDefaultChangePage = 50;

// SmsLanguage is the language a consumer's SMS go out in: records written
// before languages existed, and registrations that named none, are English.
v1::Language SmsLanguage(v1::Language language) {
  return language == v1::LANGUAGE_UNSPECIFIED ? v1::ENGLISH : language;
}

// Diff records `field` in `change` if it differs.
void Diff(ChangeRecord& change, absl::string_view field, const std::string& before,
          const std::string& after) {
  if (before == after) return;
  ChangeRecord::Field* f = change.add_fields();
  f->set_field(std::string(field));
  f->set_before(before);
  f->set_after(after);
}

std::string CategoryName(int category) {
  return v1::Category_Name(static_cast<v1::Category>(category));
}

// NewChange starts the record of a change made by request `request_id`.
ChangeRecord NewChange(v1::Change::Kind kind, absl::string_view meter_id,
                       absl::string_view consumer_id, absl::string_view request_id,
                       absl::string_view reason) {
  ChangeRecord change;
  change.set_kind(kind);
  change.set_meter_id(std::string(meter_id));
  change.set_consumer_id(std::string(consumer_id));
  change.set_request_id(std::string(request_id));
  change.set_reason(std::string(reason));
  return change;
}

absl::Status ConsumerNotFound(absl::string_view consumer_id) {
  return absl::NotFoundError(absl::StrCat("consumer ", consumer_id, " not found"));
}

}  // namespace

std::string ChangePrefix(char by, absl::string_view id) {
  return KeyPrefix(absl::StrCat(absl::string_view(&by, 1), id));
}

std::string ChangeKey(char by, absl::string_view id, uint64_t seq) {
  return absl::StrCat(ChangePrefix(by, id), BigEndian64(seq));
}

std::string ConsumerMeterKey(absl::string_view consumer_id, absl::string_view meter_id) {
  return absl::StrCat(KeyPrefix(consumer_id), meter_id);
}

v1::Change ToWire(ChangeRecord record) {
  v1::Change out;
  out.set_seq(record.seq());
  SetTimestamp(record.time_us(), out.mutable_change_time());
  out.set_kind(static_cast<v1::Change::Kind>(record.kind()));
  out.set_meter_id(std::move(*record.mutable_meter_id()));
  out.set_consumer_id(std::move(*record.mutable_consumer_id()));
  out.set_request_id(std::move(*record.mutable_request_id()));
  out.set_admin_key_id(std::move(*record.mutable_admin_key_id()));
  out.set_admin_key_label(std::move(*record.mutable_admin_key_label()));
  out.set_reason(std::move(*record.mutable_reason()));
  for (ChangeRecord::Field& field : *record.mutable_fields()) {
    v1::FieldChange* f = out.add_fields();
    f->set_field(std::move(*field.mutable_field()));
    f->set_before(std::move(*field.mutable_before()));
    f->set_after(std::move(*field.mutable_after()));
  }
  return out;
}

// ---- Ledger: consumers -----------------------------------------------------

absl::Status Ledger::ValidateNewConsumer(const v1::Consumer& consumer) {
  WALLET_RETURN_IF_ERROR(ValidatePhone("consumer.phone", consumer.phone()));
  WALLET_RETURN_IF_ERROR(ValidateLanguage("consumer.language", consumer.language()));
  return ValidateName("consumer.name", consumer.name());
}

absl::Status Ledger::SameConsumerDetails(const ConsumerRecord& stored, const v1::Consumer& given) {
  std::vector<absl::string_view> differ;
  if (!given.name().empty() && given.name() != stored.name()) differ.push_back("name");
  if (!given.phone().empty() && given.phone() != stored.phone()) differ.push_back("phone");
  if (given.language() != v1::LANGUAGE_UNSPECIFIED &&
      given.language() != SmsLanguage(stored.language())) {
    differ.push_back("language");
  }
  if (differ.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "consumer ", stored.consumer_id(), " is registered with another ",
      absl::StrJoin(differ, " and "), ": leave consumer.name and consumer.phone empty, or change ",
      "the consumer first with UpdateConsumer"));
}

absl::StatusOr<ConsumerRecord> Ledger::StoredConsumer(Txn& txn, absl::string_view id) {
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> stored, txn.batch->Get(Table::kConsumers, id));
  if (!stored) return ConsumerNotFound(id);
  return ParseRecord<ConsumerRecord>(*stored, "consumer");
}

void Ledger::PutConsumer(Txn& txn, const ConsumerRecord& consumer) {
  txn.batch->Put(Table::kConsumers, consumer.consumer_id(), consumer.SerializeAsString());
  meters_.SetContact(consumer.consumer_id(), consumer.phone(), consumer.language());
}

v1::Change Ledger::RecordChange(Txn& txn, const Principal& who, ChangeRecord change,
                                std::initializer_list<std::string> subjects) {
  change.set_seq(next_change_++);
  change.set_time_us(absl::ToUnixMicros(txn.now));
  change.set_admin_key_id(who.key_id);
  change.set_admin_key_label(who.key_label);
  txn.batch->Put(Table::kMeta, kNextChangeKey, BigEndian64(next_change_));
  const std::string bytes = change.SerializeAsString();
  for (const std::string& prefix : subjects) {
    txn.batch->Put(Table::kChanges, absl::StrCat(prefix, BigEndian64(change.seq())), bytes);
  }
  return ToWire(std::move(change));
}

absl::StatusOr<v1::UpdateConsumerResponse> Ledger::UpdateConsumer(
    Txn& txn, const Principal& who, const v1::UpdateConsumerRequest& req) {
  return IdempotentRequest<v1::UpdateConsumerResponse>(
      txn, "UpdateConsumer", kAdminScope, req, [&]() -> absl::StatusOr<v1::UpdateConsumerResponse> {
        WALLET_RETURN_IF_ERROR(ValidateId("consumer_id", req.consumer_id()));
        if (!req.has_name() && !req.has_phone() && req.language() == v1::LANGUAGE_UNSPECIFIED) {
          return absl::InvalidArgumentError("nothing to change: give name, phone or language");
        }
        WALLET_RETURN_IF_ERROR(ValidateLanguage("language", req.language()));
        if (req.has_name()) WALLET_RETURN_IF_ERROR(ValidateName("name", req.name()));
        if (req.has_phone()) WALLET_RETURN_IF_ERROR(ValidatePhone("phone", req.phone()));
        WALLET_RETURN_IF_ERROR(ValidateReason("reason", req.reason()));
        if (!meters_.HasConsumer(req.consumer_id())) return ConsumerNotFound(req.consumer_id());
        WALLET_ASSIGN_OR_RETURN(ConsumerRecord consumer, StoredConsumer(txn, req.consumer_id()));
        ChangeRecord change = NewChange(v1::Change::CONSUMER_UPDATED, "", req.consumer_id(),
                                        req.request_id(), req.reason());
        if (req.has_name()) {
          Diff(change, "name", consumer.name(), req.name());
          consumer.set_name(req.name());
        }
        if (req.has_phone()) {
          Diff(change, "phone", consumer.phone(), req.phone());
          consumer.set_phone(req.phone());
        }
        if (req.language() != v1::LANGUAGE_UNSPECIFIED) {
          Diff(change, "language", v1::Language_Name(SmsLanguage(consumer.language())),
               v1::Language_Name(req.language()));
          consumer.set_language(req.language());
        }
        v1::UpdateConsumerResponse response;
        if (change.fields().empty()) {
          response.set_unchanged(true);
        } else {
          PutConsumer(txn, consumer);
          *response.mutable_change() =
              RecordChange(txn, who, std::move(change), {ChangePrefix('c', req.consumer_id())});
        }
        *response.mutable_consumer() = ToWire(std::move(consumer));
        return response;
      });
}

// ---- Ledger: meters --------------------------------------------------------

absl::StatusOr<v1::UpdateMeterResponse> Ledger::UpdateMeter(Txn& txn, const Principal& who,
                                                            const v1::UpdateMeterRequest& req) {
  return IdempotentRequest<v1::UpdateMeterResponse>(
      txn, "UpdateMeter", kAdminScope, req, [&]() -> absl::StatusOr<v1::UpdateMeterResponse> {
        WALLET_RETURN_IF_ERROR(ValidateId("meter_id", req.meter_id()));
        if (!req.has_category() && !req.has_circle() && !req.has_division() &&
            !req.has_subdivision() && !req.has_sanctioned_load_w() && !req.has_tariff_id() &&
            !req.has_billing_mode() && !req.has_ct_operated() && !req.has_address()) {
          return absl::InvalidArgumentError(
              "nothing to change: give category, circle, division, subdivision, "
              "sanctioned_load_w, tariff_id, billing_mode, ct_operated or address");
        }
        if (req.has_billing_mode()) {
          WALLET_RETURN_IF_ERROR(
              ValidateBillingMode("billing_mode", req.billing_mode(), /*unspecified_ok=*/false));
        }
        if (req.has_address()) WALLET_RETURN_IF_ERROR(ValidateAddress("address", req.address()));
        if (req.has_category()) {
          WALLET_RETURN_IF_ERROR(ValidateCategory("category", req.category()));
        }
        if (req.has_circle()) WALLET_RETURN_IF_ERROR(ValidateName("circle", req.circle()));
        if (req.has_division()) WALLET_RETURN_IF_ERROR(ValidateName("division", req.division()));
        if (req.has_subdivision()) {
          WALLET_RETURN_IF_ERROR(ValidateName("subdivision", req.subdivision()));
        }
        if (req.has_sanctioned_load_w()) {
          WALLET_RETURN_IF_ERROR(
              ValidateSanctionedLoad("sanctioned_load_w", req.sanctioned_load_w()));
        }
        if (req.has_tariff_id()) WALLET_RETURN_IF_ERROR(ValidateId("tariff_id", req.tariff_id()));
        WALLET_RETURN_IF_ERROR(ValidateReason("reason", req.reason()));
        WALLET_ASSIGN_OR_RETURN(MeterEntry * m, meters_.Registered(req.meter_id()));
        MeterRecord meter = m->meter;
        if (req.has_tariff_id() && req.tariff_id() != meter.tariff_id()) {
          WALLET_RETURN_IF_ERROR(CheckTariff(req.tariff_id(), txn.now));
        }
        ChangeRecord change = NewChange(v1::Change::METER_UPDATED, req.meter_id(),
                                        meter.consumer_id(), req.request_id(), req.reason());
        if (req.has_category()) {
          Diff(change, "category", CategoryName(meter.category()), CategoryName(req.category()));
          meter.set_category(req.category());
        }
        if (req.has_circle()) {
          Diff(change, "circle", meter.circle(), req.circle());
          meter.set_circle(req.circle());
        }
        if (req.has_division()) {
          Diff(change, "division", meter.division(), req.division());
          meter.set_division(req.division());
        }
        if (req.has_subdivision()) {
          Diff(change, "subdivision", meter.subdivision(), req.subdivision());
          meter.set_subdivision(req.subdivision());
        }
        if (req.has_sanctioned_load_w()) {
          Diff(change, "sanctioned_load_w", absl::StrCat(meter.sanctioned_load_w()),
               absl::StrCat(req.sanctioned_load_w()));
          meter.set_sanctioned_load_w(req.sanctioned_load_w());
        }
        if (req.has_tariff_id()) {
          Diff(change, "tariff_id", meter.tariff_id(), req.tariff_id());
          meter.set_tariff_id(req.tariff_id());
        }
        // Stored before billing modes existed: prepaid.
        const v1::BillingMode mode_before =
            meter.billing_mode() == v1::POSTPAID ? v1::POSTPAID : v1::PREPAID;
        if (req.has_billing_mode()) {
          Diff(change, "billing_mode", v1::BillingMode_Name(mode_before),
               v1::BillingMode_Name(req.billing_mode()));
          meter.set_billing_mode(req.billing_mode());
        }
        if (req.has_ct_operated()) {
          Diff(change, "ct_operated", meter.ct_operated() ? "true" : "false",
               req.ct_operated() ? "true" : "false");
          meter.set_ct_operated(req.ct_operated());
        }
        if (req.has_address()) {
          Diff(change, "address", meter.address(), req.address());
          meter.set_address(req.address());
        }
        v1::UpdateMeterResponse response;
        if (change.fields().empty()) {
          response.set_unchanged(true);
        } else {
          const bool new_policy = meter.category() != m->meter.category();
          const bool new_mode = req.has_billing_mode() && req.billing_mode() != mode_before;
          txn.batch->Put(Table::kMeters, meter.meter_id(), meter.SerializeAsString());
          m->meter = meter;
          DetailsChanged(*m);
          // The new billing mode or the category's policy applies from now:
          // emergency credit, notice, alerts, and the meter's place in the
          // scheduler.
          if (new_mode) {
            SwitchBillingMode(txn, *m, req.billing_mode());
          } else if (new_policy) {
            Evaluate(txn, *m);
          }
          *response.mutable_change() =
              RecordChange(txn, who, std::move(change), {ChangePrefix('m', req.meter_id())});
        }
        *response.mutable_meter() = ToWire(std::move(meter), m->state);
        return response;
      });
}

absl::StatusOr<v1::MoveMeterResponse> Ledger::MoveMeter(Txn& txn, const Principal& who,
                                                        const v1::MoveMeterRequest& req) {
  return IdempotentRequest<v1::MoveMeterResponse>(
      txn, "MoveMeter", kAdminScope, req, [&]() -> absl::StatusOr<v1::MoveMeterResponse> {
        const v1::Consumer& to = req.consumer();
        WALLET_RETURN_IF_ERROR(ValidateId("meter_id", req.meter_id()));
        WALLET_RETURN_IF_ERROR(ValidateId("consumer.consumer_id", to.consumer_id()));
        const bool new_consumer = !meters_.HasConsumer(to.consumer_id());
        if (new_consumer) WALLET_RETURN_IF_ERROR(ValidateNewConsumer(to));
        WALLET_RETURN_IF_ERROR(ValidateReason("reason", req.reason()));
        WALLET_ASSIGN_OR_RETURN(MeterEntry * m, meters_.Registered(req.meter_id()));
        ConsumerRecord consumer;
        if (new_consumer) {
          consumer = RecordOf(to);
        } else {
          WALLET_ASSIGN_OR_RETURN(consumer, StoredConsumer(txn, to.consumer_id()));
          WALLET_RETURN_IF_ERROR(SameConsumerDetails(consumer, to));
        }
        MeterRecord meter = m->meter;
        const std::string from = meter.consumer_id();
        v1::MoveMeterResponse response;
        if (from == to.consumer_id()) {
          response.set_unchanged(true);
          *response.mutable_meter() = ToWire(std::move(meter), m->state);
          *response.mutable_consumer() = ToWire(std::move(consumer));
          return response;
        }
        // The previous owner's orders: read before anything is written.
        WALLET_ASSIGN_OR_RETURN(std::vector<store::v1::OrderRecord> pending,
                                PendingOrdersOf(txn, req.meter_id()));

        ChangeRecord change = NewChange(v1::Change::METER_MOVED, req.meter_id(), to.consumer_id(),
                                        req.request_id(), req.reason());
        Diff(change, "consumer_id", from, to.consumer_id());
        if (new_consumer) {
          Diff(change, "consumer.name", "", consumer.name());
          Diff(change, "consumer.phone", "", consumer.phone());
          PutConsumer(txn, consumer);
        }
        meter.set_consumer_id(to.consumer_id());
        txn.batch->Put(Table::kMeters, meter.meter_id(), meter.SerializeAsString());
        txn.batch->Delete(Table::kConsumerMeters, ConsumerMeterKey(from, meter.meter_id()));
        txn.batch->Put(Table::kConsumerMeters, ConsumerMeterKey(to.consumer_id(), meter.meter_id()),
                       "");
        m->meter = meter;
        m->consumer = &meters_.Consumer(to.consumer_id());
        for (store::v1::OrderRecord& order : pending) {
          Cancel(txn, order, "the meter moved to another consumer");
          response.add_cancelled_order_ids(order.order_id());
        }
        *response.mutable_change() = RecordChange(
            txn, who, std::move(change),
            {ChangePrefix('m', meter.meter_id()), ChangePrefix('c', from),
             ChangePrefix('c', to.consumer_id())});
        *response.mutable_meter() = ToWire(std::move(meter), m->state);
        *response.mutable_consumer() = ToWire(std::move(consumer));
        return response;
      });
}

// ---- Wallet: the audit reader ----------------------------------------------

absl::StatusOr<v1::ListChangesResponse> Wallet::ListChanges(
    const v1::ListChangesRequest& req) const {
  if (req.meter_id().empty() == req.consumer_id().empty()) {
    return absl::InvalidArgumentError("give either meter_id or consumer_id");
  }
  std::string prefix;
  if (!req.meter_id().empty()) {
    WALLET_RETURN_IF_ERROR(ReadMeter(req.meter_id()).status());
    prefix = ChangePrefix('m', req.meter_id());
  } else {
    WALLET_RETURN_IF_ERROR(ValidateId("consumer_id", req.consumer_id()));
    WALLET_ASSIGN_OR_RETURN(std::optional<std::string> consumer,
                            store_->Get(Table::kConsumers, req.consumer_id()));
    if (!consumer) return ConsumerNotFound(req.consumer_id());
    prefix = ChangePrefix('c', req.consumer_id());
  }
  const v1::ListChangesRequest filter = PageFilter(req);
  std::string after;
  if (!req.page_token().empty()) {
    WALLET_ASSIGN_OR_RETURN(after, tokens_.Open("ListChanges", filter, req.page_token()));
  }
  const int32_t page_size = PageSize(req.page_size(), kDefaultChangePage);
  v1::ListChangesResponse response;
  WALLET_ASSIGN_OR_RETURN(
      std::string next,
      ScanPage(*store_, Table::kChanges, prefix, after, /*reverse=*/true, page_size, page_size,
               [&](absl::string_view, absl::string_view value) -> absl::StatusOr<bool> {
                 WALLET_ASSIGN_OR_RETURN(ChangeRecord change,
                                         ParseRecord<ChangeRecord>(value, "change"));
                 *response.add_changes() = ToWire(std::move(change));
                 return true;
               }));
  if (!next.empty()) response.set_next_page_token(tokens_.Issue("ListChanges", filter, next));
  return response;
}

}  // namespace wallet
