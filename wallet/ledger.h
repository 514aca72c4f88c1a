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
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "wallet/message_bytes.h"
#include "wallet/policy_config.h"
#include "wallet/principal.h"
#include "wallet/store.h"
#include "wallet/store/v1/records.pb.h"
#include "wallet/tariff.h"
#include "wallet/v1/meter.pb.h"
#include "wallet/v1/policy.pb.h"
#include "wallet/v1/tariff.pb.h"
#include "wallet/v1/admin.pb.h"
#include "wallet/v1/consumer.pb.h"
#include "wallet/v1/payment.pb.h"
#include "wallet/v1/retailer.pb.h"

namespace wallet {

// Ceiling for single amounts a deployment may configure or a request may
// carry: arrears at registration, float limits, and --max_amount_paise.
// Rs 100 crore; every balance change is still overflow-checked.
inline constexpr int64_t kMaxLedgerAmount = 100'000'000'000;

struct LedgerOptions {
  // Largest single recharge, adjustment or top-up. walletd refuses to start
  // above kMaxLedgerAmount; the ledger itself takes any positive value (unit
  // tests drive balances to the edge of int64 with it).
  // Default: Rs 1,00,000.
  int64_t max_amount_paise = 10'000'000;
  // Commission for retailers created without one.
  // Default: 100 bps (1 %).
  int32_t default_commission_bps = 100;
  // Tariffs in force (deploy/config/tariffs.textproto). Default: none, and
  // readings of meters without a tariff in force are rejected.
  v1::TariffBook tariffs;
  // Prepaid policy (deploy/config/policy.textproto). Default: all-default
  // values: no alerts, no emergency credit, no notice, no calendar.
  v1::PolicyConfig policy;
  // A reading is implausible above sanctioned load x elapsed time x this
  // margin (in percent); it is quarantined, not debited.
  // Default: 150.
  int32_t plausible_load_percent = 150;
  // How long a recharge order waits for its payment: a payment confirmed
  // later is refused (the gateway refunds it).
  // Default: 30 minutes.
  absl::Duration order_lifetime = absl::Minutes(30);
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

  // Changes of registered consumers and meters (wallet/registry_changes.cc)
  // by the admin `who`, each recorded with the admin key's id and label, the
  // time, the reason and every field before and after. Validated as at
  // registration. Errors: InvalidArgument (bad fields, none given, no
  // reason), NotFound (meter, consumer, tariff), FailedPrecondition (tariff
  // not in force; other details for an existing consumer: UpdateConsumer),
  // AlreadyExists (request id reused). A request that changes nothing is OK
  // with `unchanged` and records nothing.
  absl::StatusOr<v1::UpdateConsumerResponse> UpdateConsumer(
      Txn& txn, const Principal& who, const v1::UpdateConsumerRequest& req);
  absl::StatusOr<v1::UpdateMeterResponse> UpdateMeter(Txn& txn, const Principal& who,
                                                      const v1::UpdateMeterRequest& req);
  absl::StatusOr<v1::MoveMeterResponse> MoveMeter(Txn& txn, const Principal& who,
                                                  const v1::MoveMeterRequest& req);

  // Recharge orders (wallet/orders.cc). StartRecharge creates the order
  // `order_id`, a fresh random id the caller chose (Aborted in the
  // never-seen case that it is taken). ConfirmPayment and CancelOrder are
  // FailedPrecondition for an order that is not pending; a consumer's
  // CancelOrder of another's order is NotFound, as for an unknown one.
  absl::StatusOr<v1::StartRechargeResponse> StartRecharge(Txn& txn, const Principal& who,
                                                          const v1::StartRechargeRequest& req,
                                                          const std::string& order_id);
  absl::StatusOr<v1::ConfirmPaymentResponse> ConfirmPayment(
      Txn& txn, const v1::ConfirmPaymentRequest& req);
  absl::StatusOr<v1::CancelOrderResponse> CancelOrder(Txn& txn, const Principal& who,
                                                      const v1::CancelOrderRequest& req);

  // Retailer operation; `retailer_id` is the acting retailer, already
  // authorised by the caller.
  absl::StatusOr<v1::RetailerRechargeResponse> RetailerRecharge(
      Txn& txn, const std::string& retailer_id, const v1::RetailerRechargeRequest& req);

  // Meter gateway and admin operations of the prepaid policy.
  absl::StatusOr<v1::IngestReadingsResponse> IngestReadings(
      Txn& txn, const v1::IngestReadingsRequest& req);
  absl::StatusOr<v1::ReportRelayOutcomeResponse> ReportRelayOutcome(
      Txn& txn, const v1::RelayOutcome& outcome);
  absl::StatusOr<v1::SetHoldResponse> SetHold(Txn& txn, const v1::SetHoldRequest& req);
  // PutTariff adds a tariff version to the book and stores it.
  absl::StatusOr<v1::PutTariffResponse> PutTariff(Txn& txn, const v1::PutTariffRequest& req);
  // AckOutbox moves a stream's durable cursor forward to `seq`.
  // InvalidArgument beyond the last item.
  absl::Status AckOutbox(Txn& txn, char stream, uint64_t seq);
  // TakeOutboxWritten tells whether the last group added outbox items and
  // resets the flag. Writer thread only.
  bool TakeOutboxWritten() {
    const bool written = outbox_written_;
    outbox_written_ = false;
    return written;
  }

  // Tick re-evaluates every meter whose policy is due at txn.now (end of a
  // no-cutoff window, next notice day, ...), from the due-time index.
  void Tick(Txn& txn);

  // FinishGroup writes the balances and meter states the group changed; call
  // once per group, after its last operation and before the commit.
  void FinishGroup(Txn& txn);

  // CheckTariffsInUse is FailedPrecondition, naming each tariff and how many
  // meters are on it, when the tariff book (the file and the versions added
  // by PutTariff) lacks a tariff that meters are on or has no version of it
  // in force at `now`: their readings would be rejected, never billed.
  // walletd refuses to start then.
  absl::Status CheckTariffsInUse(absl::Time now) const;

  // Balance returns the in-memory (possibly not yet committed) balance.
  int64_t Balance(absl::string_view account) const;

 private:
  Ledger(const Store* store, const LedgerOptions& options);
  absl::Status LoadState();
  absl::Status LoadOutbox();
  // CheckTariff accepts a tariff a meter may be put on at `now`: NotFound if
  // the book has no such tariff, FailedPrecondition if none of its versions
  // is in force yet (readings until then could not be billed).
  absl::Status CheckTariff(absl::string_view tariff_id, absl::Time now) const;

  // Consumers (wallet/registry_changes.cc). ValidateNewConsumer checks the
  // details of a consumer to create (phone required); SameConsumerDetails
  // refuses (FailedPrecondition) details given for an existing consumer that
  // differ from the stored ones; PutConsumer stores a consumer and its phone
  // in memory.
  static absl::Status ValidateNewConsumer(const v1::Consumer& consumer);
  static absl::Status SameConsumerDetails(const store::v1::ConsumerRecord& stored,
                                          const v1::Consumer& given);
  absl::StatusOr<store::v1::ConsumerRecord> StoredConsumer(Txn& txn, absl::string_view id);
  void PutConsumer(Txn& txn, const store::v1::ConsumerRecord& consumer);
  // RecordChange gives `change` its seq, time and the admin key of `who`,
  // stores it under each of `subjects` (ChangeKey) and returns it as sent.
  v1::Change RecordChange(Txn& txn, const Principal& who, store::v1::ChangeRecord change,
                          std::initializer_list<std::string> subjects);

  // Cancel marks a pending order cancelled for `reason` and stores it.
  void Cancel(Txn& txn, store::v1::OrderRecord& order, absl::string_view reason);
  // PendingOrdersOf returns the meter's orders still pending at txn.now, as
  // committed (orders of the group being applied are not indexed yet).
  absl::StatusOr<std::vector<store::v1::OrderRecord>> PendingOrdersOf(Txn& txn,
                                                                     absl::string_view meter_id);

  // Idempotent runs `apply` unless `key` was seen: then it returns the stored
  // response, or AlreadyExists when the stored request differs from `req`.
  template <typename Response, typename Request, typename Apply>
  absl::StatusOr<Response> Idempotent(Txn& txn, const std::string& key, const Request& req,
                                      Apply apply);

  // Move is one change an operation may make to an account's balance.
  struct Move {
    absl::string_view account;
    int64_t delta;
  };
  // CheckRange refuses (FailedPrecondition naming the account) when the moves
  // could take a balance out of int64, in whatever order they are posted:
  // each account's credits and its debits are added up apart. Operations call
  // it with every account they may touch and the most they may move, before
  // their first Post.
  absl::Status CheckRange(std::initializer_list<Move> moves) const;

  // Post records one transfer and updates both balances. Callers have
  // validated everything, balances included (CheckRange); Post cannot fail
  // and CHECK-fails if a balance would overflow.
  store::v1::TransferRecord Post(Txn& txn, v1::TransferType type, const std::string& debit,
                                 const std::string& credit, int64_t amount,
                                 const std::string& request_ref, const std::string& memo);
  void SweepDuty(Txn& txn, const std::string& request_ref);
  void PutJournalEntry(Txn& txn, const store::v1::TransferRecord& transfer,
                       const std::string& account, int64_t delta, int64_t balance_after);

  // What the ledger keeps in memory per consumer: where notifications go.
  struct ConsumerEntry {
    std::string phone;
  };
  // What the ledger keeps in memory per meter.
  struct MeterEntry {
    store::v1::MeterRecord meter;
    // The meter's owner, in consumers_ (a node map: the pointer is stable).
    // A phone change is seen by every meter of the consumer at once.
    ConsumerEntry* consumer = nullptr;
    store::v1::MeterState state;
    int64_t due_us = 0;  // next policy evaluation, 0 = none
    bool dirty = false;  // state changed in the current group
  };
  MeterEntry* FindMeter(absl::string_view meter_id);
  // RegisteredMeter is FindMeter for a request: NotFound for an unknown id.
  absl::StatusOr<MeterEntry*> RegisteredMeter(absl::string_view meter_id);
  // ReconnectionFeeBound is the most a recharge of `m` may pay as
  // reconnection fee (Evaluate's restore).
  int64_t ReconnectionFeeBound(const MeterEntry& m) const;
  // ArrearsShare is what a recharge of `amount` recovers of m's arrears.
  int64_t ArrearsShare(const MeterEntry& m, int64_t amount) const;
  // ApplyToAccount adds `delta` to an account's balance for `transfer` and marks it
  // for writing. A meter wallet (kept in its MeterEntry) links the transfer
  // into its chain; other non-system accounts get a journal index entry.
  void ApplyToAccount(Txn& txn, store::v1::TransferRecord& transfer, const std::string& account,
                      int64_t delta);
  void ApplyToWallet(MeterEntry& m, store::v1::TransferRecord& transfer, int64_t delta);
  // NewTransfer takes the next seq; PutTransfer writes the finished transfer.
  store::v1::TransferRecord NewTransfer(Txn& txn, v1::TransferType type,
                                        const std::string& debit, const std::string& credit,
                                        int64_t amount, const std::string& request_ref,
                                        const std::string& memo);
  void PutTransfer(Txn& txn, const store::v1::TransferRecord& transfer);
  // PostCharge debits a meter wallet for a charge to system:revenue that
  // includes `duty` paise of electricity duty; SweepDuty, at the end of the
  // ingest batch, moves the batch's duty on to system:duty in one transfer
  // (per batch, not per commit group, so that seqs depend only on requests).
  void PostCharge(Txn& txn, v1::TransferType type, MeterEntry& m, int64_t amount, int64_t duty,
                  const std::string& request_ref, const std::string& memo);

  // Recharged records a recharge as the meter's last and applies the policy's
  // consequences: arrears share, alert reset, receipt, restore. Returns the
  // arrears transfer, if any.
  std::optional<store::v1::TransferRecord> Recharged(Txn& txn, MeterEntry& m, int64_t amount,
                                                     const std::string& request_ref);
  // Evaluate applies the balance policy to one meter now: alerts, notices,
  // relay decisions, and its next due time.
  void Evaluate(Txn& txn, MeterEntry& m);
  void EvaluateAlerts(Txn& txn, MeterEntry& m, int64_t balance);
  void OrderRelay(Txn& txn, MeterEntry& m, v1::RelayAction action, const std::string& reason);
  void Notify(Txn& txn, MeterEntry& m, v1::Notification::Kind kind, int64_t amount,
              const std::string& text, int32_t notice_day = 0, int64_t arrears = 0);
  // NextDue is when the meter's policy must be looked at again (0: only on
  // events), given the time now (0 at load).
  int64_t NextDue(const MeterEntry& m, int64_t now = 0) const;
  void Schedule(MeterEntry& m, int64_t due_us);
  void Touch(MeterEntry& m) {
    if (m.dirty) return;
    m.dirty = true;
    dirty_meters_.push_back(&m);
  }
  v1::ReadingResult IngestOne(Txn& txn, const v1::Reading& reading);
  const v1::CategoryPolicy& PolicyOf(const MeterEntry& m) const;

  const Store* store_;
  LedgerOptions options_;
  uint64_t next_seq_ = 1;
  uint64_t next_order_ = 1;
  // Balances of every account but the meter wallets (MeterEntry::state).
  absl::flat_hash_map<std::string, int64_t> balances_;
  // Duty charged by the current ingest batch, still in system:revenue.
  int64_t pending_duty_paise_ = 0;
  // Accounts of balances_ whose balance changed in the current group.
  absl::flat_hash_set<std::string> dirty_;
  // A node map: dirty_meters_ holds pointers into it across insertions.
  absl::node_hash_map<std::string, MeterEntry> meters_;
  std::vector<MeterEntry*> dirty_meters_;
  // (due time, meter id), the scheduler's index.
  std::set<std::pair<int64_t, std::string>> due_;
  TariffBook tariffs_;
  std::unique_ptr<CutoffCalendar> calendar_;
  uint64_t next_outbox_seq_[2] = {1, 1};  // relay, notification
  uint64_t outbox_cursor_[2] = {0, 0};
  // Set when the current group wrote to the outbox (streams wake up).
  bool outbox_written_ = false;
  absl::node_hash_map<std::string, ConsumerEntry> consumers_;
  // The next recorded change's seq (registry_changes.cc).
  uint64_t next_change_ = 1;
  absl::flat_hash_map<std::string, store::v1::RetailerRecord> retailers_;
};

// RequestKey scopes a client request id to the operation and the caller, so
// that two retailers may both use receipt "1".
std::string RequestKey(absl::string_view op, absl::string_view scope,
                       absl::string_view request_id);

template <typename Response, typename Request, typename Apply>
absl::StatusOr<Response> Ledger::Idempotent(Txn& txn, const std::string& key, const Request& req,
                                            Apply apply) {
  const std::string fingerprint = RequestFingerprint(req);
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> seen, txn.batch->Get(Table::kRequests, key));
  if (seen) {
    store::v1::IdempotencyRecord record;
    Response response;
    if (!record.ParseFromString(*seen) || !response.ParseFromString(record.response())) {
      return absl::InternalError(absl::StrCat("corrupt idempotency record ", key));
    }
    if (record.request() != fingerprint) {
      return absl::AlreadyExistsError(
          "request id was already used for a different request; use a new request id");
    }
    return response;
  }
  WALLET_ASSIGN_OR_RETURN(Response response, apply());
  store::v1::IdempotencyRecord record;
  record.set_request(fingerprint);
  record.set_response(DeterministicBytes(response));
  txn.batch->Put(Table::kRequests, key, record.SerializeAsString());
  return response;
}

}  // namespace wallet

#endif  // WALLET_LEDGER_H_
