// LedgerHarness: a Ledger on a temp RocksDB without the commit pipeline, for
// tests that call the ledger's operations directly (the drive's restore
// rule, test-only postings): each Apply is one group, committed at once, and
// then applied to the defaulter index, as the wallet does.
#ifndef TESTS_TESTING_LEDGER_HARNESS_H_
#define TESTS_TESTING_LEDGER_HARNESS_H_

#include <memory>
#include <utility>

#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"
#include "wallet/defaulter_index.h"
#include "wallet/ledger.h"
#include "wallet/store.h"

namespace wallet::testing {

class LedgerHarness {
 public:
  explicit LedgerHarness(LedgerOptions options) : options_(std::move(options)) { Open(); }

  // Reopen drops the ledger and loads it again from the store, as a restart
  // after the last commit would.
  void Reopen() {
    ledger_.reset();
    store_.reset();
    Open();
  }

  // Apply runs `fn(Ledger&, Txn&)` as one group at `now`, commits it and
  // returns what `fn` returned.
  template <typename Fn>
  auto Apply(absl::Time now, Fn fn) {
    Batch batch(store_.get());
    Txn txn{&batch, now};
    auto result = fn(*ledger_, txn);
    ledger_->FinishGroup(txn);
    const absl::Status committed = store_->Commit(batch);
    EXPECT_TRUE(committed.ok()) << committed;
    defaulters_.Apply(ledger_->TakeIndexUpdate());
    return result;
  }

  Ledger& ledger() { return *ledger_; }
  Store& store() { return *store_; }

 private:
  void Open() {
    auto store = Store::Open({.path = dir_.path() + "/db"});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    auto ledger = Ledger::Load(store_.get(), options_, &defaulters_);
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    ledger_ = *std::move(ledger);
    ledger_->FillIndex(defaulters_);
  }

  TempDir dir_;
  LedgerOptions options_;
  DefaulterIndex defaulters_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Ledger> ledger_;
};

}  // namespace wallet::testing

#endif  // TESTS_TESTING_LEDGER_HARNESS_H_
