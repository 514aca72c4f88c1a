// Money in: retailer recharges, float top-ups and admin adjustments, and
// what every recharge sets off (arrears recovery, the receipt, a restore).
// Ledger member functions; see ledger.h. Writer thread only.
#include <algorithm>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "wallet/accounts.h"
#include "wallet/idempotency.h"
#include "wallet/ledger.h"
#include "wallet/money.h"
#include "wallet/notification_text.h"
#include "wallet/validate.h"
#include "wallet/wire.h"

namespace wallet {

absl::StatusOr<v1::AdjustBalanceResponse> Ledger::AdjustBalance(
    Txn& txn, const v1::AdjustBalanceRequest& req) {
  return IdempotentRequest<v1::AdjustBalanceResponse>(
      txn, "AdjustBalance", kAdminScope, req, [&]() -> absl::StatusOr<v1::AdjustBalanceResponse> {
        WALLET_RETURN_IF_ERROR(ValidateId("meter_id", req.meter_id()));
        WALLET_RETURN_IF_ERROR(
            ValidateAmount("amount_paise", req.amount_paise(), options_.max_amount_paise));
        WALLET_RETURN_IF_ERROR(ValidateReason("reason", req.reason()));
        const bool credit = req.direction() == v1::AdjustBalanceRequest::CREDIT;
        if (!credit && req.direction() != v1::AdjustBalanceRequest::DEBIT) {
          return absl::InvalidArgumentError("direction must be CREDIT or DEBIT");
        }
        if (!meters_.Contains(req.meter_id())) {
          return absl::NotFoundError(absl::StrCat("meter ", req.meter_id(), " is not registered"));
        }
        const std::string account = MeterAccount(req.meter_id());
        const int64_t amount = req.amount_paise();
        if (credit) {
          // A credit may restore a cut meter, which pays the reconnection fee.
          const int64_t fee = ReconnectionFeeOf(*meters_.Find(req.meter_id()));
          WALLET_RETURN_IF_ERROR(journal_.CheckRange(
              {{kAdjustments, -amount}, {account, amount}, {account, -fee}, {kFees, fee}}));
        } else if (journal_.Balance(account) < amount) {
          return absl::FailedPreconditionError(absl::StrCat(
              "a debit of ", FormatRupees(amount), " would take meter ", req.meter_id(),
              " below zero (balance ", FormatRupees(journal_.Balance(account)), ")"));
        } else {
          WALLET_RETURN_IF_ERROR(journal_.CheckRange({{account, -amount}, {kAdjustments, amount}}));
        }
        v1::AdjustBalanceResponse response;
        const std::string adjustments(kAdjustments);
        *response.mutable_transfer() =
            ToWire(credit ? journal_.Post(txn, v1::ADJUSTMENT_CREDIT, adjustments, account,
                                          req.amount_paise(), req.request_id(), req.reason())
                          : journal_.Post(txn, v1::ADJUSTMENT_DEBIT, account, adjustments,
                                          req.amount_paise(), req.request_id(), req.reason()));
        response.set_balance_paise(journal_.Balance(account));
        Evaluate(txn, *meters_.Find(req.meter_id()));
        return response;
      });
}

absl::StatusOr<v1::TopUpFloatResponse> Ledger::TopUpFloat(Txn& txn,
                                                          const v1::TopUpFloatRequest& req) {
  return IdempotentRequest<v1::TopUpFloatResponse>(
      txn, "TopUpFloat", kAdminScope, req, [&]() -> absl::StatusOr<v1::TopUpFloatResponse> {
        WALLET_RETURN_IF_ERROR(ValidateId("retailer_id", req.retailer_id()));
        WALLET_RETURN_IF_ERROR(
            ValidateAmount("amount_paise", req.amount_paise(), options_.max_amount_paise));
        WALLET_RETURN_IF_ERROR(ValidateName("reference", req.reference()));
        if (!retailers_.contains(req.retailer_id())) {
          return absl::NotFoundError(absl::StrCat("retailer ", req.retailer_id(), " not found"));
        }
        const std::string account = RetailerAccount(req.retailer_id());
        WALLET_RETURN_IF_ERROR(journal_.CheckRange(
            {{kFloatDeposits, -req.amount_paise()}, {account, req.amount_paise()}}));
        v1::TopUpFloatResponse response;
        *response.mutable_transfer() =
            ToWire(journal_.Post(txn, v1::FLOAT_TOPUP, std::string(kFloatDeposits), account,
                                 req.amount_paise(), req.request_id(), req.reference()));
        response.set_float_balance_paise(journal_.Balance(account));
        return response;
      });
}

absl::StatusOr<v1::RetailerRechargeResponse> Ledger::RetailerRecharge(
    Txn& txn, const std::string& retailer_id, const v1::RetailerRechargeRequest& req) {
  WALLET_RETURN_IF_ERROR(ValidateId("request_id", req.request_id()));
  WALLET_ASSIGN_OR_RETURN(const store::v1::RetailerRecord* retailer, FindRetailer(retailer_id));
  // The fingerprint names the acting retailer even when the key implied it.
  v1::RetailerRechargeRequest normalized = req;
  normalized.set_retailer_id(retailer_id);
  return Idempotent<v1::RetailerRechargeResponse>(
      txn, RequestKey("Recharge", RetailerAccount(retailer_id), req.request_id()), normalized,
      [&]() -> absl::StatusOr<v1::RetailerRechargeResponse> {
        WALLET_RETURN_IF_ERROR(ValidateId("meter_id", req.meter_id()));
        WALLET_RETURN_IF_ERROR(
            ValidateAmount("amount_paise", req.amount_paise(), options_.max_amount_paise));
        if (!meters_.Contains(req.meter_id())) {
          return absl::NotFoundError(absl::StrCat("meter ", req.meter_id(), " is not registered"));
        }
        WALLET_RETURN_IF_ERROR(RefuseIfPostpaid(*meters_.Find(req.meter_id())));
        WALLET_RETURN_IF_ERROR(CheckFloatCovers(*retailer, req.amount_paise()));
        const std::string float_account = RetailerAccount(retailer_id);
        const std::string meter_account = MeterAccount(req.meter_id());
        const MeterEntry& m = *meters_.Find(req.meter_id());
        const int64_t amount = req.amount_paise();
        const int64_t commission = PercentOfBps(amount, retailer->commission_bps());
        const int64_t share = ArrearsShareOf(m, amount);
        const int64_t fee = ReconnectionFeeOf(m);
        WALLET_RETURN_IF_ERROR(journal_.CheckRange({{float_account, -amount},
                                                    {float_account, commission},
                                                    {kCommission, -commission},
                                                    {meter_account, amount},
                                                    {meter_account, -share},
                                                    {ArrearsAccount(req.meter_id()), share},
                                                    {meter_account, -fee},
                                                    {kFees, fee}}));
        v1::RetailerRechargeResponse response;
        *response.mutable_recharge() =
            ToWire(journal_.Post(txn, v1::RETAILER_RECHARGE, float_account, meter_account, amount,
                                 req.request_id(), ""));
        if (commission > 0) {
          *response.mutable_commission() =
              ToWire(journal_.Post(txn, v1::RETAILER_COMMISSION, std::string(kCommission),
                                   float_account, commission, req.request_id(), ""));
        }
        if (auto arrears = Recharged(txn, *meters_.Find(req.meter_id()), req.amount_paise(),
                                     req.request_id())) {
          *response.mutable_arrears_recovery() = ToWire(*std::move(arrears));
        }
        response.set_float_balance_paise(journal_.Balance(float_account));
        response.set_meter_balance_paise(journal_.Balance(meter_account));
        return response;
      });
}

absl::StatusOr<const store::v1::RetailerRecord*> Ledger::FindRetailer(
    const std::string& retailer_id) const {
  WALLET_RETURN_IF_ERROR(ValidateId("retailer_id", retailer_id));
  auto retailer = retailers_.find(retailer_id);
  if (retailer == retailers_.end()) {
    return absl::NotFoundError(absl::StrCat("retailer ", retailer_id, " not found"));
  }
  return &retailer->second;
}

absl::Status Ledger::CheckFloatCovers(const store::v1::RetailerRecord& retailer,
                                      int64_t amount) const {
  // 128 bits: a float near the top of int64 minus a negative limit.
  const __int128 available =
      static_cast<__int128>(journal_.Balance(RetailerAccount(retailer.retailer_id()))) -
      retailer.float_limit_paise();
  if (available < amount) {
    return absl::FailedPreconditionError(
        absl::StrCat("insufficient float: ", FormatRupees(static_cast<int64_t>(available)),
                     " available, ", FormatRupees(amount), " requested"));
  }
  return absl::OkStatus();
}

int64_t Ledger::ArrearsShareOf(const MeterEntry& m, int64_t amount) const {
  const v1::CategoryPolicy& p = PolicyOf(m);
  // A category that recovers nothing need not look the arrears up.
  if (p.arrears_share_bps() == 0) return 0;
  // Arrears balances are never positive: what is owed is their negation.
  return ArrearsShare(p, amount, -journal_.Balance(ArrearsAccount(m.meter.meter_id())));
}

int64_t Ledger::ReconnectionFeeOf(const MeterEntry& m) const {
  return ReconnectionFeeBound(m.state, PolicyOf(m));
}

std::optional<store::v1::TransferRecord> Ledger::Recharged(Txn& txn, MeterEntry& m, int64_t amount,
                                                           const std::string& request_ref) {
  const std::string& id = m.meter.meter_id();
  store::v1::MeterState& st = m.state;
  st.set_last_recharge_paise(amount);
  st.set_last_recharge_us(absl::ToUnixMicros(txn.now));
  meters_.Touch(m);
  std::optional<store::v1::TransferRecord> recovery;
  const int64_t share = ArrearsShareOf(m, amount);
  if (share > 0) {
    recovery = journal_.Post(txn, v1::ARREARS_RECOVERY, MeterAccount(id), ArrearsAccount(id), share,
                             request_ref, "arrears recovered from recharge");
    // A payment toward dues that the billing system has not seen: the next
    // dues import deducts it.
    dues_.RecordPayment(txn, id, DuesAmounts{share, 0}, options_.dues_payment_window);
    DuesChanged(m);
  }
  // A recharge starts a new alert cycle.
  st.set_alerts_sent(0);
  st.set_floor_alert_sent(false);
  st.set_days_left_alert_sent(false);
  Notify(txn, m, v1::Notification::RECHARGE_RECEIPT, amount,
         RechargeReceiptText(id, amount, share, st.balance_paise()), 0, share);
  // The share is a payment toward dues: it counts for a drive, and may meet
  // the restore rule of one that cut the meter (after the receipt, so that
  // the consumer reads the payment before the reconnection).
  if (share > 0) OnDuesPaid(txn, m, share, DuesOwedBy(m).total());
  Evaluate(txn, m);
  return recovery;
}

}  // namespace wallet
