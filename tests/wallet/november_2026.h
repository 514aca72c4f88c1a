// The days the policy's tests live on: November 2026 in Indian Standard
// Time, and the friendly hours a discom would declare for it.
#ifndef TESTS_WALLET_NOVEMBER_2026_H_
#define TESTS_WALLET_NOVEMBER_2026_H_

#include <cstdint>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "wallet/v1/policy.pb.h"

namespace wallet::testing {

inline const absl::TimeZone kIst = absl::FixedTimeZone(19800);

// Nov is a time in November 2026, IST: Sunday the 1st, Monday the 2nd;
// Saturday the 7th is a holiday (FriendlyHours), the 8th a Sunday.
inline absl::Time Nov(int day, int hour, int minute = 0) {
  return absl::FromCivil(absl::CivilSecond(2026, 11, day, hour, minute, 0), kIst);
}

inline int64_t Us(absl::Time t) { return absl::ToUnixMicros(t); }

// FriendlyHours: no cut from 18:00 to 08:00, on Sundays, nor on 7 November.
inline v1::Calendar FriendlyHours() {
  v1::Calendar calendar;
  calendar.set_no_cutoff_start_minute(18 * 60);
  calendar.set_no_cutoff_end_minute(8 * 60);
  calendar.set_no_cutoff_sundays(true);
  calendar.add_holidays("2026-11-07");
  return calendar;
}

}  // namespace wallet::testing

#endif  // TESTS_WALLET_NOVEMBER_2026_H_
