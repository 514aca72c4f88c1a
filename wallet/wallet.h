// Wallet: the prepaid wallet core as one object, for servers and tests.
//
// Mutations are asynchronous: they are applied by the single writer
// (CommitPipeline) and `done` runs on the writer thread once the effect is
// durable, or at once with an error. `done` must be quick and must not block;
// gRPC reactors just Finish. Reads are synchronous, thread-safe and see only
// committed data.
//
// Authorisation of ownership (a consumer's own meters, a retailer's own float)
// is enforced here; which role may call which operation is the server's job.
//
// Writes stop, and reads go on, while the store cannot be written: after a
// failed commit (a full disk, an I/O error), while the data directory's free
// space is below WalletOptions::min_free_bytes, and after a start on a full
// disk (the store is then open read-only). Mutations are then answered
// Unavailable with the cause, and write_health() says why. A background
// thread checks the disk and resumes writes by itself once it can: after a
// failed commit it reopens the store (which replays RocksDB's write-ahead log
// exactly as a restart would) and rebuilds the in-memory ledger from it, so
// nothing is acknowledged that a restart would not find.
//
// The mutations are queued in wallet.cc, the readers are in
// wallet_readers.cc (orders' and changes' in orders.cc and
// registry_changes.cc); WriteGate (wallet/write_gate.h) says whether writes
// are taken and DiskMonitor (wallet/disk_monitor.h) watches the disk.
//
// Example:
//   WALLET_ASSIGN_OR_RETURN(auto wallet, Wallet::Open({.data_dir = dir}, &clock));
//   wallet->TopUpFloat(request, [](absl::StatusOr<v1::TopUpFloatResponse> r) { ... });
#ifndef WALLET_WALLET_H_
#define WALLET_WALLET_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "wallet/defaulter_index.h"
#include "wallet/disk_monitor.h"
#include "wallet/dues.h"
#include "wallet/ledger_options.h"
#include "wallet/outbox.h"
#include "wallet/paging.h"
#include "wallet/pipeline.h"
#include "wallet/policy_config.h"
#include "wallet/principal.h"
#include "wallet/random.h"
#include "wallet/sign_in.h"
#include "wallet/store.h"
#include "wallet/store/v1/records.pb.h"
#include "wallet/v1/admin.pb.h"
#include "wallet/v1/collection.pb.h"
#include "wallet/v1/consumer.pb.h"
#include "wallet/v1/meter.pb.h"
#include "wallet/v1/payment.pb.h"
#include "wallet/v1/retailer.pb.h"
#include "wallet/v1/signin.pb.h"
#include "wallet/v1/tariff.pb.h"
#include "wallet/write_gate.h"

namespace wallet {

class Ledger;

struct WalletOptions {
  // RocksDB directory; created if missing.
  std::string data_dir;
  LedgerOptions ledger;
  PipelineOptions pipeline;
  // Whether commits fsync. Default: true. Never turn off in production.
  bool sync = true;
  // How often the policy scheduler wakes due meters (end of a no-cutoff
  // window, next notice day). Zero disables the timer; call Tick() instead.
  // Default: 1 second.
  absl::Duration tick_interval = absl::Seconds(1);
  // Writes are refused while the data directory's file system has less free
  // space than this, so that walletd stops cleanly before RocksDB runs out
  // (flushing memtables and compacting need room too). Writes resume once
  // free space is back above the reserve plus an eighth. Zero turns the check
  // off: writes then stop only when a write fails.
  // Default: 256 MiB.
  uint64_t min_free_bytes = uint64_t{256} << 20;
  // How often free space is checked and, while writes are stopped, recovery
  // is tried (backing off to 32 times this while attempts fail and free space
  // does not grow). Zero disables the check and automatic recovery.
  // Default: 1 second.
  absl::Duration disk_check_interval = absl::Seconds(1);
  // The environment (file system) the store works through; tests inject
  // write errors and free-space figures with it.
  // Default: null, the operating system's.
  std::shared_ptr<rocksdb::Env> env = nullptr;
  // Randomness for order ids and the page-token key (created once, kept in
  // the store). Not owned; must outlive the wallet.
  // Default: null, the system's (SystemRandom).
  Random* random = nullptr;
  // The key (base/aead.h, 32 bytes) that seals sign-in OTPs in the
  // notification outbox until the notification stream hands them on.
  // Default: empty, which turns OTP sign-in off (its calls answer
  // FailedPrecondition).
  std::string seal_key;
};

template <typename T>
using Callback = std::function<void(absl::StatusOr<T>)>;

class Wallet final {
 public:
  // Open loads the store into memory and starts the writer. `clock` must
  // outlive the wallet. FailedPrecondition when meters are on a tariff the
  // tariff book lacks or has no version of in force now
  // (Ledger::CheckTariffsInUse); Internal on store errors.
  static absl::StatusOr<std::unique_ptr<Wallet>> Open(const WalletOptions& options,
                                                      base::Clock* clock);
  // Drains and commits pending operations, then closes the store.
  ~Wallet();

  // Authenticate maps a plain API key to its principal; Unauthenticated if the
  // key is unknown or revoked (RevokeApiKey, RotateApiKey's grace over).
  // Thread-safe.
  absl::StatusOr<Principal> Authenticate(absl::string_view api_key);
  // AuthenticateToken maps a sign-in token to its principal (a consumer
  // principal covering the consumers linked to its mobile); Unauthenticated
  // for a token unknown, expired at the clock's time, signed out or revoked.
  // Thread-safe.
  absl::StatusOr<Principal> AuthenticateToken(absl::string_view token);
  // EnsureApiKey registers `api_key` for `role` unless already known (used to
  // bootstrap the first admin key). Blocks until durable.
  absl::Status EnsureApiKey(absl::string_view api_key, v1::Role role, const std::string& label);

  // Admin mutations.
  void RegisterMeter(v1::RegisterMeterRequest req, Callback<v1::RegisterMeterResponse> done);
  void AdjustBalance(v1::AdjustBalanceRequest req, Callback<v1::AdjustBalanceResponse> done);
  void CreateRetailer(v1::CreateRetailerRequest req, Callback<v1::CreateRetailerResponse> done);
  void TopUpFloat(v1::TopUpFloatRequest req, Callback<v1::TopUpFloatResponse> done);
  // Changes of registered consumers and meters by the admin `who`, recorded
  // with its key (Ledger::UpdateConsumer and the others say how they fail).
  void UpdateConsumer(Principal who, v1::UpdateConsumerRequest req,
                      Callback<v1::UpdateConsumerResponse> done);
  void UpdateMeter(Principal who, v1::UpdateMeterRequest req,
                   Callback<v1::UpdateMeterResponse> done);
  void MoveMeter(Principal who, v1::MoveMeterRequest req, Callback<v1::MoveMeterResponse> done);
  // IssueApiKey stores the hash of `api_key` (a fresh random key chosen by the
  // caller) and answers with it; replays answer without the key.
  void IssueApiKey(v1::IssueApiKeyRequest req, std::string api_key,
                   Callback<v1::IssueApiKeyResponse> done);

  // API key management (wallet/api_keys.h; Ledger::RevokeApiKey and
  // RotateApiKey say how they fail). A key revoked is refused from the
  // answer on. RotateApiKey stores the hash of `new_key` (a fresh random key
  // chosen by the caller) and answers with it; replays answer without it.
  absl::StatusOr<v1::ListApiKeysResponse> ListApiKeys(const v1::ListApiKeysRequest& req) const;
  void RevokeApiKey(v1::RevokeApiKeyRequest req, Callback<v1::RevokeApiKeyResponse> done);
  void RotateApiKey(v1::RotateApiKeyRequest req, std::string new_key,
                    Callback<v1::RotateApiKeyResponse> done);

  // Consumer sign-in (wallet_sign_in.cc; Ledger::SignIn and the others say
  // how they fail). Every call is FailedPrecondition "sign-in needs
  // --seal_key_file" without WalletOptions::seal_key. The OTP is drawn here,
  // sealed into the notification outbox and never kept or logged in plain
  // text; SignIn answers with a fresh token, shown once. RequestLinkOtp,
  // LinkConsumer and SignOut need a sign-in principal (PermissionDenied
  // otherwise). SignOut, RevokeSignIns and LinkConsumer take effect on
  // AuthenticateToken from the answer on.
  void RequestSignInOtp(v1::RequestSignInOtpRequest req, Callback<v1::OtpSent> done);
  void SignIn(v1::SignInRequest req, Callback<v1::SignInResponse> done);
  void RequestLinkOtp(Principal who, v1::RequestLinkOtpRequest req, Callback<v1::OtpSent> done);
  void LinkConsumer(Principal who, v1::LinkConsumerRequest req,
                    Callback<v1::LinkConsumerResponse> done);
  void SignOut(Principal who, Callback<v1::SignOutResponse> done);
  void RevokeSignIns(v1::RevokeSignInsRequest req, Callback<v1::RevokeSignInsResponse> done);
  // NotificationToWire is what the notification stream sends for a stored
  // notification: an OTP's sealed password opened into `otp` and `text`.
  // DataLoss for a sealed OTP that does not open (changed, or another key).
  absl::StatusOr<v1::Notification> NotificationToWire(store::v1::NotificationRecord record) const;

  // Consumer, payment-gateway and retailer mutations. StartRecharge answers a
  // consumer's order for a meter not theirs as for an unknown one, and gives
  // the order a random id (wallet/orders.h). CancelOrder cancels a pending
  // order: NotFound for another consumer's, FailedPrecondition for one that
  // is paid, cancelled or expired.
  void StartRecharge(Principal who, v1::StartRechargeRequest req,
                     Callback<v1::StartRechargeResponse> done);
  void CancelOrder(Principal who, v1::CancelOrderRequest req,
                   Callback<v1::CancelOrderResponse> done);
  void ConfirmPayment(v1::ConfirmPaymentRequest req, Callback<v1::ConfirmPaymentResponse> done);
  // Online payments through the payment gateway (Ledger::RecordGatewayOrder
  // and Ledger::ApplyPaymentEvent say how they fail): the gateway's order for
  // one of walletd's, and the gateway's events, applied once per event id.
  void RecordGatewayOrder(std::string order_id, std::string gateway_order_id,
                          Callback<v1::Order> done);
  void ApplyPaymentEvent(v1::PaymentEvent event, Callback<v1::PaymentEventResult> done);
  // `who` is a retailer (acting on its own float) or an admin naming one.
  void RetailerRecharge(Principal who, v1::RetailerRechargeRequest req,
                        Callback<v1::RetailerRechargeResponse> done);

  // Reads. NotFound for unknown ids, PermissionDenied for other retailers'
  // floats. A consumer gets the same NotFound for another consumer's meter as
  // for an unknown one (NotYourMeter), so that meter ids cannot be probed.
  // GetBalance and ListMyMeters give the consumer's status of a meter at the
  // clock's time (wallet/meter_status.h).
  absl::StatusOr<v1::MeterView> GetMeter(const std::string& meter_id) const;
  absl::StatusOr<v1::ListMetersResponse> ListMeters(const v1::ListMetersRequest& req) const;
  absl::StatusOr<v1::GetJournalResponse> GetJournal(const v1::GetJournalRequest& req) const;
  absl::StatusOr<v1::CheckLedgerResponse> CheckLedger() const;
  // ListChanges lists the recorded changes of one meter or one consumer,
  // newest first: InvalidArgument unless exactly one is named, NotFound for
  // an unknown one.
  absl::StatusOr<v1::ListChangesResponse> ListChanges(const v1::ListChangesRequest& req) const;
  absl::StatusOr<v1::GetBalanceResponse> GetBalance(const Principal& who,
                                                    const std::string& meter_id) const;
  absl::StatusOr<v1::ListMyMetersResponse> ListMyMeters(const Principal& who) const;
  absl::StatusOr<v1::ListTransactionsResponse> ListTransactions(
      const Principal& who, const v1::ListTransactionsRequest& req) const;
  absl::StatusOr<v1::GetFloatResponse> GetFloat(const Principal& who,
                                                const std::string& retailer_id) const;
  absl::StatusOr<v1::GetStatementResponse> GetStatement(
      const Principal& who, const v1::GetStatementRequest& req) const;
  // Orders as of the clock's time (a pending order past its expiry reads as
  // EXPIRED). A consumer sees only its own: GetOrder of another's is
  // NotFound, as for an unknown order; ListOrders with another's
  // consumer_id PermissionDenied, with another's meter NotFound. An admin's
  // ListOrders names a meter or a consumer (InvalidArgument with neither).
  absl::StatusOr<v1::Order> GetOrder(const Principal& who, const std::string& order_id) const;
  absl::StatusOr<v1::ListOrdersResponse> ListOrders(const Principal& who,
                                                    const v1::ListOrdersRequest& req) const;
  // OrdersAwaitingGateway lists, oldest first and at most `limit`, the orders
  // made at least `age` ago (and within the order lifetime) that have a
  // gateway order and still await payment (pending or failed) at the clock's
  // time: those the order reconciler asks the gateway about.
  absl::StatusOr<std::vector<v1::Order>> OrdersAwaitingGateway(absl::Duration age,
                                                               int limit) const;

  // Collection of dues (wallet_collection.cc; Ledger::ImportDuesChunk and
  // the payments say how they fail). CheckDuesImportHeader refuses a header
  // before its chunks come (InvalidArgument: import_id, source, an as_of
  // time that is malformed or in the future); the ledger checks it again
  // with every chunk. ImportDuesChunk answers with the chunk's progress once
  // it is durable. RetailerPayDues: `who` is a retailer (its own float) or an
  // admin naming one.
  absl::Status CheckDuesImportHeader(const v1::DuesImportHeader& header) const;
  void ImportDuesChunk(v1::DuesImportHeader header, v1::DuesChunk chunk,
                       Callback<v1::ImportDuesProgress> done);
  void PayDuesAtCounter(v1::PayDuesRequest req, Callback<v1::PayDuesResponse> done);
  void RetailerPayDues(Principal who, v1::RetailerPayDuesRequest req,
                       Callback<v1::PayDuesResponse> done);
  // ListDefaulters selects from the defaulter index (committed state):
  // InvalidArgument for a bad selection or page token, a page size below 0.
  absl::StatusOr<v1::ListDefaultersResponse> ListDefaulters(
      const v1::ListDefaultersRequest& req) const;
  // defaulters is the index of every meter's dues, balance and place
  // (wallet/defaulter_index.h); thread-safe.
  const DefaulterIndex& defaulters() const { return *defaulters_; }

  // Meter gateway and policy operations.
  void IngestReadings(v1::IngestReadingsRequest req, Callback<v1::IngestReadingsResponse> done);
  void ReportRelayOutcome(v1::RelayOutcome outcome,
                          Callback<v1::ReportRelayOutcomeResponse> done);
  void SetHold(v1::SetHoldRequest req, Callback<v1::SetHoldResponse> done);
  void PutTariff(v1::PutTariffRequest req, Callback<v1::PutTariffResponse> done);
  // ListTariffs returns the tariff file's versions and those added since.
  absl::StatusOr<v1::TariffBook> ListTariffs() const;
  absl::StatusOr<v1::MeterPolicyState> GetMeterState(const std::string& meter_id) const;
  // Tick runs the policy scheduler once at the clock's time and waits until
  // its decisions are durable.
  absl::Status Tick();

  // Collection drives (wallet/drive.h, wallet_drives.cc). The actions are by
  // the admin `who`, recorded with its key (Ledger::CreateDrive and the
  // others say how they fail). The readers see committed drives: NotFound
  // for an unknown drive, InvalidArgument for a page token not issued for
  // the same call and filters.
  void CreateDrive(Principal who, v1::CreateDriveRequest req, Callback<v1::Drive> done);
  void ApproveDrive(Principal who, v1::DriveActionRequest req, Callback<v1::Drive> done);
  void PauseDrive(Principal who, v1::DriveActionRequest req, Callback<v1::Drive> done);
  void ResumeDrive(Principal who, v1::DriveActionRequest req, Callback<v1::Drive> done);
  void CancelDrive(Principal who, v1::DriveActionRequest req, Callback<v1::Drive> done);
  absl::StatusOr<v1::Drive> GetDrive(const std::string& drive_id) const;
  absl::StatusOr<v1::ListDrivesResponse> ListDrives(const v1::ListDrivesRequest& req) const;
  absl::StatusOr<v1::ListDriveMetersResponse> ListDriveMeters(
      const v1::ListDriveMetersRequest& req) const;
  // SetDriveListener installs a function called (on the commit path, so it
  // must be quick) whenever a committed group changed a drive.
  void SetDriveListener(std::function<void()> listener);

  // The outbox streams (wallet/outbox.h): relay commands and notifications.
  // ReadOutbox returns committed items after `after_seq`, at most `max`, as
  // stored (ToWire in wallet/wire.h gives what receivers are sent);
  // OutboxCursor the last acknowledged seq; AckOutbox records an
  // acknowledgement durably (InvalidArgument beyond the newest item).
  absl::StatusOr<std::vector<store::v1::OutboxItem>> ReadOutbox(Stream stream, uint64_t after_seq,
                                                                int max) const;
  absl::StatusOr<uint64_t> OutboxCursor(Stream stream) const;
  void AckOutbox(Stream stream, uint64_t seq, Callback<bool> done);
  // SetOutboxListener installs a function called (on the commit path, so it
  // must be quick) whenever committed outbox items appear.
  void SetOutboxListener(std::function<void()> listener);
  // GetOutboxStats reads a stream's figures from the store, ages on the
  // wallet's clock.
  absl::StatusOr<OutboxStats> GetOutboxStats(Stream stream) const;

  const PipelineStats& pipeline_stats() const { return pipeline_->stats(); }

  // write_health says whether writes are taken and why not. Thread-safe.
  WriteHealth write_health() const;

 private:
  Wallet(std::unique_ptr<Store> store, std::unique_ptr<DefaulterIndex> defaulters,
         std::unique_ptr<Ledger> ledger, base::Clock* clock, std::unique_ptr<Random> own_random,
         Random* random, std::string page_key, const WalletOptions& options);

  // Mutate runs `apply` on the writer and hands its result to `done` once durable.
  template <typename Response, typename ApplyFn>
  void Mutate(ApplyFn apply, Callback<Response> done);
  // MutateAsRetailer is Mutate of the ledger's `op` for a retailer's call:
  // `op` gets the acting retailer (ActingRetailer) and `req`; a caller who
  // may not act for it gets ActingRetailer's error and nothing is queued.
  template <auto op, typename Request, typename Response>
  void MutateAsRetailer(const Principal& who, Request req, Callback<Response> done);
  // MutateDrive is Mutate for the drive calls (wallet_drives.cc).
  void MutateDrive(std::function<absl::StatusOr<v1::Drive>(Txn&)> apply,
                   Callback<v1::Drive> done);

  absl::StatusOr<int64_t> StoredBalance(const std::string& account,
                                        const Store::Snapshot* at = nullptr) const;
  // StoredDues is what the meter owes, committed (as of `at`).
  absl::StatusOr<DuesAmounts> StoredDues(const std::string& meter_id,
                                         const Store::Snapshot* at = nullptr) const;
  // StoredAccount is the committed balance (as of `at`), nullopt if the
  // account does not exist.
  absl::StatusOr<std::optional<int64_t>> StoredAccount(const std::string& account,
                                                       const Store::Snapshot* at) const;
  absl::StatusOr<store::v1::MeterRecord> ReadMeter(const std::string& meter_id) const;
  // OrdersConsumer is the consumer whose orders a non-admin's ListOrders
  // lists: the one named, the named meter's owner, or the caller's only
  // consumer (InvalidArgument for a sign-in with several; empty for none).
  absl::StatusOr<std::string> OrdersConsumer(const Principal& who,
                                             const v1::ListOrdersRequest& req) const;
  // DrawOtp draws an OTP and its salt and makes its sealer (NewOtp);
  // FailedPrecondition without a seal key.
  absl::StatusOr<NewOtp> DrawOtp();
  // MutateSignIn is Mutate for a sign-in change: once it is durable, cached
  // tokens are forgotten, so that the next call reads them again.
  template <typename Response, typename ApplyFn>
  void MutateSignIn(ApplyFn apply, Callback<Response> done);
  // ForgetCredentials empties the caches of API keys and tokens.
  void ForgetCredentials();
  absl::StatusOr<store::v1::MeterRecord> ReadOwnedMeter(const Principal& who,
                                                        const std::string& meter_id) const;
  absl::StatusOr<std::string> ActingRetailer(const Principal& who,
                                             const std::string& requested) const;
  absl::StatusOr<store::v1::RetailerRecord> ReadRetailer(const std::string& retailer_id) const;
  absl::StatusOr<v1::MeterView> ViewOf(store::v1::MeterRecord meter) const;
  absl::StatusOr<v1::GetBalanceResponse> BalanceOf(const store::v1::MeterRecord& meter) const;
  // DefaulterOf is one row of ListDefaulters: the index's figures and the
  // meter's record, consumer and last dues import, as of `at`.
  absl::StatusOr<v1::Defaulter> DefaulterOf(const DefaulterIndex::Row& row,
                                            const Store::Snapshot* at) const;
  // ReadWallet returns the meter's stored state: its wallet (balance and last
  // recharge), readings and policy state; an empty one if none is stored.
  absl::StatusOr<store::v1::MeterState> ReadWallet(const std::string& meter_id) const;

  void RunTicker(absl::Duration interval);

  // Rebuild reopens the store and reloads the ledger from it; called through
  // CommitPipeline::Recover (by the disk monitor), while no operation runs.
  absl::Status Rebuild();

  std::unique_ptr<Store> store_;
  // The index every ledger loaded updates; outlives the pipeline.
  const std::unique_ptr<DefaulterIndex> defaulters_;
  std::unique_ptr<Ledger> ledger_;
  base::Clock* clock_;
  const WalletOptions options_;
  // The system's randomness when WalletOptions.random is null.
  const std::unique_ptr<Random> own_random_;
  Random* const random_;
  // Page tokens of every listing, under the store's key.
  const PageTokens tokens_;
  const v1::TariffBook file_tariffs_;
  const absl::Duration order_lifetime_;
  // The prepaid policy (defaults applied) and its calendar, for the status
  // readers compute from committed meter state (wallet/meter_status.h).
  const v1::PolicyConfig policy_;
  const CutoffCalendar calendar_;
  std::unique_ptr<CommitPipeline> pipeline_;

  // Whether writes are taken; the disk monitor (null when disabled) stops
  // and resumes them.
  WriteGate gate_;
  std::unique_ptr<DiskMonitor> monitor_;

  absl::Mutex listener_mu_;
  std::function<void()> outbox_listener_ ABSL_GUARDED_BY(listener_mu_);
  std::function<void()> drive_listener_ ABSL_GUARDED_BY(listener_mu_);

  absl::Mutex ticker_mu_;
  bool ticker_stop_ ABSL_GUARDED_BY(ticker_mu_) = false;
  std::thread ticker_;

  // Principals of API keys and sign-in tokens looked up, by hash, with the
  // time from which each is refused (InfiniteFuture: until revoked). A
  // revocation bumps credentials_epoch_ once durable and empties the caches;
  // a lookup that read the store before that does not cache what it read.
  struct Cached {
    Principal principal;
    absl::Time refuse_time;
  };
  mutable absl::Mutex keys_mu_;
  absl::flat_hash_map<std::string, Cached> key_cache_ ABSL_GUARDED_BY(keys_mu_);
  absl::flat_hash_map<std::string, Cached> token_cache_ ABSL_GUARDED_BY(keys_mu_);
  uint64_t credentials_epoch_ ABSL_GUARDED_BY(keys_mu_) = 0;
};

}  // namespace wallet

#endif  // WALLET_WALLET_H_
