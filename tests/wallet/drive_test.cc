// The rules of collection drives as pure functions (wallet/drive.h): the
// preview's classes, the runner's turn, the restore rule, the token bucket,
// the calendar, the counts and the restore-time histogram. No store, no
// clock, no ledger.
#include "wallet/drive.h"

#include <cstdint>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/wallet/november_2026.h"

namespace wallet {
namespace {

using testing::Nov;
using testing::Us;

// A registered domestic meter owing Rs 25,000, relay closed, no hold.
DriveMeterFacts Owing(int64_t dues = 2'500'000) {
  DriveMeterFacts facts;
  facts.registered = true;
  facts.category = v1::DOMESTIC;
  facts.dues_paise = dues;
  return facts;
}

TEST(DriveTest, ThePreviewSplitsTheMetersIntoClasses) {
  struct Case {
    const char* name;
    DriveMeterFacts facts;
    bool include_government;
    v1::DriveClass expected;
  };
  DriveMeterFacts unknown;
  DriveMeterFacts cut = Owing();
  cut.disconnected = true;
  DriveMeterFacts held = Owing();
  held.hold = v1::HOLD_NEVER_DISCONNECT;
  DriveMeterFacts government = Owing();
  government.category = v1::GOVERNMENT;
  DriveMeterFacts ct = Owing();
  ct.ct_operated = true;
  DriveMeterFacts held_ct = ct;
  held_ct.hold = v1::HOLD_NEVER_DISCONNECT;
  DriveMeterFacts government_ct = government;
  government_ct.ct_operated = true;
  DriveMeterFacts cut_owing_nothing = Owing(0);
  cut_owing_nothing.disconnected = true;
  const Case cases[] = {
      {"owes: to disconnect", Owing(), false, v1::TO_DISCONNECT},
      {"not registered", unknown, false, v1::UNKNOWN_METER},
      {"cut already", cut, false, v1::ALREADY_DISCONNECTED},
      {"cut already, owing nothing", cut_owing_nothing, false, v1::ALREADY_DISCONNECTED},
      {"owes nothing", Owing(0), false, v1::NOTHING_DUE},
      {"medical hold", held, false, v1::PROTECTED_HOLD},
      {"government office", government, false, v1::PROTECTED_GOVERNMENT},
      {"government office, the drive includes them", government, true, v1::TO_DISCONNECT},
      {"CT-operated: field work", ct, false, v1::NO_RELAY},
      {"CT-operated with a hold: protected", held_ct, false, v1::PROTECTED_HOLD},
      {"CT-operated government office left out", government_ct, false, v1::PROTECTED_GOVERNMENT},
      {"CT-operated government office included: field work", government_ct, true, v1::NO_RELAY},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ClassifyDriveMeter(c.facts, c.include_government), c.expected);
  }
}

TEST(DriveTest, AtItsTurnAMeterThatNoLongerQualifiesIsSkipped) {
  const int64_t at_start = 1'000'000;
  DriveMeterFacts held = Owing(at_start);
  held.hold = v1::HOLD_NEVER_DISCONNECT;
  DriveMeterFacts kept_off = Owing(at_start);
  kept_off.hold = v1::HOLD_KEEP_DISCONNECTED;
  DriveMeterFacts cut = Owing(at_start);
  cut.disconnected = true;
  struct Case {
    const char* name;
    DriveMeterFacts now;
    int32_t share_bps;
    Turn expected;
  } cases[] = {
      {"still owes all", Owing(at_start), 10'000, Turn::kOrder},
      {"paid part, the rule asks for all", Owing(1), 10'000, Turn::kOrder},
      {"paid all", Owing(0), 10'000, Turn::kPaid},
      {"paid half, the rule asks for half", Owing(500'000), 5'000, Turn::kPaid},
      {"paid a paisa less than half", Owing(500'001), 5'000, Turn::kOrder},
      {"owes more than at the start", Owing(at_start + 1), 5'000, Turn::kOrder},
      {"a medical hold came", held, 10'000, Turn::kHeld},
      {"held disconnected since", kept_off, 10'000, Turn::kDisconnected},
      {"cut by the policy since", cut, 10'000, Turn::kDisconnected},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(DecideTurn(c.now, at_start, c.share_bps), c.expected);
  }
}

TEST(DriveTest, TheRestoreRuleComparesWithTheDuesAtTheCut) {
  struct Case {
    const char* name;
    int64_t dues_now;
    int64_t at_cut;
    int32_t share_bps;
    bool met;
  } cases[] = {
      {"all paid, all asked", 0, 2'800'000, 10'000, true},
      {"a paisa left, all asked", 1, 2'800'000, 10'000, false},
      {"half paid, half asked", 1'400'000, 2'800'000, 5'000, true},
      {"just under half paid", 1'400'001, 2'800'000, 5'000, false},
      {"the level rounds down: 33.33 % of 100 paise asks for 34", 66, 100, 3'333, true},
      {"...and 67 left is not enough", 67, 100, 3'333, false},
      {"nothing paid", 2'800'000, 2'800'000, 1, false},
      {"a meter owing nothing at the cut", 0, 0, 10'000, true},
      {"overpaid (credit)", 0, 10, 10'000, true},
      {"the largest dues", std::numeric_limits<int64_t>::max() / 2,
       std::numeric_limits<int64_t>::max(), 5'000, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(RestoreRuleMet(c.dues_now, c.at_cut, c.share_bps), c.met);
  }
  EXPECT_EQ(DuesLevel(2'800'000, 10'000), 0);
  EXPECT_EQ(DuesLevel(2'800'000, 2'500), 2'100'000);
}

TEST(DriveTest, DuesAreArrearsAndSurchargeOwed) {
  EXPECT_EQ(DuesOwed(-2'000'000, -50'000), 2'050'000);
  EXPECT_EQ(DuesOwed(0, 0), 0);
  EXPECT_EQ(DuesOwed(100, 0), 0) << "credit is not owed";
  EXPECT_EQ(DuesOwed(-100, 300), 0);
  EXPECT_EQ(DuesOwed(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::min()),
            std::numeric_limits<int64_t>::max());
}

TEST(DriveTest, TheTokenBucketKeepsTheRateInLedgerTime) {
  const int64_t t0 = Us(Nov(2, 10));
  // 60 a minute: one a second, three at most at once.
  EXPECT_EQ(BucketCapacity(60), 3);
  EXPECT_EQ(BucketCapacity(1), 2) << "a token and the fraction left over";
  EXPECT_EQ(BucketCapacity(6'000), 201);
  EXPECT_EQ(BucketCapacity(100), 5) << "3.33 rounded up, and one";

  TokenBucket bucket = FullBucket(60, t0);
  EXPECT_EQ(WholeTokens(bucket), 3);
  for (int i = 0; i < 3; ++i) TakeToken(bucket);
  EXPECT_EQ(WholeTokens(bucket), 0);
  FillBucket(bucket, 60, t0 + 999'999);
  EXPECT_EQ(WholeTokens(bucket), 0) << "a microsecond short of a second";
  FillBucket(bucket, 60, t0 + 1'000'000);
  EXPECT_EQ(WholeTokens(bucket), 1);
  FillBucket(bucket, 60, t0 + 3'600'000'000);
  EXPECT_EQ(WholeTokens(bucket), 3) << "an idle hour fills it to capacity, no more";
  FillBucket(bucket, 60, t0);
  EXPECT_EQ(WholeTokens(bucket), 3) << "time going back adds nothing";

  // Over ten minutes at 30 a minute, ticks order 300, plus the burst it
  // started with, whether they come every second or a little more or less
  // often (up to the two seconds the bucket holds).
  for (int64_t step_us : {1'000'000, 700'000, 1'900'000}) {
    SCOPED_TRACE(step_us);
    TokenBucket b = FullBucket(30, t0);
    int64_t ordered = 0;
    for (int64_t t = t0; t <= t0 + 600'000'000; t += step_us) {
      FillBucket(b, 30, t);
      while (WholeTokens(b) > 0) {
        TakeToken(b);
        ++ordered;
      }
    }
    EXPECT_LE(ordered, 300 + BucketCapacity(30));
    EXPECT_GE(ordered, 299) << "no rate lost to the ticks' spacing";
  }
}

TEST(DriveTest, FillingInStepsEqualsFillingOnce) {
  const int64_t t0 = 1'000'000'000;
  TokenBucket once{0, t0};
  TokenBucket steps{0, t0};
  FillBucket(once, 7, t0 + 12'345'678);
  for (int64_t t = t0 + 1; t <= t0 + 12'345'678; t += 999'983) FillBucket(steps, 7, t);
  FillBucket(steps, 7, t0 + 12'345'678);
  EXPECT_EQ(once.units, steps.units);
  // A huge rate over a long idle time does not overflow.
  TokenBucket huge{0, 0};
  FillBucket(huge, kMaxDriveRatePerMinute, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(WholeTokens(huge), BucketCapacity(kMaxDriveRatePerMinute));
}

TEST(DriveTest, TheCalendarSaysWhyADriveWaits) {
  const CutoffCalendar calendar(testing::FriendlyHours());
  EXPECT_EQ(CalendarWait(calendar, Nov(2, 10)), "") << "Monday morning: cut";
  EXPECT_EQ(CalendarWait(calendar, Nov(2, 7, 59)), "no-cutoff window until 2026-11-02 08:00 IST");
  EXPECT_EQ(CalendarWait(calendar, Nov(2, 18)), "no-cutoff window until 2026-11-03 08:00 IST");
  // Friday evening: Saturday the 7th is a holiday and the 8th a Sunday.
  EXPECT_EQ(CalendarWait(calendar, Nov(6, 18)), "no-cutoff window until 2026-11-09 08:00 IST");
  EXPECT_EQ(CalendarWait(calendar, Nov(7, 12)), "holiday until 2026-11-09 08:00 IST");
  EXPECT_EQ(CalendarWait(calendar, Nov(8, 12)), "Sunday until 2026-11-09 08:00 IST");
  EXPECT_EQ(CalendarWait(CutoffCalendar(v1::Calendar()), Nov(8, 23)), "")
      << "no protected hours at all";
}

TEST(DriveTest, FailuresAreCountedByKind) {
  EXPECT_EQ(FailureKind("no relay on this meter: NOT_FOUND: object 0.0.96.3.10.255"),
            "no relay on this meter");
  EXPECT_EQ(FailureKind("refused: read-write-denied"), "refused");
  EXPECT_EQ(FailureKind("  timeout "), "timeout");
  EXPECT_EQ(FailureKind(""), "unknown");
  EXPECT_EQ(FailureKind(std::string(100, 'x')).size(), 64u);
}

TEST(DriveTest, AFailureIsRecordedWithTheKindTheGatewayTyped) {
  struct Case {
    v1::RelayOutcome::Failure failure;
    const char* reason;
    const char* recorded;
  } cases[] = {
      {v1::RelayOutcome::NO_RELAY, "no disconnect control: CT-operated meter",
       "no relay: no disconnect control: CT-operated meter"},
      {v1::RelayOutcome::NO_ANSWER, "timeout: 10 s", "no answer: timeout: 10 s"},
      {v1::RelayOutcome::REFUSED, "refused: read-write-denied", "refused: read-write-denied"},
      {v1::RelayOutcome::NOT_IN_DIRECTORY, "", "not in the gateway's directory"},
      {v1::RelayOutcome::FAILURE_UNSPECIFIED, "no relay on this meter: x",
       "no relay on this meter: x"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.reason);
    v1::RelayOutcome outcome;
    outcome.set_result(v1::RelayOutcome::FAILED);
    outcome.set_failure(c.failure);
    outcome.set_reason(c.reason);
    EXPECT_EQ(DriveFailure(outcome), c.recorded);
  }
  v1::RelayOutcome ct;
  ct.set_failure(v1::RelayOutcome::NO_RELAY);
  ct.set_reason("no disconnect control: CT-operated meter");
  EXPECT_EQ(FailureKind(DriveFailure(ct)), "no relay");
}

store::v1::DriveProgressRecord Progress(v1::DriveMeterOutcome outcome, std::string failure = "",
                                        int64_t cut_us = 0, int64_t paid = 0) {
  store::v1::DriveProgressRecord p;
  p.set_outcome(outcome);
  p.set_failure(std::move(failure));
  p.set_cut_us(cut_us);
  p.set_paid_paise(paid);
  return p;
}

TEST(DriveTest, CountsFollowTheMetersOutcomes) {
  store::v1::DriveRecord drive;
  const store::v1::DriveProgressRecord none;
  // Three ordered; one cut, one failed (no relay), one offline then cut by
  // a retry; the first pays and is restored.
  MoveOutcome(none, Progress(v1::ORDERED), drive);
  MoveOutcome(none, Progress(v1::ORDERED), drive);
  MoveOutcome(none, Progress(v1::ORDERED), drive);
  EXPECT_EQ(drive.counts().ordered(), 3);
  EXPECT_EQ(drive.awaiting(), 3);
  MoveOutcome(Progress(v1::ORDERED), Progress(v1::CUT, "", 5), drive);
  MoveOutcome(Progress(v1::ORDERED), Progress(v1::FAILED, "no relay on this meter: x"), drive);
  MoveOutcome(Progress(v1::ORDERED), Progress(v1::OFFLINE), drive);
  EXPECT_EQ(drive.awaiting(), 0);
  EXPECT_EQ(drive.counts().cut(), 1);
  EXPECT_EQ(drive.counts().failed(), 1);
  EXPECT_EQ(drive.counts().offline(), 1);
  EXPECT_THAT(drive.counts().failed_by_reason(),
              ::testing::UnorderedElementsAre(::testing::Pair("no relay on this meter", 1)));
  MoveOutcome(Progress(v1::OFFLINE), Progress(v1::CUT, "", 9), drive);
  EXPECT_EQ(drive.counts().offline(), 0);
  EXPECT_EQ(drive.counts().cut(), 2);
  // A failure whose reason changes is counted under the new one.
  MoveOutcome(Progress(v1::FAILED, "no relay on this meter: x"), Progress(v1::FAILED, "refused: y"),
              drive);
  EXPECT_THAT(drive.counts().failed_by_reason(),
              ::testing::UnorderedElementsAre(::testing::Pair("refused", 1)));
  EXPECT_EQ(drive.counts().failed(), 1);
  // The cut meter pays twice, then is restored.
  MoveOutcome(Progress(v1::CUT, "", 5), Progress(v1::CUT, "", 5, 100'000), drive);
  MoveOutcome(Progress(v1::CUT, "", 5, 100'000), Progress(v1::RESTORE_ORDERED, "", 5, 300'000),
              drive);
  EXPECT_EQ(drive.counts().paid(), 1) << "one meter paid, twice";
  EXPECT_EQ(drive.counts().collected_paise(), 300'000);
  MoveOutcome(Progress(v1::RESTORE_ORDERED, "", 5, 300'000), Progress(v1::ARMED, "", 5, 300'000),
              drive);
  EXPECT_EQ(drive.counts().armed(), 1);
  MoveOutcome(Progress(v1::ARMED, "", 5, 300'000), Progress(v1::RESTORED, "", 5, 300'000), drive);
  EXPECT_EQ(drive.counts().armed(), 0);
  EXPECT_EQ(drive.counts().restored(), 1);
  EXPECT_EQ(drive.counts().cut(), 2) << "cut counts meters ever cut";
  // Skips and payments before the cut only grow.
  MoveOutcome(none, Progress(v1::SKIPPED_HOLD), drive);
  MoveOutcome(none, Progress(v1::SKIPPED_DISCONNECTED), drive);
  MoveOutcome(none, Progress(v1::PAID_BEFORE_CUT), drive);
  EXPECT_EQ(drive.counts().skipped(), 2);
  EXPECT_EQ(drive.counts().paid_before_cut(), 1);
}

TEST(DriveTest, RestoreTimesGiveTheirPercentilesWithinFivePercent) {
  google::protobuf::RepeatedField<int64_t> histogram;
  EXPECT_EQ(RestorePercentileSeconds(histogram, 0.5), 0.0) << "none yet";
  // 99 restores at 1.5 s and one at 60 s.
  for (int i = 0; i < 99; ++i) AddRestoreTime(1'500'000, &histogram);
  AddRestoreTime(60'000'000, &histogram);
  EXPECT_NEAR(RestorePercentileSeconds(histogram, 0.50), 1.5, 1.5 * 0.05);
  EXPECT_NEAR(RestorePercentileSeconds(histogram, 0.99), 1.5, 1.5 * 0.05);
  EXPECT_NEAR(RestorePercentileSeconds(histogram, 1.00), 60.0, 60.0 * 0.05);
  AddRestoreTime(60'000'000, &histogram);
  EXPECT_NEAR(RestorePercentileSeconds(histogram, 0.99), 60.0, 60.0 * 0.05)
      << "the 100th of 101 is the first 60 s one";
  // Under a millisecond, and far beyond the last bucket.
  google::protobuf::RepeatedField<int64_t> edges;
  AddRestoreTime(-5, &edges);
  AddRestoreTime(999, &edges);
  EXPECT_EQ(RestorePercentileSeconds(edges, 1.0), 0.0005);
  EXPECT_EQ(RestoreBucket(std::numeric_limits<int64_t>::max()), kMaxRestoreBucket);
  // Every time from 1 ms to a day is read back within 5 %.
  for (int64_t micros = 1'000; micros < 86'400'000'000; micros = micros * 13 / 10) {
    google::protobuf::RepeatedField<int64_t> one;
    AddRestoreTime(micros, &one);
    EXPECT_NEAR(RestorePercentileSeconds(one, 0.5), micros / 1e6, micros / 1e6 * 0.05) << micros;
  }
}

}  // namespace
}  // namespace wallet
