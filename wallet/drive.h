// Collection drives: the rules, apart from the ledger that applies them.
//
// A drive is a durable job over a list of meters (wallet/v1/collection.proto):
// previewed, approved by a second admin, then run a few meters at a time by
// the ledger's scheduler ticks (wallet/ledger_drives.cc). Here are the pure
// parts it decides with:
//   * the preview: which class each listed meter falls in;
//   * the turn: what the runner does with a meter to disconnect when its turn
//     comes (it may have paid, been held or been cut meanwhile);
//   * the restore rule: when a payment toward dues brings supply back;
//   * the rate: a token bucket filled in ledger time, so that a settable or
//     fake clock drives it;
//   * the calendar: why the runner waits (no-cutoff window, Sunday, holiday);
//   * the figures: counts as meters move from one outcome to another, and
//     the times from payment to restore as a histogram.
//
// Everything here is a pure function of its arguments: no store, no clock.
//
// Thread safety: pure functions; call from any thread.
//
// Example:
//   v1::DriveClass c = ClassifyDriveMeter(facts, /*include_government=*/false);
//   TokenBucket bucket = FullBucket(rate_per_minute, now_us);
//   FillBucket(bucket, rate_per_minute, later_us);
//   if (WholeTokens(bucket) > 0) { ...order one... TakeToken(bucket); }
#ifndef WALLET_DRIVE_H_
#define WALLET_DRIVE_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/repeated_field.h"
#include "wallet/policy_config.h"
#include "wallet/store/v1/records.pb.h"
#include "wallet/v1/collection.pb.h"
#include "wallet/v1/common.pb.h"
#include "wallet/v1/meter.pb.h"

namespace wallet {

// Most meters one drive may list.
inline constexpr int64_t kMaxDriveMeters = 1'000'000;
// Most disconnects one drive may order per minute.
inline constexpr int32_t kMaxDriveRatePerMinute = 6'000'000;

// DriveMeterFacts is what the drive's rules need to know about a listed meter
// at one moment.
struct DriveMeterFacts {
  bool registered = false;
  v1::Category category = v1::CATEGORY_UNSPECIFIED;
  bool ct_operated = false;  // no relay to switch
  v1::Hold hold = v1::HOLD_NONE;
  // Cut or being cut: the relay reads disconnected, or a disconnect is the
  // last command ordered.
  bool disconnected = false;
  // Principal and surcharge owed, >= 0.
  int64_t dues_paise = 0;
};

// DuesOwed is what a meter owes from the balances of its arrears and
// surcharge accounts (negative: owed): their negated sum, at least 0 and at
// most INT64_MAX.
int64_t DuesOwed(int64_t arrears_balance, int64_t surcharge_balance);

// ClassifyDriveMeter puts a listed meter in its preview class, the first
// that applies: UNKNOWN_METER, ALREADY_DISCONNECTED, NOTHING_DUE,
// PROTECTED_HOLD (HOLD_NEVER_DISCONNECT), PROTECTED_GOVERNMENT (unless
// `include_government`), NO_RELAY (CT-operated), else TO_DISCONNECT.
v1::DriveClass ClassifyDriveMeter(const DriveMeterFacts& facts, bool include_government);

// Turn is what the runner does with a meter to disconnect at its turn.
enum class Turn {
  kOrder,         // order the disconnect
  kPaid,          // dues fell to the restore rule's level: PAID_BEFORE_CUT
  kHeld,          // a never-disconnect hold came since the preview: SKIPPED_HOLD
  kDisconnected,  // cut already, by someone else: SKIPPED_DISCONNECTED
};

// DecideTurn decides for a meter listed with `dues_at_start` owed, as it is
// now, under a restore rule of `paid_share_bps`.
Turn DecideTurn(const DriveMeterFacts& now, int64_t dues_at_start, int32_t paid_share_bps);

// DuesLevel is the most a meter may still owe and meet a restore rule of
// `paid_share_bps` (in (0, 10000]) against `reference` owed: (100 % - share)
// of it, rounded down, so that at least the share is paid.
int64_t DuesLevel(int64_t reference, int32_t paid_share_bps);

// RestoreRuleMet says a meter that owed `reference` when it was cut and owes
// `dues_now` has paid enough to have supply back.
bool RestoreRuleMet(int64_t dues_now, int64_t reference, int32_t paid_share_bps);

// TokenBucket paces a drive's disconnects at its rate_per_minute in ledger
// time. Its contents are in units of 1/60,000,000 of a token, so that a
// microsecond at R per minute adds exactly R units: filling is exact, and
// filling twice gives what filling once over the same time does.
struct TokenBucket {
  int64_t units = 0;
  int64_t filled_us = 0;  // ledger time it was last filled
};

inline constexpr int64_t kUnitsPerToken = 60'000'000;

// BucketCapacity is how many disconnects a bucket holds at most: two
// seconds' worth of the rate (rounded up) and one more. Ticks up to two
// seconds apart lose nothing of the rate (what is left of a token carries
// over), and a drive never orders more than that above its rate, however
// late a tick comes.
int64_t BucketCapacity(int32_t rate_per_minute);

// FullBucket is a bucket at capacity at `now_us` (a drive starting).
TokenBucket FullBucket(int32_t rate_per_minute, int64_t now_us);

// FillBucket adds what `rate_per_minute` gives from the bucket's last
// filling to `now_us`, up to capacity. A time before the last filling adds
// nothing.
void FillBucket(TokenBucket& bucket, int32_t rate_per_minute, int64_t now_us);

// WholeTokens is how many disconnects the bucket allows now.
int64_t WholeTokens(const TokenBucket& bucket);

// TakeToken spends one token (WholeTokens must be at least 1).
void TakeToken(TokenBucket& bucket);

// CalendarWait is why a drive may not cut at `now` under `calendar`, with
// when it may again: "no-cutoff window until 2026-11-03 08:00 IST", "Sunday
// until ...", "holiday until ..."; empty when it may cut now.
std::string CalendarWait(const CutoffCalendar& calendar, absl::Time now);

// DriveFailure is what a drive records of a failed disconnect: the kind of
// the gateway's typed failure in words, then its reason ("no relay: no
// disconnect control: CT-operated meter"), or the reason alone when it
// already starts with those words ("refused: ...") or the failure is
// unspecified (a gateway that predates the field).
std::string DriveFailure(const v1::RelayOutcome& outcome);

// FailureKind is the kind of a recorded failure (DriveFailure): the part
// before its first ':', trimmed ("no relay: ..." gives "no relay"), at most
// 64 bytes; "unknown" when empty.
std::string FailureKind(absl::string_view reason);

// MoveOutcome records in `drive` (its counts and awaiting) that one of its
// meters to disconnect went from `before` to `after` (DriveProgressRecord,
// an empty one for NOT_ORDERED): the gauges (failed and failed_by_reason,
// offline, armed) follow the meter's outcome; ordered, cut (the first
// confirmed cut), paid_before_cut, skipped and restored only grow; paid and
// collected_paise follow paid_paise; awaiting counts meters ORDERED.
void MoveOutcome(const store::v1::DriveProgressRecord& before,
                 const store::v1::DriveProgressRecord& after, store::v1::DriveRecord& drive);

// The times from a payment meeting the rule to the confirmed reconnect, as
// a histogram: bucket 0 holds times under a millisecond; bucket i >= 1
// holds [2^((i-1)/8), 2^(i/8)) ms, so a percentile read from it is within
// 5 % of the true time. Stored as repeated counts, as long as the highest
// bucket used.
inline constexpr int kRestoreBucketsPerDoubling = 8;
inline constexpr int kMaxRestoreBucket = 8 * 40;  // 2^40 ms, ~35 years

// RestoreBucket is the bucket of a time of `micros` (negative counts as 0).
int RestoreBucket(int64_t micros);

// AddRestoreTime counts a time of `micros` in `histogram`.
void AddRestoreTime(int64_t micros, google::protobuf::RepeatedField<int64_t>* histogram);

// RestorePercentileSeconds is the `p`-th percentile (0 < p <= 1, nearest
// rank) of the times in `histogram`, in seconds, as the geometric middle of
// its bucket (0.0005 s for bucket 0); 0 when it is empty.
double RestorePercentileSeconds(const google::protobuf::RepeatedField<int64_t>& histogram,
                                double p);

}  // namespace wallet

#endif  // WALLET_DRIVE_H_
