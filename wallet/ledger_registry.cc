// Registration: meters with their consumers, retailers, API keys and tariff
// versions. Ledger member functions; see ledger.h. Writer thread only.
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "wallet/accounts.h"
#include "wallet/idempotency.h"
#include "wallet/ledger.h"
#include "wallet/registry_changes.h"
#include "wallet/validate.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

constexpr int32_t kMaxCommissionBps = 1000;  // 10 %

}  // namespace

absl::StatusOr<v1::RegisterMeterResponse> Ledger::RegisterMeter(
    Txn& txn, const v1::RegisterMeterRequest& req) {
  return IdempotentRequest<v1::RegisterMeterResponse>(
      txn, "RegisterMeter", kAdminScope, req, [&]() -> absl::StatusOr<v1::RegisterMeterResponse> {
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
        WALLET_RETURN_IF_ERROR(ValidateBillingMode("meter.billing_mode", in.billing_mode(),
                                                   /*unspecified_ok=*/true));
        WALLET_RETURN_IF_ERROR(ValidateAddress("meter.address", in.address()));
        if (req.arrears_paise() < 0 || req.arrears_paise() > kMaxLedgerAmount) {
          return absl::InvalidArgumentError(
              absl::StrCat("arrears_paise must be between 0 and ", kMaxLedgerAmount));
        }
        const bool new_consumer = !meters_.HasConsumer(in.consumer_id());
        if (new_consumer) {
          WALLET_RETURN_IF_ERROR(ValidateNewConsumer(req.consumer()));
        }
        if (meters_.Contains(in.meter_id())) {
          return absl::AlreadyExistsError(
              absl::StrCat("meter ", in.meter_id(), " is already registered"));
        }
        store::v1::ConsumerRecord consumer;
        if (!new_consumer) {
          WALLET_ASSIGN_OR_RETURN(consumer, StoredConsumer(txn, in.consumer_id()));
          WALLET_RETURN_IF_ERROR(SameConsumerDetails(consumer, req.consumer()));
        }
        WALLET_RETURN_IF_ERROR(CheckTariff(in.tariff_id(), txn.now));
        WALLET_RETURN_IF_ERROR(
            journal_.CheckRange({{ArrearsAccount(in.meter_id()), -req.arrears_paise()},
                                 {kLegacyArrears, req.arrears_paise()}}));

        store::v1::MeterRecord meter = RecordOf(in);
        meter.set_registered_us(absl::ToUnixMicros(txn.now));
        if (meter.billing_mode() == v1::BILLING_MODE_UNSPECIFIED) {
          meter.set_billing_mode(v1::PREPAID);
        }
        if (new_consumer) {
          consumer = RecordOf(req.consumer());
          consumer.set_consumer_id(in.consumer_id());
          PutConsumer(txn, consumer);
        }
        txn.batch->Put(Table::kMeters, meter.meter_id(), meter.SerializeAsString());
        txn.batch->Put(Table::kConsumerMeters,
                       ConsumerMeterKey(meter.consumer_id(), meter.meter_id()), "");
        MeterEntry& entry = meters_.Add(meter);
        // A prepaid meter is prepaid from now: the grace period and the
        // daily fixed charges (from today) start at registration. A
        // post-paid one starts them when it is switched to prepaid.
        if (meter.billing_mode() == v1::PREPAID) {
          entry.state.set_prepaid_since_us(absl::ToUnixMicros(txn.now));
        }
        entry.state.set_charged_day(IstDayNumber(txn.now) - 1);
        entry.state.set_relay(v1::RELAY_CONNECTED);
        entry.index_slot = next_index_slot_++;
        // The wallet (balance zero) is part of the state written here.
        DetailsChanged(entry);
        DuesChanged(entry);
        if (req.arrears_paise() > 0) {
          journal_.Post(txn, v1::ARREARS_OPENING, ArrearsAccount(meter.meter_id()),
                        std::string(kLegacyArrears), req.arrears_paise(), req.request_id(),
                        "legacy arrears at conversion to prepaid");
        }
        v1::RegisterMeterResponse response;
        *response.mutable_meter() = ToWire(std::move(meter), entry.state);
        *response.mutable_consumer() = ToWire(std::move(consumer));
        return response;
      });
}

absl::StatusOr<v1::CreateRetailerResponse> Ledger::CreateRetailer(
    Txn& txn, const v1::CreateRetailerRequest& req) {
  return IdempotentRequest<v1::CreateRetailerResponse>(
      txn, "CreateRetailer", kAdminScope, req, [&]() -> absl::StatusOr<v1::CreateRetailerResponse> {
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
        journal_.OpenAccount(txn, RetailerAccount(retailer.retailer_id()));
        v1::CreateRetailerResponse response;
        *response.mutable_retailer() = ToWire(std::move(retailer));
        return response;
      });
}

absl::StatusOr<v1::IssueApiKeyResponse> Ledger::IssueApiKey(Txn& txn,
                                                            const v1::IssueApiKeyRequest& req,
                                                            const std::string& key_hash,
                                                            bool* issued) {
  return IdempotentRequest<v1::IssueApiKeyResponse>(
      txn, "IssueApiKey", kAdminScope, req, [&]() -> absl::StatusOr<v1::IssueApiKeyResponse> {
        WALLET_RETURN_IF_ERROR(ValidateName("label", req.label()));
        switch (req.role()) {
          case v1::ROLE_RETAILER:
            WALLET_RETURN_IF_ERROR(ValidateId("subject_id", req.subject_id()));
            if (!retailers_.contains(req.subject_id())) {
              return absl::NotFoundError(absl::StrCat("retailer ", req.subject_id(), " not found"));
            }
            break;
          case v1::ROLE_CONSUMER:
            WALLET_RETURN_IF_ERROR(ValidateId("subject_id", req.subject_id()));
            if (!meters_.HasConsumer(req.subject_id())) {
              return absl::NotFoundError(absl::StrCat("consumer ", req.subject_id(), " not found"));
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

absl::StatusOr<v1::PutTariffResponse> Ledger::PutTariff(Txn& txn, const v1::PutTariffRequest& req) {
  return IdempotentRequest<v1::PutTariffResponse>(
      txn, "PutTariff", kAdminScope, req, [&]() -> absl::StatusOr<v1::PutTariffResponse> {
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
