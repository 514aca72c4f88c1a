#include "wallet/policy_config.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "base/status_macros.h"
#include "glog/logging.h"
#include "wallet/tariff.h"
#include "wallet/textproto.h"

namespace wallet {
namespace {

constexpr int kMinutesPerDay = 24 * 60;
constexpr int32_t kMaxBps = 10'000;
constexpr int32_t kMaxAlertDaysLeft = 365;
constexpr int32_t kMaxNoticeDays = 30;
constexpr int32_t kMaxGraceDays = 3650;

bool ValidMinute(int32_t minute) { return minute >= 0 && minute < kMinutesPerDay; }

absl::Status Invalid(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, what));
}

absl::Status CheckRange(absl::string_view field, int64_t value, int64_t max) {
  if (value >= 0 && value <= max) return absl::OkStatus();
  return Invalid(field, absl::StrFormat(" (%d) must be in [0, %d]", value, max));
}

absl::Status ValidateCalendar(const v1::Calendar& calendar) {
  if (!ValidMinute(calendar.no_cutoff_start_minute())) {
    return Invalid(
        "calendar.no_cutoff_start_minute",
        absl::StrFormat(" (%d) must be in [0, 1440)", calendar.no_cutoff_start_minute()));
  }
  if (!ValidMinute(calendar.no_cutoff_end_minute())) {
    return Invalid("calendar.no_cutoff_end_minute",
                   absl::StrFormat(" (%d) must be in [0, 1440)", calendar.no_cutoff_end_minute()));
  }
  std::vector<absl::CivilDay> days;
  days.reserve(calendar.holidays_size());
  for (int i = 0; i < calendar.holidays_size(); ++i) {
    const std::string& text = calendar.holidays(i);
    // Escaped and shortened: an invalid entry may be long or hold control
    // characters, and the message ends up in logs.
    const std::string shown = absl::CHexEscape(text.substr(0, 16));
    absl::CivilDay day;
    if (!ParseIsoDate(text, &day)) {
      return Invalid(absl::StrFormat("calendar.holidays[%d]", i),
                     absl::StrFormat(" (\"%s\") must be a date YYYY-MM-DD", shown));
    }
    // Quadratic, but holiday lists are a few dozen entries and this names
    // the first duplicate's position.
    const auto first = std::find(days.begin(), days.end(), day);
    if (first != days.end()) {
      return Invalid(absl::StrFormat("calendar.holidays[%d]", i),
                     absl::StrFormat(" (\"%s\") duplicates calendar.holidays[%d]", shown,
                                     first - days.begin()));
    }
    days.push_back(day);
  }
  return absl::OkStatus();
}

absl::Status ValidateCategoryPolicy(const std::string& name, const v1::CategoryPolicy& policy) {
  for (int i = 0; i < policy.alert_percent_bps_size(); ++i) {
    const int32_t bps = policy.alert_percent_bps(i);
    const std::string field = absl::StrFormat("%s.alert_percent_bps[%d]", name, i);
    WALLET_RETURN_IF_ERROR(CheckRange(field, bps, kMaxBps));
    if (i > 0 && bps >= policy.alert_percent_bps(i - 1)) {
      return Invalid(field, absl::StrFormat(" (%d) must be less than alert_percent_bps[%d] (%d)",
                                            bps, i - 1, policy.alert_percent_bps(i - 1)));
    }
  }
  WALLET_RETURN_IF_ERROR(CheckRange(absl::StrCat(name, ".alert_floor_paise"),
                                    policy.alert_floor_paise(), kMaxPolicyPaise));
  WALLET_RETURN_IF_ERROR(CheckRange(absl::StrCat(name, ".alert_days_left"),
                                    policy.alert_days_left(), kMaxAlertDaysLeft));
  WALLET_RETURN_IF_ERROR(CheckRange(absl::StrCat(name, ".emergency_credit_paise"),
                                    policy.emergency_credit_paise(), kMaxPolicyPaise));
  if (policy.has_notice_days()) {
    WALLET_RETURN_IF_ERROR(
        CheckRange(absl::StrCat(name, ".notice_days"), policy.notice_days(), kMaxNoticeDays));
  }
  WALLET_RETURN_IF_ERROR(CheckRange(absl::StrCat(name, ".reconnection_fee_paise"),
                                    policy.reconnection_fee_paise(), kMaxPolicyPaise));
  WALLET_RETURN_IF_ERROR(CheckRange(absl::StrCat(name, ".restore_threshold_paise"),
                                    policy.restore_threshold_paise(), kMaxPolicyPaise));
  WALLET_RETURN_IF_ERROR(
      CheckRange(absl::StrCat(name, ".arrears_share_bps"), policy.arrears_share_bps(), kMaxBps));
  WALLET_RETURN_IF_ERROR(CheckRange(absl::StrCat(name, ".arrears_cap_paise"),
                                    policy.arrears_cap_paise(), kMaxPolicyPaise));
  WALLET_RETURN_IF_ERROR(
      CheckRange(absl::StrCat(name, ".grace_days"), policy.grace_days(), kMaxGraceDays));
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidatePolicyConfig(const v1::PolicyConfig& config) {
  WALLET_RETURN_IF_ERROR(ValidateCalendar(config.calendar()));
  WALLET_RETURN_IF_ERROR(ValidateCategoryPolicy("defaults", config.defaults()));
  for (int i = 0; i < config.categories_size(); ++i) {
    const v1::CategoryPolicy& policy = config.categories(i);
    const v1::Category category = policy.category();
    const std::string index = absl::StrFormat("categories[%d]", i);
    // proto3 enums are open: a binary message may carry any number.
    if (!v1::Category_IsValid(category)) {
      return Invalid(index, absl::StrFormat(".category (%d) is not a known Category",
                                            static_cast<int>(category)));
    }
    if (category == v1::CATEGORY_UNSPECIFIED) {
      return Invalid(index,
                     ".category must be set: CATEGORY_UNSPECIFIED is what `defaults` "
                     "is for");
    }
    const std::string name = absl::StrFormat("%s (%s)", index, v1::Category_Name(category));
    for (int j = 0; j < i; ++j) {
      if (config.categories(j).category() == category) {
        return Invalid(name, absl::StrFormat(".category duplicates categories[%d]", j));
      }
    }
    WALLET_RETURN_IF_ERROR(ValidateCategoryPolicy(name, policy));
  }
  return absl::OkStatus();
}

void ApplyPolicyDefaults(v1::PolicyConfig* config) {
  DCHECK(config != nullptr);
  auto apply = [](v1::CategoryPolicy* policy) {
    if (!policy->has_notice_days()) policy->set_notice_days(kDefaultNoticeDays);
  };
  apply(config->mutable_defaults());
  for (v1::CategoryPolicy& policy : *config->mutable_categories()) apply(&policy);
}

int32_t NoticeDays(const v1::CategoryPolicy& policy) {
  return policy.has_notice_days() ? policy.notice_days() : kDefaultNoticeDays;
}

absl::StatusOr<v1::PolicyConfig> LoadPolicyFile(const std::string& path) {
  v1::PolicyConfig config;
  WALLET_RETURN_IF_ERROR(ReadTextProtoFile(path, &config));
  ApplyPolicyDefaults(&config);
  if (absl::Status status = ValidatePolicyConfig(config); !status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", status.message()));
  }
  return config;
}

const v1::CategoryPolicy& PolicyFor(const v1::PolicyConfig& config, v1::Category category) {
  // A linear scan: there are a handful of categories, and a scan needs no
  // index to keep in step with the proto.
  if (category != v1::CATEGORY_UNSPECIFIED) {
    for (const v1::CategoryPolicy& policy : config.categories()) {
      if (policy.category() == category) return policy;
    }
  }
  return config.defaults();
}

int64_t IstDayNumber(absl::Time t) {
  if (t == absl::InfiniteFuture()) return std::numeric_limits<int64_t>::max();
  if (t == absl::InfinitePast()) return std::numeric_limits<int64_t>::min();
  return absl::ToCivilDay(t, IstTimeZone()) - absl::CivilDay(1970, 1, 1);
}

CutoffCalendar::CutoffCalendar(const v1::Calendar& calendar)
    : no_cutoff_sundays_(calendar.no_cutoff_sundays()) {
  DCHECK(ValidateCalendar(calendar).ok()) << ValidateCalendar(calendar);
  if (ValidMinute(calendar.no_cutoff_start_minute()) &&
      ValidMinute(calendar.no_cutoff_end_minute())) {
    start_minute_ = calendar.no_cutoff_start_minute();
    end_minute_ = calendar.no_cutoff_end_minute();
  }
  holidays_.reserve(calendar.holidays_size());
  for (const std::string& text : calendar.holidays()) {
    absl::CivilDay day;
    if (ParseIsoDate(text, &day)) holidays_.push_back(day);
  }
  std::sort(holidays_.begin(), holidays_.end());
  holidays_.erase(std::unique(holidays_.begin(), holidays_.end()), holidays_.end());
}

bool CutoffCalendar::DayBlocked(absl::CivilDay day) const {
  if (no_cutoff_sundays_ && absl::GetWeekday(day) == absl::Weekday::sunday) return true;
  return std::binary_search(holidays_.begin(), holidays_.end(), day);
}

bool CutoffCalendar::InWindow(int minute) const {
  if (start_minute_ < end_minute_) return start_minute_ <= minute && minute < end_minute_;
  if (start_minute_ > end_minute_) return start_minute_ <= minute || minute < end_minute_;
  return false;  // Equal: no daily window.
}

bool CutoffCalendar::CutoffAllowed(absl::Time t) const {
  if (t == absl::InfiniteFuture() || t == absl::InfinitePast()) return false;
  const absl::CivilMinute local = absl::ToCivilMinute(t, IstTimeZone());
  return !DayBlocked(absl::CivilDay(local)) && !InWindow(local.hour() * 60 + local.minute());
}

CutoffCalendar::Block CutoffCalendar::BlockAt(absl::Time t) const {
  if (t == absl::InfiniteFuture() || t == absl::InfinitePast()) return Block::kWindow;
  const absl::CivilMinute local = absl::ToCivilMinute(t, IstTimeZone());
  const absl::CivilDay day(local);
  if (no_cutoff_sundays_ && absl::GetWeekday(day) == absl::Weekday::sunday) return Block::kSunday;
  if (std::binary_search(holidays_.begin(), holidays_.end(), day)) return Block::kHoliday;
  return InWindow(local.hour() * 60 + local.minute()) ? Block::kWindow : Block::kNone;
}

absl::Time CutoffCalendar::NextCutoffAllowed(absl::Time t) const {
  if (t == absl::InfiniteFuture() || t == absl::InfinitePast()) return absl::InfiniteFuture();
  const absl::TimeZone ist = IstTimeZone();
  const absl::Time limit = t + absl::Hours(24) * kMaxSearchDays;
  // Every blocked instant lies in a blocked day or a window occurrence; both
  // end on a minute boundary, so jumping to the end of whichever blocks
  // `candidate` never skips an allowed instant, and each jump moves forward
  // by at least a minute, so the loop ends (at most ~2 jumps per day).
  absl::Time candidate = t;
  while (candidate < limit) {
    const absl::CivilMinute local = absl::ToCivilMinute(candidate, ist);
    const absl::CivilDay day(local);
    if (DayBlocked(day)) {
      candidate = absl::FromCivil(day + 1, ist);
      continue;
    }
    const int minute = local.hour() * 60 + local.minute();
    if (!InWindow(minute)) return candidate;
    // Inside the window: it ends at end_minute_ today, unless this is the
    // evening part of a window that wraps midnight, which ends tomorrow.
    const int end = end_minute_ + (minute >= end_minute_ ? kMinutesPerDay : 0);
    candidate = absl::FromCivil(absl::CivilMinute(day) + end, ist);
  }
  return absl::InfiniteFuture();
}

}  // namespace wallet
