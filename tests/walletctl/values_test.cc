// Values typed on the command line: amounts exact to the paisa and refused
// beyond int64, enums by name, ids and phones as walletd accepts them, dates
// and times in IST.
#include "walletctl/values.h"

#include <cstdint>
#include <limits>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "wallet/v1/common.pb.h"
#include "wallet/v1/meter.pb.h"

namespace walletctl {
namespace {

using ::testing::Not;
using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;

namespace v1 = ::wallet::v1;
using ::testing::HasSubstr;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

TEST(ParseRupeesText, IsExactToThePaisa) {
  EXPECT_EQ(*ParseRupeesText("350", false), 35000);
  EXPECT_EQ(*ParseRupeesText("350.5", false), 35050);
  EXPECT_EQ(*ParseRupeesText("350.50", false), 35050);
  EXPECT_EQ(*ParseRupeesText("350.05", false), 35005);
  // 0.1 and 0.29 have no exact binary floating-point value.
  EXPECT_EQ(*ParseRupeesText("0.1", false), 10);
  EXPECT_EQ(*ParseRupeesText("0.29", false), 29);
  EXPECT_EQ(*ParseRupeesText("0.01", false), 1);
  EXPECT_EQ(*ParseRupeesText("92233720368547758.07", false), kMax);
}

TEST(ParseRupeesText, RefusesValuesBeyondInt64Paise) {
  for (const char* text : {"92233720368547758.08", "92233720368547759", "99999999999999999999"}) {
    absl::StatusOr<int64_t> paise = ParseRupeesText(text, false);
    ASSERT_THAT(paise, Not(IsOk())) << text;
    EXPECT_THAT(paise, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("too large")))
        << text;
  }
}

TEST(ParseRupeesText, RefusesWhatIsNotRupees) {
  for (const char* text :
       {"", "-5", "+5", " 5", "5 ", "5.", ".5", "5.123", "1e3", "1,000", "Rs 5", "5.0.0", "٥"}) {
    absl::StatusOr<int64_t> paise = ParseRupeesText(text, true);
    ASSERT_THAT(paise, Not(IsOk())) << "\"" << text << "\"";
    EXPECT_THAT(paise.status().message(), HasSubstr("at most 2 decimals")) << text;
  }
}

TEST(ParseRupeesText, ZeroOnlyWhereAllowed) {
  EXPECT_EQ(*ParseRupeesText("0", true), 0);
  EXPECT_EQ(*ParseRupeesText("0.00", true), 0);
  EXPECT_THAT(ParseRupeesText("0.00", false).status().message(), HasSubstr("more than zero"));
}

TEST(ParsePaiseText, TakesWholePaiseUpToInt64) {
  EXPECT_EQ(*ParsePaiseText("35050", false), 35050);
  EXPECT_EQ(*ParsePaiseText("9223372036854775807", false), kMax);
  EXPECT_THAT(ParsePaiseText("9223372036854775808", false).status().message(),
              HasSubstr("too large"));
  for (const char* text : {"", "-1", "+1", "1.0", " 1", "1e2"}) {
    EXPECT_THAT(ParsePaiseText(text, true), Not(IsOk())) << text;
  }
  EXPECT_THAT(ParsePaiseText("0", false), Not(IsOk()));
  EXPECT_EQ(*ParsePaiseText("0", true), 0);
}

TEST(ParseIntText, KeepsToTheRange) {
  EXPECT_EQ(*ParseIntText("0", 0, 1000), 0);
  EXPECT_EQ(*ParseIntText("1000", 0, 1000), 1000);
  EXPECT_EQ(*ParseIntText("-5", -10, 10), -5);
  EXPECT_THAT(ParseIntText("1001", 0, 1000).status().message(), HasSubstr("from 0 to 1000"));
  EXPECT_THAT(ParseIntText("-1", 0, 1000), Not(IsOk()));
  EXPECT_THAT(ParseIntText("12abc", 0, 1000), Not(IsOk()));
  EXPECT_THAT(ParseIntText("99999999999999999999", 0, kMax), Not(IsOk()));
}

TEST(ParseBoolText, TakesTheUsualSpellings) {
  for (const char* yes : {"true", "TRUE", "yes", "1"}) EXPECT_TRUE(*ParseBoolText(yes)) << yes;
  for (const char* no : {"false", "No", "0"}) EXPECT_FALSE(*ParseBoolText(no)) << no;
  EXPECT_THAT(ParseBoolText("maybe"), Not(IsOk()));
}

TEST(ParseEnumText, TakesLowerCaseNamesWithoutThePrefix) {
  EXPECT_EQ(*ParseEnumText(*v1::Category_descriptor(), "", "domestic"), v1::DOMESTIC);
  EXPECT_EQ(*ParseEnumText(*v1::Category_descriptor(), "", "Commercial"), v1::COMMERCIAL);
  EXPECT_EQ(*ParseEnumText(*v1::Role_descriptor(), "ROLE_", "payment-gateway"),
            v1::ROLE_PAYMENT_GATEWAY);
  // Zero is a real value when it is not *_UNSPECIFIED.
  EXPECT_EQ(*ParseEnumText(*v1::Hold_descriptor(), "HOLD_", "none"), v1::HOLD_NONE);
}

TEST(ParseEnumText, RefusesTheUnsetValueAndListsTheChoices) {
  for (const char* text : {"category_unspecified", "unspecified", "domestik", ""}) {
    absl::StatusOr<int> value = ParseEnumText(*v1::Category_descriptor(), "", text);
    ASSERT_THAT(value, Not(IsOk())) << text;
    EXPECT_THAT(value.status().message(),
                HasSubstr("one of domestic|commercial|government|industrial"));
  }
  EXPECT_EQ(EnumText(*v1::Role_descriptor(), v1::ROLE_METER_GATEWAY, "ROLE_"), "meter_gateway");
  EXPECT_EQ(EnumText(*v1::Role_descriptor(), 99, "ROLE_"), "99");
}

TEST(ParseChoiceText, MapsNamesToValues) {
  constexpr Choice kKinds[] = {{"normal", v1::Reading::NORMAL},
                               {"reset", v1::Reading::REGISTER_RESET}};
  EXPECT_EQ(*ParseChoiceText(kKinds, "RESET"), v1::Reading::REGISTER_RESET);
  EXPECT_THAT(ParseChoiceText(kKinds, "replace").status().message(),
              HasSubstr("one of normal|reset"));
}

TEST(ParseIdText, AcceptsWhatWalletdAccepts) {
  EXPECT_EQ(*ParseIdText("meter:BSP-0001_a.b"), "meter:BSP-0001_a.b");
  EXPECT_EQ(*ParseIdText(std::string(64, 'x')), std::string(64, 'x'));
  EXPECT_THAT(ParseIdText(std::string(65, 'x')).status().message(), HasSubstr("longer than 64"));
  EXPECT_THAT(ParseIdText("BSP 0001").status().message(), HasSubstr("only letters, digits"));
  EXPECT_THAT(ParseIdText(""), Not(IsOk()));
}

TEST(ParsePhoneText, TakesTenToFifteenDigits) {
  EXPECT_EQ(*ParsePhoneText("+919826000101"), "+919826000101");
  EXPECT_EQ(*ParsePhoneText("9826000101"), "9826000101");
  EXPECT_THAT(ParsePhoneText("98260"), Not(IsOk()));
  EXPECT_THAT(ParsePhoneText("+91 98260 00101"), Not(IsOk()));
}

TEST(ParseIstDate, TakesOnlyRealDates) {
  EXPECT_EQ(*ParseIstDate("2024-02-29"), "2024-02-29");
  for (const char* text : {"2025-02-29", "2025-02-30", "2025-13-01", "2025-2-3", "20250101",
                           "2025-01-01T00:00:00", ""}) {
    absl::StatusOr<std::string> date = ParseIstDate(text);
    ASSERT_THAT(date, Not(IsOk())) << text;
    EXPECT_THAT(date.status().message(), HasSubstr("YYYY-MM-DD"));
  }
}

TEST(ParseIstTime, ReadsIndianStandardTime) {
  const absl::Time time = *ParseIstTime("2025-04-01T08:00:00");
  // 08:00 IST is 02:30 UTC.
  EXPECT_EQ(time, absl::FromCivil(absl::CivilSecond(2025, 4, 1, 2, 30, 0), absl::UTCTimeZone()));
  EXPECT_EQ(FormatIstTime(time), "2025-04-01T08:00:00");
  for (const char* text : {"2025-04-01T24:00:00", "2025-04-31T08:00:00", "2025-04-01 08:00:00",
                           "2025-04-01T08:00", "2025-04-01T08:00:00Z", "2025-04-01T8:00:00"}) {
    absl::StatusOr<absl::Time> parsed = ParseIstTime(text);
    ASSERT_THAT(parsed, Not(IsOk())) << text;
    EXPECT_THAT(parsed.status().message(), HasSubstr("YYYY-MM-DDTHH:MM:SS (IST)"));
  }
}

}  // namespace
}  // namespace walletctl
