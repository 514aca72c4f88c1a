// Balance policy configuration and the no-cutoff calendar: window boundaries
// in IST, Sundays and holidays, the search for the next allowed instant (with
// a brute-force cross-check and pathological calendars), validation of every
// field, loading the shipped example, and the per-category fallback.
//
// Dates used (2026): Thu 22 Jan, Sat 24 Jan, Sun 25 Jan, Mon 26 Jan (Republic
// Day), Tue 3 Mar, Wed 4 Mar (Holi), Sat 7 Mar, Sun 8 Mar, Mon 9 Mar.
#include "wallet/policy_config.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/text_proto.h"
#include "tests/testing/write_file.h"
#include "wallet/tariff.h"

namespace wallet {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;
using ::wallet::testing::WriteFile;

v1::PolicyConfig ParseConfig(const std::string& text) {
  return testing::FromText<v1::PolicyConfig>(text);
}

v1::Calendar ParseCalendar(const std::string& text) {
  return testing::FromText<v1::Calendar>(text);
}

absl::Time Ist(int y, int m, int d, int hh = 0, int mm = 0, int ss = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss), IstTimeZone());
}

absl::Time Utc(int y, int m, int d, int hh = 0, int mm = 0, int ss = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss), absl::UTCTimeZone());
}

std::string Show(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %a %H:%M:%E*S IST", t, IstTimeZone());
}

// The friendly hours of the shipped example: 18:00-08:00, Sundays, two of
// its holidays.
v1::Calendar Friendly() {
  return ParseCalendar(R"pb(
    no_cutoff_start_minute: 1080
    no_cutoff_end_minute: 480
    no_cutoff_sundays: true
    holidays: "2026-03-04"
    holidays: "2026-01-26"
  )pb");
}

// Whole days only: no daily window.
v1::Calendar DaysOnly() {
  return ParseCalendar(R"pb(
    no_cutoff_sundays: true holidays: "2026-03-04"
  )pb");
}

// ---------------------------------------------------------------------------
// CutoffAllowed

struct AllowedCase {
  const char* name;
  absl::Time at;
  bool allowed;
};

void ExpectAllowed(const v1::Calendar& proto, const AllowedCase* begin, const AllowedCase* end) {
  const CutoffCalendar calendar(proto);
  for (const AllowedCase* c = begin; c != end; ++c) {
    EXPECT_EQ(calendar.CutoffAllowed(c->at), c->allowed) << c->name << " " << Show(c->at);
  }
}

TEST(CalendarCutoffAllowedTest, WrappingWindowIsStartInclusiveEndExclusiveInIst) {
  const AllowedCase cases[] = {
      {"Thursday noon", Ist(2026, 1, 22, 12), true},
      {"17:59:59", Ist(2026, 1, 22, 17, 59, 59), true},
      {"17:59:59.999", Ist(2026, 1, 22, 17, 59, 59) + absl::Milliseconds(999), true},
      {"18:00:00 window starts", Ist(2026, 1, 22, 18), false},
      {"23:59:59", Ist(2026, 1, 22, 23, 59, 59), false},
      {"00:00 wraps midnight", Ist(2026, 1, 23, 0), false},
      {"07:59:59", Ist(2026, 1, 23, 7, 59, 59), false},
      {"07:59:59.999", Ist(2026, 1, 23, 7, 59, 59) + absl::Milliseconds(999), false},
      {"08:00:00 window ends", Ist(2026, 1, 23, 8), true},
      // The window is in IST, not UTC: 12:30 UTC is 18:00 IST.
      {"12:29:59 UTC = 17:59:59 IST", Utc(2026, 1, 22, 12, 29, 59), true},
      {"12:30 UTC = 18:00 IST", Utc(2026, 1, 22, 12, 30), false},
      {"02:29:59 UTC = 07:59:59 IST", Utc(2026, 1, 23, 2, 29, 59), false},
      {"02:30 UTC = 08:00 IST", Utc(2026, 1, 23, 2, 30), true},
      {"18:00 UTC = 23:30 IST", Utc(2026, 1, 22, 18), false},
  };
  ExpectAllowed(Friendly(), std::begin(cases), std::end(cases));
}

TEST(CalendarCutoffAllowedTest, SundaysAndHolidaysAreWholeIstDays) {
  const AllowedCase cases[] = {
      {"Saturday 23:59:59", Ist(2026, 3, 7, 23, 59, 59), true},
      {"Sunday 00:00", Ist(2026, 3, 8, 0), false},
      {"Sunday noon", Ist(2026, 3, 8, 12), false},
      {"Sunday 23:59:59", Ist(2026, 3, 8, 23, 59, 59), false},
      {"Monday 00:00", Ist(2026, 3, 9, 0), true},
      {"Tuesday before Holi 23:59:59", Ist(2026, 3, 3, 23, 59, 59), true},
      {"Holi 00:00", Ist(2026, 3, 4, 0), false},
      {"Holi noon", Ist(2026, 3, 4, 12), false},
      {"Holi 23:59:59", Ist(2026, 3, 4, 23, 59, 59), false},
      {"day after Holi 00:00", Ist(2026, 3, 5, 0), true},
      // IST days, not UTC days: 18:30 UTC on 3 March is Holi in IST, and
      // 18:29:59 UTC on 4 March is still Holi.
      {"18:29:59 UTC = 23:59:59 IST", Utc(2026, 3, 3, 18, 29, 59), true},
      {"18:30 UTC = Holi 00:00 IST", Utc(2026, 3, 3, 18, 30), false},
      {"Holi noon UTC = 17:30 IST", Utc(2026, 3, 4, 12), false},
      {"18:30 UTC on Holi = next day IST", Utc(2026, 3, 4, 18, 30), true},
      // Sunday 8 March IST starts at 18:30 UTC on Saturday.
      {"Saturday 18:30 UTC = Sunday IST", Utc(2026, 3, 7, 18, 30), false},
  };
  ExpectAllowed(DaysOnly(), std::begin(cases), std::end(cases));
}

TEST(CalendarCutoffAllowedTest, SundaysOnlyWhenConfigured) {
  v1::Calendar proto = DaysOnly();
  proto.set_no_cutoff_sundays(false);
  const AllowedCase cases[] = {
      {"Sunday noon", Ist(2026, 3, 8, 12), true},
      {"holiday still off", Ist(2026, 3, 4, 12), false},
  };
  ExpectAllowed(proto, std::begin(cases), std::end(cases));
}

TEST(CalendarCutoffAllowedTest, NonWrappingAndMidnightWindows) {
  // 13:00-14:00: start < end, no wrap.
  const AllowedCase lunch[] = {
      {"12:59:59", Ist(2026, 1, 22, 12, 59, 59), true},  {"13:00", Ist(2026, 1, 22, 13), false},
      {"13:59:59", Ist(2026, 1, 22, 13, 59, 59), false}, {"14:00", Ist(2026, 1, 22, 14), true},
      {"midnight", Ist(2026, 1, 22, 0), true},
  };
  ExpectAllowed(ParseCalendar("no_cutoff_start_minute: 780 no_cutoff_end_minute: 840"),
                std::begin(lunch), std::end(lunch));

  // 22:00-00:00: ends exactly at midnight.
  const AllowedCase late[] = {
      {"21:59:59", Ist(2026, 1, 22, 21, 59, 59), true},
      {"22:00", Ist(2026, 1, 22, 22), false},
      {"23:59:59", Ist(2026, 1, 22, 23, 59, 59), false},
      {"00:00 next day", Ist(2026, 1, 23, 0), true},
  };
  ExpectAllowed(ParseCalendar("no_cutoff_start_minute: 1320 no_cutoff_end_minute: 0"),
                std::begin(late), std::end(late));

  // 00:00-08:00: starts exactly at midnight.
  const AllowedCase early[] = {
      {"23:59:59", Ist(2026, 1, 22, 23, 59, 59), true},
      {"00:00", Ist(2026, 1, 23, 0), false},
      {"07:59:59", Ist(2026, 1, 23, 7, 59, 59), false},
      {"08:00", Ist(2026, 1, 23, 8), true},
  };
  ExpectAllowed(ParseCalendar("no_cutoff_start_minute: 0 no_cutoff_end_minute: 480"),
                std::begin(early), std::end(early));
}

TEST(CalendarCutoffAllowedTest, EqualStartAndEndMeansNoWindow) {
  for (const char* text : {"", "no_cutoff_start_minute: 600 no_cutoff_end_minute: 600"}) {
    SCOPED_TRACE(text);
    const CutoffCalendar calendar(ParseCalendar(text));
    for (absl::Time t = Ist(2026, 3, 1); t < Ist(2026, 3, 15); t += absl::Minutes(7)) {
      ASSERT_TRUE(calendar.CutoffAllowed(t)) << Show(t);
      ASSERT_EQ(calendar.NextCutoffAllowed(t), t) << Show(t);
    }
  }
}

TEST(CalendarCutoffAllowedTest, InfiniteInstantsAreNeverAllowed) {
  const CutoffCalendar calendar((v1::Calendar()));
  EXPECT_FALSE(calendar.CutoffAllowed(absl::InfiniteFuture()));
  EXPECT_FALSE(calendar.CutoffAllowed(absl::InfinitePast()));
  EXPECT_EQ(calendar.NextCutoffAllowed(absl::InfiniteFuture()), absl::InfiniteFuture());
  EXPECT_EQ(calendar.NextCutoffAllowed(absl::InfinitePast()), absl::InfiniteFuture());
}

// ---------------------------------------------------------------------------
// NextCutoffAllowed

struct NextCase {
  const char* name;
  absl::Time from;
  absl::Time next;
};

void ExpectNext(const v1::Calendar& proto, const NextCase* begin, const NextCase* end) {
  const CutoffCalendar calendar(proto);
  for (const NextCase* c = begin; c != end; ++c) {
    SCOPED_TRACE(c->name);
    const absl::Time next = calendar.NextCutoffAllowed(c->from);
    EXPECT_EQ(next, c->next) << "from " << Show(c->from) << " got " << Show(next) << " want "
                             << Show(c->next);
    EXPECT_TRUE(calendar.CutoffAllowed(next)) << Show(next);
    // Earliest: the instant just before is blocked (or is before `from`).
    if (next > c->from) {
      EXPECT_FALSE(calendar.CutoffAllowed(next - absl::Nanoseconds(1))) << Show(next);
    }
  }
}

TEST(CalendarNextCutoffAllowedTest, JumpsOverWindowsSundaysAndHolidays) {
  const NextCase cases[] = {
      {"allowed instant is itself", Ist(2026, 1, 22, 12, 0, 1) + absl::Milliseconds(5),
       Ist(2026, 1, 22, 12, 0, 1) + absl::Milliseconds(5)},
      {"17:59:59 is itself", Ist(2026, 1, 22, 17, 59, 59), Ist(2026, 1, 22, 17, 59, 59)},
      {"window start -> next morning", Ist(2026, 1, 22, 18), Ist(2026, 1, 23, 8)},
      {"late evening -> next morning", Ist(2026, 1, 22, 23, 30), Ist(2026, 1, 23, 8)},
      {"after midnight -> same morning", Ist(2026, 1, 23, 3, 15, 42), Ist(2026, 1, 23, 8)},
      {"last instant of window", Ist(2026, 1, 23, 7, 59, 59) + absl::Nanoseconds(999'999'999),
       Ist(2026, 1, 23, 8)},
      {"08:00 is itself", Ist(2026, 1, 23, 8), Ist(2026, 1, 23, 8)},
      {"Saturday 19:00 -> Monday 08:00", Ist(2026, 3, 7, 19), Ist(2026, 3, 9, 8)},
      {"Saturday 17:59 is itself", Ist(2026, 3, 7, 17, 59), Ist(2026, 3, 7, 17, 59)},
      {"Sunday noon -> Monday 08:00", Ist(2026, 3, 8, 12), Ist(2026, 3, 9, 8)},
      {"Sunday 23:59:59 -> Monday 08:00", Ist(2026, 3, 8, 23, 59, 59), Ist(2026, 3, 9, 8)},
      {"Saturday 19:00 before holiday Monday -> Tuesday 08:00", Ist(2026, 1, 24, 19),
       Ist(2026, 1, 27, 8)},
      {"holiday Monday noon -> Tuesday 08:00", Ist(2026, 1, 26, 12), Ist(2026, 1, 27, 8)},
      {"evening before midweek holiday -> day after 08:00", Ist(2026, 3, 3, 18),
       Ist(2026, 3, 5, 8)},
      {"UTC input: 12:30 UTC Saturday = 18:00 IST", Utc(2026, 3, 7, 12, 30), Ist(2026, 3, 9, 8)},
  };
  ExpectNext(Friendly(), std::begin(cases), std::end(cases));
}

TEST(CalendarNextCutoffAllowedTest, WholeDaysEndAtIstMidnight) {
  const NextCase cases[] = {
      {"Holi 00:00 -> next midnight", Ist(2026, 3, 4, 0), Ist(2026, 3, 5, 0)},
      {"Holi 23:59:59 -> next midnight", Ist(2026, 3, 4, 23, 59, 59), Ist(2026, 3, 5, 0)},
      {"Sunday -> Monday midnight", Ist(2026, 3, 8, 9), Ist(2026, 3, 9, 0)},
      {"Saturday is itself", Ist(2026, 3, 7, 21), Ist(2026, 3, 7, 21)},
  };
  ExpectNext(DaysOnly(), std::begin(cases), std::end(cases));
}

TEST(CalendarNextCutoffAllowedTest, HolidayRunsAndWindowsChain) {
  // Sunday, then a holiday Monday, Tuesday and Wednesday, with a window that
  // also blocks the small hours: Saturday evening -> Thursday 06:00.
  const v1::Calendar proto = ParseCalendar(R"pb(
    no_cutoff_start_minute: 1200
    no_cutoff_end_minute: 360
    no_cutoff_sundays: true
    holidays: [ "2026-03-11", "2026-03-09", "2026-03-10" ]
  )pb");
  const NextCase cases[] = {
      {"Saturday 20:00 -> Thursday 06:00", Ist(2026, 3, 7, 20), Ist(2026, 3, 12, 6)},
  };
  ExpectNext(proto, std::begin(cases), std::end(cases));
}

TEST(CalendarNextCutoffAllowedTest, AlmostAlwaysBlockedCalendarsTerminate) {
  // 00:01-24:00 blocked every day (start 1 > end 0 wraps), plus Sundays: the
  // only allowed minute is 00:00-00:01 on Monday to Saturday.
  const v1::Calendar narrow =
      ParseCalendar(R"pb(
        no_cutoff_start_minute: 1 no_cutoff_end_minute: 0 no_cutoff_sundays: true
      )pb");
  const NextCase cases[] = {
      {"Saturday 00:01 -> Monday 00:00", Ist(2026, 3, 7, 0, 1), Ist(2026, 3, 9, 0)},
      {"Friday noon -> Saturday 00:00", Ist(2026, 3, 6, 12), Ist(2026, 3, 7, 0)},
      {"Monday 00:00:59 is itself", Ist(2026, 3, 9, 0, 0, 59), Ist(2026, 3, 9, 0, 0, 59)},
  };
  ExpectNext(narrow, std::begin(cases), std::end(cases));

  // The widest window a calendar can express: 00:00-23:59 (equal start and
  // end would be no window at all). 23:59-24:00 stays allowed.
  const v1::Calendar widest = ParseCalendar("no_cutoff_start_minute: 0 no_cutoff_end_minute: 1439");
  const NextCase widest_cases[] = {
      {"morning -> 23:59", Ist(2026, 3, 9, 6), Ist(2026, 3, 9, 23, 59)},
  };
  ExpectNext(widest, std::begin(widest_cases), std::end(widest_cases));
}

// A calendar whose holidays are the `days` consecutive days from 1 January
// 2026 (a Thursday), with the 18:00-08:00 window.
v1::Calendar HolidayRun(int days) {
  v1::Calendar proto = ParseCalendar("no_cutoff_start_minute: 1080 no_cutoff_end_minute: 480");
  for (absl::CivilDay day(2026, 1, 1); day < absl::CivilDay(2026, 1, 1) + days; ++day) {
    proto.add_holidays(absl::FormatCivilTime(day));
  }
  return proto;
}

TEST(CalendarNextCutoffAllowedTest, SearchIsCappedAtMaxSearchDays) {
  static_assert(CutoffCalendar::kMaxSearchDays == 400);
  const absl::Time from = Ist(2026, 1, 1);
  // 399 holidays: the first allowed instant, 4 Feb 2027 08:00, is inside the
  // 400 days searched.
  EXPECT_EQ(CutoffCalendar(HolidayRun(399)).NextCutoffAllowed(from), Ist(2027, 2, 4, 8));
  // 400 holidays: nothing allowed in [from, from + 400 days) -> never.
  EXPECT_EQ(CutoffCalendar(HolidayRun(400)).NextCutoffAllowed(from), absl::InfiniteFuture());
  // Far more holidays than the cap: the search still stops after 400 days.
  const CutoffCalendar long_run(HolidayRun(3000));
  EXPECT_EQ(long_run.NextCutoffAllowed(from), absl::InfiniteFuture());
  EXPECT_EQ(long_run.NextCutoffAllowed(from + absl::Hours(24 * 2000)), absl::InfiniteFuture());
  // ... and the end of the run is found once it is within reach.
  EXPECT_EQ(long_run.NextCutoffAllowed(from + absl::Hours(24 * 2800)),
            Ist(2026, 1, 1) + absl::Hours(24 * 3000 + 8));
}

// NextCutoffAllowed against a brute-force search minute by minute, from
// random instants, on calendars with wrapping and plain windows.
TEST(CalendarNextCutoffAllowedTest, AgreesWithBruteForce) {
  const v1::Calendar calendars[] = {
      Friendly(),
      DaysOnly(),
      ParseCalendar("no_cutoff_start_minute: 780 no_cutoff_end_minute: 840"),
      ParseCalendar(R"pb(no_cutoff_start_minute: 1
                         no_cutoff_end_minute: 0
                         no_cutoff_sundays: true
                         holidays: "2026-03-07")pb"),
  };
  std::mt19937_64 random(20260126);
  const absl::Time base = Ist(2026, 1, 1);
  for (const v1::Calendar& proto : calendars) {
    SCOPED_TRACE(proto.ShortDebugString());
    const CutoffCalendar calendar(proto);
    for (int i = 0; i < 300; ++i) {
      // Any instant in the first 100 days of 2026, to the microsecond.
      const absl::Time from =
          base + absl::Microseconds(static_cast<int64_t>(random() % (100LL * 86'400'000'000)));
      absl::Time want = from;
      if (!calendar.CutoffAllowed(from)) {
        // Blocked spans start and end on whole minutes, so the answer is the
        // first allowed minute boundary after `from`.
        want = base + absl::Floor(from - base, absl::Minutes(1)) + absl::Minutes(1);
        while (!calendar.CutoffAllowed(want)) want += absl::Minutes(1);
      }
      ASSERT_EQ(calendar.NextCutoffAllowed(from), want) << Show(from);
    }
  }
}

// ---------------------------------------------------------------------------
// IstDayNumber

TEST(CalendarIstDayNumberTest, CountsIstDaysSinceTheEpoch) {
  struct Case {
    const char* name;
    absl::Time at;
    int64_t day;
  };
  const Case cases[] = {
      {"1970-01-01 00:00 IST", Ist(1970, 1, 1), 0},
      {"1969-12-31 18:30 UTC is that same instant", Utc(1969, 12, 31, 18, 30), 0},
      {"one second before", Utc(1969, 12, 31, 18, 29, 59), -1},
      {"Unix epoch is 05:30 IST on day 0", absl::UnixEpoch(), 0},
      {"1970-01-01 23:59:59 IST", Ist(1970, 1, 1, 23, 59, 59), 0},
      {"1970-01-02 00:00 IST", Ist(1970, 1, 2), 1},
      {"long before", Ist(1969, 12, 1, 12), -31},
      {"Republic Day 2026 morning", Ist(2026, 1, 26, 0, 0, 1), 20479},
      {"Republic Day 2026 evening", Ist(2026, 1, 26, 23, 59, 59), 20479},
      {"18:29:59 UTC is still 26 Jan IST", Utc(2026, 1, 26, 18, 29, 59), 20479},
      {"18:30 UTC is 27 Jan IST", Utc(2026, 1, 26, 18, 30), 20480},
      {"infinite future", absl::InfiniteFuture(), std::numeric_limits<int64_t>::max()},
      {"infinite past", absl::InfinitePast(), std::numeric_limits<int64_t>::min()},
  };
  for (const Case& c : cases) EXPECT_EQ(IstDayNumber(c.at), c.day) << c.name;
}

// ---------------------------------------------------------------------------
// Validation

v1::PolicyConfig ValidPolicy() {
  return ParseConfig(R"pb(
    utility: "Test"
    calendar {
      no_cutoff_start_minute: 1080
      no_cutoff_end_minute: 480
      no_cutoff_sundays: true
      holidays: [ "2026-01-26", "2026-03-04", "2026-08-15" ]
    }
    defaults {
      alert_percent_bps: [ 3000, 1000, 0 ]
      alert_floor_paise: 10000
      alert_days_left: 2
      emergency_credit_paise: 30000
      notice_days: 3
      reconnection_fee_paise: 35000
      arrears_share_bps: 2000
      arrears_cap_paise: 100000
      grace_days: 30
    }
    categories { category: COMMERCIAL reconnection_fee_paise: 50000 notice_days: 3 }
    categories {
      category: GOVERNMENT
      alert_percent_bps: [ 3000, 1000, 0 ]
      alert_floor_paise: 10000
      alert_days_left: 2
      emergency_credit_paise: 30000
      notice_days: 7
      reconnection_fee_paise: 35000
      arrears_share_bps: 2000
      arrears_cap_paise: 100000
      grace_days: 30
    }
  )pb");
}

struct ValidationCase {
  std::string name;
  std::function<void(v1::PolicyConfig&)> mutate;
  std::string error;  // empty: valid; otherwise a substring of the message
};

using C = v1::PolicyConfig;
using P = v1::CategoryPolicy;

// Adds one case applying `mutate` to `defaults` and one applying it to
// categories[1] (GOVERNMENT), so that each per-policy rule is checked in both
// places and its message names the right one. An empty `field_error` means
// the change is valid.
void AddPolicyCases(std::vector<ValidationCase>* cases, const std::string& name,
                    const std::function<void(P&)>& mutate, const std::string& field_error) {
  const bool valid = field_error.empty();
  cases->push_back({absl::StrCat("defaults: ", name),
                    [mutate](C& c) { mutate(*c.mutable_defaults()); },
                    valid ? "" : absl::StrCat("defaults.", field_error)});
  cases->push_back({absl::StrCat("categories[1]: ", name),
                    [mutate](C& c) { mutate(*c.mutable_categories(1)); },
                    valid ? "" : absl::StrCat("categories[1] (GOVERNMENT).", field_error)});
}

TEST(PolicyValidateTest, AcceptsValidAndRejectsEachBadField) {
  std::vector<ValidationCase> cases = {
      {"valid", [](C&) {}, ""},
      {"empty config", [](C& c) { c.Clear(); }, ""},
      {"utility is informational", [](C& c) { c.set_utility(std::string(1000, '\n')); }, ""},
      // calendar minutes
      {"start negative", [](C& c) { c.mutable_calendar()->set_no_cutoff_start_minute(-1); },
       "calendar.no_cutoff_start_minute (-1) must be in [0, 1440)"},
      {"start 1440", [](C& c) { c.mutable_calendar()->set_no_cutoff_start_minute(1440); },
       "calendar.no_cutoff_start_minute (1440)"},
      {"start 1439", [](C& c) { c.mutable_calendar()->set_no_cutoff_start_minute(1439); }, ""},
      {"end negative", [](C& c) { c.mutable_calendar()->set_no_cutoff_end_minute(-1); },
       "calendar.no_cutoff_end_minute (-1)"},
      {"end 1440", [](C& c) { c.mutable_calendar()->set_no_cutoff_end_minute(1440); },
       "calendar.no_cutoff_end_minute (1440)"},
      {"equal start and end", [](C& c) { c.mutable_calendar()->set_no_cutoff_end_minute(1080); },
       ""},
      // holidays
      {"holiday empty", [](C& c) { c.mutable_calendar()->add_holidays(""); },
       "calendar.holidays[3] (\"\") must be a date YYYY-MM-DD"},
      {"holiday 30 February", [](C& c) { c.mutable_calendar()->add_holidays("2026-02-30"); },
       "calendar.holidays[3] (\"2026-02-30\") must be a date"},
      {"holiday short month", [](C& c) { c.mutable_calendar()->add_holidays("2026-3-04"); },
       "calendar.holidays[3]"},
      {"holiday slashes", [](C& c) { c.mutable_calendar()->add_holidays("2026/03/04"); },
       "calendar.holidays[3]"},
      {"holiday with time", [](C& c) { c.mutable_calendar()->add_holidays("2026-03-04T00"); },
       "calendar.holidays[3]"},
      {"holiday control characters", [](C& c) { c.mutable_calendar()->add_holidays("2026\n"); },
       "calendar.holidays[3] (\"2026\\n\")"},
      {"holiday 29 February leap", [](C& c) { c.mutable_calendar()->add_holidays("2028-02-29"); },
       ""},
      {"holiday duplicated", [](C& c) { c.mutable_calendar()->add_holidays("2026-03-04"); },
       "calendar.holidays[3] (\"2026-03-04\") duplicates calendar.holidays[1]"},
      // categories
      {"category unspecified",
       [](C& c) { c.mutable_categories(0)->set_category(v1::CATEGORY_UNSPECIFIED); },
       "categories[0].category must be set"},
      {"category unknown number",
       [](C& c) { c.mutable_categories(1)->set_category(static_cast<v1::Category>(99)); },
       "categories[1].category (99) is not a known Category"},
      {"category twice", [](C& c) { c.mutable_categories(1)->set_category(v1::COMMERCIAL); },
       "categories[1] (COMMERCIAL).category duplicates categories[0]"},
      {"category twice later", [](C& c) { c.add_categories()->set_category(v1::GOVERNMENT); },
       "categories[2] (GOVERNMENT).category duplicates categories[1]"},
      {"defaults category is ignored",
       [](C& c) { c.mutable_defaults()->set_category(static_cast<v1::Category>(99)); }, ""},
      {"defaults may name a listed category",
       [](C& c) { c.mutable_defaults()->set_category(v1::COMMERCIAL); }, ""},
  };
  // Per-policy fields, checked in `defaults` and in categories[1].
  AddPolicyCases(
      &cases, "alert above 100 %",
      [](P& p) {
        p.clear_alert_percent_bps();
        p.add_alert_percent_bps(10'001);
      },
      "alert_percent_bps[0] (10001) must be in [0, 10000]");
  AddPolicyCases(
      &cases, "alert 100 %",
      [](P& p) {
        p.clear_alert_percent_bps();
        p.add_alert_percent_bps(10'000);
      },
      "");
  AddPolicyCases(
      &cases, "alert negative", [](P& p) { p.add_alert_percent_bps(-1); },
      "alert_percent_bps[3] (-1) must be in [0, 10000]");
  AddPolicyCases(
      &cases, "alerts equal",
      [](P& p) {
        p.clear_alert_percent_bps();
        p.add_alert_percent_bps(1000);
        p.add_alert_percent_bps(1000);
      },
      "alert_percent_bps[1] (1000) must be less than alert_percent_bps[0] (1000)");
  AddPolicyCases(
      &cases, "alerts ascending",
      [](P& p) {
        p.clear_alert_percent_bps();
        p.add_alert_percent_bps(0);
        p.add_alert_percent_bps(1000);
      },
      "alert_percent_bps[1] (1000) must be less than alert_percent_bps[0] (0)");
  AddPolicyCases(
      &cases, "no alerts", [](P& p) { p.clear_alert_percent_bps(); }, "");
  AddPolicyCases(
      &cases, "floor negative", [](P& p) { p.set_alert_floor_paise(-1); },
      "alert_floor_paise (-1) must be in [0, 10000000000]");
  AddPolicyCases(
      &cases, "floor absurd", [](P& p) { p.set_alert_floor_paise(kMaxPolicyPaise + 1); },
      "alert_floor_paise (10000000001)");
  AddPolicyCases(
      &cases, "days left negative", [](P& p) { p.set_alert_days_left(-1); },
      "alert_days_left (-1) must be in [0, 365]");
  AddPolicyCases(
      &cases, "days left 366", [](P& p) { p.set_alert_days_left(366); }, "alert_days_left (366)");
  AddPolicyCases(
      &cases, "days left 0 disables", [](P& p) { p.set_alert_days_left(0); }, "");
  AddPolicyCases(
      &cases, "emergency negative", [](P& p) { p.set_emergency_credit_paise(-1); },
      "emergency_credit_paise (-1)");
  AddPolicyCases(
      &cases, "emergency at limit", [](P& p) { p.set_emergency_credit_paise(kMaxPolicyPaise); },
      "");
  AddPolicyCases(
      &cases, "notice negative", [](P& p) { p.set_notice_days(-1); },
      "notice_days (-1) must be in [0, 30]");
  AddPolicyCases(
      &cases, "notice 31", [](P& p) { p.set_notice_days(31); }, "notice_days (31)");
  AddPolicyCases(
      &cases, "notice 30", [](P& p) { p.set_notice_days(30); }, "");
  AddPolicyCases(
      &cases, "notice 0", [](P& p) { p.set_notice_days(0); }, "");
  AddPolicyCases(
      &cases, "notice unset", [](P& p) { p.clear_notice_days(); }, "");
  AddPolicyCases(
      &cases, "reconnection fee negative", [](P& p) { p.set_reconnection_fee_paise(-35'000); },
      "reconnection_fee_paise (-35000)");
  AddPolicyCases(
      &cases, "restore threshold negative", [](P& p) { p.set_restore_threshold_paise(-1); },
      "restore_threshold_paise (-1)");
  AddPolicyCases(
      &cases, "restore threshold positive", [](P& p) { p.set_restore_threshold_paise(5'000); }, "");
  AddPolicyCases(
      &cases, "arrears share negative", [](P& p) { p.set_arrears_share_bps(-1); },
      "arrears_share_bps (-1) must be in [0, 10000]");
  AddPolicyCases(
      &cases, "arrears share above 100 %", [](P& p) { p.set_arrears_share_bps(10'001); },
      "arrears_share_bps (10001)");
  AddPolicyCases(
      &cases, "arrears share 100 %", [](P& p) { p.set_arrears_share_bps(10'000); }, "");
  AddPolicyCases(
      &cases, "arrears cap negative", [](P& p) { p.set_arrears_cap_paise(-1); },
      "arrears_cap_paise (-1)");
  AddPolicyCases(
      &cases, "grace negative", [](P& p) { p.set_grace_days(-1); },
      "grace_days (-1) must be in [0, 3650]");
  AddPolicyCases(
      &cases, "grace 3651", [](P& p) { p.set_grace_days(3651); }, "grace_days (3651)");
  AddPolicyCases(
      &cases, "grace 3650", [](P& p) { p.set_grace_days(3650); }, "");

  for (const ValidationCase& c : cases) {
    SCOPED_TRACE(c.name);
    v1::PolicyConfig config = ValidPolicy();
    c.mutate(config);
    const absl::Status status = ValidatePolicyConfig(config);
    if (c.error.empty()) {
      EXPECT_THAT(status, IsOk());
    } else {
      EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.error)));
    }
  }
}

TEST(PolicyValidateTest, MessagesAreExact) {
  v1::PolicyConfig config = ValidPolicy();
  config.mutable_categories(0)->set_notice_days(45);
  EXPECT_EQ(ValidatePolicyConfig(config).message(),
            "categories[0] (COMMERCIAL).notice_days (45) must be in [0, 30]");
  config = ValidPolicy();
  config.mutable_calendar()->set_no_cutoff_end_minute(1500);
  EXPECT_EQ(ValidatePolicyConfig(config).message(),
            "calendar.no_cutoff_end_minute (1500) must be in [0, 1440)");
}

// ---------------------------------------------------------------------------
// Defaults and PolicyFor

TEST(PolicyForTest, ReturnsTheCategoryEntryOrTheDefaults) {
  const v1::PolicyConfig config = ValidPolicy();
  EXPECT_EQ(&PolicyFor(config, v1::COMMERCIAL), &config.categories(0));
  EXPECT_EQ(&PolicyFor(config, v1::GOVERNMENT), &config.categories(1));
  EXPECT_EQ(&PolicyFor(config, v1::DOMESTIC), &config.defaults());
  EXPECT_EQ(&PolicyFor(config, v1::INDUSTRIAL), &config.defaults());
  EXPECT_EQ(&PolicyFor(config, v1::CATEGORY_UNSPECIFIED), &config.defaults());
  // An entry replaces the defaults whole: COMMERCIAL's unset fields are 0,
  // not the defaults' values.
  EXPECT_EQ(PolicyFor(config, v1::COMMERCIAL).reconnection_fee_paise(), 50'000);
  EXPECT_EQ(PolicyFor(config, v1::COMMERCIAL).emergency_credit_paise(), 0);
  EXPECT_EQ(PolicyFor(config, v1::COMMERCIAL).grace_days(), 0);
}

TEST(PolicyForTest, DefaultsCategoryDoesNotMatterAndFirstDuplicateWins) {
  v1::PolicyConfig config = ValidPolicy();
  config.mutable_defaults()->set_category(v1::DOMESTIC);
  config.add_categories()->set_category(v1::COMMERCIAL);  // invalid, but PolicyFor copes
  EXPECT_EQ(&PolicyFor(config, v1::COMMERCIAL), &config.categories(0));
  EXPECT_EQ(&PolicyFor(config, v1::DOMESTIC), &config.defaults());
  // An empty config still answers: the (empty) defaults.
  const v1::PolicyConfig empty;
  EXPECT_EQ(&PolicyFor(empty, v1::DOMESTIC), &empty.defaults());
}

TEST(PolicyDefaultsTest, NoticeDaysDefaultsToThreeButKeepsAnExplicitZero) {
  v1::CategoryPolicy policy;
  EXPECT_EQ(NoticeDays(policy), 3);
  policy.set_notice_days(0);
  EXPECT_EQ(NoticeDays(policy), 0);
  policy.set_notice_days(7);
  EXPECT_EQ(NoticeDays(policy), 7);

  v1::PolicyConfig config = ParseConfig(R"pb(
    defaults {}
    categories { category: DOMESTIC notice_days: 0 }
    categories { category: COMMERCIAL }
  )pb");
  ApplyPolicyDefaults(&config);
  EXPECT_TRUE(config.defaults().has_notice_days());
  EXPECT_EQ(config.defaults().notice_days(), 3);
  EXPECT_EQ(config.categories(0).notice_days(), 0);
  EXPECT_EQ(config.categories(1).notice_days(), 3);
  EXPECT_EQ(config.defaults().restore_threshold_paise(), 0);
}

// ---------------------------------------------------------------------------
// Loading

TEST(PolicyLoadTest, LoadsTheShippedExample) {
  const std::string path = std::string(WALLET_SOURCE_DIR) + "/deploy/config/policy.textproto";
  absl::StatusOr<v1::PolicyConfig> config = LoadPolicyFile(path);
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->utility(), "CSPDCL Bilaspur");

  const v1::CategoryPolicy& domestic = PolicyFor(*config, v1::DOMESTIC);
  EXPECT_EQ(&domestic, &config->defaults());
  EXPECT_THAT(domestic.alert_percent_bps(), ::testing::ElementsAre(3000, 1000, 0));
  EXPECT_EQ(domestic.alert_floor_paise(), 10'000);
  EXPECT_EQ(domestic.alert_days_left(), 2);
  EXPECT_EQ(domestic.emergency_credit_paise(), 30'000);
  EXPECT_EQ(domestic.notice_days(), 3);
  EXPECT_EQ(domestic.reconnection_fee_paise(), 35'000);
  EXPECT_EQ(domestic.restore_threshold_paise(), 0);
  EXPECT_EQ(domestic.arrears_share_bps(), 2000);
  EXPECT_EQ(domestic.arrears_cap_paise(), 100'000);
  EXPECT_EQ(domestic.grace_days(), 30);
  EXPECT_EQ(&PolicyFor(*config, v1::INDUSTRIAL), &config->defaults());

  const v1::CategoryPolicy& commercial = PolicyFor(*config, v1::COMMERCIAL);
  EXPECT_EQ(commercial.reconnection_fee_paise(), 50'000);
  EXPECT_EQ(commercial.emergency_credit_paise(), 0);
  EXPECT_EQ(commercial.notice_days(), 3);
  EXPECT_EQ(commercial.grace_days(), 30);
  const v1::CategoryPolicy& government = PolicyFor(*config, v1::GOVERNMENT);
  EXPECT_EQ(government.notice_days(), 7);
  EXPECT_EQ(government.emergency_credit_paise(), 30'000);

  const CutoffCalendar calendar(config->calendar());
  EXPECT_EQ(config->calendar().holidays_size(), 5);
  // Saturday evening before Republic Day (a Monday): Tuesday 08:00.
  EXPECT_EQ(calendar.NextCutoffAllowed(Ist(2026, 1, 24, 19)), Ist(2026, 1, 27, 8));
  // Independence Day 2026 is a Saturday: Friday evening -> Monday 08:00.
  EXPECT_EQ(calendar.NextCutoffAllowed(Ist(2026, 8, 14, 18)), Ist(2026, 8, 17, 8));
  EXPECT_FALSE(calendar.CutoffAllowed(Ist(2026, 10, 2, 11)));  // Gandhi Jayanti
  EXPECT_TRUE(calendar.CutoffAllowed(Ist(2026, 10, 1, 11)));
}

TEST(PolicyLoadTest, OmittedNoticeDaysLoadsAsThree) {
  wallet::testing::TempDir dir;
  const std::string path = dir.path() + "/policy.textproto";
  WriteFile(path,
            "defaults { emergency_credit_paise: 30000 }\n"
            "categories { category: GOVERNMENT notice_days: 0 }\n");
  absl::StatusOr<v1::PolicyConfig> config = LoadPolicyFile(path);
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->defaults().notice_days(), 3);
  EXPECT_EQ(PolicyFor(*config, v1::GOVERNMENT).notice_days(), 0);
}

TEST(PolicyLoadTest, MissingFileIsNotFound) {
  wallet::testing::TempDir dir;
  const std::string path = dir.path() + "/absent.textproto";
  absl::StatusOr<v1::PolicyConfig> config = LoadPolicyFile(path);
  EXPECT_THAT(config, StatusIs(absl::StatusCode::kNotFound, HasSubstr(path)));
}

TEST(PolicyLoadTest, MalformedFileIsInvalidArgumentWithLineAndColumn) {
  wallet::testing::TempDir dir;
  const std::string path = dir.path() + "/bad.textproto";
  struct Case {
    const char* name;
    const char* text;
    const char* where;  // expected "path" + where
    const char* what;
  };
  const Case cases[] = {
      {"misspelt field on line 3",
       "utility: \"X\"\n"
       "defaults {\n"
       "  notise_days: 3\n"
       "}\n",
       ":3:", "notise_days"},
      // The parser reports a bad value where the next token starts, so the
      // next token shares its line here.
      {"unknown category on line 2",
       "categories {\n"
       "  category: RESIDENTIAL notice_days: 3\n"
       "}\n",
       ":2:", "RESIDENTIAL"},
      {"string for a number on line 4",
       "# comment\n"
       "calendar {\n"
       "  no_cutoff_sundays: true\n"
       "  no_cutoff_start_minute: \"18:00\"\n"
       "}\n",
       ":4:", ""},
      {"unclosed brace", "calendar {\n  no_cutoff_sundays: true\n", ":", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    WriteFile(path, c.text);
    absl::StatusOr<v1::PolicyConfig> config = LoadPolicyFile(path);
    EXPECT_THAT(config, StatusIs(absl::StatusCode::kInvalidArgument,
                                 AllOf(HasSubstr(path + c.where), HasSubstr(c.what))));
  }
}

TEST(PolicyLoadTest, WellFormedButInvalidFileIsInvalidArgument) {
  wallet::testing::TempDir dir;
  const std::string path = dir.path() + "/invalid.textproto";
  WriteFile(path, "calendar { holidays: \"2026-01-26\" holidays: \"2026-01-26\" }\n");
  absl::StatusOr<v1::PolicyConfig> config = LoadPolicyFile(path);
  EXPECT_THAT(config, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(config.status().message(),
            absl::StrCat(path,
                         ": calendar.holidays[1] (\"2026-01-26\") duplicates "
                         "calendar.holidays[0]"));

  WriteFile(path, "categories { category: COMMERCIAL notice_days: 31 }\n");
  config = LoadPolicyFile(path);
  EXPECT_THAT(config, StatusIs(absl::StatusCode::kInvalidArgument,
                               AllOf(HasSubstr(path),
                                     HasSubstr("categories[0] (COMMERCIAL).notice_days (31)"))));
}

TEST(PolicyLoadTest, EmptyFileIsAnEmptyValidConfig) {
  wallet::testing::TempDir dir;
  const std::string path = dir.path() + "/empty.textproto";
  WriteFile(path, "# nothing yet\n");
  absl::StatusOr<v1::PolicyConfig> config = LoadPolicyFile(path);
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->categories_size(), 0);
  EXPECT_EQ(config->defaults().notice_days(), 3);
  // No window, no Sundays, no holidays: a cutoff is allowed at any time.
  EXPECT_TRUE(CutoffCalendar(config->calendar()).CutoffAllowed(Ist(2026, 3, 8, 23)));
}

}  // namespace
}  // namespace wallet
