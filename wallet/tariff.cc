#include "wallet/tariff.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "base/status_macros.h"
#include "glog/logging.h"
#include "wallet/textproto.h"

namespace wallet {
namespace {

constexpr int kMaxTariffIdLength = 64;
constexpr int64_t kMaxPaisePerKwh = 100'000;
constexpr int64_t kMaxDailyPaise = 10'000'000;
constexpr int32_t kMinAdjustBps = -5'000;
constexpr int32_t kMaxAdjustBps = 10'000;
constexpr int32_t kMaxDutyBps = 5'000;
constexpr int32_t kMinutesPerDay = 24 * 60;

// Sub-paisa units of the carries (see the rounding rule in tariff.h).
constexpr int64_t kEnergyUnitsPerPaisa = 10'000'000;  // milli-paise x bps
constexpr int64_t kDutyUnitsPerPaisa = 10'000;        // paise x bps
constexpr int64_t kFixedUnitsPerPaisa = 1'000;        // paise/kW x W

// Splits `amount + *carry` into whole paise and a new carry in [0, unit).
// Floors rather than truncates so that even a corrupt negative carry leaves
// the carry in range instead of spreading the damage.
int64_t RoundDownWithCarry(__int128 amount, int64_t unit, int64_t* carry) {
  DCHECK(*carry >= 0 && *carry < unit) << "carry out of range: " << *carry;
  const __int128 total = amount + *carry;
  __int128 whole = total / unit;
  __int128 rest = total % unit;
  if (rest < 0) {
    rest += unit;
    --whole;
  }
  *carry = static_cast<int64_t>(rest);
  return static_cast<int64_t>(whole);
}

// Duty on a whole-paise charge, sharing the meter's duty carry.
int64_t Duty(int64_t charged_paise, int32_t duty_bps, RatingCarry* carry) {
  return RoundDownWithCarry(static_cast<__int128>(charged_paise) * duty_bps, kDutyUnitsPerPaisa,
                            &carry->duty);
}

bool IsTariffIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

// The tariff's effective_from as an instant; the tariff must be valid.
absl::Time EffectiveTime(const v1::Tariff& tariff) {
  absl::CivilDay day;
  const bool ok = ParseIsoDate(tariff.effective_from(), &day);
  DCHECK(ok) << tariff.effective_from();
  return absl::FromCivil(day, IstTimeZone());
}

// Names the tariff in error messages. The id is escaped and shortened
// because an invalid id may be long or hold control characters.
std::string Describe(const v1::Tariff& tariff) {
  std::string id = absl::CHexEscape(tariff.tariff_id().substr(0, kMaxTariffIdLength + 1));
  if (tariff.tariff_id().size() > kMaxTariffIdLength + 1) absl::StrAppend(&id, "...");
  return absl::StrFormat("tariff \"%s\" v%d", id, tariff.version());
}

absl::Status Invalid(const v1::Tariff& tariff, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(Describe(tariff), ": ", what));
}

// A minute range [begin, end) within one day, from window `index`.
struct MinuteRange {
  int32_t begin;
  int32_t end;
  int index;
};

absl::Status ValidateTimeOfDay(const v1::Tariff& tariff) {
  std::vector<MinuteRange> ranges;
  for (int i = 0; i < tariff.time_of_day_size(); ++i) {
    const v1::TimeOfDayWindow& w = tariff.time_of_day(i);
    const std::string name = absl::StrFormat("time_of_day[%d]", i);
    if (w.start_minute() < 0 || w.start_minute() >= kMinutesPerDay) {
      return Invalid(tariff, absl::StrFormat("%s.start_minute (%d) must be in [0, 1440)", name,
                                             w.start_minute()));
    }
    if (w.end_minute() < 0 || w.end_minute() >= kMinutesPerDay) {
      return Invalid(
          tariff, absl::StrFormat("%s.end_minute (%d) must be in [0, 1440)", name, w.end_minute()));
    }
    if (w.start_minute() == w.end_minute()) {
      return Invalid(tariff, absl::StrFormat("%s.start_minute equals end_minute (%d): a window "
                                             "must not be empty or the whole day",
                                             name, w.start_minute()));
    }
    if (w.adjust_bps() < kMinAdjustBps || w.adjust_bps() > kMaxAdjustBps) {
      return Invalid(tariff, absl::StrFormat("%s.adjust_bps (%d) must be in [%d, %d]", name,
                                             w.adjust_bps(), kMinAdjustBps, kMaxAdjustBps));
    }
    if (w.start_minute() < w.end_minute()) {
      ranges.push_back({w.start_minute(), w.end_minute(), i});
    } else {  // Wraps midnight: two pieces.
      ranges.push_back({w.start_minute(), kMinutesPerDay, i});
      if (w.end_minute() > 0) ranges.push_back({0, w.end_minute(), i});
    }
  }
  // Sorted by start, any overlap shows up between neighbours.
  std::sort(ranges.begin(), ranges.end(),
            [](const MinuteRange& a, const MinuteRange& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].begin < ranges[i - 1].end) {
      const int a = std::min(ranges[i - 1].index, ranges[i].index);
      const int b = std::max(ranges[i - 1].index, ranges[i].index);
      return Invalid(tariff, absl::StrFormat("time_of_day[%d] and time_of_day[%d] overlap at "
                                             "minute %d",
                                             a, b, ranges[i].begin));
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool ParseIsoDate(absl::string_view text, absl::CivilDay* day) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 4 || i == 7) continue;
    if (text[i] < '0' || text[i] > '9') return false;
  }
  absl::CivilDay parsed;
  if (!absl::ParseCivilTime(text, &parsed)) return false;
  if (absl::FormatCivilTime(parsed) != text) return false;
  *day = parsed;
  return true;
}


absl::TimeZone IstTimeZone() {
  // Built once: FixedTimeZone looks the zone up under a global lock, and
  // rating calls this several times per reading.
  static const absl::TimeZone kIst = absl::FixedTimeZone(kIstOffsetSeconds);
  return kIst;
}

absl::Status ValidateTariff(const v1::Tariff& tariff) {
  const std::string& id = tariff.tariff_id();
  if (id.empty() || id.size() > kMaxTariffIdLength ||
      !std::all_of(id.begin(), id.end(), IsTariffIdChar)) {
    return Invalid(tariff, "tariff_id must be 1-64 characters of [A-Za-z0-9._:-]");
  }
  if (tariff.version() < 1) {
    return Invalid(tariff, absl::StrFormat("version (%d) must be at least 1", tariff.version()));
  }
  absl::CivilDay day;
  if (!ParseIsoDate(tariff.effective_from(), &day)) {
    return Invalid(tariff, absl::StrFormat("effective_from (\"%s\") must be a date YYYY-MM-DD",
                                           absl::CHexEscape(tariff.effective_from())));
  }

  if (tariff.slabs_size() == 0) return Invalid(tariff, "slabs must not be empty");
  for (int i = 0; i < tariff.slabs_size(); ++i) {
    const v1::Slab& slab = tariff.slabs(i);
    const bool last = i + 1 == tariff.slabs_size();
    if (last && slab.up_to_wh() != 0) {
      return Invalid(tariff, absl::StrFormat("slabs[%d].up_to_wh (%d) must be 0: the last slab "
                                             "is unbounded",
                                             i, slab.up_to_wh()));
    }
    if (!last && slab.up_to_wh() <= 0) {
      return Invalid(tariff, absl::StrFormat("slabs[%d].up_to_wh (%d) must be positive; only the "
                                             "last slab is unbounded (0)",
                                             i, slab.up_to_wh()));
    }
    if (!last && i > 0 && slab.up_to_wh() <= tariff.slabs(i - 1).up_to_wh()) {
      return Invalid(tariff,
                     absl::StrFormat("slabs[%d].up_to_wh (%d) must be greater than "
                                     "slabs[%d].up_to_wh (%d)",
                                     i, slab.up_to_wh(), i - 1, tariff.slabs(i - 1).up_to_wh()));
    }
    if (slab.paise_per_kwh() < 0 || slab.paise_per_kwh() > kMaxPaisePerKwh) {
      return Invalid(tariff, absl::StrFormat("slabs[%d].paise_per_kwh (%d) must be in [0, %d]", i,
                                             slab.paise_per_kwh(), kMaxPaisePerKwh));
    }
  }

  WALLET_RETURN_IF_ERROR(ValidateTimeOfDay(tariff));

  if (tariff.fixed_paise_per_kw_day() < 0 || tariff.fixed_paise_per_kw_day() > kMaxDailyPaise) {
    return Invalid(tariff, absl::StrFormat("fixed_paise_per_kw_day (%d) must be in [0, %d]",
                                           tariff.fixed_paise_per_kw_day(), kMaxDailyPaise));
  }
  if (tariff.meter_rent_paise_per_day() < 0 || tariff.meter_rent_paise_per_day() > kMaxDailyPaise) {
    return Invalid(tariff, absl::StrFormat("meter_rent_paise_per_day (%d) must be in [0, %d]",
                                           tariff.meter_rent_paise_per_day(), kMaxDailyPaise));
  }
  if (tariff.duty_bps() < 0 || tariff.duty_bps() > kMaxDutyBps) {
    return Invalid(tariff, absl::StrFormat("duty_bps (%d) must be in [0, %d]", tariff.duty_bps(),
                                           kMaxDutyBps));
  }
  return absl::OkStatus();
}

absl::StatusOr<TariffBook> TariffBook::Create(const v1::TariffBook& proto) {
  TariffBook book;
  for (const v1::Tariff& tariff : proto.tariffs()) {
    WALLET_RETURN_IF_ERROR(ValidateTariff(tariff));
    const absl::Time effective = EffectiveTime(tariff);
    if (std::string clash = book.Clash(tariff, effective); !clash.empty()) {
      return absl::InvalidArgumentError(clash);
    }
    book.versions_[tariff.tariff_id()].emplace(effective, tariff);
  }
  return book;
}

std::string TariffBook::Clash(const v1::Tariff& tariff, absl::Time effective) const {
  auto it = versions_.find(tariff.tariff_id());
  if (it == versions_.end()) return "";
  for (const auto& [when, existing] : it->second) {
    if (existing.version() == tariff.version()) {
      return absl::StrCat(Describe(tariff), ": version already exists");
    }
    if (when == effective) {
      return absl::StrFormat("%s: effective_from %s is already taken by v%d", Describe(tariff),
                             tariff.effective_from(), existing.version());
    }
  }
  return "";
}

const v1::Tariff* TariffBook::InForce(absl::string_view tariff_id, absl::Time at) const {
  auto it = versions_.find(tariff_id);
  if (it == versions_.end()) return nullptr;
  // The first version taking effect strictly after `at`; the one before it
  // is in force.
  auto next = it->second.upper_bound(at);
  if (next == it->second.begin()) return nullptr;
  return &std::prev(next)->second;
}

absl::Status TariffBook::Add(const v1::Tariff& tariff) {
  WALLET_RETURN_IF_ERROR(ValidateTariff(tariff));
  const absl::Time effective = EffectiveTime(tariff);
  if (std::string clash = Clash(tariff, effective); !clash.empty()) {
    return absl::AlreadyExistsError(clash);
  }
  versions_[tariff.tariff_id()].emplace(effective, tariff);
  return absl::OkStatus();
}

bool TariffBook::Contains(absl::string_view tariff_id) const {
  return versions_.find(tariff_id) != versions_.end();
}

const v1::Tariff* TariffBook::First(absl::string_view tariff_id) const {
  auto it = versions_.find(tariff_id);
  if (it == versions_.end() || it->second.empty()) return nullptr;
  return &it->second.begin()->second;
}

v1::TariffBook TariffBook::ToProto() const {
  v1::TariffBook proto;
  for (const auto& [id, by_date] : versions_) {
    for (const auto& [when, tariff] : by_date) *proto.add_tariffs() = tariff;
  }
  return proto;
}

absl::StatusOr<v1::TariffBook> LoadTariffFile(const std::string& path) {
  v1::TariffBook proto;
  WALLET_RETURN_IF_ERROR(ReadTextProtoFile(path, &proto));
  if (absl::StatusOr<TariffBook> book = TariffBook::Create(proto); !book.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", book.status().message()));
  }
  return proto;
}

int32_t TimeOfDayAdjustBps(const v1::Tariff& tariff, absl::Time at) {
  const absl::CivilMinute local = absl::ToCivilMinute(at, IstTimeZone());
  const int32_t minute = local.hour() * 60 + local.minute();
  for (const v1::TimeOfDayWindow& w : tariff.time_of_day()) {
    const bool inside = w.start_minute() <= w.end_minute()
                            ? w.start_minute() <= minute && minute < w.end_minute()
                            : w.start_minute() <= minute || minute < w.end_minute();
    if (inside) return w.adjust_bps();
  }
  return 0;
}

EnergyCharge RateEnergy(const v1::Tariff& tariff, int64_t month_wh_before, int64_t delta_wh,
                        absl::Time interval_start, RatingCarry* carry) {
  DCHECK(carry != nullptr);
  DCHECK_GE(month_wh_before, 0);
  DCHECK_GE(delta_wh, 0);
  EnergyCharge charge;
  if (delta_wh <= 0) return charge;

  // Month-to-date Wh numbered from 0: this reading covers [lo, hi) and slab i
  // covers [up_to[i-1], up_to[i]), the same counts as the (a, b] of the
  // contract. 128 bits because month_wh_before + delta_wh may exceed int64.
  const __int128 lo = std::max<int64_t>(month_wh_before, 0);
  const __int128 hi = lo + delta_wh;
  __int128 base_millipaise = 0;
  __int128 slab_begin = 0;
  for (int i = 0; i < tariff.slabs_size() && slab_begin < hi; ++i) {
    const v1::Slab& slab = tariff.slabs(i);
    const bool last = i + 1 == tariff.slabs_size();
    const __int128 slab_end = last ? hi : static_cast<__int128>(slab.up_to_wh());
    const __int128 wh = std::min(hi, slab_end) - std::max(lo, slab_begin);
    if (wh > 0) base_millipaise += wh * slab.paise_per_kwh();
    slab_begin = slab_end;
  }

  charge.tod_adjust_bps = TimeOfDayAdjustBps(tariff, interval_start);
  const __int128 exact = base_millipaise * (10'000 + charge.tod_adjust_bps);
  charge.energy_paise = RoundDownWithCarry(exact, kEnergyUnitsPerPaisa, &carry->energy);
  charge.duty_paise = Duty(charge.energy_paise, tariff.duty_bps(), carry);
  return charge;
}

DailyCharge RateDay(const v1::Tariff& tariff, int64_t sanctioned_load_w, RatingCarry* carry) {
  DCHECK(carry != nullptr);
  DCHECK_GE(sanctioned_load_w, 0);
  DailyCharge charge;
  const __int128 exact_fixed = static_cast<__int128>(tariff.fixed_paise_per_kw_day()) *
                               std::max<int64_t>(sanctioned_load_w, 0);
  charge.fixed_paise = RoundDownWithCarry(exact_fixed, kFixedUnitsPerPaisa, &carry->fixed);
  charge.rent_paise = tariff.meter_rent_paise_per_day();
  charge.duty_paise = Duty(charge.fixed_paise + charge.rent_paise, tariff.duty_bps(), carry);
  return charge;
}

}  // namespace wallet
