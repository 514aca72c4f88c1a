// The rules of dues (wallet/dues.h) by tables: which import rows are
// accepted, what an import row posts given what is owed and what was paid
// since its snapshot, and how a payment is split between principal and
// surcharge.
#include "wallet/dues.h"

#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/wallet_harness.h"
#include "wallet/ledger_options.h"

namespace wallet {
namespace {

using testing::DuesRowOf;
using ::testing::HasSubstr;

TEST(ValidateDuesRow, AcceptsWhatCanBeImportedAndNamesTheFieldOtherwise) {
  struct Case {
    const char* name;
    v1::DuesRow row;
    const char* field;  // nullptr: accepted
  };
  const Case cases[] = {
      {"a debt", DuesRowOf(2, "M1", 2'500'000, 10'000, 2, "2025-01-15"), nullptr},
      {"nothing owed", DuesRowOf(2, "M1", 0, 0, 0, ""), nullptr},
      {"at the ledger's ceiling", DuesRowOf(2, "M1", kMaxLedgerAmount, kMaxLedgerAmount, 1200, ""),
       nullptr},
      {"a leap day", DuesRowOf(2, "M1", 1, 0, 1, "2024-02-29"), nullptr},
      {"no meter", DuesRowOf(2, "", 1, 0, 1, ""), "meter_id"},
      {"a bad meter id", DuesRowOf(2, "M 1", 1, 0, 1, ""), "meter_id"},
      {"line 0", DuesRowOf(0, "M1", 1, 0, 1, ""), "line"},
      {"negative principal", DuesRowOf(2, "M1", -1, 0, 1, ""), "principal"},
      {"principal above the ceiling", DuesRowOf(2, "M1", kMaxLedgerAmount + 1, 0, 1, ""),
       "principal"},
      {"negative surcharge", DuesRowOf(2, "M1", 1, -5, 1, ""), "surcharge"},
      {"surcharge at int64's end",
       DuesRowOf(2, "M1", 1, std::numeric_limits<int64_t>::max(), 1, ""), "surcharge"},
      {"negative bills", DuesRowOf(2, "M1", 1, 0, -1, ""), "unpaid_bills"},
      {"too many bills", DuesRowOf(2, "M1", 1, 0, 1201, ""), "unpaid_bills"},
      {"no such day", DuesRowOf(2, "M1", 1, 0, 1, "2025-02-30"), "oldest_due_date"},
      {"not a date", DuesRowOf(2, "M1", 1, 0, 1, "15/01/2025"), "oldest_due_date"},
  };
  for (const Case& c : cases) {
    const absl::Status status = ValidateDuesRow(c.row);
    if (c.field == nullptr) {
      EXPECT_TRUE(status.ok()) << c.name << ": " << status;
    } else {
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.name;
      EXPECT_THAT(status.message(), HasSubstr(c.field)) << c.name;
    }
  }
}

TEST(PlanDuesRow, PostsTheDifferenceToTheSnapshotLessWhatWasPaidSince) {
  struct Case {
    const char* name;
    DuesAmounts owed;
    DuesAmounts billed;
    int64_t paid_since;
    DuesAmounts target;
    int64_t principal_delta;
    int64_t surcharge_delta;
  };
  const Case cases[] = {
      {"first import", {0, 0}, {20'000, 1'000}, 0, {20'000, 1'000}, 20'000, 1'000},
      {"the same snapshot again", {20'000, 1'000}, {20'000, 1'000}, 0, {20'000, 1'000}, 0, 0},
      {"billing raised it", {20'000, 1'000}, {25'000, 1'500}, 0, {25'000, 1'500}, 5'000, 500},
      {"billing lowered it", {20'000, 1'000}, {5'000, 0}, 0, {5'000, 0}, -15'000, -1'000},
      {"a payment after the snapshot is deducted from principal first",
       {15'000, 1'000},
       {20'000, 1'000},
       5'000,
       {15'000, 1'000},
       0,
       0},
      {"a payment beyond the principal reaches the surcharge",
       {0, 500},
       {20'000, 1'000},
       20'500,
       {0, 500},
       0,
       0},
      {"paid more than the snapshot: nothing is owed, never a credit",
       {0, 0},
       {1'000, 100},
       5'000,
       {0, 0},
       0,
       0},
      {"legacy arrears replaced by billing's figure",
       {30'000, 0},
       {12'000, 300},
       0,
       {12'000, 300},
       -18'000,
       300},
      {"a settlement waived the surcharge",
       {10'000, 2'000},
       {10'000, 0},
       0,
       {10'000, 0},
       0,
       -2'000},
  };
  for (const Case& c : cases) {
    const DuesPlan plan = PlanDuesRow(c.owed, c.billed, c.paid_since);
    EXPECT_EQ(plan.target, c.target) << c.name;
    EXPECT_EQ(plan.principal_delta, c.principal_delta) << c.name;
    EXPECT_EQ(plan.surcharge_delta, c.surcharge_delta) << c.name;
    EXPECT_EQ(plan.posts(), c.principal_delta != 0 || c.surcharge_delta != 0) << c.name;
  }
}

TEST(AllocateDuesPayment, PaysPrincipalFirstThenSurchargeAndNeverMoreThanOwed) {
  struct Case {
    const char* name;
    DuesAmounts owed;
    int64_t amount;
    DuesAmounts paid;  // when accepted
    bool accepted;
  };
  const Case cases[] = {
      {"part of the principal", {10'000, 2'000}, 4'000, {4'000, 0}, true},
      {"all the principal", {10'000, 2'000}, 10'000, {10'000, 0}, true},
      {"principal and part of the surcharge", {10'000, 2'000}, 11'000, {10'000, 1'000}, true},
      {"everything", {10'000, 2'000}, 12'000, {10'000, 2'000}, true},
      {"only a surcharge is owed", {0, 2'000}, 500, {0, 500}, true},
      {"a paisa more than owed", {10'000, 2'000}, 12'001, {}, false},
      {"nothing owed", {0, 0}, 1, {}, false},
  };
  for (const Case& c : cases) {
    absl::StatusOr<DuesAmounts> paid = AllocateDuesPayment("M1", c.owed, c.amount);
    if (!c.accepted) {
      EXPECT_EQ(paid.status().code(), absl::StatusCode::kFailedPrecondition) << c.name;
      continue;
    }
    ASSERT_TRUE(paid.ok()) << c.name << ": " << paid.status();
    EXPECT_EQ(*paid, c.paid) << c.name;
  }
  EXPECT_THAT(AllocateDuesPayment("M1", {100, 0}, 200).status().message(),
              HasSubstr("more than the dues meter M1 owes (Rs 1.00)"));
}

TEST(OwedOf, IsTheNegatedBalanceAndNeverACredit) {
  EXPECT_EQ(OwedOf(-2'500, -100), (DuesAmounts{2'500, 100}));
  EXPECT_EQ(OwedOf(0, 0), (DuesAmounts{0, 0}));
  EXPECT_EQ(OwedOf(300, 0), (DuesAmounts{0, 0}));
  EXPECT_EQ(OwedOf(std::numeric_limits<int64_t>::min(), 0).principal_paise,
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ((DuesAmounts{std::numeric_limits<int64_t>::max(), 5}).total(),
            std::numeric_limits<int64_t>::max());
}

TEST(PaidSince, CountsOnlyPaymentsAfterTheSnapshotAndDropsTheRest) {
  store::v1::DuesRecord record;
  for (const auto& [time, principal, surcharge] :
       {std::tuple{100, 1'000, 0}, std::tuple{200, 500, 50}, std::tuple{300, 0, 20}}) {
    store::v1::DuesPaymentRecord* payment = record.add_payments();
    payment->set_time_us(time);
    payment->set_principal_paise(principal);
    payment->set_surcharge_paise(surcharge);
  }
  EXPECT_EQ(PaidSince(record, 0), 1'570);
  EXPECT_EQ(PaidSince(record, 100), 570);  // a payment at the snapshot's time is in it
  EXPECT_EQ(PaidSince(record, 300), 0);
  DropPaymentsUpTo(200, &record);
  ASSERT_EQ(record.payments_size(), 1);
  EXPECT_EQ(record.payments(0).time_us(), 300);
}

}  // namespace
}  // namespace wallet
