// Tariff rating: slab splits, time-of-day windows, duty, the rounding carry,
// versioning and validation, with every expected amount computed by hand in
// the comments.
//
// Units reminder: Wh x paise/kWh = milli-paise (mp); 1 paise = 1000 mp.
#include "wallet/tariff.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/text_proto.h"
#include "tests/testing/write_file.h"

namespace wallet {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;
using ::wallet::testing::WriteFile;

v1::Tariff ParseTariff(const std::string& text) { return testing::FromText<v1::Tariff>(text); }

// The domestic ladder of the brief: 0-100 kWh @ 390, 101-200 @ 520,
// 201-400 @ 650, above @ 760 paise/kWh. No ToD, no duty, so energy tests see
// the slab arithmetic alone.
v1::Tariff Ladder() {
  return ParseTariff(R"pb(
    tariff_id: "DOM-LT1"
    version: 1
    effective_from: "2025-04-01"
    category: DOMESTIC
    slabs { up_to_wh: 100000 paise_per_kwh: 390 }
    slabs { up_to_wh: 200000 paise_per_kwh: 520 }
    slabs { up_to_wh: 400000 paise_per_kwh: 650 }
    slabs { paise_per_kwh: 760 }
  )pb");
}

// A flat 390 paise/kWh with an evening surcharge and a night rebate that
// wraps midnight.
v1::Tariff FlatWithTimeOfDay() {
  return ParseTariff(R"pb(
    tariff_id: "TOD"
    version: 1
    effective_from: "2025-04-01"
    slabs { paise_per_kwh: 390 }
    time_of_day { start_minute: 1080 end_minute: 1320 adjust_bps: 2000 }
    time_of_day { start_minute: 1320 end_minute: 360 adjust_bps: -1000 }
  )pb");
}

absl::Time Ist(int y, int m, int d, int hh = 0, int mm = 0, int ss = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss), IstTimeZone());
}

absl::Time Utc(int y, int m, int d, int hh = 0, int mm = 0, int ss = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss), absl::UTCTimeZone());
}

// A noon IST instant, outside every window of FlatWithTimeOfDay.
const absl::Time kNoon = Ist(2025, 4, 10, 12, 0, 0);

// ---------------------------------------------------------------------------
// Slabs

struct SlabCase {
  const char* name;
  int64_t month_wh_before;
  int64_t delta_wh;
  int64_t energy_paise;
  int64_t carry_energy;  // 1e-7 paise left over
};

TEST(TariffRateEnergyTest, SplitsDeltaOverSlabsByMonthToDate) {
  const SlabCase cases[] = {
      // 100 kWh x 390 = 39000 paise exactly.
      {"first 100 kWh", 0, 100'000, 39'000, 0},
      // The 100th kWh ends exactly on the boundary: still 390.
      {"last kWh of slab 1", 99'000, 1'000, 390, 0},
      // The first kWh after 100 kWh is in slab 2.
      {"first kWh of slab 2", 100'000, 1'000, 520, 0},
      // 500 Wh @ 390 = 195000 mp, 500 Wh @ 520 = 260000 mp; 455000 mp = 455.
      {"crossing one boundary", 99'500, 1'000, 455, 0},
      // [99000, 201000): 1000 @ 390 = 390000 mp, 100000 @ 520 = 52000000 mp,
      // 1000 @ 650 = 650000 mp; total 53040000 mp = 53040 paise.
      {"crossing two boundaries", 99'000, 102'000, 53'040, 0},
      // Whole month from zero to 500 kWh:
      // 100x390 + 100x520 + 200x650 + 100x760 = 39000+52000+130000+76000.
      {"whole ladder", 0, 500'000, 297'000, 0},
      // 250 kWh already used: 10 kWh all in slab 3, 10 x 650 = 6500.
      {"starting mid-month high", 250'000, 10'000, 6'500, 0},
      // Unbounded last slab: 1000 kWh x 760 = 760000.
      {"unbounded last slab", 400'000, 1'000'000, 760'000, 0},
      // 1 Wh @ 650 + 1 Wh @ 760 = 1410 mp = 1 paise + 410 mp;
      // 410 mp x 10000 = 4100000 (1e-7 paise) carried.
      {"two Wh across the last boundary", 399'999, 2, 1, 4'100'000},
      // 1 Wh @ 390 = 390 mp: 0 paise, 3900000 carried.
      {"sub-paisa", 0, 1, 0, 3'900'000},
      // 128-bit: month_wh_before + delta overflows int64. 10 Wh @ 760 =
      // 7600 mp = 7 paise + 600 mp (6000000 carried).
      {"near int64 max", std::numeric_limits<int64_t>::max() - 5, 10, 7, 6'000'000},
  };
  const v1::Tariff tariff = Ladder();
  for (const SlabCase& c : cases) {
    SCOPED_TRACE(c.name);
    RatingCarry carry;
    const EnergyCharge charge = RateEnergy(tariff, c.month_wh_before, c.delta_wh, kNoon, &carry);
    EXPECT_EQ(charge.energy_paise, c.energy_paise);
    EXPECT_EQ(charge.duty_paise, 0);
    EXPECT_EQ(charge.tod_adjust_bps, 0);
    EXPECT_EQ(carry.energy, c.carry_energy);
    EXPECT_EQ(carry.duty, 0);
    EXPECT_EQ(carry.fixed, 0);
  }
}

TEST(TariffRateEnergyTest, SingleUnboundedSlabIsAFlatRate) {
  const v1::Tariff flat = ParseTariff(R"pb(
    tariff_id: "FLAT" version: 1 effective_from: "2025-04-01"
    slabs { paise_per_kwh: 750 }
  )pb");
  RatingCarry carry;
  // 3 kWh x 750 = 2250, wherever in the month.
  EXPECT_EQ(RateEnergy(flat, 0, 3'000, kNoon, &carry).energy_paise, 2'250);
  EXPECT_EQ(RateEnergy(flat, 9'000'000, 3'000, kNoon, &carry).energy_paise, 2'250);
}

TEST(TariffRateEnergyTest, ZeroDeltaIsFreeAndLeavesCarry) {
  const v1::Tariff tariff = Ladder();
  RatingCarry carry{123, 45, 6};
  const EnergyCharge charge = RateEnergy(tariff, 50'000, 0, Ist(2025, 4, 10, 19), &carry);
  EXPECT_EQ(charge.energy_paise, 0);
  EXPECT_EQ(charge.duty_paise, 0);
  EXPECT_EQ(charge.tod_adjust_bps, 0);
  EXPECT_EQ(carry.energy, 123);
  EXPECT_EQ(carry.duty, 45);
  EXPECT_EQ(carry.fixed, 6);
}

TEST(TariffRateEnergyTest, NegativeDeltaIsACallerBug) {
  const v1::Tariff tariff = Ladder();
  RatingCarry carry{123, 45, 6};
  EnergyCharge charge;
  charge.energy_paise = -1;
  // Debug builds die on the DCHECK; release builds rate it as nothing.
  EXPECT_DEBUG_DEATH(charge = RateEnergy(tariff, 0, -1'000, kNoon, &carry), "delta_wh");
#ifdef NDEBUG
  EXPECT_EQ(charge.energy_paise, 0);
  EXPECT_EQ(carry.energy, 123);
#endif
}

// ---------------------------------------------------------------------------
// Time of day

struct TodCase {
  const char* name;
  absl::Time at;
  int32_t bps;
};

TEST(TariffTimeOfDayTest, WindowsAreStartInclusiveEndExclusiveInIst) {
  const TodCase cases[] = {
      {"noon, no window", Ist(2025, 4, 10, 12, 0, 0), 0},
      {"17:59:59 before the peak", Ist(2025, 4, 10, 17, 59, 59), 0},
      {"18:00 peak starts", Ist(2025, 4, 10, 18, 0, 0), 2000},
      {"21:59:59 still peak", Ist(2025, 4, 10, 21, 59, 59), 2000},
      {"22:00 peak ends, night starts", Ist(2025, 4, 10, 22, 0, 0), -1000},
      {"23:59:59 night", Ist(2025, 4, 10, 23, 59, 59), -1000},
      {"00:00 night wraps midnight", Ist(2025, 4, 11, 0, 0, 0), -1000},
      {"05:59:59 night", Ist(2025, 4, 11, 5, 59, 59), -1000},
      {"06:00 night ends", Ist(2025, 4, 11, 6, 0, 0), 0},
      // 12:30 UTC is 18:00 IST: windows are in IST, not UTC.
      {"12:30 UTC = 18:00 IST", Utc(2025, 4, 10, 12, 30, 0), 2000},
      {"18:00 UTC = 23:30 IST", Utc(2025, 4, 10, 18, 0, 0), -1000},
      {"00:30 UTC = 06:00 IST", Utc(2025, 4, 11, 0, 30, 0), 0},
  };
  const v1::Tariff tariff = FlatWithTimeOfDay();
  for (const TodCase& c : cases) {
    EXPECT_EQ(TimeOfDayAdjustBps(tariff, c.at), c.bps) << c.name;
  }
  EXPECT_EQ(TimeOfDayAdjustBps(Ladder(), Ist(2025, 4, 10, 19)), 0) << "no windows";
}

TEST(TariffTimeOfDayTest, WindowEndingAtMidnight) {
  const v1::Tariff tariff = ParseTariff(R"pb(
    tariff_id: "T" version: 1 effective_from: "2025-04-01"
    slabs { paise_per_kwh: 100 }
    time_of_day { start_minute: 1320 end_minute: 0 adjust_bps: 500 }
  )pb");
  EXPECT_EQ(TimeOfDayAdjustBps(tariff, Ist(2025, 4, 10, 21, 59)), 0);
  EXPECT_EQ(TimeOfDayAdjustBps(tariff, Ist(2025, 4, 10, 22, 0)), 500);
  EXPECT_EQ(TimeOfDayAdjustBps(tariff, Ist(2025, 4, 10, 23, 59, 59)), 500);
  EXPECT_EQ(TimeOfDayAdjustBps(tariff, Ist(2025, 4, 11, 0, 0)), 0);
}

struct TodRateCase {
  const char* name;
  absl::Time interval_start;
  int64_t delta_wh;
  int64_t energy_paise;
  int64_t carry_energy;
  int32_t bps;
};

TEST(TariffRateEnergyTest, AppliesTimeOfDayOfIntervalStart) {
  const TodRateCase cases[] = {
      // 10 kWh x 390 = 3900 paise; no window.
      {"plain", kNoon, 10'000, 3'900, 0, 0},
      // 3900 x 1.20 = 4680.
      {"peak surcharge", Ist(2025, 4, 10, 18, 0), 10'000, 4'680, 0, 2000},
      // 3900 x 0.90 = 3510.
      {"night rebate", Ist(2025, 4, 10, 23, 0), 10'000, 3'510, 0, -1000},
      // An interval starting 21:59 that runs past 22:00 is all peak.
      {"whole delta takes the start's window", Ist(2025, 4, 10, 21, 59), 10'000, 4'680, 0, 2000},
      // 1 Wh: 390 mp x 12000 = 4680000 (1e-7 paise): 0 paise, all carried.
      {"sub-paisa surcharge", Ist(2025, 4, 10, 19, 0), 1, 0, 4'680'000, 2000},
      // 33 Wh: 12870 mp x 9000 = 115830000: 11 paise, 5830000 carried.
      {"sub-paisa rebate", Ist(2025, 4, 11, 2, 0), 33, 11, 5'830'000, -1000},
  };
  const v1::Tariff tariff = FlatWithTimeOfDay();
  for (const TodRateCase& c : cases) {
    SCOPED_TRACE(c.name);
    RatingCarry carry;
    const EnergyCharge charge = RateEnergy(tariff, 0, c.delta_wh, c.interval_start, &carry);
    EXPECT_EQ(charge.energy_paise, c.energy_paise);
    EXPECT_EQ(carry.energy, c.carry_energy);
    EXPECT_EQ(charge.tod_adjust_bps, c.bps);
  }
}

TEST(TariffRateEnergyTest, TimeOfDayAppliesAfterTheSlabSplit) {
  v1::Tariff tariff = Ladder();
  *tariff.add_time_of_day() = FlatWithTimeOfDay().time_of_day(0);  // 18-22 +20 %
  RatingCarry carry;
  // Crossing one boundary is 455 paise (see the slab table); x 1.2 = 546.
  const EnergyCharge charge = RateEnergy(tariff, 99'500, 1'000, Ist(2025, 4, 10, 20), &carry);
  EXPECT_EQ(charge.energy_paise, 546);
  EXPECT_EQ(carry.energy, 0);
}

// ---------------------------------------------------------------------------
// Duty and the carry

TEST(TariffRateEnergyTest, DutyRoundsDownAndCarries) {
  v1::Tariff tariff = Ladder();
  tariff.set_duty_bps(800);  // 8 %
  RatingCarry carry;
  // Each reading: 1 kWh = 390 paise; duty 390 x 800 = 312000 (1e-4 paise)
  // = 31 paise + 2000 carried. The carry grows 2000, 4000, 6000, 8000; the
  // fifth reading has 312000 + 8000 = 320000 = 32 paise and carry 0.
  // Five readings: 4 x 31 + 32 = 156 = floor(1950 x 8 %) = floor(156.0).
  const int64_t expected_duty[] = {31, 31, 31, 31, 32};
  const int64_t expected_carry[] = {2000, 4000, 6000, 8000, 0};
  for (int i = 0; i < 5; ++i) {
    SCOPED_TRACE(i);
    const EnergyCharge charge = RateEnergy(tariff, i * 1'000, 1'000, kNoon, &carry);
    EXPECT_EQ(charge.energy_paise, 390);
    EXPECT_EQ(charge.duty_paise, expected_duty[i]);
    EXPECT_EQ(charge.total_paise(), 390 + expected_duty[i]);
    EXPECT_EQ(carry.duty, expected_carry[i]);
  }
}

TEST(TariffRateEnergyTest, DutyIsOnTheRoundedEnergyCharge) {
  v1::Tariff tariff = Ladder();
  tariff.set_duty_bps(5000);  // 50 %, to make it visible
  RatingCarry carry;
  // 1 Wh = 0.39 paise -> energy 0 -> duty 0, even though 50 % of 0.39 > 0.
  const EnergyCharge charge = RateEnergy(tariff, 0, 1, kNoon, &carry);
  EXPECT_EQ(charge.energy_paise, 0);
  EXPECT_EQ(charge.duty_paise, 0);
  EXPECT_EQ(carry.duty, 0);
}

TEST(TariffRateEnergyTest, ThousandOneWhReadingsCostExactlyOneKwh) {
  v1::Tariff tariff = Ladder();
  tariff.set_duty_bps(800);
  RatingCarry carry;
  int64_t energy = 0;
  int64_t duty = 0;
  for (int64_t k = 1; k <= 1000; ++k) {
    const EnergyCharge charge = RateEnergy(tariff, k - 1, 1, kNoon, &carry);
    energy += charge.energy_paise;
    duty += charge.duty_paise;
    // After k readings the exact amount is 390k mp; charged is its floor.
    ASSERT_EQ(energy, 390 * k / 1000) << k;
    // Duty so far is 8 % of the energy charged so far, floored once.
    ASSERT_EQ(duty, energy * 800 / 10'000) << k;
    ASSERT_EQ(carry.energy, (390 * k % 1000) * 10'000) << k;
  }
  // 1000 Wh = 1 kWh = 390 paise, not 0 (per-reading truncation) and not 1000
  // (per-reading ceiling). Duty: floor(390 x 8 %) = floor(31.2) = 31.
  EXPECT_EQ(energy, 390);
  EXPECT_EQ(duty, 31);
  EXPECT_EQ(carry.energy, 0);
  EXPECT_EQ(carry.duty, 2000);  // the 0.2 paise of duty not yet charged
}

// Random readings and days on one meter: the running totals always equal the
// exact totals rounded down once, and every carry stays within one paisa.
TEST(TariffCarryTest, TotalsEqualExactAmountRoundedDownOnce) {
  v1::Tariff tariff = FlatWithTimeOfDay();  // flat 390, +20 % / -10 % windows
  tariff.set_duty_bps(775);
  tariff.set_fixed_paise_per_kw_day(67);
  tariff.set_meter_rent_paise_per_day(100);
  std::mt19937_64 random(20250401);
  RatingCarry carry;
  __int128 exact_energy = 0;  // 1e-7 paise
  __int128 exact_fixed = 0;   // 1e-3 paise
  int64_t energy = 0, fixed = 0, rent = 0, duty = 0;
  absl::Time t = Ist(2025, 4, 1);
  int64_t month_wh = 0;
  for (int i = 0; i < 20'000; ++i) {
    if (i % 96 == 95) {  // a day passes every 96 readings
      const DailyCharge day = RateDay(tariff, 3'500, &carry);
      exact_fixed += 67 * 3'500;
      fixed += day.fixed_paise;
      rent += day.rent_paise;
      duty += day.duty_paise;
    }
    const int64_t wh = static_cast<int64_t>(random() % 700);
    const EnergyCharge charge = RateEnergy(tariff, month_wh, wh, t, &carry);
    exact_energy += static_cast<__int128>(wh) * 390 * (10'000 + TimeOfDayAdjustBps(tariff, t));
    energy += charge.energy_paise;
    duty += charge.duty_paise;
    month_wh += wh;
    t += absl::Minutes(15);

    ASSERT_EQ(energy, static_cast<int64_t>(exact_energy / 10'000'000)) << i;
    ASSERT_EQ(fixed, static_cast<int64_t>(exact_fixed / 1'000)) << i;
    ASSERT_EQ(duty, (energy + fixed + rent) * 775 / 10'000) << i;
    ASSERT_GE(carry.energy, 0);
    ASSERT_LT(carry.energy, 10'000'000);
    ASSERT_GE(carry.duty, 0);
    ASSERT_LT(carry.duty, 10'000);
    ASSERT_GE(carry.fixed, 0);
    ASSERT_LT(carry.fixed, 1'000);
  }
  EXPECT_GT(energy, 0);
  EXPECT_GT(fixed, 0);
}

// ---------------------------------------------------------------------------
// Daily charges

TEST(TariffRateDayTest, FixedChargeOnSanctionedLoadCarriesSubPaisa) {
  v1::Tariff tariff = Ladder();
  tariff.set_fixed_paise_per_kw_day(67);  // Rs 20/kW/month
  tariff.set_meter_rent_paise_per_day(100);
  tariff.set_duty_bps(800);
  RatingCarry carry;
  // Day 1: 67 x 3500 W = 234500 mp = 234 paise, 500 mp carried.
  //        duty on 234 + 100 = 334: 334 x 800 = 267200 = 26 paise, 7200 carried.
  DailyCharge day = RateDay(tariff, 3'500, &carry);
  EXPECT_EQ(day.fixed_paise, 234);
  EXPECT_EQ(day.rent_paise, 100);
  EXPECT_EQ(day.duty_paise, 26);
  EXPECT_EQ(day.total_paise(), 360);
  EXPECT_EQ(carry.fixed, 500);
  EXPECT_EQ(carry.duty, 7200);
  // Day 2: 234500 + 500 = 235000 mp = 235 paise, carry 0.
  //        duty on 335: 268000 + 7200 = 275200 = 27 paise, 5200 carried.
  //        Two days: duty 53 = floor(669 x 8 %) = floor(53.52).
  day = RateDay(tariff, 3'500, &carry);
  EXPECT_EQ(day.fixed_paise, 235);
  EXPECT_EQ(day.rent_paise, 100);
  EXPECT_EQ(day.duty_paise, 27);
  EXPECT_EQ(carry.fixed, 0);
  EXPECT_EQ(carry.duty, 5200);
  EXPECT_EQ(carry.energy, 0);

  // A 30-day month: fixed = floor(30 x 234.5) = 7035 paise exactly.
  RatingCarry month_carry;
  int64_t fixed = 0;
  for (int d = 0; d < 30; ++d) fixed += RateDay(tariff, 3'500, &month_carry).fixed_paise;
  EXPECT_EQ(fixed, 7'035);
}

TEST(TariffRateDayTest, ZeroLoadStillPaysRent) {
  v1::Tariff tariff = Ladder();
  tariff.set_fixed_paise_per_kw_day(67);
  tariff.set_meter_rent_paise_per_day(100);
  RatingCarry carry;
  const DailyCharge day = RateDay(tariff, 0, &carry);
  EXPECT_EQ(day.fixed_paise, 0);
  EXPECT_EQ(day.rent_paise, 100);
  EXPECT_EQ(day.duty_paise, 0);  // duty_bps 0
}

// ---------------------------------------------------------------------------
// Versioning

v1::TariffBook TwoVersions() {
  v1::TariffBook proto;
  // Listed newest first: order in the document must not matter.
  v1::Tariff second = Ladder();
  second.set_version(2);
  second.set_effective_from("2025-04-01");
  second.mutable_slabs(0)->set_paise_per_kwh(390);
  v1::Tariff first = Ladder();
  first.set_version(1);
  first.set_effective_from("2024-04-01");
  first.mutable_slabs(0)->set_paise_per_kwh(370);
  *proto.add_tariffs() = second;
  *proto.add_tariffs() = first;
  return proto;
}

struct InForceCase {
  const char* name;
  absl::Time at;
  int version;  // 0 = none in force
};

TEST(TariffBookTest, InForcePicksLatestVersionEffectiveAtIstMidnight) {
  absl::StatusOr<TariffBook> book = TariffBook::Create(TwoVersions());
  ASSERT_THAT(book, IsOk());
  const InForceCase cases[] = {
      {"before the first version", Ist(2024, 3, 31, 23, 59, 59), 0},
      {"at v1's IST midnight", Ist(2024, 4, 1), 1},
      {"during v1", Ist(2024, 12, 25, 13), 1},
      {"last second of v1", Ist(2025, 3, 31, 23, 59, 59), 1},
      {"at v2's IST midnight", Ist(2025, 4, 1), 2},
      // IST midnight of 1 April is 18:30 UTC on 31 March.
      {"18:29:59 UTC on 31 March", Utc(2025, 3, 31, 18, 29, 59), 1},
      {"18:30:00 UTC on 31 March", Utc(2025, 3, 31, 18, 30, 0), 2},
      {"long after v2", Ist(2030, 1, 1), 2},
      {"infinite future", absl::InfiniteFuture(), 2},
      {"infinite past", absl::InfinitePast(), 0},
  };
  for (const InForceCase& c : cases) {
    const v1::Tariff* tariff = book->InForce("DOM-LT1", c.at);
    if (c.version == 0) {
      EXPECT_EQ(tariff, nullptr) << c.name;
    } else {
      ASSERT_NE(tariff, nullptr) << c.name;
      EXPECT_EQ(tariff->version(), c.version) << c.name;
      EXPECT_EQ(tariff->slabs(0).paise_per_kwh(), c.version == 1 ? 370 : 390) << c.name;
    }
  }
  EXPECT_EQ(book->InForce("NDLT-1", Ist(2025, 5, 1)), nullptr);
  EXPECT_TRUE(book->Contains("DOM-LT1"));
  EXPECT_FALSE(book->Contains("NDLT-1"));
  EXPECT_FALSE(book->Contains("dom-lt1"));
}

TEST(TariffBookTest, ToProtoIsOrderedByIdThenDate) {
  v1::TariffBook proto = TwoVersions();
  v1::Tariff other = Ladder();
  other.set_tariff_id("A-FIRST");
  *proto.add_tariffs() = other;
  absl::StatusOr<TariffBook> book = TariffBook::Create(proto);
  ASSERT_THAT(book, IsOk());
  const v1::TariffBook out = book->ToProto();
  ASSERT_EQ(out.tariffs_size(), 3);
  EXPECT_EQ(out.tariffs(0).tariff_id(), "A-FIRST");
  EXPECT_EQ(out.tariffs(1).effective_from(), "2024-04-01");
  EXPECT_EQ(out.tariffs(2).effective_from(), "2025-04-01");
  // Round trip.
  absl::StatusOr<TariffBook> again = TariffBook::Create(out);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->ToProto().SerializeAsString(), out.SerializeAsString());
}

TEST(TariffBookTest, EmptyBookIsValid) {
  absl::StatusOr<TariffBook> book = TariffBook::Create(v1::TariffBook());
  ASSERT_THAT(book, IsOk());
  EXPECT_EQ(book->InForce("DOM-LT1", Ist(2025, 5, 1)), nullptr);
  EXPECT_EQ(book->ToProto().tariffs_size(), 0);
}

TEST(TariffBookTest, CreateRejectsDuplicatesAndInvalidTariffs) {
  {
    v1::TariffBook proto = TwoVersions();
    v1::Tariff same_version = proto.tariffs(1);  // v1
    same_version.set_effective_from("2026-04-01");
    *proto.add_tariffs() = same_version;
    absl::StatusOr<TariffBook> book = TariffBook::Create(proto);
    EXPECT_THAT(book, StatusIs(absl::StatusCode::kInvalidArgument,
                               AllOf(HasSubstr("DOM-LT1"), HasSubstr("v1"))));
  }
  {
    v1::TariffBook proto = TwoVersions();
    v1::Tariff same_date = proto.tariffs(0);  // v2, 2025-04-01
    same_date.set_version(3);
    *proto.add_tariffs() = same_date;
    absl::StatusOr<TariffBook> book = TariffBook::Create(proto);
    EXPECT_THAT(book,
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("DOM-LT1"), HasSubstr("2025-04-01"), HasSubstr("v2"))));
  }
  {
    v1::TariffBook proto = TwoVersions();
    proto.mutable_tariffs(1)->set_duty_bps(9'999);
    absl::StatusOr<TariffBook> book = TariffBook::Create(proto);
    EXPECT_THAT(book, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("duty_bps")));
  }
}

TEST(TariffBookTest, AddValidatesAndRejectsClashes) {
  absl::StatusOr<TariffBook> book = TariffBook::Create(TwoVersions());
  ASSERT_THAT(book, IsOk());
  const v1::Tariff* before = book->InForce("DOM-LT1", Ist(2025, 5, 1));
  ASSERT_NE(before, nullptr);

  v1::Tariff v3 = Ladder();
  v3.set_version(3);
  v3.set_effective_from("2026-04-01");
  v3.mutable_slabs(0)->set_paise_per_kwh(410);

  v1::Tariff invalid = v3;
  invalid.clear_slabs();
  EXPECT_THAT(book->Add(invalid), StatusIs(absl::StatusCode::kInvalidArgument));

  v1::Tariff same_version = v3;
  same_version.set_version(2);
  EXPECT_THAT(book->Add(same_version), StatusIs(absl::StatusCode::kAlreadyExists));

  v1::Tariff same_date = v3;
  same_date.set_effective_from("2025-04-01");
  EXPECT_THAT(book->Add(same_date), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(book->ToProto().tariffs_size(), 2) << "failed Adds leave the book unchanged";

  ASSERT_THAT(book->Add(v3), IsOk());
  EXPECT_EQ(book->InForce("DOM-LT1", Ist(2026, 3, 31, 23, 59, 59))->version(), 2);
  EXPECT_EQ(book->InForce("DOM-LT1", Ist(2026, 4, 1))->version(), 3);
  // Earlier pointers stay valid across Add.
  EXPECT_EQ(before, book->InForce("DOM-LT1", Ist(2025, 5, 1)));
  EXPECT_EQ(before->version(), 2);

  v1::Tariff new_id = Ladder();
  new_id.set_tariff_id("NDLT-1");
  ASSERT_THAT(book->Add(new_id), IsOk());
  EXPECT_TRUE(book->Contains("NDLT-1"));
}

// ---------------------------------------------------------------------------
// Validation

struct ValidationCase {
  const char* name;
  std::function<void(v1::Tariff&)> mutate;
  const char* error;  // nullptr = valid; else a substring of the message
};

// A valid tariff exercising every field, to be broken one field at a time.
v1::Tariff Valid() {
  return ParseTariff(R"pb(
    tariff_id: "DOM-LT1"
    version: 2
    effective_from: "2025-04-01"
    slabs { up_to_wh: 100000 paise_per_kwh: 390 }
    slabs { up_to_wh: 200000 paise_per_kwh: 520 }
    slabs { paise_per_kwh: 760 }
    time_of_day { start_minute: 1080 end_minute: 1320 adjust_bps: 2000 }
    time_of_day { start_minute: 1320 end_minute: 360 adjust_bps: -1000 }
    fixed_paise_per_kw_day: 67
    meter_rent_paise_per_day: 100
    duty_bps: 800
  )pb");
}

TEST(TariffValidateTest, AcceptsValidAndRejectsEachBadField) {
  using T = v1::Tariff;
  auto window = [](T& t, int start, int end, int bps) {
    v1::TimeOfDayWindow* w = t.add_time_of_day();
    w->set_start_minute(start);
    w->set_end_minute(end);
    w->set_adjust_bps(bps);
  };
  auto slabs = [](T& t, std::vector<std::pair<int64_t, int64_t>> ladder) {
    t.clear_slabs();
    for (auto [up_to, rate] : ladder) {
      v1::Slab* s = t.add_slabs();
      s->set_up_to_wh(up_to);
      s->set_paise_per_kwh(rate);
    }
  };
  const ValidationCase cases[] = {
      {"valid", [](T&) {}, nullptr},
      // tariff_id
      {"id empty", [](T& t) { t.set_tariff_id(""); }, "tariff_id"},
      {"id 64 chars", [](T& t) { t.set_tariff_id(std::string(64, 'a')); }, nullptr},
      {"id 65 chars", [](T& t) { t.set_tariff_id(std::string(65, 'a')); }, "tariff_id"},
      {"id all allowed punctuation", [](T& t) { t.set_tariff_id("a.b_c:d-E9"); }, nullptr},
      {"id with space", [](T& t) { t.set_tariff_id("DOM LT1"); }, "tariff_id"},
      {"id with slash", [](T& t) { t.set_tariff_id("DOM/LT1"); }, "tariff_id"},
      {"id non-ascii", [](T& t) { t.set_tariff_id("D\xc3\x96M"); }, "tariff_id"},
      // version
      {"version 0", [](T& t) { t.set_version(0); }, "version (0)"},
      {"version negative", [](T& t) { t.set_version(-3); }, "version (-3)"},
      {"version 1", [](T& t) { t.set_version(1); }, nullptr},
      // effective_from
      {"date empty", [](T& t) { t.set_effective_from(""); }, "effective_from"},
      {"date short month", [](T& t) { t.set_effective_from("2025-4-01"); }, "effective_from"},
      {"date slashes", [](T& t) { t.set_effective_from("2025/04/01"); }, "effective_from"},
      {"date compact", [](T& t) { t.set_effective_from("20250401"); }, "effective_from"},
      {"date trailing space", [](T& t) { t.set_effective_from("2025-04-01 "); }, "effective_from"},
      {"date with time", [](T& t) { t.set_effective_from("2025-04-01T00"); }, "effective_from"},
      {"date month 13", [](T& t) { t.set_effective_from("2025-13-01"); }, "effective_from"},
      {"date 30 February", [](T& t) { t.set_effective_from("2025-02-30"); }, "effective_from"},
      {"date 29 February non-leap", [](T& t) { t.set_effective_from("2025-02-29"); },
       "effective_from"},
      {"date 29 February leap", [](T& t) { t.set_effective_from("2024-02-29"); }, nullptr},
      {"date day 00", [](T& t) { t.set_effective_from("2025-04-00"); }, "effective_from"},
      // slabs
      {"no slabs", [](T& t) { t.clear_slabs(); }, "slabs must not be empty"},
      {"single flat slab", [&](T& t) { slabs(t, {{0, 500}}); }, nullptr},
      {"equal up_to", [&](T& t) { slabs(t, {{100000, 390}, {100000, 520}, {0, 760}}); },
       "slabs[1].up_to_wh (100000) must be greater than slabs[0].up_to_wh (100000)"},
      {"decreasing up_to", [&](T& t) { slabs(t, {{200000, 390}, {100000, 520}, {0, 760}}); },
       "slabs[1].up_to_wh"},
      {"last slab bounded", [&](T& t) { slabs(t, {{100000, 390}, {200000, 520}}); },
       "slabs[1].up_to_wh (200000) must be 0"},
      {"single bounded slab", [&](T& t) { slabs(t, {{100000, 390}}); },
       "slabs[0].up_to_wh (100000) must be 0"},
      {"unbounded slab not last", [&](T& t) { slabs(t, {{0, 390}, {0, 520}}); },
       "slabs[0].up_to_wh (0) must be positive"},
      {"negative up_to", [&](T& t) { slabs(t, {{-5, 390}, {0, 520}}); }, "slabs[0].up_to_wh (-5)"},
      {"negative rate", [](T& t) { t.mutable_slabs(1)->set_paise_per_kwh(-1); },
       "slabs[1].paise_per_kwh (-1)"},
      {"absurd rate", [](T& t) { t.mutable_slabs(2)->set_paise_per_kwh(100'001); },
       "slabs[2].paise_per_kwh (100001)"},
      {"highest rate", [](T& t) { t.mutable_slabs(2)->set_paise_per_kwh(100'000); }, nullptr},
      {"free slab", [](T& t) { t.mutable_slabs(0)->set_paise_per_kwh(0); }, nullptr},
      // time_of_day
      {"no windows", [](T& t) { t.clear_time_of_day(); }, nullptr},
      {"start negative", [&](T& t) { window(t, -1, 30, 0); }, "time_of_day[2].start_minute (-1)"},
      {"start 1440", [&](T& t) { window(t, 1440, 30, 0); }, "time_of_day[2].start_minute (1440)"},
      {"end 1440", [&](T& t) { window(t, 400, 1440, 0); }, "time_of_day[2].end_minute (1440)"},
      {"end negative", [&](T& t) { window(t, 400, -1, 0); }, "time_of_day[2].end_minute (-1)"},
      {"start equals end", [&](T& t) { window(t, 400, 400, 0); },
       "time_of_day[2].start_minute equals end_minute"},
      {"bps too negative", [&](T& t) { window(t, 400, 500, -5001); },
       "time_of_day[2].adjust_bps (-5001)"},
      {"bps too high", [&](T& t) { window(t, 400, 500, 10'001); },
       "time_of_day[2].adjust_bps (10001)"},
      {"bps at limits", [&](T& t) { window(t, 400, 500, -5000); window(t, 500, 600, 10'000); },
       nullptr},
      {"touching windows", [&](T& t) { window(t, 360, 1080, 0); }, nullptr},
      {"overlap plain", [&](T& t) { window(t, 1000, 1081, 100); },
       "time_of_day[0] and time_of_day[2] overlap at minute 1080"},
      {"overlap inside", [&](T& t) { window(t, 1200, 1210, 100); },
       "time_of_day[0] and time_of_day[2] overlap"},
      {"overlap wrap tail", [&](T& t) { window(t, 300, 400, 100); },
       "time_of_day[1] and time_of_day[2] overlap at minute 300"},
      {"overlap two wraps", [&](T& t) {
         t.clear_time_of_day();
         window(t, 1380, 60, 100);
         window(t, 1300, 10, 100);
       },
       "time_of_day[0] and time_of_day[1] overlap"},
      {"overlap across midnight only", [&](T& t) {
         t.clear_time_of_day();
         window(t, 1380, 60, 100);
         window(t, 30, 90, 100);
       },
       "time_of_day[0] and time_of_day[1] overlap at minute 30"},
      {"wrap ending at midnight", [&](T& t) {
         t.clear_time_of_day();
         window(t, 1380, 0, 100);
         window(t, 0, 60, 100);
       },
       nullptr},
      // fixed and rent
      {"fixed negative", [](T& t) { t.set_fixed_paise_per_kw_day(-1); },
       "fixed_paise_per_kw_day (-1)"},
      {"fixed absurd", [](T& t) { t.set_fixed_paise_per_kw_day(10'000'001); },
       "fixed_paise_per_kw_day (10000001)"},
      {"fixed at limit", [](T& t) { t.set_fixed_paise_per_kw_day(10'000'000); }, nullptr},
      {"rent negative", [](T& t) { t.set_meter_rent_paise_per_day(-1); },
       "meter_rent_paise_per_day (-1)"},
      {"rent absurd", [](T& t) { t.set_meter_rent_paise_per_day(10'000'001); },
       "meter_rent_paise_per_day (10000001)"},
      {"rent at limit", [](T& t) { t.set_meter_rent_paise_per_day(10'000'000); }, nullptr},
      // duty
      {"duty negative", [](T& t) { t.set_duty_bps(-1); }, "duty_bps (-1)"},
      {"duty too high", [](T& t) { t.set_duty_bps(5'001); }, "duty_bps (5001)"},
      {"duty at limit", [](T& t) { t.set_duty_bps(5'000); }, nullptr},
      {"duty zero", [](T& t) { t.set_duty_bps(0); }, nullptr},
  };
  for (const ValidationCase& c : cases) {
    SCOPED_TRACE(c.name);
    v1::Tariff tariff = Valid();
    c.mutate(tariff);
    const absl::Status status = ValidateTariff(tariff);
    if (c.error == nullptr) {
      EXPECT_THAT(status, IsOk());
    } else {
      EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.error)));
      // Every message names the tariff, escaped, and its version.
      EXPECT_THAT(status.message(), HasSubstr("tariff \""));
      EXPECT_THAT(status.message(), HasSubstr("\" v"));
    }
  }
}

TEST(TariffValidateTest, MessagesNameTheTariffAndVersion) {
  v1::Tariff tariff = Valid();
  tariff.set_duty_bps(6'000);
  EXPECT_EQ(ValidateTariff(tariff).message(),
            "tariff \"DOM-LT1\" v2: duty_bps (6000) must be in [0, 5000]");
  tariff.set_tariff_id("bad\nid");
  EXPECT_THAT(ValidateTariff(tariff).message(), HasSubstr("tariff \"bad\\nid\" v2: tariff_id"));
}

// ---------------------------------------------------------------------------
// Loading

TEST(TariffLoadTest, LoadsTheShippedExampleBook) {
  const std::string path = std::string(WALLET_SOURCE_DIR) + "/deploy/config/tariffs.textproto";
  absl::StatusOr<v1::TariffBook> proto = LoadTariffFile(path);
  ASSERT_THAT(proto, IsOk());
  absl::StatusOr<TariffBook> book = TariffBook::Create(*proto);
  ASSERT_THAT(book, IsOk());
  for (const char* id : {"DOM-LT1", "NDLT-1", "GOVT-LT", "IND-LT"}) {
    EXPECT_TRUE(book->Contains(id)) << id;
  }
  // DOM-LT1 is revised on 1 April 2025.
  ASSERT_NE(book->InForce("DOM-LT1", Ist(2025, 3, 31, 23, 59, 59)), nullptr);
  EXPECT_EQ(book->InForce("DOM-LT1", Ist(2025, 3, 31, 23, 59, 59))->version(), 1);
  const v1::Tariff* dom = book->InForce("DOM-LT1", Ist(2025, 5, 1));
  ASSERT_NE(dom, nullptr);
  EXPECT_EQ(dom->version(), 2);
  // 1 kWh at 19:00 IST in May 2025: 390 x 1.10 = 429 paise; 8 % duty of 429
  // = 34.32 -> 34 paise.
  RatingCarry carry;
  const EnergyCharge charge = RateEnergy(*dom, 0, 1'000, Ist(2025, 5, 1, 19), &carry);
  EXPECT_EQ(charge.energy_paise, 429);
  EXPECT_EQ(charge.duty_paise, 34);
}

TEST(TariffLoadTest, MissingFileIsNotFound) {
  wallet::testing::TempDir dir;
  absl::StatusOr<v1::TariffBook> proto = LoadTariffFile(dir.path() + "/absent.textproto");
  EXPECT_THAT(proto, StatusIs(absl::StatusCode::kNotFound));
}

TEST(TariffLoadTest, MalformedFileIsInvalidArgumentWithLineAndColumn) {
  wallet::testing::TempDir dir;
  const std::string path = dir.path() + "/bad.textproto";
  // Line 3 misspells "version"; unknown fields are errors.
  WriteFile(path,
            "tariffs {\n"
            "  tariff_id: \"DOM-LT1\"\n"
            "  versoin: 1\n"
            "}\n");
  absl::StatusOr<v1::TariffBook> proto = LoadTariffFile(path);
  EXPECT_THAT(proto, StatusIs(absl::StatusCode::kInvalidArgument,
                              AllOf(HasSubstr(path + ":3:"), HasSubstr("versoin"))));

  // Line 2 has a string where a number belongs.
  WriteFile(path, "tariffs {\n  version: \"two\"\n}\n");
  proto = LoadTariffFile(path);
  EXPECT_THAT(proto, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(path + ":2:")));

  // Unclosed brace: the error is at the end of the input.
  WriteFile(path, "tariffs {\n  version: 1\n");
  proto = LoadTariffFile(path);
  EXPECT_THAT(proto, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(path + ":")));
}

TEST(TariffLoadTest, WellFormedButInvalidBookIsInvalidArgument) {
  wallet::testing::TempDir dir;
  const std::string path = dir.path() + "/invalid.textproto";
  WriteFile(path,
            "tariffs {\n"
            "  tariff_id: \"DOM-LT1\" version: 1 effective_from: \"2025-04-01\"\n"
            "  slabs { paise_per_kwh: 390 }\n"
            "  duty_bps: 9000\n"
            "}\n");
  absl::StatusOr<v1::TariffBook> proto = LoadTariffFile(path);
  EXPECT_THAT(proto,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("DOM-LT1"), HasSubstr("duty_bps (9000)"))));
}

TEST(TariffLoadTest, EmptyFileIsAnEmptyBook) {
  wallet::testing::TempDir dir;
  const std::string path = dir.path() + "/empty.textproto";
  WriteFile(path, "# nothing yet\n");
  absl::StatusOr<v1::TariffBook> proto = LoadTariffFile(path);
  ASSERT_THAT(proto, IsOk());
  EXPECT_EQ(proto->tariffs_size(), 0);
}

}  // namespace
}  // namespace wallet
