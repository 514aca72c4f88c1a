// Concurrency through the single writer: exact totals, no overdrawn float,
// group commit, and draining on close.
#include <atomic>

#include "gtest/gtest.h"
#include "tests/testing/run_on_threads.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wallet_harness.h"

namespace wallet {
namespace {

using testing::MeterRequest;
using testing::RunOnThreads;
using testing::WalletHarness;
using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;

TEST(PipelineTest, ManyClientsRechargingOneMeterGiveTheExactTotal) {
  WalletHarness h;
  ASSERT_THAT(h.Register(MeterRequest("HOT", "C1")), IsOk());
  ASSERT_THAT(h.CreateRetailer("R1", 0), IsOk());
  ASSERT_THAT(h.TopUp("top", "R1", 10'000'000), IsOk());
  constexpr int kThreads = 16;
  constexpr int kEach = 200;
  std::atomic<int> failures{0};
  RunOnThreads(kThreads, kEach, [&](int t, int i) {
    // Each client also retries every request once, as a flaky network would.
    const std::string id = absl::StrCat("t", t, "-", i);
    const int64_t amount = 100 + t;
    if (!h.Recharge("R1", id, "HOT", amount).ok()) ++failures;
    if (!h.Recharge("R1", id, "HOT", amount).ok()) ++failures;
  });
  EXPECT_EQ(failures, 0);
  int64_t expected = 0;
  for (int t = 0; t < kThreads; ++t) expected += kEach * (100 + t);
  EXPECT_EQ(h.MeterBalance("HOT"), expected);
  EXPECT_EQ(h.FloatBalance("R1"), 10'000'000 - expected);
  const PipelineStats& stats = h.wallet().pipeline_stats();
  EXPECT_LT(stats.commits.load(), stats.operations.load()) << "no group commit happened";
  h.ExpectLedgerBalanced();
}

TEST(PipelineTest, ConcurrentRetailerRechargesNeverOverdrawTheFloat) {
  WalletHarness h;
  ASSERT_THAT(h.Register(MeterRequest("M1", "C1")), IsOk());
  ASSERT_THAT(h.Register(MeterRequest("M2", "C2")), IsOk());
  ASSERT_THAT(h.CreateRetailer("R1", 0, -5'000), IsOk());
  ASSERT_THAT(h.TopUp("top", "R1", 100'000), IsOk());
  std::atomic<int> ok{0};
  std::atomic<int> refused{0};
  RunOnThreads(12, 20, [&](int t, int i) {
    auto r = h.Recharge("R1", absl::StrCat(t, "-", i), t % 2 ? "M1" : "M2", 1'000);
    if (r.ok()) {
      ++ok;
      EXPECT_GE(r->float_balance_paise(), -5'000);
    } else {
      EXPECT_THAT(r, StatusIs(absl::StatusCode::kFailedPrecondition));
      ++refused;
    }
  });
  EXPECT_EQ(ok, 105);  // (1,00,000 + 5,000 credit) / 1,000
  EXPECT_EQ(refused, 12 * 20 - 105);
  EXPECT_EQ(h.FloatBalance("R1"), -5'000);
  EXPECT_EQ(h.MeterBalance("M1") + h.MeterBalance("M2"), 105'000);
  h.ExpectLedgerBalanced();
}

TEST(PipelineTest, ClosingDrainsEverythingQueued) {
  WalletHarness h;
  ASSERT_THAT(h.Register(MeterRequest("M1", "C1")), IsOk());
  ASSERT_THAT(h.CreateRetailer("R1", 0), IsOk());
  ASSERT_THAT(h.TopUp("top", "R1", 1'000'000), IsOk());
  std::atomic<int> acknowledged{0};
  for (int i = 0; i < 500; ++i) {
    v1::RetailerRechargeRequest req;
    req.set_request_id(absl::StrCat("q", i));
    req.set_meter_id("M1");
    req.set_amount_paise(10);
    h.wallet().RetailerRecharge(Principal{v1::ROLE_RETAILER, "R1"}, req,
                                [&](absl::StatusOr<v1::RetailerRechargeResponse> r) {
                                  if (r.ok()) ++acknowledged;
                                });
  }
  h.Reopen();  // closes with 500 operations possibly still queued
  EXPECT_EQ(acknowledged, 500);
  EXPECT_EQ(h.MeterBalance("M1"), 5'000);
  h.ExpectLedgerBalanced();
}

}  // namespace
}  // namespace wallet
