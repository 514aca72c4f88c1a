// Prepaid balance policy configuration (proto/wallet/v1/policy.proto) and the
// calendar of "friendly hours" in which supply must not be cut: at night, on
// Sundays and on declared holidays.
//
// Everything here is a pure function of its arguments except LoadPolicyFile,
// which reads one file. Nothing reads a clock: callers pass the time. All
// calendar arithmetic is in Indian Standard Time (IstTimeZone(), UTC+05:30).
//
// Example:
//   WALLET_ASSIGN_OR_RETURN(v1::PolicyConfig config,
//                           LoadPolicyFile("/etc/wallet/policy.textproto"));
//   const CutoffCalendar calendar(config.calendar());
//   const v1::CategoryPolicy& policy = PolicyFor(config, meter.category());
//   if (balance_paise <= -policy.emergency_credit_paise() &&
//       notices_sent >= NoticeDays(policy)) {
//     const absl::Time cut_at = calendar.NextCutoffAllowed(now);
//     ...
//   }
#ifndef WALLET_POLICY_CONFIG_H_
#define WALLET_POLICY_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "wallet/v1/common.pb.h"
#include "wallet/v1/policy.pb.h"

namespace wallet {

// kDefaultNoticeDays is CategoryPolicy.notice_days when the field is unset:
// the practice of three consecutive daily notices before a disconnection.
inline constexpr int32_t kDefaultNoticeDays = 3;

// kMaxPolicyPaise bounds every money field of a CategoryPolicy (Rs 10 crore),
// far above any real fee or allowance, so that sums and negations of policy
// amounts and balances cannot overflow int64.
inline constexpr int64_t kMaxPolicyPaise = 10'000'000'000;

// ValidatePolicyConfig checks a whole configuration. Returns OK or
// InvalidArgument whose message names the offending field by its path, e.g.
// `categories[1] (COMMERCIAL).alert_percent_bps[2] (1000) must be less than
// alert_percent_bps[1] (1000)` or `calendar.holidays[3] ("2026-01-26")
// duplicates calendar.holidays[0]`. It rejects:
//   * calendar.no_cutoff_start_minute or no_cutoff_end_minute outside
//     [0, 1440);
//   * a holiday that is not a real calendar date written YYYY-MM-DD, or one
//     listed twice;
//   * in `defaults` and in each entry of `categories`:
//       - an alert_percent_bps entry outside [0, 10000], or entries not
//         strictly descending;
//       - alert_floor_paise, emergency_credit_paise, reconnection_fee_paise,
//         restore_threshold_paise or arrears_cap_paise outside
//         [0, kMaxPolicyPaise];
//       - alert_days_left outside [0, 365];
//       - notice_days (when set) outside [0, 30];
//       - arrears_share_bps outside [0, 10000];
//       - grace_days outside [0, 3650];
//   * in `categories`: a category that is CATEGORY_UNSPECIFIED or not a known
//     Category value, or listed twice.
// The category of `defaults` and the utility name are not checked.
absl::Status ValidatePolicyConfig(const v1::PolicyConfig& config);

// ApplyPolicyDefaults writes kDefaultNoticeDays into every CategoryPolicy of
// `config` (defaults and categories) whose notice_days is unset, so that
// plain notice_days() reads give the documented value. Other fields default to
// zero, which is already their proto3 default. `config` must not be null.
void ApplyPolicyDefaults(v1::PolicyConfig* config);

// NoticeDays returns policy.notice_days(), or kDefaultNoticeDays when unset.
// Prefer it to the raw accessor for configs that did not come from
// LoadPolicyFile or ApplyPolicyDefaults.
int32_t NoticeDays(const v1::CategoryPolicy& policy);

// LoadPolicyFile reads a text-format wallet.v1.PolicyConfig (see
// deploy/config/policy.textproto), applies ApplyPolicyDefaults and validates
// it with ValidatePolicyConfig. Returns NotFound if the file does not exist,
// another code from errno if it cannot be read, and InvalidArgument if it
// does not parse (the message carries "path:line:column: parser message",
// 1-based) or fails validation (the message carries the path and
// ValidatePolicyConfig's text). Unknown fields are parse errors.
absl::StatusOr<v1::PolicyConfig> LoadPolicyFile(const std::string& path);

// PolicyFor returns the entry of `config.categories` for `category`, or
// `config.defaults()` when there is none (CATEGORY_UNSPECIFIED included).
// The reference points into `config` and is valid while `config` is alive and
// unmodified. If a category is listed twice (which ValidatePolicyConfig
// rejects) the first entry wins.
const v1::CategoryPolicy& PolicyFor(const v1::PolicyConfig& config, v1::Category category);

// IstDayNumber returns the IST calendar day containing `t` as days since
// 1970-01-01 (IST), e.g. 0 for 1970-01-01 05:30 UTC through
// 1970-01-02 05:29:59.999 UTC and -1 just before. Two instants share a number
// exactly when they fall on the same IST date, which is what "one notice a
// day" and "fixed charges once a day" need. InfiniteFuture and InfinitePast
// map to the largest and smallest int64.
int64_t IstDayNumber(absl::Time t);

// CutoffCalendar answers when supply may be cut under a v1::Calendar, in IST:
// never inside the daily no-cutoff window (start minute inclusive, end minute
// exclusive, wrapping midnight when start > end; seconds within a minute do
// not matter, so with an 18:00-08:00 window 17:59:59 is allowed and 18:00:00
// is not), never on a Sunday if no_cutoff_sundays, never on a listed holiday
// (the whole IST day), and at every other instant.
//
// Thread safety: immutable after construction; const methods may be called
// concurrently. Copyable and movable.
class CutoffCalendar final {
 public:
  // kMaxSearchDays bounds NextCutoffAllowed's search.
  static constexpr int kMaxSearchDays = 400;

  // Builds the calendar. Precondition: `calendar` passed ValidatePolicyConfig
  // (as part of a config). Violations DCHECK-fail in debug builds; in release
  // builds a window with a minute outside [0, 1440) is ignored, as is a
  // holiday that is not a valid date.
  explicit CutoffCalendar(const v1::Calendar& calendar);

  // CutoffAllowed reports whether supply may be cut at `t`. Infinite instants
  // are never allowed.
  bool CutoffAllowed(absl::Time t) const;

  // NextCutoffAllowed returns the earliest instant >= t at which
  // CutoffAllowed is true: `t` itself if allowed, otherwise the end of the
  // blocking window or the next IST midnight after a blocked day, whichever
  // comes first to be free of every rule. For example, with an 18:00-08:00
  // window and Sundays off, Saturday 19:00 gives Monday 08:00, and if that
  // Monday is a holiday, Tuesday 08:00. Returns InfiniteFuture when no
  // allowed instant exists in [t, t + kMaxSearchDays days) (e.g. a holiday
  // list covering more than that), and for infinite `t`. Takes a few
  // microseconds per blocked day searched.
  absl::Time NextCutoffAllowed(absl::Time t) const;

  // Block is what keeps supply from being cut at an instant.
  enum class Block { kNone, kWindow, kSunday, kHoliday };
  // BlockAt returns what blocks a cut at `t`: kNone exactly when
  // CutoffAllowed(t); a blocked day (Sunday, holiday) before the window;
  // kWindow for infinite instants.
  Block BlockAt(absl::Time t) const;

 private:
  // Whether the whole IST day is blocked (Sunday or holiday).
  bool DayBlocked(absl::CivilDay day) const;
  // Whether minute of day `minute` is inside the daily window.
  bool InWindow(int minute) const;

  // Equal means no daily window (also used for an invalid window).
  int start_minute_ = 0;
  int end_minute_ = 0;
  bool no_cutoff_sundays_ = false;
  // Sorted, unique; searched with binary search.
  std::vector<absl::CivilDay> holidays_;
};

}  // namespace wallet

#endif  // WALLET_POLICY_CONFIG_H_
