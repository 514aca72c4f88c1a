// How walletctl shows drives: the recovery line `drive show` prints, the
// progress line of `drive watch`, and the lineman's CSV.
#include "walletctl/drive_report.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace walletctl {
namespace {

namespace v1 = ::wallet::v1;
using ::testing::HasSubstr;

// Bilaspur: 796 cut, 260 paid Rs 28 lakh the same day and were restored.
v1::Drive Bilaspur() {
  v1::Drive drive;
  drive.set_drive_id("drive-7");
  drive.set_name("Bilaspur commercial");
  drive.set_state(v1::DRIVE_RUNNING);
  drive.set_waiting_for("rate");
  v1::DriveCounts& c = *drive.mutable_counts();
  c.set_meters(4000);
  c.set_to_disconnect(800);
  c.set_ordered(800);
  c.set_cut(796);
  c.set_failed(4);
  (*c.mutable_failed_by_reason())["no relay on this meter"] = 3;
  (*c.mutable_failed_by_reason())["refused"] = 1;
  c.set_paid(260);
  c.set_collected_paise(280'000'000);
  c.set_restored(260);
  drive.set_restore_p50_s(42.0);
  drive.set_restore_p99_s(210.0);
  return drive;
}

TEST(DriveReport, RecoveryIsOneLine) {
  EXPECT_EQ(RecoveryText(Bilaspur()),
            "796 cut, 260 paid Rs 28,00,000.00, 260 restored, restore p50 42.0 s, p99 3.5 min");
  v1::Drive none;
  none.mutable_counts()->set_cut(5);
  EXPECT_EQ(RecoveryText(none), "5 cut, 0 paid Rs 0.00, 0 restored, restore p50 -, p99 -");
}

TEST(DriveReport, ProgressIsABarAndTheCounts) {
  v1::Drive drive = Bilaspur();
  EXPECT_EQ(ProgressText(drive),
            "[####################] 800/800 ordered 800, cut 796, failed 4, offline 0 | paid 260 "
            "Rs 28,00,000.00, restored 260 | rate");
  drive.mutable_counts()->set_cut(200);
  drive.mutable_counts()->set_failed(0);
  drive.set_state(v1::DRIVE_PAUSED);
  EXPECT_THAT(ProgressText(drive), ::testing::StartsWith("[#####---------------] 200/800"));
  EXPECT_THAT(ProgressText(drive), ::testing::EndsWith("| paused"));
  v1::Drive empty;
  empty.set_state(v1::DRIVE_DONE);
  EXPECT_THAT(ProgressText(empty), ::testing::StartsWith("[####################] 0/0"));
}

TEST(DriveReport, ShowsTheFailuresByKindAndTheState) {
  const std::string text = RenderText(DriveReport(Bilaspur()));
  EXPECT_THAT(text, ::testing::ContainsRegex("state: +running \\(waiting: rate\\)\n"));
  EXPECT_THAT(text, ::testing::ContainsRegex("failures: +3 no relay on this meter, 1 refused\n"));
  EXPECT_THAT(text, ::testing::ContainsRegex("recovery: +796 cut, 260 paid Rs 28,00,000.00"));
}

TEST(DriveReport, TheLinemansListIsCsvWithAddresses) {
  v1::ListDriveMetersResponse response;
  v1::DriveMeter& m = *response.add_meters();
  m.set_meter_id("BSP-0042");
  m.set_drive_class(v1::NO_RELAY);
  m.set_outcome(v1::NOT_ORDERED);
  m.set_consumer_name("Gupta Traders");
  m.set_address("12, Link Road, Bilaspur");
  m.set_dues_at_start_paise(2'512'345);
  EXPECT_EQ(RenderCsv(DriveMetersReport(response)),
            "meter,class,outcome,consumer,address,dues_at_start,paid,failure,ordered,cut,paid_at,"
            "restored\n"
            "BSP-0042,no_relay,not_ordered,Gupta Traders,\"12, Link Road, Bilaspur\",25123.45,0.00,"
            ",,,,\n");
}

TEST(DriveReport, DurationsForPeople) {
  EXPECT_EQ(SecondsText(0.0005), "under 1 ms");
  EXPECT_EQ(SecondsText(0.42), "420 ms");
  EXPECT_EQ(SecondsText(59.94), "59.9 s");
  EXPECT_EQ(SecondsText(90), "1.5 min");
  EXPECT_EQ(SecondsText(7200), "2.0 h");
}

}  // namespace
}  // namespace walletctl
