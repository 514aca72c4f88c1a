#include "wallet/wallet.h"

#include <future>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "glog/logging.h"
#include "wallet/api_keys.h"
#include "wallet/auth.h"
#include "wallet/dues.h"
#include "wallet/ledger.h"
#include "wallet/on_ledger.h"
#include "wallet/orders.h"
#include "wallet/record_io.h"
#include "wallet/wallet_mutate.h"

namespace wallet {
namespace {

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

}  // namespace

absl::StatusOr<std::unique_ptr<Wallet>> Wallet::Open(const WalletOptions& options, base::Clock* clock) {
  StoreOptions store_options;
  store_options.path = options.data_dir;
  store_options.sync = options.sync;
  store_options.env = options.env;
  WALLET_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Store::Open(store_options));
  auto defaulters = std::make_unique<DefaulterIndex>();
  WALLET_ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger,
                          Ledger::Load(store.get(), options.ledger, defaulters.get()));
  WALLET_RETURN_IF_ERROR(ledger->CheckTariffsInUse(clock->Now()));
  std::unique_ptr<Random> own_random;
  Random* random = options.random;
  if (random == nullptr) {
    own_random = std::make_unique<SystemRandom>();
    random = own_random.get();
  }
  WALLET_ASSIGN_OR_RETURN(std::string page_key, PageTokenKey(*store, *random));
  return std::unique_ptr<Wallet>(new Wallet(std::move(store), std::move(defaulters),
                                            std::move(ledger), clock, std::move(own_random),
                                            random, std::move(page_key), options));
}

Wallet::Wallet(std::unique_ptr<Store> store, std::unique_ptr<DefaulterIndex> defaulters,
               std::unique_ptr<Ledger> ledger, base::Clock* clock,
               std::unique_ptr<Random> own_random, Random* random, std::string page_key,
               const WalletOptions& options)
    : store_(std::move(store)),
      defaulters_(std::move(defaulters)),
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
      gate_(store_->path(), options.min_free_bytes) {
  ledger_->FillIndex(*defaulters_);
  pipeline_ = std::make_unique<CommitPipeline>(
      store_.get(), clock,
      [this](Txn& txn) -> CommitPipeline::Completion {
        ledger_->FinishGroup(txn);
        const bool outbox = ledger_->TakeOutboxWritten();
        const bool drives = ledger_->TakeDrivesWritten();
        auto index = std::make_shared<const DefaulterUpdate>(ledger_->TakeIndexUpdate());
        if (!outbox && !drives && index->empty()) return nullptr;
        // Completions run in commit order: the index follows the commits.
        return [this, outbox, drives, index](const absl::Status& committed) {
          if (!committed.ok()) return;
          defaulters_->Apply(*index);
          if (!outbox && !drives) return;
          absl::MutexLock lock(&listener_mu_);
          if (outbox && outbox_listener_) outbox_listener_();
          if (drives && drive_listener_) drive_listener_();
        };
      },
      [this](const absl::Status& error) { return gate_.WriteFailed(error, "a commit failed"); },
      options.pipeline);
  absl::StatusOr<uint64_t> free = store_->FreeBytes();
  if (free.ok()) gate_.SetFreeBytes(*free);
  if (!store_->writable()) {
    pipeline_->Fail(gate_.WriteFailed(absl::ResourceExhaustedError("the disk is full"),
                                      "the store was opened read-only"));
  }
  if (options.disk_check_interval > absl::ZeroDuration()) {
    monitor_ = std::make_unique<DiskMonitor>(
        store_.get(), pipeline_.get(), &gate_, [this] { return Rebuild(); },
        options.disk_check_interval, options.min_free_bytes);
  }
  if (options.tick_interval > absl::ZeroDuration()) {
    ticker_ = std::thread([this, interval = options.tick_interval] { RunTicker(interval); });
  }
}

Wallet::~Wallet() {
  monitor_.reset();
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

template <auto op, typename Request, typename Response>
void Wallet::MutateAsRetailer(const Principal& who, Request req, Callback<Response> done) {
  absl::StatusOr<std::string> retailer = ActingRetailer(who, req.retailer_id());
  if (!retailer.ok()) {
    done(retailer.status());
    return;
  }
  Mutate(OnLedger<op>(ledger_, *std::move(retailer), std::move(req)), std::move(done));
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
    if (!gate_.writable()) continue;
    pipeline_->Submit(
        [this](Txn* txn) -> CommitPipeline::Completion {
          if (txn != nullptr) ledger_->Tick(*txn);
          return nullptr;
        },
        CommitPipeline::Kind::kTick);
  }
}

absl::Status Wallet::Tick() {
  if (!gate_.writable()) return gate_.Refusal();
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

WriteHealth Wallet::write_health() const { return gate_.health(); }

absl::Status Wallet::Rebuild() {
  WALLET_RETURN_IF_ERROR(store_->Reopen());
  WALLET_ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger,
                          Ledger::Load(store_.get(), options_.ledger, defaulters_.get()));
  ledger_ = std::move(ledger);
  ledger_->FillIndex(*defaulters_);
  // A key issued in a failed group is known only if the reopened store has it.
  ForgetCredentials();
  return absl::OkStatus();
}

void Wallet::IngestReadings(v1::IngestReadingsRequest req,
                            Callback<v1::IngestReadingsResponse> done) {
  Mutate(OnLedger<&Ledger::IngestReadings>(ledger_, std::move(req)), std::move(done));
}

void Wallet::ReportRelayOutcome(v1::RelayOutcome outcome,
                                Callback<v1::ReportRelayOutcomeResponse> done) {
  Mutate(OnLedger<&Ledger::ReportRelayOutcome>(ledger_, std::move(outcome)), std::move(done));
}

void Wallet::SetHold(v1::SetHoldRequest req, Callback<v1::SetHoldResponse> done) {
  Mutate(OnLedger<&Ledger::SetHold>(ledger_, std::move(req)), std::move(done));
}

void Wallet::PutTariff(v1::PutTariffRequest req, Callback<v1::PutTariffResponse> done) {
  Mutate(OnLedger<&Ledger::PutTariff>(ledger_, std::move(req)), std::move(done));
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

absl::StatusOr<Principal> Wallet::Authenticate(absl::string_view api_key) {
  if (api_key.empty()) return absl::UnauthenticatedError("missing API key (x-api-key)");
  const std::string hash = HashApiKey(api_key);
  uint64_t epoch = 0;
  {
    absl::MutexLock lock(&keys_mu_);
    auto it = key_cache_.find(hash);
    if (it != key_cache_.end()) {
      // Only a key with a revocation ahead (a rotation's grace) reads the
      // clock: the hot paths' keys have none.
      if (it->second.refuse_time != absl::InfiniteFuture() &&
          clock_->Now() >= it->second.refuse_time) {
        return absl::UnauthenticatedError("revoked API key");
      }
      return it->second.principal;
    }
    epoch = credentials_epoch_;
  }
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> stored, store_->Get(Table::kApiKeys, hash));
  if (!stored) return absl::UnauthenticatedError("unknown API key");
  WALLET_ASSIGN_OR_RETURN(store::v1::ApiKeyRecord record,
                          ParseRecord<store::v1::ApiKeyRecord>(*stored, "API key"));
  if (KeyRefusedAt(record, clock_->Now())) return absl::UnauthenticatedError("revoked API key");
  Principal principal{record.role(), record.subject_id()};
  // Only admins' changes are recorded with their key; the other roles' calls
  // (the hot paths) copy no more than they need.
  if (principal.is_admin()) {
    principal.key_id = KeyIdOf(hash);
    principal.key_label = record.label();
  }
  const absl::Time refuse_time =
      record.revoke_us() == 0 ? absl::InfiniteFuture() : absl::FromUnixMicros(record.revoke_us());
  absl::MutexLock lock(&keys_mu_);
  if (epoch == credentials_epoch_) key_cache_[hash] = Cached{principal, refuse_time};
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
  Mutate(OnLedger<&Ledger::RegisterMeter>(ledger_, std::move(req)), std::move(done));
}

void Wallet::UpdateConsumer(Principal who, v1::UpdateConsumerRequest req,
                            Callback<v1::UpdateConsumerResponse> done) {
  Mutate(OnLedger<&Ledger::UpdateConsumer>(ledger_, std::move(who), std::move(req)),
         std::move(done));
}

void Wallet::UpdateMeter(Principal who, v1::UpdateMeterRequest req,
                         Callback<v1::UpdateMeterResponse> done) {
  Mutate(OnLedger<&Ledger::UpdateMeter>(ledger_, std::move(who), std::move(req)), std::move(done));
}

void Wallet::MoveMeter(Principal who, v1::MoveMeterRequest req,
                       Callback<v1::MoveMeterResponse> done) {
  Mutate(OnLedger<&Ledger::MoveMeter>(ledger_, std::move(who), std::move(req)), std::move(done));
}

void Wallet::AdjustBalance(v1::AdjustBalanceRequest req, Callback<v1::AdjustBalanceResponse> done) {
  Mutate(OnLedger<&Ledger::AdjustBalance>(ledger_, std::move(req)), std::move(done));
}

void Wallet::CreateRetailer(v1::CreateRetailerRequest req,
                            Callback<v1::CreateRetailerResponse> done) {
  Mutate(OnLedger<&Ledger::CreateRetailer>(ledger_, std::move(req)), std::move(done));
}

void Wallet::TopUpFloat(v1::TopUpFloatRequest req, Callback<v1::TopUpFloatResponse> done) {
  Mutate(OnLedger<&Ledger::TopUpFloat>(ledger_, std::move(req)), std::move(done));
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
  Mutate(OnLedger<&Ledger::StartRecharge>(ledger_, std::move(who), std::move(req),
                                          *std::move(order_id)),
         std::move(done));
}

void Wallet::CancelOrder(Principal who, v1::CancelOrderRequest req,
                         Callback<v1::CancelOrderResponse> done) {
  Mutate(OnLedger<&Ledger::CancelOrder>(ledger_, std::move(who), std::move(req)), std::move(done));
}

void Wallet::ConfirmPayment(v1::ConfirmPaymentRequest req,
                            Callback<v1::ConfirmPaymentResponse> done) {
  Mutate(OnLedger<&Ledger::ConfirmPayment>(ledger_, std::move(req)), std::move(done));
}

void Wallet::RecordGatewayOrder(std::string order_id, std::string gateway_order_id,
                                Callback<v1::Order> done) {
  Mutate<v1::Order>(
      [this, order_id = std::move(order_id), gateway_order_id = std::move(gateway_order_id)](
          Txn& txn) { return ledger_->RecordGatewayOrder(txn, order_id, gateway_order_id); },
      std::move(done));
}

void Wallet::ApplyPaymentEvent(v1::PaymentEvent event, Callback<v1::PaymentEventResult> done) {
  Mutate<v1::PaymentEventResult>(
      [this, event = std::move(event)](Txn& txn) { return ledger_->ApplyPaymentEvent(txn, event); },
      std::move(done));
}

void Wallet::RetailerRecharge(Principal who, v1::RetailerRechargeRequest req,
                              Callback<v1::RetailerRechargeResponse> done) {
  MutateAsRetailer<&Ledger::RetailerRecharge>(who, std::move(req), std::move(done));
}

void Wallet::ImportDuesChunk(v1::DuesImportHeader header, v1::DuesChunk chunk,
                             Callback<v1::ImportDuesProgress> done) {
  Mutate(OnLedger<&Ledger::ImportDuesChunk>(ledger_, std::move(header), std::move(chunk)),
         std::move(done));
}

void Wallet::PayDuesAtCounter(v1::PayDuesRequest req, Callback<v1::PayDuesResponse> done) {
  Mutate(OnLedger<&Ledger::PayDuesAtCounter>(ledger_, std::move(req)), std::move(done));
}

void Wallet::RetailerPayDues(Principal who, v1::RetailerPayDuesRequest req,
                             Callback<v1::PayDuesResponse> done) {
  MutateAsRetailer<&Ledger::RetailerPayDues>(who, std::move(req), std::move(done));
}

}  // namespace wallet
