// The output layer: aligned fields and tables for people, CSV with its
// quoting, JSON in protobuf's mapping.
#include "walletctl/output.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "wallet/v1/admin.pb.h"
#include "walletctl/format.h"

namespace walletctl {
namespace {

using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;

namespace v1 = ::wallet::v1;
using ::testing::HasSubstr;

TEST(RenderText, AlignsFieldValues) {
  Report report;
  report.Add("meter", PlainValue("M1")).Add("last recharge", MoneyValue(35050));
  EXPECT_EQ(RenderText(report),
            "meter:         M1\n"
            "last recharge: Rs 350.50\n");
}

TEST(RenderText, AlignsColumnsAndAmountsToTheRight) {
  Report report;
  Table& table = report.SetTable({{"METER"}, {"BALANCE", Align::kRight}, {"NOTE"}});
  table.AddRow({PlainValue("MTR001"), MoneyValue(500), PlainValue("")});
  table.AddRow({PlainValue("M2"), MoneyValue(12345678), PlainValue("new")});
  EXPECT_EQ(RenderText(report),
            "METER"
            "          BALANCE  NOTE\n"
            "MTR001"
            "         Rs 5.00\n"
            "M2"
            "      Rs 1,23,456.78  new\n");
}

TEST(RenderText, PutsFieldsBeforeTheTableAndSaysWhenItIsEmpty) {
  Report report;
  report.Add("balance", MoneyValue(0));
  report.SetTable({{"SEQ", Align::kRight}, {"TYPE"}});
  EXPECT_EQ(RenderText(report),
            "balance: Rs 0.00\n"
            "\n"
            "SEQ  TYPE\n"
            "(none)\n");
}

TEST(RenderText, CountsCodePointsNotBytes) {
  Report report;
  Table& table = report.SetTable({{"NAME"}, {"METER"}});
  table.AddRow({PlainValue("रमेश"), PlainValue("M1")});  // 4 code points, 12 bytes
  table.AddRow({PlainValue("Ramesh"), PlainValue("M2")});
  EXPECT_EQ(RenderText(report),
            "NAME    METER\n"
            "रमेश    M1\n"
            "Ramesh  M2\n");
}

TEST(RenderCsv, WritesTheTableWithMachineValues) {
  Report report;
  report.Add("balance", MoneyValue(100));  // not in the CSV of a list
  Table& table =
      report.SetTable({{"METER"}, {"LAST RECHARGE", Align::kRight}, {"CIRCLE/DIVISION"}});
  table.AddRow({PlainValue("M1"), MoneyValue(-123456789), PlainValue("Bilaspur/City-1")});
  table.AddRow({PlainValue("M2")});  // short rows are padded
  EXPECT_EQ(RenderCsv(report),
            "meter,last_recharge,circle_division\n"
            "M1,-1234567.89,Bilaspur/City-1\n"
            "M2,,\n");
}

TEST(RenderCsv, QuotesWhatRfc4180Says) {
  Report report;
  Table& table = report.SetTable({{"TEXT"}});
  table.AddRow({PlainValue("plain")});
  table.AddRow({PlainValue("Sharma, Mobile")});
  table.AddRow({PlainValue("say \"hi\"")});
  table.AddRow({PlainValue("two\nlines")});
  EXPECT_EQ(RenderCsv(report),
            "text\n"
            "plain\n"
            "\"Sharma, Mobile\"\n"
            "\"say \"\"hi\"\"\"\n"
            "\"two\nlines\"\n");
}

TEST(RenderCsv, WritesFieldsAsNameValueLinesWithoutATable) {
  Report report;
  report.Add("meter", PlainValue("M1")).Add("balance", MoneyValue(35050));
  EXPECT_EQ(RenderCsv(report),
            "field,value\n"
            "meter,M1\n"
            "balance,350.50\n");
}

TEST(RenderJson, UsesProtoNamesZeroValuesAndInt64Strings) {
  v1::MeterView view;
  view.mutable_meter()->set_meter_id("M1");
  view.set_balance_paise(35050);
  const std::string json = *RenderJson(view);
  EXPECT_THAT(json, HasSubstr("\"balance_paise\":\"35050\""));
  EXPECT_THAT(json, HasSubstr("\"arrears_paise\":\"0\""));
  EXPECT_THAT(json, HasSubstr("\"meter_id\":\"M1\""));
  EXPECT_EQ(json.find('\n'), std::string::npos);
  v1::MeterView parsed;
  ASSERT_THAT(google::protobuf::util::JsonStringToMessage(json, &parsed), IsOk());
  EXPECT_EQ(parsed.SerializeAsString(), view.SerializeAsString());
}

// CaptureOutput runs `print` on an Output writing to memory.
template <typename Print>
std::string CaptureOutput(OutputFormat format, Print print) {
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* file = open_memstream(&buffer, &size);
  Output output(format, file);
  print(output);
  std::fclose(file);
  std::string text(buffer, size);
  std::free(buffer);
  return text;
}

TEST(Output, ShowsAResponseInTheFormatAskedFor) {
  v1::AdjustBalanceResponse response;
  response.set_balance_paise(500);
  auto report = [] {
    Report report;
    report.Add("balance", MoneyValue(500));
    return report;
  };
  EXPECT_EQ(CaptureOutput(OutputFormat::kText,
                          [&](Output& out) { ASSERT_THAT(out.Show(response, report), IsOk()); }),
            "balance: Rs 5.00\n");
  EXPECT_EQ(CaptureOutput(OutputFormat::kCsv,
                          [&](Output& out) { ASSERT_THAT(out.Show(response, report), IsOk()); }),
            "field,value\nbalance,5.00\n");
  EXPECT_THAT(CaptureOutput(OutputFormat::kJson,
                            [&](Output& out) { ASSERT_THAT(out.Show(response, report), IsOk()); }),
              HasSubstr("\"balance_paise\":\"500\""));
}

TEST(Output, PrintsStreamItemsOneALine) {
  v1::AdjustBalanceResponse item;
  const std::vector<Column> columns = {{"SEQ"}, {"TEXT"}};
  auto print = [&](Output& out) {
    ASSERT_THAT(out.StartItems(columns), IsOk());
    ASSERT_THAT(out.ShowItem(item, "1 hello, world", {PlainValue("1"), PlainValue("hello, world")}),
                IsOk());
  };
  EXPECT_EQ(CaptureOutput(OutputFormat::kText, print), "1 hello, world\n");
  EXPECT_EQ(CaptureOutput(OutputFormat::kCsv, print), "seq,text\n1,\"hello, world\"\n");
  EXPECT_EQ(CaptureOutput(OutputFormat::kJson, print).back(), '\n');
}

TEST(Output, FailsWhenStandardOutputCannotBeWritten) {
  std::FILE* full = std::fopen("/dev/full", "w");
  ASSERT_NE(full, nullptr);
  Output output(OutputFormat::kText, full);
  Report report;
  report.Add("meter", PlainValue("M1"));
  EXPECT_THAT(output.ShowReport(report), StatusIs(absl::StatusCode::kUnavailable));
  std::fclose(full);
}

}  // namespace
}  // namespace walletctl
