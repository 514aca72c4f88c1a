// The billing system's dues file as import-dues reads it: the header, CSV
// quoting, amounts exact to the paisa, and the lines it cannot send.
#include "walletctl/dues_csv.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace walletctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(SplitCsvLine, SplitsOnCommasOutsideQuotes) {
  EXPECT_THAT(*SplitCsvLine("a,b,,c"), ElementsAre("a", "b", "", "c"));
  EXPECT_THAT(*SplitCsvLine("\"MTR,1\",\"say \"\"hi\"\"\", 3 "),
              ElementsAre("MTR,1", "say \"hi\"", " 3 "));
  EXPECT_THAT(*SplitCsvLine(" \"x\" ,y"), ElementsAre("x", "y"));
  EXPECT_EQ(SplitCsvLine("\"open,b").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SplitCsvLine("\"a\"b,c").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CheckDuesHeader, AcceptsTheHeaderInAnyCaseAndSpacing) {
  EXPECT_TRUE(CheckDuesHeader("meter_id,principal,surcharge,unpaid_bills,oldest_due_date").ok());
  EXPECT_TRUE(
      CheckDuesHeader("METER_ID, Principal ,surcharge,unpaid_bills,oldest_due_date\r").ok());
  const absl::Status wrong = CheckDuesHeader("meter,amount");
  EXPECT_EQ(wrong.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong.message(),
              HasSubstr("meter_id,principal,surcharge,unpaid_bills,oldest_due_date"));
  // A first data row is not a header.
  EXPECT_FALSE(CheckDuesHeader("BSP-1,250.00,10,1,2025-01-15").ok());
}

TEST(ParseDuesLine, ReadsRowsExactlyAndNamesWhatItCannotSend) {
  const DuesLine row = ParseDuesLine(7, "BSP-0001, 25000.50 ,120.05,3,2025-01-15\r");
  ASSERT_TRUE(row.row.has_value());
  EXPECT_FALSE(row.problem.has_value());
  EXPECT_EQ(row.row->line(), 7);
  EXPECT_EQ(row.row->meter_id(), "BSP-0001");
  EXPECT_EQ(row.row->principal_paise(), 2'500'050);
  EXPECT_EQ(row.row->surcharge_paise(), 12'005);
  EXPECT_EQ(row.row->unpaid_bills(), 3);
  EXPECT_EQ(row.row->oldest_due_date(), "2025-01-15");

  const DuesLine nothing_due = ParseDuesLine(8, "BSP-0002,0,0,0,");
  ASSERT_TRUE(nothing_due.row.has_value());
  EXPECT_EQ(nothing_due.row->oldest_due_date(), "");

  EXPECT_FALSE(ParseDuesLine(9, "   ").row.has_value());
  EXPECT_FALSE(ParseDuesLine(9, "").problem.has_value());

  struct Case {
    const char* line;
    const char* says;
  };
  for (const Case& c :
       {Case{"BSP-3,100,0,1", "5 fields expected"}, Case{"BSP-3,abc,0,1,", "principal"},
        Case{"BSP-3,-5,0,1,", "principal"}, Case{"BSP-3,1.005,0,1,", "principal"},
        Case{"BSP-3,1,x,1,", "surcharge"}, Case{"BSP-3,1,0,two,", "unpaid_bills"},
        Case{"BSP-3,1,0,-1,", "unpaid_bills"}, Case{"\"BSP-3,1,0,1,", "quote"}}) {
    const DuesLine bad = ParseDuesLine(10, c.line);
    EXPECT_FALSE(bad.row.has_value()) << c.line;
    ASSERT_TRUE(bad.problem.has_value()) << c.line;
    EXPECT_EQ(bad.problem->line, 10);
    EXPECT_THAT(bad.problem->message, HasSubstr(c.says)) << c.line;
  }
  EXPECT_EQ(ParseDuesLine(11, "BSP-4,abc,0,1,").problem->meter_id, "BSP-4");
}

}  // namespace
}  // namespace walletctl
