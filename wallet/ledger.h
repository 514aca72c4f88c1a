// Ledger: the wallet's deterministic state machine.
//
// It owns the in-memory balances and the registries the write path needs, and
// turns each mutating request into double-entry transfers, registry records and
// an idempotency record, all written into one Batch. Time enters through the
// Txn, ids are sequence numbers: the same requests in the same order give the
// same state (DESIGN.md principle 5).
//
// Every operation validates completely before it changes anything, so a
// failed operation leaves both memory and the batch untouched.
//
// Thread safety: none. One writer thread (CommitPipeline) owns a Ledger.
#ifndef WALLET_LEDGER_H_
#define WALLET_LEDGER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "wallet/principal.h"
#include "wallet/store.h"
#include "wallet/v1/admin.pb.h"
#include "wallet/v1/consumer.pb.h"
#include "wallet/v1/payment.pb.h"
#include "wallet/v1/retailer.pb.h"

namespace wallet {

struct LedgerOptions {
  // Largest single recharge, adjustment or top-up.
  // Default: Rs 1,00,000.
  int64_t max_amount_paise = 10'000'000;
  // Commission for retailers created without one.
  // Default: 100 bps (1 %).
  int32_t default_commission_bps = 100;
};

// Txn is one group of operations committed together.
struct Txn {
  Batch* batch;
  absl::Time now;
};

class Ledger final {
 public:
  // Load rebuilds the in-memory state from the store.
  static absl::StatusOr<std::unique_ptr<Ledger>> Load(const Store* store,
                                                      const LedgerOptions& options);

  // Admin operations. Errors: InvalidArgument (bad fields), NotFound,
  // AlreadyExists (id taken, or request id reused with another payload),
  // FailedPrecondition (would overdraw).
  absl::StatusOr<v1::RegisterMeterResponse> RegisterMeter(Txn& txn,
                                                          const v1::RegisterMeterRequest& req);
  absl::StatusOr<v1::AdjustBalanceResponse> AdjustBalance(Txn& txn,
                                                          const v1::AdjustBalanceRequest& req);
  absl::StatusOr<v1::CreateRetailerResponse> CreateRetailer(
      Txn& txn, const v1::CreateRetailerRequest& req);
  absl::StatusOr<v1::TopUpFloatResponse> TopUpFloat(Txn& txn, const v1::TopUpFloatRequest& req);
  // IssueApiKey stores only `key_hash` and sets `*issued` when it did (not on
  // a replay). The response's api_key is left for the caller to fill in.
  absl::StatusOr<v1::IssueApiKeyResponse> IssueApiKey(Txn& txn, const v1::IssueApiKeyRequest& req,
                                                      const std::string& key_hash, bool* issued);
  // EnsureApiKey registers a bootstrap key if its hash is unknown.
  absl::Status EnsureApiKey(Txn& txn, const std::string& key_hash, v1::Role role,
                            const std::string& label);

  // Consumer and payment-gateway operations.
  absl::StatusOr<v1::StartRechargeResponse> StartRecharge(Txn& txn, const Principal& who,
                                                          const v1::StartRechargeRequest& req);
  absl::StatusOr<v1::ConfirmPaymentResponse> ConfirmPayment(
      Txn& txn, const v1::ConfirmPaymentRequest& req);

  // Retailer operation; `retailer_id` is the acting retailer, already
  // authorised by the caller.
  absl::StatusOr<v1::RetailerRechargeResponse> RetailerRecharge(
      Txn& txn, const std::string& retailer_id, const v1::RetailerRechargeRequest& req);

  // FinishGroup writes the balances the group changed; call once per group,
  // after its last operation and before the commit.
  void FinishGroup(Txn& txn);

  // Balance returns the in-memory (possibly not yet committed) balance.
  int64_t Balance(const std::string& account) const;
  const LedgerOptions& options() const { return options_; }

 private:
  Ledger(const Store* store, const LedgerOptions& options);
  absl::Status LoadState();

  // Idempotent runs `apply` unless `key` was seen: then it returns the stored
  // response, or AlreadyExists when the stored request differs from `req`.
  template <typename Response, typename Request, typename Apply>
  absl::StatusOr<Response> Idempotent(Txn& txn, const std::string& key, const Request& req,
                                      Apply apply);

  // Post records one transfer and updates both balances. Callers have
  // validated everything; Post cannot fail.
  v1::Transfer Post(Txn& txn, v1::TransferType type, const std::string& debit,
                    const std::string& credit, int64_t amount, const std::string& request_ref,
                    const std::string& memo);
  void PutJournalEntry(Txn& txn, const v1::Transfer& transfer, const std::string& account,
                       int64_t delta);
  void RecordRecharge(Txn& txn, const std::string& meter_id, int64_t amount);
  absl::Status CheckCredit(const std::string& meter_id, int64_t amount) const;

  const Store* store_;
  LedgerOptions options_;
  uint64_t next_seq_ = 1;
  uint64_t next_order_ = 1;
  absl::flat_hash_map<std::string, int64_t> balances_;
  // Last recharge of meter wallets, stored after the balance in `accounts`.
  struct LastRecharge {
    int64_t paise = 0;
    int64_t time_us = 0;
  };
  absl::flat_hash_map<std::string, LastRecharge> last_recharge_;
  // Accounts whose balance changed in the current group.
  absl::flat_hash_set<std::string> dirty_;
  // meter id -> consumer id
  absl::flat_hash_map<std::string, std::string> meters_;
  absl::flat_hash_set<std::string> consumers_;
  absl::flat_hash_map<std::string, v1::Retailer> retailers_;
};

}  // namespace wallet

#endif  // WALLET_LEDGER_H_
