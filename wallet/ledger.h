// Ledger: the wallet's deterministic state machine.
//
// It applies each mutating request (and each tick of the scheduler) to the
// wallet's state by calling the parts that each own one concept:
//   Journal         accounts, transfers, balances (wallet/journal.h)
//   MeterRegistry   meters, their consumers and state (wallet/meters.h)
//   Idempotent      request ids and stored answers (wallet/idempotency.h)
//   DecidePolicy    the prepaid policy's decisions (wallet/prepaid_policy.h)
//   Outbox          relay commands and notifications (wallet/outbox.h)
//   DueScheduler    when to look at a meter again (wallet/scheduler.h)
// and writes everything a request changes into the group's Batch: one
// atomic commit for the money, the records, the outbox items and the answer
// kept for retries. Time enters through the Txn and ids are sequence
// numbers, so the same requests in the same order give the same state: the
// ledger can be replayed, simulated and later replicated.
//
// The operations live in files by family: registration and keys
// (ledger_registry.cc), recharges and adjustments (ledger_recharge.cc),
// recharge orders (orders.cc), changes of consumers and meters
// (registry_changes.cc), readings (ledger_readings.cc), relay reports and
// holds (ledger_relay.cc), the policy's application and billing modes
// (ledger_policy.cc), dues from billing with the payments toward them
// (ledger_dues.cc), and collection drives (ledger_drives.cc: creation and
// the admins' actions; ledger_drive_runner.cc: the runner, relay outcomes,
// the restore rule). After each group the ledger describes what it changed
// for the defaulter index (wallet/defaulter_index.h).
//
// Every operation validates completely before it changes anything, so a
// failed operation leaves both memory and the batch untouched. Errors:
// InvalidArgument (bad fields), NotFound (unknown meter, consumer, retailer,
// order, tariff), AlreadyExists (id taken, or request id reused with another
// payload), FailedPrecondition (would overdraw or leave a balance's range,
// tariff not in force, order not pending), Aborted (a fresh random id was
// taken: retry), Internal (a corrupt store).
//
// Thread safety: none. One writer thread (CommitPipeline) owns a Ledger.
//
// Example (what the pipeline does for each group):
//   WALLET_ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, Ledger::Load(store, options));
//   Batch batch(store);
//   Txn txn{&batch, clock->Now()};
//   absl::StatusOr<v1::TopUpFloatResponse> topped_up = ledger->TopUpFloat(txn, request);
//   ledger->FinishGroup(txn);
//   WALLET_RETURN_IF_ERROR(store->Commit(batch));  // answer only now
#ifndef WALLET_LEDGER_H_
#define WALLET_LEDGER_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "wallet/defaulter_index.h"
#include "wallet/drive.h"
#include "wallet/drive_book.h"
#include "wallet/dues.h"
#include "wallet/dues_book.h"
#include "wallet/journal.h"
#include "wallet/ledger_options.h"
#include "wallet/meters.h"
#include "wallet/outbox.h"
#include "wallet/policy_config.h"
#include "wallet/prepaid_policy.h"
#include "wallet/principal.h"
#include "wallet/scheduler.h"
#include "wallet/sign_in.h"
#include "wallet/store.h"
#include "wallet/store/v1/records.pb.h"
#include "wallet/tariff.h"
#include "wallet/txn.h"
#include "wallet/v1/admin.pb.h"
#include "wallet/v1/collection.pb.h"
#include "wallet/v1/consumer.pb.h"
#include "wallet/v1/meter.pb.h"
#include "wallet/v1/payment.pb.h"
#include "wallet/v1/retailer.pb.h"
#include "wallet/v1/signin.pb.h"

namespace wallet {

class Ledger final {
 public:
  // Load rebuilds the in-memory state from the store. `store` (not owned)
  // must outlive the ledger; so must `defaulters` (not owned, may be null),
  // the index the ledger's owner applies TakeIndexUpdate to, which the
  // ledger may select from (defaulters()). InvalidArgument for a tariff book
  // or policy that does not validate; Internal for a corrupt store.
  static absl::StatusOr<std::unique_ptr<Ledger>> Load(const Store* store,
                                                      const LedgerOptions& options,
                                                      const DefaulterIndex* defaulters = nullptr);

  // Admin operations (ledger_registry.cc, ledger_recharge.cc).
  absl::StatusOr<v1::RegisterMeterResponse> RegisterMeter(Txn& txn,
                                                          const v1::RegisterMeterRequest& req);
  absl::StatusOr<v1::AdjustBalanceResponse> AdjustBalance(Txn& txn,
                                                          const v1::AdjustBalanceRequest& req);
  absl::StatusOr<v1::CreateRetailerResponse> CreateRetailer(Txn& txn,
                                                            const v1::CreateRetailerRequest& req);
  absl::StatusOr<v1::TopUpFloatResponse> TopUpFloat(Txn& txn, const v1::TopUpFloatRequest& req);
  // IssueApiKey stores only `key_hash` and sets `*issued` when it did (not on
  // a replay). The response's api_key is left for the caller to fill in.
  absl::StatusOr<v1::IssueApiKeyResponse> IssueApiKey(Txn& txn, const v1::IssueApiKeyRequest& req,
                                                      const std::string& key_hash, bool* issued);
  // EnsureApiKey registers a bootstrap key if its hash is unknown.
  absl::Status EnsureApiKey(Txn& txn, const std::string& key_hash, v1::Role role,
                            const std::string& label);
  // API keys (ledger_api_keys.cc). RevokeApiKey refuses the key from now
  // on: NotFound for an unknown key id (InvalidArgument if malformed), OK
  // with `unchanged` for a revoked one. RotateApiKey stores `key_hash` as a
  // new key with the old one's role, subject and label, and sets `*issued`
  // when it did (not on a replay); the old key is refused after
  // grace_seconds (0..86400, else InvalidArgument). FailedPrecondition for
  // a revoked key. Both idempotent by request_id in the admin scope.
  absl::StatusOr<v1::RevokeApiKeyResponse> RevokeApiKey(Txn& txn,
                                                        const v1::RevokeApiKeyRequest& req);
  absl::StatusOr<v1::RotateApiKeyResponse> RotateApiKey(Txn& txn,
                                                        const v1::RotateApiKeyRequest& req,
                                                        const std::string& key_hash, bool* issued);

  // Consumer sign-in (ledger_sign_in.cc; the OTP rules are wallet/otp.h, the
  // store layout and NewOtp wallet/sign_in.h).
  // RequestSignInOtp sends an OTP to `req.mobile` (kind OTP in the
  // notification outbox, sealed): InvalidArgument for a malformed mobile,
  // ResourceExhausted when it is locked or was sent too many.
  absl::StatusOr<v1::OtpSent> RequestSignInOtp(Txn& txn, const v1::RequestSignInOtpRequest& req,
                                               const NewOtp& otp);
  // SignIn checks the OTP and stores the token whose SHA-256 is `token_id`,
  // linking every consumer whose phone is the mobile. A wrong or expired OTP
  // is an Attempt refused with Unauthenticated (the attempt is stored);
  // InvalidArgument for a malformed mobile or OTP and ResourceExhausted for
  // a locked mobile change nothing.
  absl::StatusOr<Attempt<v1::SignInResponse>> SignIn(Txn& txn, const v1::SignInRequest& req,
                                                     const std::string& token_id);
  // RequestLinkOtp sends an OTP to the phone of consumer `req.consumer_id`
  // for linking it to the mobile of `who` (a sign-in): NotFound for an
  // unknown consumer; otherwise as RequestSignInOtp. LinkConsumer checks
  // that OTP and links the consumer, refusing as SignIn does.
  absl::StatusOr<v1::OtpSent> RequestLinkOtp(Txn& txn, const Principal& who,
                                             const v1::RequestLinkOtpRequest& req,
                                             const NewOtp& otp);
  absl::StatusOr<Attempt<v1::LinkConsumerResponse>> LinkConsumer(
      Txn& txn, const Principal& who, const v1::LinkConsumerRequest& req);
  // SignOut revokes the token of `who`; RevokeSignIns every token of a
  // mobile (InvalidArgument for a malformed one; idempotent by request_id).
  absl::StatusOr<v1::SignOutResponse> SignOut(Txn& txn, const Principal& who);
  absl::StatusOr<v1::RevokeSignInsResponse> RevokeSignIns(Txn& txn,
                                                          const v1::RevokeSignInsRequest& req);

  // PutTariff adds a tariff version to the book and stores it.
  absl::StatusOr<v1::PutTariffResponse> PutTariff(Txn& txn, const v1::PutTariffRequest& req);

  // Changes of registered consumers and meters (registry_changes.cc) by the
  // admin `who`, each recorded with the admin key's id and label, the time,
  // the reason and every field before and after. Validated as at
  // registration. Errors: InvalidArgument (bad fields, none given, no
  // reason), NotFound (meter, consumer, tariff), FailedPrecondition (tariff
  // not in force; other details for an existing consumer: UpdateConsumer),
  // AlreadyExists (request id reused). A request that changes nothing is OK
  // with `unchanged` and records nothing.
  absl::StatusOr<v1::UpdateConsumerResponse> UpdateConsumer(Txn& txn, const Principal& who,
                                                            const v1::UpdateConsumerRequest& req);
  absl::StatusOr<v1::UpdateMeterResponse> UpdateMeter(Txn& txn, const Principal& who,
                                                      const v1::UpdateMeterRequest& req);
  absl::StatusOr<v1::MoveMeterResponse> MoveMeter(Txn& txn, const Principal& who,
                                                  const v1::MoveMeterRequest& req);

  // Recharge orders (orders.cc). StartRecharge creates the order `order_id`,
  // a fresh random id the caller chose (Aborted in the never-seen case that
  // it is taken). ConfirmPayment and CancelOrder are FailedPrecondition for
  // an order that is not pending; a consumer's CancelOrder of another's
  // order is NotFound, as for an unknown one.
  absl::StatusOr<v1::StartRechargeResponse> StartRecharge(Txn& txn, const Principal& who,
                                                          const v1::StartRechargeRequest& req,
                                                          const std::string& order_id);
  absl::StatusOr<v1::ConfirmPaymentResponse> ConfirmPayment(Txn& txn,
                                                            const v1::ConfirmPaymentRequest& req);
  absl::StatusOr<v1::CancelOrderResponse> CancelOrder(Txn& txn, const Principal& who,
                                                      const v1::CancelOrderRequest& req);

  // Online payments through the payment gateway (ledger_payment_events.cc;
  // the order states are in orders.h).
  // RecordGatewayOrder notes that the gateway's order `gateway_order_id`
  // pays order `order_id`, and answers with the order. Idempotent: an order
  // that already has a gateway order keeps the first (the answer shows it).
  // Errors: InvalidArgument (malformed ids), NotFound (unknown order),
  // FailedPrecondition (an order no longer awaiting payment), AlreadyExists
  // (the gateway order is another order's).
  absl::StatusOr<v1::Order> RecordGatewayOrder(Txn& txn, const std::string& order_id,
                                               const std::string& gateway_order_id);
  // ApplyPaymentEvent applies a gateway event once per event id (a replay
  // answers the first result with `replayed` set). CAPTURED credits the
  // order through ConfirmPayment (once per payment id: a second event for
  // the same payment is ALREADY_CREDITED); FAILED marks a pending order
  // FAILED and tells the consumer (PAYMENT_FAILED), and is IGNORED for an
  // order in any other state. Errors, with nothing changed: InvalidArgument
  // (malformed event, currency not INR, amount not the order's), NotFound
  // (no order for the gateway order id), FailedPrecondition (as
  // ConfirmPayment: the order was paid by another payment, cancelled or
  // expired; the payment must be refunded), AlreadyExists (the event id or
  // payment id was seen with other contents).
  absl::StatusOr<v1::PaymentEventResult> ApplyPaymentEvent(Txn& txn, const v1::PaymentEvent& event);

  // Retailer operation (ledger_recharge.cc); `retailer_id` is the acting
  // retailer, already authorised by the caller.
  absl::StatusOr<v1::RetailerRechargeResponse> RetailerRecharge(
      Txn& txn, const std::string& retailer_id, const v1::RetailerRechargeRequest& req);

  // Meter gateway and admin operations of the prepaid policy
  // (ledger_readings.cc, ledger_relay.cc).
  absl::StatusOr<v1::IngestReadingsResponse> IngestReadings(Txn& txn,
                                                            const v1::IngestReadingsRequest& req);
  absl::StatusOr<v1::ReportRelayOutcomeResponse> ReportRelayOutcome(
      Txn& txn, const v1::RelayOutcome& outcome);
  absl::StatusOr<v1::SetHoldResponse> SetHold(Txn& txn, const v1::SetHoldRequest& req);
  // AckOutbox moves a stream's durable cursor forward to `seq`.
  // InvalidArgument beyond the last item (Outbox::Ack).
  absl::Status AckOutbox(Txn& txn, Stream stream, uint64_t seq);
  // TakeOutboxWritten tells whether the last group added outbox items and
  // resets the flag.
  bool TakeOutboxWritten() { return outbox_.TakeWritten(); }

  // Dues from billing and payments toward them (ledger_dues.cc; the rules
  // are in wallet/dues.h).
  //
  // ImportDuesChunk applies one chunk of the dues import `header` names.
  // Each row is applied (the difference to the snapshot posted, less what
  // was paid through the wallet after as_of), replayed (the import took the
  // same row before: its first outcome, nothing posted), or rejected with
  // nothing changed; the answer counts this chunk's rows and lists its
  // rejections. Errors of the whole chunk, which change nothing:
  // InvalidArgument (import_id, source, as_of_time, more than
  // kMaxDuesRowsPerChunk rows, as_of_time in the future), FailedPrecondition
  // (as_of_time older than options.dues_payment_window), AlreadyExists (the
  // import was started with another as_of_time), Internal (a corrupt store).
  absl::StatusOr<v1::ImportDuesProgress> ImportDuesChunk(Txn& txn,
                                                         const v1::DuesImportHeader& header,
                                                         const v1::DuesChunk& chunk);
  // Payments toward a meter's dues, principal first, then surcharge:
  // PayDuesAtCounter takes cash at the utility's counter
  // (system:counter_cash), RetailerPayDues takes it from `retailer_id`'s
  // float (its limit applies; no commission). Errors: InvalidArgument (bad
  // fields), NotFound (meter, retailer), FailedPrecondition (the meter owes
  // nothing or less than the amount, insufficient float, a balance out of
  // range), AlreadyExists (request id reused with another payload).
  absl::StatusOr<v1::PayDuesResponse> PayDuesAtCounter(Txn& txn, const v1::PayDuesRequest& req);
  absl::StatusOr<v1::PayDuesResponse> RetailerPayDues(Txn& txn, const std::string& retailer_id,
                                                      const v1::RetailerPayDuesRequest& req);

  // OnDuesPaid is the hook for every payment toward m's dues: at a counter,
  // through a retailer, by an order with purpose DUES, and a prepaid
  // recharge's arrears share. It is called once per payment, in the same
  // transaction, after the payment's transfers are posted and before the
  // group commits: `paid_paise` (> 0) is what the payment paid (principal
  // and surcharge together), `dues_left_paise` (>= 0) what m still owes
  // after it (DuesOwedBy(m).total()). Whatever it writes into `txn` commits
  // or fails with the payment. It returns whether it ordered a reconnect
  // (PayDuesResponse.restore_ordered; a recharge ignores it) and cannot
  // fail: the payment is already decided. It applies the collection drives'
  // restore rule (ApplyDriveRestoreRule).
  bool OnDuesPaid(Txn& txn, MeterEntry& m, int64_t paid_paise, int64_t dues_left_paise);

  // FillIndex resets `index` with every meter as loaded; call once after
  // Load, before any group. TakeIndexUpdate returns what the groups applied
  // since the last call changed for the index: call after FinishGroup and
  // apply it once the group is committed.
  void FillIndex(DefaulterIndex& index);
  DefaulterUpdate TakeIndexUpdate();
  // defaulters is the index given to Load (null if none): committed state as
  // of the last group answered (wallet/defaulter_index.h).
  const DefaulterIndex* defaulters() const { return defaulters_; }

  // Collection drives (ledger_drives.cc), by the admin `who`, recorded
  // with its key; each idempotent by request_id. CreateDrive lists the
  // meters of a selection or a list and classifies them (wallet/drive.h):
  // InvalidArgument (bad fields, no meters, a meter listed twice, more than
  // kMaxDriveMeters), FailedPrecondition (a selection of no meter or of too
  // many), Unimplemented (a selection by unpaid bills). The state changes:
  // NotFound (unknown drive), FailedPrecondition (a state that does not
  // allow it), PermissionDenied (ApproveDrive by the key that created it).
  absl::StatusOr<v1::Drive> CreateDrive(Txn& txn, const Principal& who,
                                        const v1::CreateDriveRequest& req);
  absl::StatusOr<v1::Drive> ApproveDrive(Txn& txn, const Principal& who,
                                         const v1::DriveActionRequest& req);
  absl::StatusOr<v1::Drive> PauseDrive(Txn& txn, const Principal& who,
                                       const v1::DriveActionRequest& req);
  absl::StatusOr<v1::Drive> ResumeDrive(Txn& txn, const Principal& who,
                                        const v1::DriveActionRequest& req);
  absl::StatusOr<v1::Drive> CancelDrive(Txn& txn, const Principal& who,
                                        const v1::DriveActionRequest& req);
  // ApplyDriveRestoreRule takes a payment of `paid` paise toward m's dues
  // that left `dues_left` owed (call it after posting the payment): the
  // payment counts for every running drive listing m, and if a drive
  // ordered m cut and its restore rule is now met, a reconnect is ordered at
  // once (at any hour), the drive's reconnection fee is added to m's dues,
  // and the consumer is told by SMS. Returns whether a reconnect was
  // ordered. Cannot fail.
  bool ApplyDriveRestoreRule(Txn& txn, MeterEntry& m, int64_t paid, int64_t dues_left);
  // TakeDrivesWritten tells whether the last group changed a drive's record,
  // and resets the flag.
  bool TakeDrivesWritten() { return drives_.TakeWritten(); }

  // Tick re-evaluates every meter whose policy is due at txn.now (end of a
  // no-cutoff window, next notice day, ...), a bounded number per call, and
  // runs the running drives (RunDrive).
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
  int64_t Balance(absl::string_view account) const { return journal_.Balance(account); }

  // For tests only, defined in tests/testing/ledger_testing.cc and linked by
  // the tests alone: PostForTesting posts a transfer (e.g. DUES_BILLED,
  // DUES_PAYMENT, which no operation here posts yet), checking its range
  // first; MeterForTesting finds a meter's entry (null if unknown).
  absl::Status PostForTesting(Txn& txn, v1::TransferType type, const std::string& debit,
                              const std::string& credit, int64_t amount);
  MeterEntry* MeterForTesting(absl::string_view meter_id);

 private:
  Ledger(const Store* store, const LedgerOptions& options, const DefaulterIndex* defaulters);
  absl::Status LoadState();
  // CheckTariff accepts a tariff a meter may be put on at `now`: NotFound if
  // the book has no such tariff, FailedPrecondition if none of its versions
  // is in force yet (readings until then could not be billed).
  absl::Status CheckTariff(absl::string_view tariff_id, absl::Time now) const;

  // Consumers (registry_changes.cc). ValidateNewConsumer checks the details
  // of a consumer to create (phone required); SameConsumerDetails refuses
  // (FailedPrecondition) details given for an existing consumer that differ
  // from the stored ones; PutConsumer stores a consumer and its phone in
  // memory.
  static absl::Status ValidateNewConsumer(const v1::Consumer& consumer);
  static absl::Status SameConsumerDetails(const store::v1::ConsumerRecord& stored,
                                          const v1::Consumer& given);
  absl::StatusOr<store::v1::ConsumerRecord> StoredConsumer(Txn& txn, absl::string_view id);
  void PutConsumer(Txn& txn, const store::v1::ConsumerRecord& consumer);
  // RecordChange gives `change` its seq, time and the admin key of `who`,
  // stores it under each of `subjects` (ChangeKey) and returns it as sent.
  v1::Change RecordChange(Txn& txn, const Principal& who, store::v1::ChangeRecord change,
                          std::initializer_list<std::string> subjects);

  // Sign-in (ledger_sign_in.cc). SendOtp issues `challenge` to `mobile`
  // (IssueOtp's refusals) and puts the sealed OTP notification into the
  // outbox, written in `consumer`'s language (English without one).
  // ReadOtpState, ReadMobile and ReadToken read a record as the group sees
  // it (empty when there is none); AddToken stores a new token of `mobile`,
  // dropping the mobile's tokens that are dead by now.
  absl::StatusOr<v1::OtpSent> SendOtp(Txn& txn, const std::string& mobile,
                                      store::v1::OtpChallenge challenge, const NewOtp& otp,
                                      const std::string& consumer_id, std::string text);
  absl::StatusOr<store::v1::OtpStateRecord> ReadOtpState(Txn& txn, absl::string_view mobile);
  absl::StatusOr<store::v1::MobileSignInsRecord> ReadMobile(Txn& txn, absl::string_view mobile);
  absl::StatusOr<std::optional<store::v1::SignInTokenRecord>> ReadToken(Txn& txn,
                                                                        absl::string_view token_id);
  absl::Status AddToken(Txn& txn, const std::string& mobile, const std::string& token_id,
                        store::v1::MobileSignInsRecord& signed_in);
  // ReadApiKey finds the key whose id (hex SHA-256 prefix) is `key_id`:
  // its full hash and record. InvalidArgument for a malformed id, NotFound
  // for an unknown one (ledger_api_keys.cc).
  absl::StatusOr<std::pair<std::string, store::v1::ApiKeyRecord>> ReadApiKey(
      Txn& txn, const std::string& key_id);

  // Cancel marks a pending order cancelled for `reason` and stores it;
  // PaidOrder marks it paid by `payment_id` with the response's transfer,
  // stores it and puts it into the response.
  void Cancel(Txn& txn, store::v1::OrderRecord& order, absl::string_view reason);
  void PaidOrder(Txn& txn, store::v1::OrderRecord& order, const std::string& payment_id,
                 v1::ConfirmPaymentResponse& response);
  // PendingOrdersOf returns the meter's orders still awaiting payment
  // (AwaitsPayment: pending or failed) at txn.now, as
  // committed (orders of the group being applied are not indexed yet).
  absl::StatusOr<std::vector<store::v1::OrderRecord>> PendingOrdersOf(Txn& txn,
                                                                      absl::string_view meter_id);
  // StoredOrder reads an order as the group sees it: NotFound if unknown.
  absl::StatusOr<store::v1::OrderRecord> StoredOrder(Txn& txn, absl::string_view order_id);
  // ApplyNewPaymentEvent applies an event not seen before
  // (ApplyPaymentEvent); FailOrder marks `order` FAILED for `reason`.
  absl::StatusOr<v1::PaymentEventResult> ApplyNewPaymentEvent(Txn& txn,
                                                              const v1::PaymentEvent& event);
  void FailOrder(Txn& txn, store::v1::OrderRecord& order, absl::string_view reason);

  // FindRetailer is NotFound (InvalidArgument for a malformed id) unless the
  // retailer exists; CheckFloatCovers is FailedPrecondition unless its float
  // covers `amount` within its limit (ledger_recharge.cc).
  absl::StatusOr<const store::v1::RetailerRecord*> FindRetailer(
      const std::string& retailer_id) const;
  absl::Status CheckFloatCovers(const store::v1::RetailerRecord& retailer, int64_t amount) const;

  // PolicyOf is the prepaid policy of m's category.
  const v1::CategoryPolicy& PolicyOf(const MeterEntry& m) const;
  // ReconnectionFeeOf is the most a recharge of `m` may pay as reconnection
  // fee (Evaluate's restore); ArrearsShareOf what a recharge of `amount`
  // recovers of m's arrears.
  int64_t ReconnectionFeeOf(const MeterEntry& m) const;
  int64_t ArrearsShareOf(const MeterEntry& m, int64_t amount) const;
  // Recharged records a recharge as the meter's last and applies the policy's
  // consequences: arrears share, alert reset, receipt, restore. Returns the
  // arrears transfer, if any.
  std::optional<store::v1::TransferRecord> Recharged(Txn& txn, MeterEntry& m, int64_t amount,
                                                     const std::string& request_ref);

  // Evaluate decides the prepaid policy for one meter now (DecidePolicy) and
  // carries the decisions out: notifications, relay commands, the
  // reconnection fee, the new state and the meter's next due time.
  void Evaluate(Txn& txn, MeterEntry& m);
  // OrderRelay puts a relay command for `m` into the outbox, superseding the
  // pending one, and records it as pending. The policy's fields of the state
  // (pending and last action) are the caller's.
  void OrderRelay(Txn& txn, MeterEntry& m, v1::RelayAction action, absl::string_view reason);
  // Notify puts a notification about `m` into the outbox.
  void Notify(Txn& txn, const MeterEntry& m, v1::Notification::Kind kind, int64_t amount,
              std::string text, int32_t notice_day = 0, int64_t arrears = 0);
  v1::ReadingResult IngestOne(Txn& txn, const v1::Reading& reading);
  // RecordUnbilled records a post-paid meter's reading of `delta_wh`: the
  // register and the month's consumption, nothing debited.
  v1::ReadingResult RecordUnbilled(Txn& txn, MeterEntry& m, int64_t delta_wh,
                                   int64_t meter_time_us);
  // CheckSupplyWhileCut raises a tamper alert when `delta_wh` flowed through
  // a relay the policy holds open (bypass or forced reconnection).
  void CheckSupplyWhileCut(Txn& txn, MeterEntry& m, int64_t delta_wh);

  // Billing modes (ledger_policy.cc). PolicyStateOf is the policy's view of
  // m (its state and billing mode); SwitchBillingMode starts or stops the
  // prepaid policy for m (see UpdateMeterRequest.billing_mode).
  PolicyState PolicyStateOf(const MeterEntry& m) const;
  void SwitchBillingMode(Txn& txn, MeterEntry& m, v1::BillingMode mode);
  // RefuseIfPostpaid is FailedPrecondition for a recharge of a post-paid
  // meter: it has no prepaid wallet to top up.
  static absl::Status RefuseIfPostpaid(const MeterEntry& m);

  // Dues (ledger_dues.cc). DuesOwedBy is what m owes now, this group
  // included. PayDues posts a payment of `amount` from `payer` toward m's
  // dues (the caller has checked the payer's side), records it for later
  // imports, sends the receipt and calls OnDuesPaid; FailedPrecondition
  // (nothing owed, more than owed, a balance out of range) changes nothing.
  DuesAmounts DuesOwedBy(const MeterEntry& m) const;
  absl::StatusOr<v1::PayDuesResponse> PayDues(Txn& txn, MeterEntry& m, const std::string& payer,
                                              int64_t amount, const std::string& request_ref,
                                              const std::string& memo);
  // ReadDuesImport returns the import `header` names, stored or new (not yet
  // written: the caller puts it).
  absl::StatusOr<store::v1::DuesImportRecord> ReadDuesImport(Txn& txn,
                                                             const v1::DuesImportHeader& header,
                                                             bool* is_new);
  // ApplyDuesRow applies one validated row of `import` to its meter, or
  // rejects it; the outcome is the row's record.
  store::v1::DuesRowRecord ApplyDuesRow(Txn& txn, const store::v1::DuesImportRecord& import,
                                        const v1::DuesRow& row);

  // The defaulter index. DuesChanged and DetailsChanged mark that the group
  // changed m's dues or its record (and touch m); IndexChangeOf describes m
  // for the index, everything if `all`, and clears the marks.
  void DuesChanged(MeterEntry& m);
  void DetailsChanged(MeterEntry& m);
  DefaulterChange IndexChangeOf(MeterEntry& m, bool all);

  // Drives (ledger_drive_runner.cc). RunDrive orders the disconnects a running
  // drive's rate and the calendar allow now, from its cursor, and ends it
  // once every meter is answered.
  void RunDrive(Txn& txn, DriveEntry& drive);
  // TakeTurn does with the meter at a drive's cursor what `turn` says.
  void TakeTurn(Txn& txn, DriveEntry& drive, const DriveTarget& target, MeterEntry& m, Turn turn);
  // DriveAction applies an admin's action to drive `req.drive_id`: `allowed`
  // says from which state, `change` does it; idempotent as `op`.
  template <typename Change>
  absl::StatusOr<v1::Drive> DriveAction(Txn& txn, const Principal& who,
                                        const v1::DriveActionRequest& req, absl::string_view op,
                                        absl::string_view action, v1::DriveState from,
                                        Change change);
  // SelectMeters lists the meters of a selection, by dues owed (most first).
  absl::StatusOr<std::vector<std::string>> SelectMeters(const v1::Selection& selection) const;
  // FactsOf is what the drive's rules know of meter `meter_id` now.
  DriveMeterFacts FactsOf(const std::string& meter_id) const;
  // DuesOf is what a meter owes: principal and surcharge.
  int64_t DuesOf(absl::string_view meter_id) const;
  // ReadProgress reads what happened to one meter of a drive (empty:
  // nothing yet); WriteProgress stores it and moves the drive's counts.
  absl::StatusOr<store::v1::DriveProgressRecord> ReadProgress(Txn& txn, uint64_t seq,
                                                              int64_t position);
  void WriteProgress(Txn& txn, DriveEntry& drive, int64_t position,
                     const store::v1::DriveProgressRecord& before,
                     const store::v1::DriveProgressRecord& after);
  // CountPayment adds a payment toward dues to a drive's meter at `position`.
  void CountPayment(Txn& txn, DriveEntry& drive, int64_t position, int64_t paid);
  // RestoreByDrive orders the reconnect of a meter whose payment met the
  // drive's rule, with `fee` added to its dues and an SMS.
  void RestoreByDrive(Txn& txn, MeterEntry& m, const DriveEntry& drive, int64_t fee,
                      int64_t dues_left);
  // OnDriveRelayReport follows a relay report about a meter a drive ordered
  // cut: `answered` is the action the report answers (unspecified for an
  // observation).
  void OnDriveRelayReport(Txn& txn, MeterEntry& m, v1::RelayAction answered,
                          const v1::RelayOutcome& outcome);
  // Reschedule puts m's next policy evaluation where its state says.
  void Reschedule(Txn& txn, MeterEntry& m);

  const Store* store_;
  LedgerOptions options_;
  const DefaulterIndex* const defaulters_;
  MeterRegistry meters_;
  DuesBook dues_;
  Journal journal_{&meters_};
  Outbox outbox_;
  DueScheduler scheduler_;
  TariffBook tariffs_;
  std::unique_ptr<CutoffCalendar> calendar_;
  DriveBook drives_;
  absl::flat_hash_map<std::string, store::v1::RetailerRecord> retailers_;
  uint64_t next_order_ = 1;
  // The next recorded change's seq (registry_changes.cc).
  uint64_t next_change_ = 1;
  // The defaulter index's slot of the next meter registered, the
  // generation of this ledger's updates, and the update being gathered.
  uint32_t next_index_slot_ = 0;
  uint64_t index_generation_ = 0;
  DefaulterUpdate index_update_;
};

}  // namespace wallet

#endif  // WALLET_LEDGER_H_
