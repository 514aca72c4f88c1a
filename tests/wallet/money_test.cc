#include "wallet/money.h"

#include <limits>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "wallet/validate.h"

namespace wallet {
namespace {

using ::testing::Not;
using ::wallet::testing::IsOk;

TEST(MoneyTest, ParsesRupeesExactly) {
  EXPECT_EQ(*ParseRupees("350"), 35'000);
  EXPECT_EQ(*ParseRupees("350.5"), 35'050);
  EXPECT_EQ(*ParseRupees("350.05"), 35'005);
  EXPECT_EQ(*ParseRupees("0.01"), 1);
  EXPECT_EQ(*ParseRupees("92233720368547758.07"), std::numeric_limits<int64_t>::max());
  for (const char* bad : {"", "-1", "+1", "1.234", "1.", ".5", "1,000", "abc", "1e3",
                          "92233720368547758.08", "99999999999999999999"}) {
    EXPECT_THAT(ParseRupees(bad), Not(IsOk())) << bad;
  }
}

TEST(MoneyTest, FormatsWithIndianGrouping) {
  EXPECT_EQ(FormatRupees(0), "Rs 0.00");
  EXPECT_EQ(FormatRupees(5), "Rs 0.05");
  EXPECT_EQ(FormatRupees(35'000), "Rs 350.00");
  EXPECT_EQ(FormatRupees(2'000'000), "Rs 20,000.00");
  EXPECT_EQ(FormatRupees(123'456'789), "Rs 12,34,567.89");
  EXPECT_EQ(FormatRupees(-30'000), "-Rs 300.00");
  EXPECT_EQ(FormatRupees(std::numeric_limits<int64_t>::min()),
            "-Rs 92,23,37,20,36,85,47,758.08");
}

TEST(MoneyTest, PercentRoundsDownWithoutOverflow) {
  EXPECT_EQ(PercentOfBps(12'345, 150), 185);
  EXPECT_EQ(PercentOfBps(50, 150), 0);
  EXPECT_EQ(PercentOfBps(10'000, 10'000), 10'000);
  const int64_t big = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(PercentOfBps(big, 10'000), big);
  EXPECT_EQ(PercentOfBps(big, 5'000), big / 2);
}

TEST(ValidateTest, Ids) {
  EXPECT_THAT(ValidateId("id", "MTR-001_a.b:c"), IsOk());
  EXPECT_THAT(ValidateId("id", ""), Not(IsOk()));
  EXPECT_THAT(ValidateId("id", std::string(65, 'a')), Not(IsOk()));
  EXPECT_THAT(ValidateId("id", std::string(64, 'a')), IsOk());
  EXPECT_THAT(ValidateId("id", "a b"), Not(IsOk()));
  EXPECT_THAT(ValidateId("id", "a/b"), Not(IsOk()));
  EXPECT_THAT(ValidateId("id", std::string("a\0b", 3)), Not(IsOk()));
  EXPECT_THAT(ValidatePhone("p", "+919876543210"), IsOk());
  EXPECT_THAT(ValidatePhone("p", "98765"), Not(IsOk()));
}

}  // namespace
}  // namespace wallet
