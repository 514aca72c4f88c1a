// WalletHarness: a real Wallet on a temp RocksDB with a fake clock, plus
// blocking wrappers over its asynchronous mutations for tests.
#ifndef TESTS_TESTING_WALLET_HARNESS_H_
#define TESTS_TESTING_WALLET_HARNESS_H_

#include <functional>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "wallet/wallet.h"
#include "wallet/wire.h"

namespace wallet::testing {

// Wait runs an asynchronous wallet call and blocks for its result.
template <typename Response, typename Start>
absl::StatusOr<Response> Wait(Start start) {
  auto promise = std::make_shared<std::promise<absl::StatusOr<Response>>>();
  auto future = promise->get_future();
  start([promise](absl::StatusOr<Response> r) { promise->set_value(std::move(r)); });
  return future.get();
}

// FlatTariffBook holds one DOMESTIC tariff, `tariff_id` version 1: a flat
// Rs 5/kWh and nothing else, in force since 2020, so that the arithmetic of
// a test stays visible.
inline v1::TariffBook FlatTariffBook(const std::string& tariff_id) {
  v1::TariffBook book;
  v1::Tariff* tariff = book.add_tariffs();
  tariff->set_tariff_id(tariff_id);
  tariff->set_version(1);
  tariff->set_effective_from("2020-01-01");
  tariff->set_category(v1::DOMESTIC);
  tariff->add_slabs()->set_paise_per_kwh(500);
  return book;
}

// TestTariffBook holds "DOM-2025", the tariff of MeterRequest's meters, flat
// as FlatTariffBook's.
inline v1::TariffBook TestTariffBook() { return FlatTariffBook("DOM-2025"); }

// TestLedgerOptions are the defaults with TestTariffBook in force.
inline LedgerOptions TestLedgerOptions() {
  LedgerOptions options;
  options.tariffs = TestTariffBook();
  return options;
}

inline v1::RegisterMeterRequest MeterRequest(const std::string& meter_id,
                                             const std::string& consumer_id,
                                             int64_t arrears_paise = 0) {
  v1::RegisterMeterRequest req;
  req.set_request_id("reg-" + meter_id);
  v1::Meter* meter = req.mutable_meter();
  meter->set_meter_id(meter_id);
  meter->set_consumer_id(consumer_id);
  meter->set_category(v1::DOMESTIC);
  meter->set_circle("Bilaspur");
  meter->set_division("City-1");
  meter->set_subdivision("Sub-A");
  meter->set_sanctioned_load_w(3000);
  meter->set_tariff_id("DOM-2025");
  req.mutable_consumer()->set_name("Consumer " + consumer_id);
  req.mutable_consumer()->set_phone("+919800000001");
  req.set_arrears_paise(arrears_paise);
  return req;
}

// DuesRowOf is one row of a dues import: what `meter_id` owes as of the
// import's snapshot.
inline v1::DuesRow DuesRowOf(int64_t line, const std::string& meter_id, int64_t principal_paise,
                             int64_t surcharge_paise, int32_t unpaid_bills = 1,
                             const std::string& oldest_due_date = "2026-09-15") {
  v1::DuesRow row;
  row.set_line(line);
  row.set_meter_id(meter_id);
  row.set_principal_paise(principal_paise);
  row.set_surcharge_paise(surcharge_paise);
  row.set_unpaid_bills(unpaid_bills);
  row.set_oldest_due_date(oldest_due_date);
  return row;
}

// ReadingAt is `meter`'s register reading of `register_wh` taken at `at`.
inline v1::Reading ReadingAt(const std::string& meter, int64_t register_wh, absl::Time at) {
  v1::Reading reading;
  reading.set_meter_id(meter);
  reading.set_register_wh(register_wh);
  SetTimestamp(absl::ToUnixMicros(at), reading.mutable_meter_time());
  return reading;
}

// OutcomeOf is the gateway's answer `result` to `command` (a RelayCommand
// or the RelayCommandRecord it was sent from), failing as `failure` says.
template <typename Command>
v1::RelayOutcome OutcomeOf(
    const Command& command, v1::RelayOutcome::Result result,
    v1::RelayOutcome::Failure failure = v1::RelayOutcome::FAILURE_UNSPECIFIED) {
  v1::RelayOutcome outcome;
  outcome.set_command_id(command.command_id());
  outcome.set_meter_id(command.meter_id());
  outcome.set_result(result);
  outcome.set_failure(failure);
  return outcome;
}

// OutboxCursor reads what a wallet's outbox streams committed since the
// last read, as their receivers get it.
struct OutboxCursor {
  std::vector<v1::Notification> NewNotifications(const Wallet& wallet) {
    return Read<v1::Notification>(
        wallet, Stream::kNotification, &notified,
        [](const Item& item) -> const auto& { return item.notification(); });
  }
  std::vector<v1::RelayCommand> NewCommands(const Wallet& wallet) {
    return Read<v1::RelayCommand>(
        wallet, Stream::kRelay, &commanded,
        [](const Item& item) -> const auto& { return item.relay(); });
  }

  uint64_t notified = 0;
  uint64_t commanded = 0;

 private:
  using Item = store::v1::OutboxItem;
  // Read converts the items of `stream` after `*seq` (`part` picks the
  // stored message out of each) and moves `*seq` past them.
  template <typename Wire, typename Part>
  static std::vector<Wire> Read(const Wallet& wallet, Stream stream, uint64_t* seq, Part part) {
    auto items = wallet.ReadOutbox(stream, *seq, 1000);
    EXPECT_TRUE(items.ok()) << items.status();
    std::vector<Wire> out;
    for (const Item& item : items.value_or(std::vector<Item>())) {
      out.push_back(ToWire(part(item)));
      *seq = part(item).seq();
    }
    return out;
  }
};

// TestWalletOptions opens a wallet in `dir`/db under `ledger`, with no
// scheduler ticks: tests move the fake clock and tick themselves, so the
// writer asks the clock for the time only for the calls a test makes.
inline WalletOptions TestWalletOptions(const std::string& dir,
                                       LedgerOptions ledger = TestLedgerOptions()) {
  WalletOptions options;
  options.data_dir = dir + "/db";
  options.ledger = std::move(ledger);
  options.tick_interval = absl::ZeroDuration();
  return options;
}

class WalletHarness {
 public:
  // `random` (not owned) stands in for the system's randomness when given.
  explicit WalletHarness(LedgerOptions ledger = TestLedgerOptions(), Random* random = nullptr)
      : clock_(absl::FromCivil(absl::CivilSecond(2026, 11, 2, 10, 0, 0),
                               absl::FixedTimeZone(19800))) {
    options_ = TestWalletOptions(dir_.path(), std::move(ledger));
    options_.random = random;
    Reopen();
  }

  // Reopen closes the wallet (draining it) and opens it again from disk.
  void Reopen() {
    wallet_.reset();
    auto opened = Wallet::Open(options_, &clock_);
    ASSERT_THAT(opened, IsOk());
    wallet_ = *std::move(opened);
  }

  // EditStore closes the wallet, lets `edit` write into the store directly
  // (e.g. records an older walletd would have left), commits, and reopens.
  void EditStore(const std::function<void(Store&, Batch&)>& edit) {
    wallet_.reset();
    {
      auto store = Store::Open({.path = options_.data_dir});
      ASSERT_THAT(store, IsOk());
      Batch batch(store->get());
      edit(**store, batch);
      ASSERT_THAT((*store)->Commit(batch), IsOk());
    }
    Reopen();
  }

  Wallet& wallet() { return *wallet_; }
  FakeClock& clock() { return clock_; }
  // options are what Reopen opens the wallet with; change them, then Reopen.
  WalletOptions& options() { return options_; }

  absl::StatusOr<v1::RegisterMeterResponse> Register(const v1::RegisterMeterRequest& req) {
    return Wait<v1::RegisterMeterResponse>([&](auto done) { wallet_->RegisterMeter(req, done); });
  }
  absl::StatusOr<v1::CreateRetailerResponse> CreateRetailer(const std::string& id, int32_t bps,
                                                            int64_t limit = 0) {
    v1::CreateRetailerRequest req;
    req.set_request_id("ret-" + id);
    req.mutable_retailer()->set_retailer_id(id);
    req.mutable_retailer()->set_name("Shop " + id);
    req.mutable_retailer()->set_commission_bps(bps);
    req.mutable_retailer()->set_float_limit_paise(limit);
    return Wait<v1::CreateRetailerResponse>(
        [&](auto done) { wallet_->CreateRetailer(req, done); });
  }
  absl::StatusOr<v1::TopUpFloatResponse> TopUp(const std::string& request_id,
                                               const std::string& retailer, int64_t amount) {
    v1::TopUpFloatRequest req;
    req.set_request_id(request_id);
    req.set_retailer_id(retailer);
    req.set_amount_paise(amount);
    return Wait<v1::TopUpFloatResponse>([&](auto done) { wallet_->TopUpFloat(req, done); });
  }
  absl::StatusOr<v1::RetailerRechargeResponse> Recharge(const std::string& retailer,
                                                        const std::string& request_id,
                                                        const std::string& meter,
                                                        int64_t amount) {
    v1::RetailerRechargeRequest req;
    req.set_request_id(request_id);
    req.set_meter_id(meter);
    req.set_amount_paise(amount);
    return Wait<v1::RetailerRechargeResponse>([&](auto done) {
      wallet_->RetailerRecharge(Principal{v1::ROLE_RETAILER, retailer}, req, done);
    });
  }
  absl::StatusOr<v1::AdjustBalanceResponse> Adjust(const std::string& request_id,
                                                   const std::string& meter, int64_t amount,
                                                   bool credit, const std::string& reason) {
    v1::AdjustBalanceRequest req;
    req.set_request_id(request_id);
    req.set_meter_id(meter);
    req.set_amount_paise(amount);
    req.set_direction(credit ? v1::AdjustBalanceRequest::CREDIT : v1::AdjustBalanceRequest::DEBIT);
    req.set_reason(reason);
    return Wait<v1::AdjustBalanceResponse>([&](auto done) { wallet_->AdjustBalance(req, done); });
  }
  absl::StatusOr<v1::StartRechargeResponse> StartRecharge(const Principal& who,
                                                          const std::string& request_id,
                                                          const std::string& meter,
                                                          int64_t amount) {
    v1::StartRechargeRequest req;
    req.set_request_id(request_id);
    req.set_meter_id(meter);
    req.set_amount_paise(amount);
    return Wait<v1::StartRechargeResponse>(
        [&](auto done) { wallet_->StartRecharge(who, req, done); });
  }
  absl::StatusOr<v1::ConfirmPaymentResponse> Confirm(const std::string& payment_id,
                                                     const std::string& order_id,
                                                     int64_t amount) {
    v1::ConfirmPaymentRequest req;
    req.set_payment_id(payment_id);
    req.set_order_id(order_id);
    req.set_amount_paise(amount);
    return Wait<v1::ConfirmPaymentResponse>(
        [&](auto done) { wallet_->ConfirmPayment(req, done); });
  }
  absl::StatusOr<v1::IngestReadingsResponse> Ingest(const std::string& batch_id,
                                                    const std::vector<v1::Reading>& readings) {
    v1::IngestReadingsRequest req;
    req.set_batch_id(batch_id);
    for (const v1::Reading& reading : readings) *req.add_readings() = reading;
    return Wait<v1::IngestReadingsResponse>([&](auto done) { wallet_->IngestReadings(req, done); });
  }
  absl::StatusOr<v1::ReportRelayOutcomeResponse> ReportOutcome(const v1::RelayOutcome& outcome) {
    return Wait<v1::ReportRelayOutcomeResponse>(
        [&](auto done) { wallet_->ReportRelayOutcome(outcome, done); });
  }
  // Journal is the first page of `account`'s journal, newest entry first.
  absl::StatusOr<v1::GetJournalResponse> Journal(absl::string_view account) {
    v1::GetJournalRequest req;
    req.set_account(std::string(account));
    return wallet_->GetJournal(req);
  }
  // AccountBalance is `account`'s balance as its journal states it; 0, with
  // a test failure, if the journal cannot be read.
  int64_t AccountBalance(absl::string_view account) {
    auto journal = Journal(account);
    EXPECT_THAT(journal, IsOk());
    return journal.ok() ? journal->balance_paise() : 0;
  }
  int64_t MeterBalance(const std::string& meter) {
    auto view = wallet_->GetMeter(meter);
    EXPECT_THAT(view, IsOk());
    return view.ok() ? view->balance_paise() : 0;
  }
  int64_t FloatBalance(const std::string& retailer) {
    auto f = wallet_->GetFloat(Principal{v1::ROLE_RETAILER, retailer}, "");
    EXPECT_THAT(f, IsOk());
    return f.ok() ? f->balance_paise() : 0;
  }
  uint64_t TransferCount() {
    auto check = wallet_->CheckLedger();
    EXPECT_THAT(check, IsOk());
    return check.ok() ? check->transfers() : 0;
  }
  void ExpectLedgerBalanced() {
    auto check = wallet_->CheckLedger();
    ASSERT_THAT(check, IsOk());
    EXPECT_TRUE(check->ok()) << check->DebugString();
    EXPECT_EQ(check->sum_paise(), 0);
  }

 private:
  TempDir dir_;
  FakeClock clock_;
  WalletOptions options_;
  std::unique_ptr<Wallet> wallet_;
};

}  // namespace wallet::testing

#endif  // TESTS_TESTING_WALLET_HARNESS_H_
