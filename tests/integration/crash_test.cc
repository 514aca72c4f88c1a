// Crash tests of walletd as a real child process: "acknowledged means durable"
// and "nothing is applied twice", across SIGKILL and SIGTERM under load.
//
// Each test registers meters and a funded retailer, runs concurrent retailer
// recharges with unique request ids, stops walletd in the middle of the load
// while the clients keep sending, restarts it on the same data directory and
// then checks, against the journal and by retrying with the same request ids:
//
//   - every acknowledged recharge is in the ledger exactly once, with the
//     transfer seq that was acknowledged, and a retry returns that same seq;
//   - a recharge whose answer was lost (in flight at the kill) is in the
//     ledger at most once, and if it is, a retry returns the applied seq;
//   - CheckLedger finds every stored balance equal to its rebuilt value, and
//     each meter's balance is the sum of its journal.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wait.h"
#include "tests/testing/walletd_process.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "wallet/v1/retailer.grpc.pb.h"

namespace wallet::testing {
namespace {

using ::wallet::v1::AdminService;
using ::wallet::v1::JournalEntry;
using ::wallet::v1::RetailerRechargeRequest;
using ::wallet::v1::RetailerRechargeResponse;
using ::wallet::v1::RetailerService;

constexpr int kMeters = 20;
constexpr int kClients = 16;
constexpr int kChannels = 4;
// Recharges acknowledged before the stop: hundreds of group commits, few
// enough for a quick suite. Counted, not timed, so that a slow machine only
// makes the test take longer.
constexpr int kAckedBeforeStop = 3'000;
// How long the load may take to reach kAckedBeforeStop before the test gives
// up: only a bound on a failure.
constexpr absl::Duration kLoadDeadline = absl::Seconds(120);
// Rs 10.00 to 10.99: every request's amount differs a little so that a lost
// or doubled recharge cannot hide in the sums.
constexpr int64_t kBaseAmountPaise = 1000;
// How many individual discrepancies each check reports before summarising.
constexpr int kMaxReported = 10;

// One recharge a client sent, and what it heard back.
struct Attempt {
  RetailerRechargeRequest request;
  bool acked = false;
  RetailerRechargeResponse response;  // valid if acked
  grpc::StatusCode code = grpc::StatusCode::OK;
};

// Runs fn(0) .. fn(count - 1) on `threads` threads.
void ParallelFor(int count, int threads, const std::function<void(int)>& fn) {
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next.fetch_add(1); i < count; i = next.fetch_add(1)) fn(i);
    });
  }
  for (std::thread& thread : pool) thread.join();
}

// Collects failures from many threads and reports the first few, so a broken
// invariant gives a readable failure instead of thousands of lines.
class FailureLog {
 public:
  explicit FailureLog(std::string what) : what_(std::move(what)) {}

  void Add(std::string message) {
    absl::MutexLock lock(&mu_);
    if (count_++ < kMaxReported) messages_.push_back(std::move(message));
  }

  // Expects no failures; otherwise fails the test with the first few.
  void ExpectNone() {
    absl::MutexLock lock(&mu_);
    EXPECT_EQ(count_, 0) << what_ << ": " << count_ << " failures, e.g.:\n  "
                         << absl::StrJoin(messages_, "\n  ");
  }

 private:
  const std::string what_;
  absl::Mutex mu_;
  int count_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> messages_ ABSL_GUARDED_BY(mu_);
};

// A meter's journal (newest first) and balance, as walletd reports them.
struct MeterJournal {
  std::string meter;
  int64_t balance = 0;
  std::vector<JournalEntry> entries;
  // The sum of the entries' deltas, which must equal the balance.
  int64_t sum = 0;
};

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WalletdOptions options;
    options.binary = WALLETD_PATH;
    absl::StatusOr<std::unique_ptr<WalletdProcess>> walletd = WalletdProcess::Start(options);
    ASSERT_THAT(walletd, IsOk());
    walletd_ = *std::move(walletd);

    TopologyOptions topology;
    topology.meters = kMeters;
    topology.retailers = 1;
    // 90,000 recharges of at most Rs 11 fit: many times what one test sends.
    topology.float_paise_per_retailer = 100'000'000;
    topology.commission_bps = 100;
    absl::StatusOr<Topology> created =
        CreateTestTopology(*Admin(), walletd_->admin_key(), topology);
    ASSERT_THAT(created, IsOk()) << "walletd log: " << walletd_->log_path();
    topology_ = *std::move(created);
  }

  void TearDown() override {
    if (HasFailure() && walletd_ != nullptr) ADD_FAILURE() << walletd_->KeepForInspection();
  }

  std::unique_ptr<AdminService::Stub> Admin() const {
    return AdminService::NewStub(walletd_->NewChannel());
  }

  // MeterJournals reads the journal and balance of every meter of the test.
  absl::StatusOr<std::vector<MeterJournal>> MeterJournals() const {
    auto admin = Admin();
    std::vector<MeterJournal> journals;
    for (const std::string& meter : topology_.meter_ids) {
      MeterJournal journal;
      journal.meter = meter;
      absl::StatusOr<std::vector<JournalEntry>> entries = ReadJournal(
          *admin, walletd_->admin_key(), absl::StrCat("meter:", meter), &journal.balance);
      if (!entries.ok()) return entries.status();
      journal.entries = *std::move(entries);
      for (const JournalEntry& entry : journal.entries) journal.sum += entry.delta_paise();
      journals.push_back(std::move(journal));
    }
    return journals;
  }

  const std::string& RetailerKey() const { return topology_.retailer_keys[0]; }

  // Runs kClients closed-loop clients, runs `stop` once kAckedBeforeStop
  // recharges were acknowledged, while the clients keep going, and returns
  // every attempt. Each client keeps sending until a call it began after
  // `stop` returned has failed: some requests are in flight at the moment of
  // death and some fail against a dead server.
  std::vector<Attempt> RunLoadAndStop(const std::function<void()>& stop) {
    std::vector<std::unique_ptr<RetailerService::Stub>> stubs;
    for (int c = 0; c < kChannels; ++c) {
      stubs.push_back(RetailerService::NewStub(walletd_->NewChannel()));
    }
    std::atomic<int> acked{0};
    std::atomic<bool> stopped{false};
    std::vector<std::vector<Attempt>> per_client(kClients);
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        RetailerService::Stub& stub = *stubs[c % kChannels];
        uint64_t random = 0x9E3779B97F4A7C15ull * (c + 1);
        for (int k = 0;; ++k) {
          const bool after_stop = stopped.load();
          random ^= random << 13;
          random ^= random >> 7;
          random ^= random << 17;
          Attempt attempt;
          attempt.request.set_request_id(absl::StrCat("crash-", c, "-", k));
          attempt.request.set_meter_id(topology_.meter_ids[random % kMeters]);
          attempt.request.set_amount_paise(kBaseAmountPaise +
                                           static_cast<int64_t>((random >> 32) % 100));
          attempt.request.set_retailer_id(topology_.retailer_ids[0]);
          grpc::Status status = stub.Recharge(MakeContext(RetailerKey(), absl::Seconds(5)).get(),
                                              attempt.request, &attempt.response);
          attempt.acked = status.ok();
          attempt.code = status.error_code();
          if (!attempt.acked) attempt.response.Clear();
          per_client[c].push_back(std::move(attempt));
          if (status.ok()) {
            acked.fetch_add(1);
          } else if (after_stop) {
            return;
          } else {
            // A stopping server fails calls at once; do not spin.
            absl::SleepFor(absl::Milliseconds(5));
          }
        }
      });
    }
    EXPECT_TRUE(WaitUntil([&] { return acked.load() >= kAckedBeforeStop; },
                          absl::StrCat(kAckedBeforeStop, " acknowledged recharges"),
                          kLoadDeadline));
    stop();
    stopped = true;
    for (std::thread& client : clients) client.join();

    std::vector<Attempt> attempts;
    for (std::vector<Attempt>& mine : per_client) {
      for (Attempt& attempt : mine) attempts.push_back(std::move(attempt));
    }
    return attempts;
  }

  // The checks shared by both tests, run after the restart.
  void VerifyAfterRestart(const std::vector<Attempt>& attempts) {
    int64_t acked = 0;
    for (const Attempt& attempt : attempts) acked += attempt.acked ? 1 : 0;
    std::cout << attempts.size() << " recharges sent, " << acked << " acknowledged, "
              << attempts.size() - acked << " failed\n";
    ASSERT_GT(acked, 100) << "too little load to mean anything";
    ASSERT_LT(acked, static_cast<int64_t>(attempts.size()))
        << "no request failed: the stop did not happen under load";

    auto admin = Admin();
    const std::string& admin_key = walletd_->admin_key();

    // The journal, per meter, as it is after the restart and before any retry.
    // journal_by_ref[request_ref] = the meter entries naming it.
    absl::flat_hash_map<std::string, std::vector<JournalEntry>> journal_by_ref;
    FailureLog balance_failures("meter balance vs journal");
    absl::StatusOr<std::vector<MeterJournal>> journals = MeterJournals();
    ASSERT_THAT(journals, IsOk());
    for (const MeterJournal& journal : *journals) {
      for (const JournalEntry& entry : journal.entries) {
        journal_by_ref[entry.transfer().request_ref()].push_back(entry);
      }
      if (journal.sum != journal.balance) {
        balance_failures.Add(absl::StrCat(journal.meter, ": balance ", journal.balance,
                                          " but the journal sums to ", journal.sum));
      }
      if (!journal.entries.empty() &&
          journal.entries.front().balance_after_paise() != journal.balance) {
        balance_failures.Add(absl::StrCat(journal.meter, ": newest entry's balance_after ",
                                          journal.entries.front().balance_after_paise(),
                                          " != balance ", journal.balance));
      }
    }
    balance_failures.ExpectNone();

    // Every ref is one of ours, at most once; acknowledged ones exactly once
    // and as acknowledged.
    absl::flat_hash_map<std::string, const Attempt*> attempt_by_id;
    for (const Attempt& attempt : attempts) {
      attempt_by_id[attempt.request.request_id()] = &attempt;
    }
    FailureLog journal_failures("journal entries vs requests");
    int64_t applied_unacked = 0;
    for (const auto& [ref, entries] : journal_by_ref) {
      auto it = attempt_by_id.find(ref);
      if (it == attempt_by_id.end()) {
        journal_failures.Add(absl::StrCat("unknown request_ref ", ref));
        continue;
      }
      if (entries.size() != 1) {
        journal_failures.Add(absl::StrCat(ref, " applied ", entries.size(), " times"));
        continue;
      }
      const Attempt& attempt = *it->second;
      const v1::Transfer& transfer = entries[0].transfer();
      if (entries[0].account() != absl::StrCat("meter:", attempt.request.meter_id()) ||
          transfer.amount_paise() != attempt.request.amount_paise() ||
          entries[0].delta_paise() != attempt.request.amount_paise() ||
          transfer.type() != v1::RETAILER_RECHARGE) {
        journal_failures.Add(absl::StrCat(
            ref, " journal entry does not match the request: ", entries[0].ShortDebugString()));
      }
      if (attempt.acked && transfer.seq() != attempt.response.recharge().seq()) {
        journal_failures.Add(absl::StrCat(ref, " acknowledged with seq ",
                                          attempt.response.recharge().seq(),
                                          " but journal has seq ", transfer.seq()));
      }
      if (!attempt.acked) ++applied_unacked;
    }
    for (const Attempt& attempt : attempts) {
      if (attempt.acked && !journal_by_ref.contains(attempt.request.request_id())) {
        journal_failures.Add(absl::StrCat(attempt.request.request_id(), " was acknowledged (seq ",
                                          attempt.response.recharge().seq(),
                                          ") but is not in the journal"));
      }
    }
    journal_failures.ExpectNone();
    std::cout << applied_unacked << " unacknowledged recharges were applied\n";

    // The retailer's float: each request at most one recharge and one commission.
    absl::StatusOr<std::vector<JournalEntry>> float_journal =
        ReadJournal(*admin, admin_key, absl::StrCat("retailer:", topology_.retailer_ids[0]));
    ASSERT_THAT(float_journal, IsOk());
    absl::flat_hash_map<std::string, int> recharges_by_ref;
    absl::flat_hash_map<std::string, int> commissions_by_ref;
    for (const JournalEntry& entry : *float_journal) {
      if (entry.transfer().type() == v1::RETAILER_RECHARGE) {
        ++recharges_by_ref[entry.transfer().request_ref()];
      } else if (entry.transfer().type() == v1::RETAILER_COMMISSION) {
        ++commissions_by_ref[entry.transfer().request_ref()];
      }
    }
    FailureLog float_failures("retailer float journal");
    for (const auto* counts : {&recharges_by_ref, &commissions_by_ref}) {
      for (const auto& [ref, count] : *counts) {
        if (count != 1) float_failures.Add(absl::StrCat(ref, " appears ", count, " times"));
      }
    }
    for (const auto& [ref, entries] : journal_by_ref) {
      if (!recharges_by_ref.contains(ref)) {
        float_failures.Add(absl::StrCat(ref, " credited a meter but debited no float"));
      }
    }
    if (recharges_by_ref.size() != journal_by_ref.size()) {
      float_failures.Add(absl::StrCat(recharges_by_ref.size(), " float debits but ",
                                      journal_by_ref.size(), " meter credits"));
    }
    float_failures.ExpectNone();

    // Retry every request with its original id and payload. Acknowledged and
    // applied ones must answer with the seq already in the ledger; the others
    // are now applied for the first time, which the final ledger check covers.
    auto retailer = RetailerService::NewStub(walletd_->NewChannel());
    FailureLog retry_failures("retries with the same request id");
    ParallelFor(static_cast<int>(attempts.size()), kClients, [&](int i) {
      const Attempt& attempt = attempts[i];
      auto journal_it = journal_by_ref.find(attempt.request.request_id());
      const bool applied = journal_it != journal_by_ref.end();
      if (!attempt.acked && !applied && i % 2 == 1) {
        // Leave half the never-applied ones alone: they must stay absent.
        return;
      }
      RetailerRechargeResponse response;
      grpc::Status status = retailer->Recharge(MakeContext(RetailerKey(), absl::Seconds(30)).get(),
                                               attempt.request, &response);
      if (!status.ok()) {
        retry_failures.Add(absl::StrCat(attempt.request.request_id(), ": code ",
                                        status.error_code(), " ", status.error_message()));
        return;
      }
      if (attempt.acked) {
        if (response.recharge().seq() != attempt.response.recharge().seq() ||
            response.commission().seq() != attempt.response.commission().seq()) {
          retry_failures.Add(absl::StrCat(
              attempt.request.request_id(), ": acknowledged seq ",
              attempt.response.recharge().seq(), "/", attempt.response.commission().seq(),
              ", retry seq ", response.recharge().seq(), "/", response.commission().seq()));
        }
      } else if (applied && response.recharge().seq() != journal_it->second[0].transfer().seq()) {
        retry_failures.Add(absl::StrCat(
            attempt.request.request_id(), ": applied before the restart with seq ",
            journal_it->second[0].transfer().seq(), ", retry seq ", response.recharge().seq()));
      }
    });
    retry_failures.ExpectNone();

    // After the retries: every retried request exactly once, the untouched
    // never-applied ones not at all, and the books balance.
    FailureLog final_failures("journal after retries");
    int64_t expected_total = 0;
    absl::flat_hash_map<std::string, int> final_count;
    int64_t meter_total = 0;
    journals = MeterJournals();
    ASSERT_THAT(journals, IsOk());
    for (const MeterJournal& journal : *journals) {
      for (const JournalEntry& entry : journal.entries) {
        ++final_count[entry.transfer().request_ref()];
      }
      if (journal.sum != journal.balance) {
        final_failures.Add(absl::StrCat(journal.meter, ": balance ", journal.balance,
                                        " != journal sum ", journal.sum));
      }
      meter_total += journal.balance;
    }
    for (int i = 0; i < static_cast<int>(attempts.size()); ++i) {
      const Attempt& attempt = attempts[i];
      const bool applied = journal_by_ref.contains(attempt.request.request_id());
      const bool retried = attempt.acked || applied || i % 2 == 0;
      const int want = retried ? 1 : 0;
      const int got = final_count[attempt.request.request_id()];
      if (got != want) {
        final_failures.Add(absl::StrCat(attempt.request.request_id(), " appears ", got,
                                        " times, expected ", want));
      }
      if (retried) expected_total += attempt.request.amount_paise();
    }
    if (meter_total != expected_total) {
      final_failures.Add(
          absl::StrCat("meter balances sum to ", meter_total, ", recharges to ", expected_total));
    }
    final_failures.ExpectNone();

    v1::CheckLedgerResponse ledger;
    grpc::Status status = admin->CheckLedger(MakeContext(admin_key, absl::Seconds(60)).get(),
                                             v1::CheckLedgerRequest(), &ledger);
    ASSERT_THAT(status, IsOk());
    EXPECT_TRUE(ledger.ok()) << ledger.ShortDebugString();
    EXPECT_EQ(ledger.sum_paise(), 0);
    EXPECT_THAT(ledger.mismatched_accounts(), ::testing::IsEmpty());
  }

  std::unique_ptr<WalletdProcess> walletd_;
  Topology topology_;
};

TEST_F(CrashTest, SigkillUnderLoadKeepsEveryAcknowledgedRechargeExactlyOnce) {
  std::vector<Attempt> attempts = RunLoadAndStop([&] { ASSERT_THAT(walletd_->Kill(), IsOk()); });
  ASSERT_THAT(walletd_->Restart(), IsOk()) << "restart after SIGKILL failed";
  VerifyAfterRestart(attempts);
}

TEST_F(CrashTest, SigtermUnderLoadExitsCleanlyAndKeepsAcknowledgedRecharges) {
  absl::StatusOr<int> exit_code;
  std::vector<Attempt> attempts = RunLoadAndStop([&] { exit_code = walletd_->Terminate(); });
  EXPECT_THAT(exit_code, IsOkAndHolds(0)) << "walletd log: " << walletd_->log_path();
  absl::Status restarted = walletd_->Restart();
  ASSERT_THAT(restarted, IsOk());
  VerifyAfterRestart(attempts);
}

}  // namespace
}  // namespace wallet::testing
