// Balances at the edge of int64: every balance change is range-checked before
// anything is posted, system accounts included, and check-ledger adds up
// without wrap-around.
#include <limits>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wallet_harness.h"
#include "wallet/accounts.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::MeterRequest;
using testing::ReadingAt;
using testing::TestLedgerOptions;
using ::testing::UnorderedElementsAre;
using testing::Wait;
using testing::WalletHarness;
using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// A wallet that takes any amount up to int64's largest, so that a few
// requests bring balances to the edge.
LedgerOptions Unbounded() {
  LedgerOptions options = TestLedgerOptions();
  options.max_amount_paise = kMax;
  return options;
}

class BalanceRangeTest : public ::testing::Test {
 protected:
  BalanceRangeTest() : h_(Unbounded()) {}

  void SetUp() override {
    ASSERT_THAT(h_.Register(MeterRequest("M1", "C1")), IsOk());
    ASSERT_THAT(h_.Register(MeterRequest("M2", "C2")), IsOk());
  }

  WalletHarness h_;
};

TEST_F(BalanceRangeTest, OverflowAtASystemAccountIsRefusedAndChangesNothing) {
  // system:adjustments goes to -(2^63 - 1), one paisa above int64's lowest.
  ASSERT_THAT(h_.Adjust("adj-1", "M1", kMax, true, "test: edge of the range"), IsOk());
  ASSERT_EQ(h_.AccountBalance(kAdjustments), -kMax);
  const uint64_t transfers = h_.TransferCount();

  // Crediting M2 (at zero) by 2 is fine for M2 but would wrap the system
  // account around to a huge positive balance.
  auto wrapped = h_.Adjust("adj-2", "M2", 2, true, "test: one step too far");
  EXPECT_THAT(wrapped,
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("system:adjustments")));
  // The meter's own edge is refused too.
  EXPECT_THAT(h_.Adjust("adj-3", "M1", 1, true, "test: meter at the top"),
              StatusIs(absl::StatusCode::kFailedPrecondition));

  EXPECT_EQ(h_.TransferCount(), transfers);
  EXPECT_EQ(h_.MeterBalance("M1"), kMax);
  EXPECT_EQ(h_.MeterBalance("M2"), 0);
  EXPECT_EQ(h_.AccountBalance(kAdjustments), -kMax);
  // One paisa still fits, and the refused request ids were not burnt.
  auto fits = h_.Adjust("adj-2", "M2", 1, true, "test: last paisa");
  ASSERT_THAT(fits, IsOk());
  EXPECT_EQ(h_.AccountBalance(kAdjustments), std::numeric_limits<int64_t>::min());
  h_.ExpectLedgerBalanced();
}

TEST_F(BalanceRangeTest, FloatTopUpThatWouldWrapTheDepositsAccountIsRefused) {
  ASSERT_THAT(h_.CreateRetailer("R1", 0), IsOk());
  ASSERT_THAT(h_.CreateRetailer("R2", 0), IsOk());
  // system:float_deposits at -(2^63 - 1).
  ASSERT_THAT(h_.TopUp("top-1", "R1", kMax), IsOk());
  const uint64_t transfers = h_.TransferCount();
  // R2's float (zero) takes it easily; the deposits account would wrap.
  auto refused = h_.TopUp("top-2", "R2", 2);
  EXPECT_THAT(refused,
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("system:float_deposits")));
  EXPECT_EQ(h_.TransferCount(), transfers);
  EXPECT_EQ(h_.FloatBalance("R2"), 0);
  EXPECT_EQ(h_.AccountBalance(kFloatDeposits), -kMax);
  h_.ExpectLedgerBalanced();
}

TEST_F(BalanceRangeTest, PaymentThatWouldWrapTheClearingAccountIsRefused) {
  const Principal consumer{v1::ROLE_CONSUMER, "C1"};
  auto first = h_.StartRecharge(consumer, "o-1", "M1", kMax);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(h_.Confirm("pay-1", first->order().order_id(), kMax), IsOk());
  auto second = h_.StartRecharge(Principal{v1::ROLE_CONSUMER, "C2"}, "o-2", "M2", 2);
  ASSERT_THAT(second, IsOk());
  const uint64_t transfers = h_.TransferCount();
  auto refused = h_.Confirm("pay-2", second->order().order_id(), 2);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition,
                                HasSubstr("system:payment_clearing")));
  EXPECT_EQ(h_.TransferCount(), transfers);
  EXPECT_EQ(h_.MeterBalance("M2"), 0);
  h_.ExpectLedgerBalanced();
}

// Balances far beyond what any int64 sum of two of them could hold: the
// ledger still sums to exactly zero and nothing is out of range.
TEST_F(BalanceRangeTest, CheckLedgerSumsBalancesNearTheLimitExactly) {
  const int64_t big = (int64_t{1} << 62) + (int64_t{1} << 61);  // 3/4 of the range
  ASSERT_THAT(h_.Adjust("adj-1", "M1", big, true, "test"), IsOk());
  auto order = h_.StartRecharge(Principal{v1::ROLE_CONSUMER, "C2"}, "o-1", "M2", big);
  ASSERT_THAT(order, IsOk());
  ASSERT_THAT(h_.Confirm("pay-1", order->order().order_id(), big), IsOk());
  auto check = h_.wallet().CheckLedger();
  ASSERT_THAT(check, IsOk());
  EXPECT_TRUE(check->ok()) << check->DebugString();
  EXPECT_EQ(check->sum_paise(), 0);
  EXPECT_THAT(check->out_of_range_accounts(), IsEmpty());
  EXPECT_THAT(check->mismatched_accounts(), IsEmpty());
  EXPECT_EQ(check->transfers(), 2u);
}

// A store written when system accounts were not range-checked: two transfers
// took system:fees past int64's top and its stored balance wrapped around.
// Added up in int64 the journal wraps the same way and everything "matches";
// check-ledger must see it.
TEST(CheckLedgerTest, ReportsABalanceThatWrappedAround) {
  WalletHarness h;
  const int64_t big = (int64_t{1} << 62) + (int64_t{1} << 61);
  h.EditStore([&](Store&, Batch& batch) {
    for (uint64_t seq : {1, 2}) {
      store::v1::TransferRecord transfer;
      transfer.set_seq(seq);
      transfer.set_time_us(1'790'000'000'000'000);
      transfer.set_type(v1::RECONNECTION_FEE);
      transfer.set_debit_account(std::string(kAdjustments));
      transfer.set_credit_account(std::string(kFees));
      transfer.set_amount_paise(big);
      transfer.set_request_ref(absl::StrCat("old-", seq));
      batch.Put(Table::kJournal, BigEndian64(seq), transfer.SerializeAsString());
    }
    // What an int64 += left behind: 2 x big wrapped to a negative number.
    const uint64_t wrapped = static_cast<uint64_t>(big) * 2;
    batch.Put(Table::kAccounts, kFees, BigEndian64(wrapped));
    batch.Put(Table::kAccounts, kAdjustments, BigEndian64(~wrapped + 1));
  });
  auto check = h.wallet().CheckLedger();
  ASSERT_THAT(check, IsOk());
  EXPECT_FALSE(check->ok());
  EXPECT_THAT(check->out_of_range_accounts(),
              UnorderedElementsAre(std::string(kFees), std::string(kAdjustments)));
  EXPECT_THAT(check->mismatched_accounts(),
              UnorderedElementsAre(std::string(kFees), std::string(kAdjustments)));
}

// A reading whose charge would take system:revenue out of range is refused
// on its own, with a reason, and changes nothing; the rest of the batch goes
// on.
TEST(IngestRangeTest, ReadingThatWouldOverflowRevenueIsRejectedItemByItem) {
  WalletHarness h;
  auto req = MeterRequest("M1", "C1");
  ASSERT_THAT(h.Register(req), IsOk());
  ASSERT_THAT(h.Register(MeterRequest("M2", "C2")), IsOk());
  const absl::Time start = h.clock().Now();
  ASSERT_THAT(h.Ingest("base", {ReadingAt("M1", 0, start - absl::Hours(2)),
                                ReadingAt("M2", 0, start - absl::Hours(2))}),
              IsOk());
  // system:revenue 10 paise below int64's top, as if it had earned that much.
  h.EditStore([&](Store&, Batch& batch) {
    batch.Put(Table::kAccounts, kRevenue, BigEndian64(static_cast<uint64_t>(kMax - 10)));
  });
  auto state_before = h.wallet().GetMeterState("M1");
  ASSERT_THAT(state_before, IsOk());
  const uint64_t transfers = h.TransferCount();
  // 1 kWh at Rs 5 is 500 paise: too much for revenue. 1 Wh is 0.5 paise,
  // rounded down to nothing, so M2's reading still goes through.
  auto response = h.Ingest("b1", {ReadingAt("M1", 1000, start - absl::Hours(1)),
                                  ReadingAt("M2", 1, start - absl::Hours(1))});
  ASSERT_THAT(response, IsOk());
  ASSERT_EQ(response->results_size(), 2);
  EXPECT_EQ(response->results(0).outcome(), v1::ReadingResult::REJECTED);
  EXPECT_THAT(response->results(0).reason(), HasSubstr("system:revenue"));
  EXPECT_EQ(response->results(1).outcome(), v1::ReadingResult::DEBITED);
  EXPECT_EQ(response->rejected(), 1);
  EXPECT_EQ(h.TransferCount(), transfers);
  auto state_after = h.wallet().GetMeterState("M1");
  ASSERT_THAT(state_after, IsOk());
  // The reading left no trace: the same register and time as before.
  EXPECT_EQ(state_after->SerializeAsString(), state_before->SerializeAsString());
  EXPECT_EQ(h.AccountBalance(kRevenue), kMax - 10);
}

}  // namespace
}  // namespace wallet
