#include "wallet/wallet.h"

#include <algorithm>
#include <future>
#include <limits>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "base/status_macros.h"
#include "glog/logging.h"
#include "wallet/accounts.h"
#include "wallet/auth.h"
#include "wallet/journal_pager.h"
#include "wallet/ledger.h"
#include "wallet/meter_status.h"
#include "wallet/orders.h"
#include "wallet/paging.h"
#include "wallet/record_io.h"
#include "wallet/tariff.h"
#include "wallet/validate.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

constexpr int32_t kDefaultJournalPage = 50;
// Logged after the cause whenever writes stop.
constexpr char kStoppedAdvice[] =
    ". walletd answers every change UNAVAILABLE and keeps serving reads; writes resume by "
    "themselves once space is freed";
constexpr int32_t kDefaultMeterPage = 100;
// A filtered meter listing stops after this many rows and hands back a token,
// so one call never walks a whole utility.
constexpr int kMaxRowsScannedPerPage = 200'000;
constexpr int kMaxStatementEntries = 10'000;

// Where the store keeps the secret key of page tokens.
constexpr absl::string_view kPageTokenKey = "page_token_key";

// PageTokenKey returns the store's page-token key, creating it from `random`
// when the store has none yet (a new store, or one from before tokens were
// authenticated): tokens stay valid across restarts.
absl::StatusOr<std::string> PageTokenKey(Store& store, Random& random) {
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> key, store.Get(Table::kMeta, kPageTokenKey));
  if (key && key->size() == PageTokens::kKeyBytes) return *std::move(key);
  WALLET_ASSIGN_OR_RETURN(std::string created, random.Bytes(PageTokens::kKeyBytes));
  if (!store.writable()) {
    // Opened read-only on a full disk before any key was kept: tokens made
    // now stay valid until the next restart.
    LOG(WARNING) << "page tokens use a key kept in memory until walletd can write";
    return created;
  }
  Batch batch(&store);
  batch.Put(Table::kMeta, kPageTokenKey, created);
  WALLET_RETURN_IF_ERROR(store.Commit(batch));
  return created;
}

v1::PolicyConfig WithPolicyDefaults(v1::PolicyConfig policy) {
  ApplyPolicyDefaults(&policy);
  return policy;
}

bool MatchesFilter(const store::v1::MeterRecord& meter, const v1::ListMetersRequest& req) {
  return (req.category() == v1::CATEGORY_UNSPECIFIED || meter.category() == req.category()) &&
         (req.circle().empty() || meter.circle() == req.circle()) &&
         (req.division().empty() || meter.division() == req.division()) &&
         (req.subdivision().empty() || meter.subdivision() == req.subdivision()) &&
         (req.consumer_id().empty() || meter.consumer_id() == req.consumer_id());
}

}  // namespace

absl::StatusOr<std::unique_ptr<Wallet>> Wallet::Open(const WalletOptions& options, base::Clock* clock) {
  StoreOptions store_options;
  store_options.path = options.data_dir;
  store_options.sync = options.sync;
  store_options.env = options.env;
  WALLET_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Store::Open(store_options));
  WALLET_ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger,
                          Ledger::Load(store.get(), options.ledger));
  WALLET_RETURN_IF_ERROR(ledger->CheckTariffsInUse(clock->Now()));
  std::unique_ptr<Random> own_random;
  Random* random = options.random;
  if (random == nullptr) {
    own_random = std::make_unique<SystemRandom>();
    random = own_random.get();
  }
  WALLET_ASSIGN_OR_RETURN(std::string page_key, PageTokenKey(*store, *random));
  return std::unique_ptr<Wallet>(new Wallet(std::move(store), std::move(ledger), clock,
                                            std::move(own_random), random, std::move(page_key),
                                            options));
}

Wallet::Wallet(std::unique_ptr<Store> store, std::unique_ptr<Ledger> ledger, base::Clock* clock,
               std::unique_ptr<Random> own_random, Random* random, std::string page_key,
               const WalletOptions& options)
    : store_(std::move(store)),
      ledger_(std::move(ledger)),
      clock_(clock),
      options_(options),
      own_random_(std::move(own_random)),
      random_(random),
      tokens_(std::move(page_key)),
      file_tariffs_(options.ledger.tariffs),
      order_lifetime_(options.ledger.order_lifetime),
      policy_(WithPolicyDefaults(options.ledger.policy)),
      calendar_(policy_.calendar()),
      recovery_backoff_(options.disk_check_interval) {
  pipeline_ = std::make_unique<CommitPipeline>(
      store_.get(), clock,
      [this](Txn& txn) -> CommitPipeline::Completion {
        ledger_->FinishGroup(txn);
        const bool outbox = ledger_->TakeOutboxWritten();
        const bool drives = ledger_->TakeDrivesWritten();
        if (!outbox && !drives) return nullptr;
        return [this, outbox, drives](const absl::Status& committed) {
          if (!committed.ok()) return;
          absl::MutexLock lock(&listener_mu_);
          if (outbox && outbox_listener_) outbox_listener_();
          if (drives && drive_listener_) drive_listener_();
        };
      },
      [this](const absl::Status& error) { return CommitFailed(error, "a commit failed"); },
      options.pipeline);
  absl::StatusOr<uint64_t> free = store_->FreeBytes();
  if (free.ok()) free_bytes_ = *free;
  if (!store_->writable()) {
    pipeline_->Fail(CommitFailed(absl::ResourceExhaustedError("the disk is full"),
                                 "the store was opened read-only"));
  }
  if (options.disk_check_interval > absl::ZeroDuration()) {
    monitor_ = std::thread([this, interval = options.disk_check_interval] {
      RunDiskMonitor(interval);
    });
  }
  if (options.tick_interval > absl::ZeroDuration()) {
    ticker_ = std::thread([this, interval = options.tick_interval] { RunTicker(interval); });
  }
}

Wallet::~Wallet() {
  if (monitor_.joinable()) {
    {
      absl::MutexLock lock(&monitor_mu_);
      monitor_stop_ = true;
    }
    monitor_.join();
  }
  if (ticker_.joinable()) {
    {
      absl::MutexLock lock(&ticker_mu_);
      ticker_stop_ = true;
    }
    ticker_.join();
  }
  pipeline_->Stop();
  // A store that failed a write refuses to flush; its write-ahead log is
  // replayed on the next start instead.
  if (pipeline_->failed() || !store_->writable()) return;
  absl::Status flushed = store_->Flush();
  if (!flushed.ok()) LOG(WARNING) << "flush on close failed: " << flushed;
}

template <typename Response, typename ApplyFn>
void Wallet::Mutate(ApplyFn apply, Callback<Response> done) {
  if (!writable_.load(std::memory_order_relaxed)) {
    done(Refusal());
    return;
  }
  const bool queued = pipeline_->Submit(
      [apply = std::move(apply), done](Txn* txn) mutable -> CommitPipeline::Completion {
        if (txn == nullptr) {
          return [done = std::move(done)](const absl::Status& refused) { done(refused); };
        }
        auto result = std::make_shared<absl::StatusOr<Response>>(apply(*txn));
        return [result, done = std::move(done)](const absl::Status& committed) {
          if (!committed.ok()) {
            done(committed);
          } else {
            done(std::move(*result));
          }
        };
      });
  if (!queued) done(absl::UnavailableError("the wallet is shutting down"));
}

void Wallet::MutateDrive(std::function<absl::StatusOr<v1::Drive>(Txn&)> apply,
                         Callback<v1::Drive> done) {
  Mutate<v1::Drive>(std::move(apply), std::move(done));
}

void Wallet::RunTicker(absl::Duration interval) {
  absl::MutexLock lock(&ticker_mu_);
  while (!ticker_mu_.AwaitWithTimeout(absl::Condition(&ticker_stop_), interval)) {
    // A tick writes (outbox items, due times): none while writes are refused.
    // Meters that fall due meanwhile are still due at the next tick.
    if (!writable_.load(std::memory_order_relaxed)) continue;
    pipeline_->Submit(
        [this](Txn* txn) -> CommitPipeline::Completion {
          if (txn != nullptr) ledger_->Tick(*txn);
          return nullptr;
        },
        CommitPipeline::Kind::kTick);
  }
}

absl::Status Wallet::Tick() {
  if (!writable_.load(std::memory_order_relaxed)) return Refusal();
  auto promise = std::make_shared<std::promise<absl::Status>>();
  std::future<absl::Status> ticked = promise->get_future();
  const bool queued = pipeline_->Submit(
      [this, promise](Txn* txn) -> CommitPipeline::Completion {
        if (txn != nullptr) ledger_->Tick(*txn);
        return [promise](const absl::Status& committed) { promise->set_value(committed); };
      },
      CommitPipeline::Kind::kTick);
  if (!queued) return absl::UnavailableError("the wallet is shutting down");
  return ticked.get();
}

WriteHealth Wallet::write_health() const {
  WriteHealth health;
  health.free_bytes = free_bytes_.load(std::memory_order_relaxed);
  absl::MutexLock lock(&health_mu_);
  health.writable = !write_failed_ && !low_space_;
  health.reason = write_failed_ ? failure_reason_ : low_space_reason_;
  return health;
}

absl::Status Wallet::Refusal() const {
  absl::MutexLock lock(&health_mu_);
  if (refusal_.ok()) return absl::UnavailableError("walletd is not accepting changes; retry");
  return refusal_;
}

std::string Wallet::DiskFigures(uint64_t free_bytes) const {
  return absl::StrCat(store_->path(), " has ", free_bytes >> 20, " MiB free (reserve ",
                      options_.min_free_bytes >> 20, " MiB)");
}

void Wallet::UpdateWriteStateLocked() {
  const bool writable = !write_failed_ && !low_space_;
  if (writable) {
    refusal_ = absl::OkStatus();
  } else {
    // Clients learn what happened and what to expect, not where the files are.
    const char* what = !write_failed_ ? "its data disk is nearly full (below the free-space reserve)"
                       : disk_full_   ? "its data disk is full"
                                      : "it cannot write to its data disk (I/O error)";
    refusal_ = absl::UnavailableError(
        absl::StrCat("walletd is not accepting changes: ", what,
                     "; writes resume by themselves once space is freed or the disk can be "
                     "written again; reads still work"));
  }
  writable_.store(writable, std::memory_order_relaxed);
}

absl::Status Wallet::CommitFailed(const absl::Status& error, const std::string& what) {
  absl::MutexLock lock(&health_mu_);
  write_failed_ = true;
  disk_full_ = error.code() == absl::StatusCode::kResourceExhausted;
  failure_reason_ = absl::StrCat(what, " (", error.message(), "); ",
                                 DiskFigures(free_bytes_.load(std::memory_order_relaxed)));
  LOG(ERROR) << "WRITES STOPPED: " << failure_reason_ << kStoppedAdvice;
  UpdateWriteStateLocked();
  return refusal_;
}

void Wallet::SetLowSpace(uint64_t free_bytes) {
  const uint64_t reserve = options_.min_free_bytes;
  absl::MutexLock lock(&health_mu_);
  // Resuming only an eighth above the reserve keeps a disk hovering at the
  // reserve from stopping and resuming writes every few seconds.
  const bool low = free_bytes < reserve || (low_space_ && free_bytes < reserve + reserve / 8);
  if (low) {
    low_space_reason_ = absl::StrCat(DiskFigures(free_bytes),
                                     ", below the free-space reserve (--min_free_disk_mb)");
  }
  if (low == low_space_) return;
  low_space_ = low;
  if (!write_failed_) {
    if (low) {
      LOG(ERROR) << "WRITES STOPPED: " << low_space_reason_ << kStoppedAdvice;
    } else {
      LOG(WARNING) << "WRITES RESUMED: free space is back: " << DiskFigures(free_bytes);
    }
  }
  if (!low) low_space_reason_.clear();
  UpdateWriteStateLocked();
}

void Wallet::Recovered(uint64_t free_bytes) {
  absl::MutexLock lock(&health_mu_);
  write_failed_ = false;
  failure_reason_.clear();
  if (low_space_) {
    LOG(WARNING) << "store reopened and ledger reloaded, but writes stay stopped: "
                 << low_space_reason_;
  } else {
    LOG(WARNING) << "WRITES RESUMED: the store was reopened and the ledger reloaded from it; "
                 << DiskFigures(free_bytes);
  }
  UpdateWriteStateLocked();
}

void Wallet::RunDiskMonitor(absl::Duration interval) {
  absl::MutexLock lock(&monitor_mu_);
  while (!monitor_mu_.AwaitWithTimeout(absl::Condition(&monitor_stop_), interval)) {
    monitor_mu_.Unlock();
    CheckDisk(interval);
    monitor_mu_.Lock();
  }
}

void Wallet::CheckDisk(absl::Duration interval) {
  absl::StatusOr<uint64_t> measured = store_->FreeBytes();
  if (!measured.ok()) {
    LOG_EVERY_N(WARNING, 600) << "cannot read the free space of " << store_->path() << ": "
                              << measured.status();
    return;
  }
  const uint64_t free = *measured;
  free_bytes_.store(free, std::memory_order_relaxed);
  SetLowSpace(free);
  if (!pipeline_->failed() || free < options_.min_free_bytes) return;
  // Each attempt reopens the store; while they fail and no space comes back,
  // they come further apart.
  const absl::Time now = absl::Now();  // paces retries; not ledger time
  const bool more_space = free >= free_at_failed_recovery_ + (uint64_t{1} << 20);
  if (now < next_recovery_ && !more_space) return;
  absl::Status recovered = pipeline_->Recover([this] { return Rebuild(); });
  if (!recovered.ok()) {
    recovery_backoff_ = std::min(recovery_backoff_ * 2, interval * 32);
    next_recovery_ = now + recovery_backoff_;
    free_at_failed_recovery_ = free;
    if (now - last_recovery_log_ >= absl::Minutes(1)) {
      last_recovery_log_ = now;
      LOG(WARNING) << "writes still stopped: reopening the store failed: " << recovered << "; "
                   << DiskFigures(free) << "; retrying";
    }
    return;
  }
  recovery_backoff_ = interval;
  next_recovery_ = absl::InfinitePast();
  free_at_failed_recovery_ = 0;
  Recovered(free);
}

absl::Status Wallet::Rebuild() {
  WALLET_RETURN_IF_ERROR(store_->Reopen());
  WALLET_ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger,
                          Ledger::Load(store_.get(), options_.ledger));
  ledger_ = std::move(ledger);
  // A key issued in a failed group is known only if the reopened store has it.
  absl::MutexLock lock(&keys_mu_);
  key_cache_.clear();
  return absl::OkStatus();
}

void Wallet::IngestReadings(v1::IngestReadingsRequest req,
                            Callback<v1::IngestReadingsResponse> done) {
  Mutate<v1::IngestReadingsResponse>(
      [this, req = std::move(req)](Txn& txn) { return ledger_->IngestReadings(txn, req); },
      std::move(done));
}

void Wallet::ReportRelayOutcome(v1::RelayOutcome outcome,
                                Callback<v1::ReportRelayOutcomeResponse> done) {
  Mutate<v1::ReportRelayOutcomeResponse>(
      [this, outcome = std::move(outcome)](Txn& txn) {
        return ledger_->ReportRelayOutcome(txn, outcome);
      },
      std::move(done));
}

void Wallet::SetHold(v1::SetHoldRequest req, Callback<v1::SetHoldResponse> done) {
  Mutate<v1::SetHoldResponse>(
      [this, req = std::move(req)](Txn& txn) { return ledger_->SetHold(txn, req); },
      std::move(done));
}

void Wallet::PutTariff(v1::PutTariffRequest req, Callback<v1::PutTariffResponse> done) {
  Mutate<v1::PutTariffResponse>(
      [this, req = std::move(req)](Txn& txn) { return ledger_->PutTariff(txn, req); },
      std::move(done));
}

absl::StatusOr<v1::TariffBook> Wallet::ListTariffs() const {
  WALLET_ASSIGN_OR_RETURN(TariffBook book, TariffBook::Create(file_tariffs_));
  absl::Status status;
  WALLET_RETURN_IF_ERROR(store_->Scan(
      Table::kMeta, kTariffPrefix, "", false, [&](absl::string_view, absl::string_view value) {
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

void Wallet::AckOutbox(Stream stream, uint64_t seq, Callback<bool> done) {
  Mutate<bool>(
      [this, stream, seq](Txn& txn) -> absl::StatusOr<bool> {
        WALLET_RETURN_IF_ERROR(ledger_->AckOutbox(txn, stream, seq));
        return true;
      },
      std::move(done));
}

void Wallet::SetOutboxListener(std::function<void()> listener) {
  absl::MutexLock lock(&listener_mu_);
  outbox_listener_ = std::move(listener);
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

absl::StatusOr<Principal> Wallet::Authenticate(absl::string_view api_key) {
  if (api_key.empty()) return absl::UnauthenticatedError("missing API key (x-api-key)");
  const std::string hash = HashApiKey(api_key);
  {
    absl::MutexLock lock(&keys_mu_);
    auto it = key_cache_.find(hash);
    if (it != key_cache_.end()) return it->second;
  }
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> stored, store_->Get(Table::kApiKeys, hash));
  if (!stored) return absl::UnauthenticatedError("unknown API key");
  WALLET_ASSIGN_OR_RETURN(store::v1::ApiKeyRecord record,
                          ParseRecord<store::v1::ApiKeyRecord>(*stored, "API key"));
  Principal principal{record.role(), record.subject_id()};
  // Only admins' changes are recorded with their key; the other roles' calls
  // (the hot paths) copy no more than they need.
  if (principal.is_admin()) {
    principal.key_id = hash.substr(0, 16);
    principal.key_label = record.label();
  }
  absl::MutexLock lock(&keys_mu_);
  key_cache_[hash] = principal;
  return principal;
}

absl::Status Wallet::EnsureApiKey(absl::string_view api_key, v1::Role role,
                                  const std::string& label) {
  std::promise<absl::Status> promise;
  const std::string hash = HashApiKey(api_key);
  Mutate<bool>(
      [this, hash, role, label](Txn& txn) -> absl::StatusOr<bool> {
        WALLET_RETURN_IF_ERROR(ledger_->EnsureApiKey(txn, hash, role, label));
        return true;
      },
      [&promise](absl::StatusOr<bool> r) { promise.set_value(r.status()); });
  return promise.get_future().get();
}

void Wallet::RegisterMeter(v1::RegisterMeterRequest req, Callback<v1::RegisterMeterResponse> done) {
  Mutate<v1::RegisterMeterResponse>(
      [this, req = std::move(req)](Txn& txn) { return ledger_->RegisterMeter(txn, req); },
      std::move(done));
}

void Wallet::UpdateConsumer(Principal who, v1::UpdateConsumerRequest req,
                            Callback<v1::UpdateConsumerResponse> done) {
  Mutate<v1::UpdateConsumerResponse>(
      [this, who = std::move(who), req = std::move(req)](Txn& txn) {
        return ledger_->UpdateConsumer(txn, who, req);
      },
      std::move(done));
}

void Wallet::UpdateMeter(Principal who, v1::UpdateMeterRequest req,
                         Callback<v1::UpdateMeterResponse> done) {
  Mutate<v1::UpdateMeterResponse>(
      [this, who = std::move(who), req = std::move(req)](Txn& txn) {
        return ledger_->UpdateMeter(txn, who, req);
      },
      std::move(done));
}

void Wallet::MoveMeter(Principal who, v1::MoveMeterRequest req,
                       Callback<v1::MoveMeterResponse> done) {
  Mutate<v1::MoveMeterResponse>(
      [this, who = std::move(who), req = std::move(req)](Txn& txn) {
        return ledger_->MoveMeter(txn, who, req);
      },
      std::move(done));
}

void Wallet::AdjustBalance(v1::AdjustBalanceRequest req, Callback<v1::AdjustBalanceResponse> done) {
  Mutate<v1::AdjustBalanceResponse>(
      [this, req = std::move(req)](Txn& txn) { return ledger_->AdjustBalance(txn, req); },
      std::move(done));
}

void Wallet::CreateRetailer(v1::CreateRetailerRequest req,
                            Callback<v1::CreateRetailerResponse> done) {
  Mutate<v1::CreateRetailerResponse>(
      [this, req = std::move(req)](Txn& txn) { return ledger_->CreateRetailer(txn, req); },
      std::move(done));
}

void Wallet::TopUpFloat(v1::TopUpFloatRequest req, Callback<v1::TopUpFloatResponse> done) {
  Mutate<v1::TopUpFloatResponse>(
      [this, req = std::move(req)](Txn& txn) { return ledger_->TopUpFloat(txn, req); },
      std::move(done));
}

void Wallet::IssueApiKey(v1::IssueApiKeyRequest req, std::string api_key,
                         Callback<v1::IssueApiKeyResponse> done) {
  const std::string hash = HashApiKey(api_key);
  Mutate<v1::IssueApiKeyResponse>(
      [this, req = std::move(req), hash, api_key = std::move(api_key)](
          Txn& txn) -> absl::StatusOr<v1::IssueApiKeyResponse> {
        bool issued = false;
        WALLET_ASSIGN_OR_RETURN(v1::IssueApiKeyResponse response,
                                ledger_->IssueApiKey(txn, req, hash, &issued));
        // Only the call that stored this key's hash may show the key.
        if (issued) response.set_api_key(api_key);
        return response;
      },
      std::move(done));
}

void Wallet::StartRecharge(Principal who, v1::StartRechargeRequest req,
                           Callback<v1::StartRechargeResponse> done) {
  // Chosen here, not in the ledger: the ledger's state follows from its
  // inputs, and the id is one (a replay keeps the first id).
  absl::StatusOr<std::string> order_id = TimeOrderedId(*random_, clock_->Now(), kOrderIdPrefix);
  if (!order_id.ok()) {
    done(order_id.status());
    return;
  }
  Mutate<v1::StartRechargeResponse>(
      [this, who = std::move(who), req = std::move(req), id = *std::move(order_id)](Txn& txn) {
        return ledger_->StartRecharge(txn, who, req, id);
      },
      std::move(done));
}

void Wallet::CancelOrder(Principal who, v1::CancelOrderRequest req,
                         Callback<v1::CancelOrderResponse> done) {
  Mutate<v1::CancelOrderResponse>(
      [this, who = std::move(who), req = std::move(req)](Txn& txn) {
        return ledger_->CancelOrder(txn, who, req);
      },
      std::move(done));
}

void Wallet::ConfirmPayment(v1::ConfirmPaymentRequest req,
                            Callback<v1::ConfirmPaymentResponse> done) {
  Mutate<v1::ConfirmPaymentResponse>(
      [this, req = std::move(req)](Txn& txn) { return ledger_->ConfirmPayment(txn, req); },
      std::move(done));
}

void Wallet::RetailerRecharge(Principal who, v1::RetailerRechargeRequest req,
                              Callback<v1::RetailerRechargeResponse> done) {
  absl::StatusOr<std::string> retailer = ActingRetailer(who, req.retailer_id());
  if (!retailer.ok()) {
    done(retailer.status());
    return;
  }
  Mutate<v1::RetailerRechargeResponse>(
      [this, retailer = *std::move(retailer), req = std::move(req)](Txn& txn) {
        return ledger_->RetailerRecharge(txn, retailer, req);
      },
      std::move(done));
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
  return static_cast<int64_t>(DecodeBigEndian64(*value));
}

absl::StatusOr<int64_t> Wallet::StoredBalance(const std::string& account) const {
  WALLET_ASSIGN_OR_RETURN(std::optional<int64_t> balance, StoredAccount(account, nullptr));
  return balance.value_or(0);
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
  if (absl::IsNotFound(meter.status()) || (meter.ok() && meter->consumer_id() != who.subject_id)) {
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
  WALLET_ASSIGN_OR_RETURN(int64_t arrears, StoredBalance(ArrearsAccount(meter.meter_id())));
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> consumer,
                          store_->Get(Table::kConsumers, meter.consumer_id()));
  if (consumer) {
    WALLET_ASSIGN_OR_RETURN(store::v1::ConsumerRecord record,
                            ParseRecord<store::v1::ConsumerRecord>(*consumer, "consumer"));
    *view.mutable_consumer() = ToWire(std::move(record));
  }
  view.set_balance_paise(wallet.balance_paise());
  view.set_arrears_paise(-arrears);
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
  WALLET_ASSIGN_OR_RETURN(int64_t arrears, StoredBalance(ArrearsAccount(meter.meter_id())));
  v1::GetBalanceResponse response =
      MeterStatusOf(meter.meter_id(), wallet, PolicyFor(policy_, meter.category()), calendar_,
                    clock_->Now());
  response.set_arrears_paise(-arrears);
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
  const std::string prefix = KeyPrefix(who.subject_id);
  WALLET_RETURN_IF_ERROR(store_->Scan(Table::kConsumerMeters, prefix, "", false,
                                      [&](absl::string_view key, absl::string_view) {
                                        meter_ids.emplace_back(key.substr(prefix.size()));
                                        return true;
                                      }));
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
  response.set_available_paise(static_cast<int64_t>(
      std::min<__int128>(available, std::numeric_limits<int64_t>::max())));
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
            response.set_recharges_paise(response.recharges_paise() + entry->transfer().amount_paise());
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

}  // namespace wallet
