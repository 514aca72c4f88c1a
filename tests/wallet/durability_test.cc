// A wallet whose disk fills up (write errors injected into RocksDB's file
// system): failed commits and everything applied on top of them are answered
// UNAVAILABLE, reads go on, and writes resume by themselves from exactly the
// state a restart recovers.
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fault_fs.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wait.h"
#include "tests/testing/wallet_harness.h"

namespace wallet {
namespace {

using testing::FaultFs;
using ::testing::HasSubstr;
using testing::MeterRequest;
using ::testing::Not;
using testing::PollUntil;
using testing::WalletHarness;
using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;

// What a restart must find again.
struct Digest {
  int64_t meter = 0;
  int64_t retailer_float = 0;
  uint64_t transfers = 0;
  uint64_t notifications = 0;
  bool operator==(const Digest& o) const {
    return meter == o.meter && retailer_float == o.retailer_float && transfers == o.transfers &&
           notifications == o.notifications;
  }
};

std::ostream& operator<<(std::ostream& out, const Digest& d) {
  return out << "{meter " << d.meter << ", float " << d.retailer_float << ", transfers "
             << d.transfers << ", notifications " << d.notifications << "}";
}

using Result = absl::StatusOr<v1::RetailerRechargeResponse>;

// Answer waits (bounded) for an asynchronous call's result: a call never
// answered is a failure, not a hung test.
Result Answer(std::future<Result>& answer) {
  if (answer.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    return absl::DeadlineExceededError("no answer within 60 s");
  }
  return answer.get();
}

class DurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h_.options().env = fs_->NewEnv();
    h_.options().disk_check_interval = absl::Milliseconds(5);
    h_.options().min_free_bytes = 0;  // only write errors stop writes here
    h_.Reopen();
    ASSERT_THAT(h_.Register(MeterRequest("M1", "C1")), IsOk());
    ASSERT_THAT(h_.CreateRetailer("R1", 0), IsOk());
    ASSERT_THAT(h_.TopUp("top", "R1", 1'000'000), IsOk());
  }

  Digest Take() {
    Digest d;
    d.meter = h_.MeterBalance("M1");
    d.retailer_float = h_.FloatBalance("R1");
    d.transfers = h_.TransferCount();
    auto stats = h_.wallet().GetOutboxStats(Stream::kNotification);
    EXPECT_THAT(stats, IsOk());
    if (stats.ok()) d.notifications = stats->committed;
    return d;
  }

  // Start begins a recharge without waiting for its answer.
  std::future<Result> Start(const std::string& request_id, int64_t amount) {
    auto promise = std::make_shared<std::promise<Result>>();
    std::future<Result> answer = promise->get_future();
    v1::RetailerRechargeRequest req;
    req.set_request_id(request_id);
    req.set_meter_id("M1");
    req.set_amount_paise(amount);
    h_.wallet().RetailerRecharge(Principal{v1::ROLE_RETAILER, "R1"}, req,
                                 [promise](Result r) { promise->set_value(std::move(r)); });
    return answer;
  }

  void ExpectRefusedForAFullDisk(const absl::Status& status) {
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("data disk is full")));
  }

  // Declared first: the wallet works through it until it is closed.
  std::shared_ptr<FaultFs> fs_ = FaultFs::Create();
  WalletHarness h_;
};

class FailedCommitTest : public DurabilityTest,
                         public ::testing::WithParamInterface<FaultFs::Fault> {};

TEST_P(FailedCommitTest, NothingFailedIsAcknowledgedAndRecoveryMatchesARestart) {
  for (int i = 0; i < 10; ++i)
    ASSERT_THAT(h_.Recharge("R1", absl::StrCat("ok-", i), "M1", 100), IsOk());
  const int64_t before = h_.MeterBalance("M1");

  fs_->SetFault(GetParam());
  std::vector<std::future<Result>> answers;
  for (int i = 0; i < 40; ++i) answers.push_back(Start(absl::StrCat("f-", i), 100));
  for (auto& answer : answers) ExpectRefusedForAFullDisk(Answer(answer).status());
  EXPECT_GE(h_.wallet().pipeline_stats().commit_errors.load(), 1u);
  const WriteHealth health = h_.wallet().write_health();
  EXPECT_FALSE(health.writable);
  EXPECT_THAT(health.reason, HasSubstr("a commit failed"));
  // Reads go on, and show only what was acknowledged.
  EXPECT_EQ(h_.MeterBalance("M1"), before);
  ExpectRefusedForAFullDisk(h_.Recharge("R1", "while-full", "M1", 100).status());

  fs_->SetFault(FaultFs::Fault::kNone);
  ASSERT_TRUE(PollUntil([&] { return h_.wallet().write_health().writable; }))
      << h_.wallet().write_health().reason;
  // A write after the recovery finds the ledger consistent with the store:
  // a ledger still holding the failed group would break the wallet's chain.
  ASSERT_THAT(h_.Recharge("R1", "after", "M1", 100), IsOk());
  h_.ExpectLedgerBalanced();
  const Digest recovered = Take();
  h_.Reopen();
  EXPECT_EQ(Take(), recovered) << "the recovered wallet differs from a restart";

  // Retried, every request is applied exactly once.
  for (int i = 0; i < 40; ++i) {
    EXPECT_THAT(h_.Recharge("R1", absl::StrCat("f-", i), "M1", 100), IsOk()) << i;
  }
  EXPECT_EQ(h_.MeterBalance("M1"), before + 41 * 100);
  h_.ExpectLedgerBalanced();
}

INSTANTIATE_TEST_SUITE_P(Faults, FailedCommitTest,
                         ::testing::Values(FaultFs::Fault::kAppend, FaultFs::Fault::kPartialAppend,
                                           FaultFs::Fault::kSync),
                         [](const ::testing::TestParamInfo<FaultFs::Fault>& info) {
                           switch (info.param) {
                             case FaultFs::Fault::kAppend:
                               return "AppendFails";
                             case FaultFs::Fault::kPartialAppend:
                               return "AppendWritesHalf";
                             case FaultFs::Fault::kSync:
                               return "SyncFails";
                             default:
                               return "None";
                           }
                         });

TEST_F(DurabilityTest, GroupAppliedOnTopOfAFailedCommitIsRefusedNotAnswered) {
  ASSERT_THAT(h_.CreateRetailer("R2", 0), IsOk());
  ASSERT_THAT(h_.TopUp("top2", "R2", 15'000), IsOk());
  auto recharge = [&](const std::string& id) -> std::future<Result> {
    auto promise = std::make_shared<std::promise<Result>>();
    std::future<Result> answer = promise->get_future();
    v1::RetailerRechargeRequest req;
    req.set_request_id(id);
    req.set_meter_id("M1");
    req.set_amount_paise(10'000);
    h_.wallet().RetailerRecharge(Principal{v1::ROLE_RETAILER, "R2"}, req,
                                 [promise](Result r) { promise->set_value(std::move(r)); });
    return answer;
  };
  // A's group is held in its fsync while B is applied on top of it: in
  // memory, B finds the float spent by A.
  fs_->HoldSyncs();
  std::future<Result> a = recharge("A");
  ASSERT_TRUE(PollUntil([&] { return fs_->syncs_waiting() > 0; }));
  std::future<Result> b = recharge("B");
  ASSERT_TRUE(PollUntil([&] { return h_.wallet().pipeline_stats().queue_depth.load() == 0; }));
  fs_->SetFault(FaultFs::Fault::kSync);
  fs_->ReleaseSyncs();
  ExpectRefusedForAFullDisk(Answer(a).status());
  // Not FAILED_PRECONDITION: that answer came from A's unconfirmed effects.
  ExpectRefusedForAFullDisk(Answer(b).status());

  fs_->SetFault(FaultFs::Fault::kNone);
  ASSERT_TRUE(PollUntil([&] { return h_.wallet().write_health().writable; }));
  // A reached the write-ahead log before its sync failed: a restart finds
  // it, and so does the recovered wallet. A retry of A gets A's answer; B
  // is then refused for the float it really lacks.
  const Digest recovered = Take();
  h_.Reopen();
  EXPECT_EQ(Take(), recovered);
  std::future<Result> again = recharge("A");
  EXPECT_THAT(Answer(again), IsOk());
  again = recharge("B");
  EXPECT_THAT(Answer(again), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(h_.FloatBalance("R2"), 5'000);
  h_.ExpectLedgerBalanced();
}

TEST_F(DurabilityTest, FreeSpaceBelowTheReserveRefusesWritesBeforeAnyFails) {
  h_.options().min_free_bytes = 64 << 20;
  h_.Reopen();
  ASSERT_THAT(h_.Recharge("R1", "before", "M1", 100), IsOk());
  fs_->SetFreeBytes(10 << 20);
  ASSERT_TRUE(PollUntil([&] { return !h_.wallet().write_health().writable; }));
  const absl::Status refused = h_.Recharge("R1", "low", "M1", 100).status();
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("nearly full")));
  EXPECT_THAT(h_.wallet().write_health().reason, HasSubstr("below the free-space reserve"));
  EXPECT_EQ(h_.wallet().pipeline_stats().commit_errors.load(), 0u);
  EXPECT_EQ(h_.MeterBalance("M1"), 100);

  fs_->SetFreeBytes(uint64_t{1} << 30);
  ASSERT_TRUE(PollUntil([&] { return h_.wallet().write_health().writable; }));
  EXPECT_THAT(h_.Recharge("R1", "low", "M1", 100), IsOk());
  EXPECT_EQ(h_.MeterBalance("M1"), 200);
}

TEST_F(DurabilityTest, StartsReadOnlyOnAFullDiskAndRecoversWhenSpaceIsFreed) {
  for (int i = 0; i < 5; ++i)
    ASSERT_THAT(h_.Recharge("R1", absl::StrCat("r", i), "M1", 100), IsOk());
  fs_->SetFault(FaultFs::Fault::kAppend);
  h_.Reopen();  // RocksDB cannot write what opening needs
  EXPECT_FALSE(h_.wallet().write_health().writable);
  EXPECT_THAT(h_.wallet().write_health().reason, HasSubstr("opened read-only"));
  EXPECT_EQ(h_.MeterBalance("M1"), 500);
  ExpectRefusedForAFullDisk(h_.Recharge("R1", "full", "M1", 100).status());
  EXPECT_THAT(h_.wallet().Tick(), Not(IsOk()));

  fs_->SetFault(FaultFs::Fault::kNone);
  ASSERT_TRUE(PollUntil([&] { return h_.wallet().write_health().writable; }));
  EXPECT_THAT(h_.Recharge("R1", "full", "M1", 100), IsOk());
  EXPECT_EQ(h_.MeterBalance("M1"), 600);
  h_.ExpectLedgerBalanced();
}

}  // namespace
}  // namespace wallet
