// Tariff rating: what a meter's consumption and its sanctioned load cost, in
// integer paise, under a versioned tariff (proto/wallet/v1/tariff.proto).
//
// Everything here is a pure function of its arguments except LoadTariffFile,
// which reads one file. Nothing reads a clock: callers pass the time.
//
// Rounding rule (copied into the README)
// --------------------------------------
// Every charge is first computed exactly, in a fixed sub-paisa unit, with
// 128-bit intermediates so nothing overflows:
//
//   * Energy: the reading's Wh are split over the slabs by month-to-date
//     consumption and each part is multiplied by its slab rate (Wh x paise/kWh
//     = 1/1000 paise). The sum is multiplied by (10000 + ToD adjustment in
//     bps), giving 1e-7 paise. The ToD adjustment is the one of the window
//     containing the start of the reading's interval, in IST.
//   * Fixed charge: paise per kW per day x sanctioned load in W = 1/1000 paise.
//   * Meter rent: whole paise per day, exact already.
//   * Electricity duty: duty_bps x the charge in whole paise it applies to
//     (energy, or fixed + rent) = 1e-4 paise. Duty is levied on the rounded
//     charges, i.e. on what the consumer is actually debited.
//
// The exact amount plus the meter's carried remainder is then rounded down
// once to whole paise, and the sub-paisa remainder is carried forward in
// RatingCarry (0 <= remainder < one paisa in that unit). Consequently, for a
// meter starting from a zero carry, the paise charged over any run of readings
// and days equal the exact total of that run rounded down once: a thousand
// 1 Wh readings at 390 paise/kWh cost exactly 390 paise, not 0 and not 1000.
// Nothing is ever rounded up, and the error never exceeds one paisa per
// remainder (energy, fixed, duty), however many readings there are. The carry
// units do not depend on the tariff, so the carry survives tariff revisions.
// Callers persist the carry with the meter, atomically with the charges.
//
// Example:
//   WALLET_ASSIGN_OR_RETURN(v1::TariffBook proto,
//                           LoadTariffFile("/etc/wallet/tariffs.textproto"));
//   WALLET_ASSIGN_OR_RETURN(TariffBook book, TariffBook::Create(proto));
//   const v1::Tariff* tariff = book.InForce("DOM-LT1", reading_time);
//   if (tariff == nullptr) return absl::FailedPreconditionError("no tariff");
//   EnergyCharge charge = RateEnergy(*tariff, meter.month_wh, 250,
//                                    interval_start, &meter.carry);
//   debit(charge.energy_paise + charge.duty_paise);
#ifndef WALLET_TARIFF_H_
#define WALLET_TARIFF_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "wallet/v1/tariff.pb.h"

namespace wallet {

// kIstOffsetSeconds is Indian Standard Time's offset from UTC (+05:30). IST
// has no daylight saving time, so a fixed zone is exact.
inline constexpr int kIstOffsetSeconds = 5 * 3600 + 30 * 60;

// IstTimeZone returns the fixed UTC+05:30 zone in which tariff dates and
// time-of-day windows are interpreted.
absl::TimeZone IstTimeZone();

// ValidateTariff checks one tariff version. Returns OK or InvalidArgument
// whose message names the tariff id (and version) and the offending field,
// e.g. `tariff "DOM-LT1" v2: slabs[1].up_to_wh (100000) must be greater than
// slabs[0].up_to_wh (100000)`. It rejects:
//   * tariff_id not 1-64 characters of [A-Za-z0-9._:-];
//   * version < 1;
//   * effective_from not a real calendar date written YYYY-MM-DD;
//   * no slabs; a non-last slab whose up_to_wh is not > 0 and strictly greater
//     than the previous slab's; a last slab whose up_to_wh is not 0
//     (unbounded); a rate outside [0, 100000] paise/kWh;
//   * a ToD window with start_minute or end_minute outside [0, 1440), with
//     start_minute == end_minute, or with adjust_bps outside [-5000, 10000];
//     two windows that share any minute (windows that wrap midnight included);
//   * fixed_paise_per_kw_day or meter_rent_paise_per_day outside
//     [0, 10000000];
//   * duty_bps outside [0, 5000].
// The category is informational and not checked.
// ParseIsoDate parses exactly "YYYY-MM-DD" naming a real date. absl's
// ParseCivilTime alone accepts other widths and normalises out-of-range
// fields, so the shape is checked first and the result must print back
// identically. Returns false, leaving *day alone, otherwise.
bool ParseIsoDate(absl::string_view text, absl::CivilDay* day);

absl::Status ValidateTariff(const v1::Tariff& tariff);

// TariffBook holds every version of every tariff and answers which version is
// in force at a given time. A version takes effect at IST midnight starting
// its effective_from date and stays in force until the next version's date.
//
// Thread safety: const methods may be called concurrently; Add needs external
// synchronisation against every other call.
class TariffBook final {
 public:
  // Create validates every tariff in `proto` with ValidateTariff and builds a
  // book. Returns InvalidArgument for the first invalid tariff, for two
  // entries with the same (tariff_id, version), and for two versions of one
  // tariff_id with the same effective_from (which would make InForce
  // ambiguous). Duplicates inside one document are a malformed document, hence
  // InvalidArgument rather than AlreadyExists. An empty book is valid.
  static absl::StatusOr<TariffBook> Create(const v1::TariffBook& proto);

  // TariffBook is copyable and movable. Pointers returned by InForce point
  // into the book they came from and stay valid until it is destroyed or
  // assigned to; Add does not invalidate them.
  TariffBook() = default;

  // InForce returns the version of `tariff_id` whose effective_from (IST
  // midnight) is the latest one not after `at`, or nullptr when the id is
  // unknown or `at` is before its first version. The version number does not
  // take part: dates decide.
  const v1::Tariff* InForce(absl::string_view tariff_id, absl::Time at) const;

  // Add inserts one more version, e.g. from an admin RPC. Returns
  // InvalidArgument if ValidateTariff fails, AlreadyExists if the book already
  // has this (tariff_id, version) or another version of tariff_id with the
  // same effective_from. On error the book is unchanged.
  absl::Status Add(const v1::Tariff& tariff);

  // Contains reports whether any version of `tariff_id` exists.
  bool Contains(absl::string_view tariff_id) const;

  // First returns the version of `tariff_id` that takes effect first, or
  // nullptr when the id is unknown.
  const v1::Tariff* First(absl::string_view tariff_id) const;

  // ToProto returns every version, ordered by tariff_id and then by
  // effective_from, so that equal books serialise identically.
  v1::TariffBook ToProto() const;

 private:
  // Returns why `tariff` (taking effect at `effective`) clashes with a version
  // already in the book, or "" if it does not; callers pick the status code.
  std::string Clash(const v1::Tariff& tariff, absl::Time effective) const;

  // tariff_id -> effective_from (IST midnight) -> that version. Node-based
  // maps so that InForce's pointers survive Add.
  std::map<std::string, std::map<absl::Time, v1::Tariff>, std::less<>> versions_;
};

// LoadTariffFile reads a text-format wallet.v1.TariffBook (see
// deploy/config/tariffs.textproto) and validates it with TariffBook::Create,
// so the returned proto is known to build a TariffBook. Returns NotFound if
// the file does not exist, another code from errno if it cannot be read, and
// InvalidArgument if it does not parse (the message carries
// "path:line:column: parser message", 1-based) or fails validation (the
// message carries the path and ValidateTariff's text). Unknown fields are
// parse errors, so a misspelt field cannot silently default to 0.
absl::StatusOr<v1::TariffBook> LoadTariffFile(const std::string& path);

// TimeOfDayAdjustBps returns the adjust_bps of the window of `tariff` that
// contains `at`'s IST minute of day (start inclusive, end exclusive; a window
// with start > end wraps midnight), or 0 when no window contains it. Seconds
// are truncated: 17:59:59 is minute 1079.
int32_t TimeOfDayAdjustBps(const v1::Tariff& tariff, absl::Time at);

// RatingCarry holds one meter's sub-paisa remainders (see the rounding rule
// above) so that the sum of charges over any period equals the exact amount
// rounded down once. Persisted by the caller with the meter; a new meter
// starts from all zeros. Each field stays in [0, one paisa) of its unit.
struct RatingCarry {
  int64_t energy = 0;  // 1e-7 paise, in [0, 10'000'000)
  int64_t duty = 0;    // 1e-4 paise, in [0, 10'000); shared by energy and daily duty
  int64_t fixed = 0;   // 1e-3 paise, in [0, 1'000)
};

// EnergyCharge is what one reading costs.
struct EnergyCharge {
  int64_t energy_paise = 0;    // slab energy charge after the ToD adjustment
  int64_t duty_paise = 0;      // electricity duty on energy_paise
  int32_t tod_adjust_bps = 0;  // the adjustment applied (0 outside windows)

  int64_t total_paise() const { return energy_paise + duty_paise; }
};

// RateEnergy prices `delta_wh` consumed in an interval starting at
// `interval_start`, when the meter had already used `month_wh_before` Wh in
// the current billing month, and updates `carry`:
//   (a) Slab i covers month-to-date Wh in (up_to[i-1], up_to[i]] (the last
//       slab is unbounded); the part of (month_wh_before, month_wh_before +
//       delta_wh] in each slab is charged at that slab's rate, exactly, in
//       1/1000 paise.
//   (b) The whole delta takes the ToD adjustment of `interval_start`
//       (TimeOfDayAdjustBps): exact = base x (10000 + bps), in 1e-7 paise.
//   (c) energy_paise = floor((exact + carry->energy) / 1e7); the remainder
//       becomes carry->energy.
//   (d) duty_paise = floor((energy_paise x duty_bps + carry->duty) / 1e4); the
//       remainder becomes carry->duty.
// The caller resets month_wh_before at the start of each billing month and
// splits readings that straddle a month or tariff change if it cares.
//
// Preconditions: `tariff` passed ValidateTariff; `carry` is non-null;
// month_wh_before >= 0 and delta_wh >= 0. Violations are caller bugs: they
// DCHECK-fail in debug builds; in release builds a negative delta_wh rates as
// 0 and a negative month_wh_before as 0. delta_wh == 0 returns all zeros and
// leaves `carry` unchanged. Intermediates are 128-bit; the results fit int64
// for any month_wh_before and for delta_wh up to 10^15 Wh, far beyond any
// meter (callers bound readings well below that).
EnergyCharge RateEnergy(const v1::Tariff& tariff, int64_t month_wh_before, int64_t delta_wh,
                        absl::Time interval_start, RatingCarry* carry);

// DailyCharge is what one day of connection costs, whatever the consumption.
struct DailyCharge {
  int64_t fixed_paise = 0;  // fixed charge on sanctioned load
  int64_t rent_paise = 0;   // meter rent
  int64_t duty_paise = 0;   // electricity duty on fixed_paise + rent_paise

  int64_t total_paise() const { return fixed_paise + rent_paise + duty_paise; }
};

// RateDay prices one day of the connection and updates `carry`:
//   fixed_paise = floor((fixed_paise_per_kw_day x sanctioned_load_w +
//                        carry->fixed) / 1000), remainder to carry->fixed;
//   rent_paise  = meter_rent_paise_per_day;
//   duty_paise  = floor(((fixed_paise + rent_paise) x duty_bps + carry->duty)
//                       / 1e4), remainder to carry->duty.
// Preconditions as for RateEnergy; a negative sanctioned_load_w DCHECK-fails
// and rates as 0 in release builds. Results fit int64 for sanctioned_load_w up
// to 10^12 W.
DailyCharge RateDay(const v1::Tariff& tariff, int64_t sanctioned_load_w, RatingCarry* carry);

}  // namespace wallet

#endif  // WALLET_TARIFF_H_
