// How walletctl writes amounts, times, energy and rates.
#include "walletctl/format.h"

#include <cstdint>
#include <limits>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "walletctl/values.h"

namespace walletctl {
namespace {

namespace v1 = ::wallet::v1;
using ::google::protobuf::util::TimeUtil;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

google::protobuf::Timestamp Ist(int y, int m, int d, int hh, int mm, int ss) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(
      absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss), walletctl::Ist())));
}

TEST(FormatPaise, GroupsDigitsTheIndianWay) {
  EXPECT_EQ(FormatPaise(0), "Rs 0.00");
  EXPECT_EQ(FormatPaise(5), "Rs 0.05");
  EXPECT_EQ(FormatPaise(100000), "Rs 1,000.00");
  EXPECT_EQ(FormatPaise(12345678), "Rs 1,23,456.78");
  EXPECT_EQ(FormatPaise(123456789012), "Rs 1,23,45,67,890.12");
  EXPECT_EQ(FormatPaise(-500), "-Rs 5.00");
  EXPECT_EQ(FormatPaise(500, /*plus=*/true), "+Rs 5.00");
  EXPECT_EQ(FormatPaise(-500, /*plus=*/true), "-Rs 5.00");
  EXPECT_EQ(FormatPaise(kMax), "Rs 92,23,37,20,36,85,47,758.07");
  EXPECT_EQ(FormatPaise(kMin), "-Rs 92,23,37,20,36,85,47,758.08");
}

TEST(DecimalRupees, IsExactForEveryInt64) {
  EXPECT_EQ(DecimalRupees(0), "0.00");
  EXPECT_EQ(DecimalRupees(5), "0.05");
  EXPECT_EQ(DecimalRupees(-35050), "-350.50");
  EXPECT_EQ(DecimalRupees(kMax), "92233720368547758.07");
  EXPECT_EQ(DecimalRupees(kMin), "-92233720368547758.08");
  // What CSV prints, --amount reads back.
  EXPECT_EQ(*ParseRupeesText(DecimalRupees(kMax), false), kMax);
}

TEST(FormatTimestamp, WritesIstAndADashForUnset) {
  EXPECT_EQ(FormatTimestamp(Ist(2025, 4, 1, 8, 0, 0)), "2025-04-01 08:00:00 IST");
  EXPECT_EQ(FormatTimestamp(google::protobuf::Timestamp()), "-");
  const Value value = TimeValue(Ist(2025, 4, 1, 8, 0, 0));
  EXPECT_EQ(value.text, "2025-04-01 08:00:00 IST");
  EXPECT_EQ(value.csv, "2025-04-01T08:00:00+05:30");
  EXPECT_EQ(TimeValue(google::protobuf::Timestamp()).csv, "");
}

TEST(Format, EnergyRatesAndBlanks) {
  EXPECT_EQ(FormatKwh(1234), "1.234 kWh");
  EXPECT_EQ(FormatKwh(-5), "-0.005 kWh");
  EXPECT_EQ(FormatBps(150), "1.50 % (150 bps)");
  EXPECT_EQ(FormatBps(-1), "-1 bps");
  EXPECT_EQ(OrDash(""), "-");
  EXPECT_EQ(OrDashValue("").csv, "");
  EXPECT_EQ(ActionText(v1::RELAY_ACTION_UNSPECIFIED), "-");
  EXPECT_EQ(RelayStateText(v1::RELAY_ARMED), "armed");
}

TEST(TransferSummary, SaysWhatMovedWhereAndWhy) {
  v1::Transfer transfer;
  transfer.set_seq(12);
  transfer.set_type(v1::ENERGY_CHARGE);
  transfer.set_amount_paise(10800);
  transfer.set_debit_account("meter:M1");
  transfer.set_credit_account("system:revenue");
  *transfer.mutable_create_time() = Ist(2025, 4, 1, 8, 0, 0);
  transfer.set_request_ref("gw-1");
  transfer.set_memo("1.000 kWh");
  transfer.set_duty_paise(800);
  EXPECT_EQ(TransferSummary(transfer),
            "#12 energy_charge Rs 108.00 meter:M1 -> system:revenue at 2025-04-01 08:00:00 IST "
            "ref gw-1 (1.000 kWh, incl. duty Rs 8.00)");
}

TEST(ArrearsRecoveredValue, ShowsTheShareOrNone) {
  v1::Transfer recovery;
  recovery.set_seq(14);
  recovery.set_amount_paise(10000);
  const Value value = ArrearsRecoveredValue(true, recovery);
  EXPECT_EQ(value.text, "Rs 100.00 (transfer #14)");
  EXPECT_EQ(value.csv, "100.00");
  EXPECT_EQ(ArrearsRecoveredValue(false, v1::Transfer()).text, "none");
}

}  // namespace
}  // namespace walletctl
