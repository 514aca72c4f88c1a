#include "wallet/drive.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "wallet/tariff.h"

namespace wallet {
namespace {

constexpr int32_t kFullShareBps = 10'000;
constexpr int64_t kMicrosPerMilli = 1'000;
constexpr size_t kMaxFailureKindBytes = 64;

// The gateway's typed failures in words, the kinds a drive counts them by.
struct FailureName {
  v1::RelayOutcome::Failure failure;
  const char* words;
};
constexpr FailureName kFailureNames[] = {
    {v1::RelayOutcome::NO_ANSWER, "no answer"},
    {v1::RelayOutcome::REFUSED, "refused"},
    {v1::RelayOutcome::NO_RELAY, "no relay"},
    {v1::RelayOutcome::PROTOCOL_ERROR, "protocol error"},
    {v1::RelayOutcome::METER_ERROR, "meter error"},
    {v1::RelayOutcome::WRONG_STATE, "wrong state"},
    {v1::RelayOutcome::UNREACHABLE, "unreachable"},
    {v1::RelayOutcome::NOT_IN_DIRECTORY, "not in the gateway's directory"},
};

// AddGauge adds `delta` to the count that holds the meters in `outcome` now
// (failed, offline, armed); other outcomes have none.
void AddGauge(v1::DriveCounts& counts, v1::DriveMeterOutcome outcome, int64_t delta) {
  switch (outcome) {
    case v1::FAILED:
      counts.set_failed(counts.failed() + delta);
      break;
    case v1::OFFLINE:
      counts.set_offline(counts.offline() + delta);
      break;
    case v1::ARMED:
      counts.set_armed(counts.armed() + delta);
      break;
    default:
      break;
  }
}

// Tally counts a meter entering `outcome` in the count that only grows with
// it (ordered, paid_before_cut, restored, skipped); other outcomes have none.
void Tally(v1::DriveCounts& counts, v1::DriveMeterOutcome outcome) {
  switch (outcome) {
    case v1::ORDERED:
      counts.set_ordered(counts.ordered() + 1);
      break;
    case v1::PAID_BEFORE_CUT:
      counts.set_paid_before_cut(counts.paid_before_cut() + 1);
      break;
    case v1::RESTORED:
      counts.set_restored(counts.restored() + 1);
      break;
    case v1::SKIPPED_HOLD:
    case v1::SKIPPED_DISCONNECTED:
      counts.set_skipped(counts.skipped() + 1);
      break;
    default:
      break;
  }
}

void AddFailure(v1::DriveCounts& counts, const std::string& failure, int64_t delta) {
  auto& by_reason = *counts.mutable_failed_by_reason();
  const std::string kind = FailureKind(failure);
  const int64_t now = by_reason[kind] + delta;
  if (now <= 0) {
    by_reason.erase(kind);
  } else {
    by_reason[kind] = now;
  }
}

}  // namespace

int64_t DuesOwed(int64_t arrears_balance, int64_t surcharge_balance) {
  const __int128 owed = -(static_cast<__int128>(arrears_balance) + surcharge_balance);
  if (owed <= 0) return 0;
  return static_cast<int64_t>(std::min<__int128>(owed, std::numeric_limits<int64_t>::max()));
}

v1::DriveClass ClassifyDriveMeter(const DriveMeterFacts& facts, bool include_government) {
  if (!facts.registered) return v1::UNKNOWN_METER;
  if (facts.disconnected) return v1::ALREADY_DISCONNECTED;
  if (facts.dues_paise <= 0) return v1::NOTHING_DUE;
  if (facts.hold == v1::HOLD_NEVER_DISCONNECT) return v1::PROTECTED_HOLD;
  if (facts.category == v1::GOVERNMENT && !include_government) return v1::PROTECTED_GOVERNMENT;
  if (facts.ct_operated) return v1::NO_RELAY;
  return v1::TO_DISCONNECT;
}

Turn DecideTurn(const DriveMeterFacts& now, int64_t dues_at_start, int32_t paid_share_bps) {
  if (now.hold == v1::HOLD_NEVER_DISCONNECT) return Turn::kHeld;
  if (now.disconnected || now.hold == v1::HOLD_KEEP_DISCONNECTED) return Turn::kDisconnected;
  if (RestoreRuleMet(now.dues_paise, dues_at_start, paid_share_bps)) return Turn::kPaid;
  return Turn::kOrder;
}

int64_t DuesLevel(int64_t reference, int32_t paid_share_bps) {
  if (reference <= 0) return 0;
  const int32_t share = std::clamp(paid_share_bps, 0, kFullShareBps);
  return static_cast<int64_t>(static_cast<__int128>(reference) * (kFullShareBps - share) /
                              kFullShareBps);
}

bool RestoreRuleMet(int64_t dues_now, int64_t reference, int32_t paid_share_bps) {
  return dues_now <= DuesLevel(reference, paid_share_bps);
}

int64_t BucketCapacity(int32_t rate_per_minute) {
  // Two seconds' worth, rounded up, plus the fraction of a token left over
  // from the last tick.
  const int64_t rate = std::max<int32_t>(rate_per_minute, 0);
  return (rate * 2 + 59) / 60 + 1;
}

TokenBucket FullBucket(int32_t rate_per_minute, int64_t now_us) {
  return TokenBucket{BucketCapacity(rate_per_minute) * kUnitsPerToken, now_us};
}

void FillBucket(TokenBucket& bucket, int32_t rate_per_minute, int64_t now_us) {
  if (now_us <= bucket.filled_us) return;
  const int64_t capacity = BucketCapacity(rate_per_minute) * kUnitsPerToken;
  const int64_t rate = std::max<int32_t>(rate_per_minute, 1);
  const int64_t missing = std::max<int64_t>(0, capacity - bucket.units);
  // Long idle spans fill the bucket whole; the product cannot overflow then.
  const int64_t elapsed = now_us - bucket.filled_us;
  bucket.units += elapsed >= missing / rate + 1 ? missing : elapsed * rate;
  bucket.units = std::min(bucket.units, capacity);
  bucket.filled_us = now_us;
}

int64_t WholeTokens(const TokenBucket& bucket) {
  return std::max<int64_t>(0, bucket.units / kUnitsPerToken);
}

void TakeToken(TokenBucket& bucket) { bucket.units -= kUnitsPerToken; }

std::string CalendarWait(const CutoffCalendar& calendar, absl::Time now) {
  const char* why = nullptr;
  switch (calendar.BlockAt(now)) {
    case CutoffCalendar::Block::kNone:
      return "";
    case CutoffCalendar::Block::kWindow:
      why = "no-cutoff window";
      break;
    case CutoffCalendar::Block::kSunday:
      why = "Sunday";
      break;
    case CutoffCalendar::Block::kHoliday:
      why = "holiday";
      break;
  }
  const absl::Time next = calendar.NextCutoffAllowed(now);
  if (next == absl::InfiniteFuture()) return absl::StrCat(why, " (no day to cut on found)");
  return absl::StrCat(why, " until ", absl::FormatTime("%Y-%m-%d %H:%M IST", next, IstTimeZone()));
}

std::string DriveFailure(const v1::RelayOutcome& outcome) {
  absl::string_view words;
  for (const FailureName& name : kFailureNames) {
    if (name.failure == outcome.failure()) words = name.words;
  }
  if (words.empty() || absl::StartsWith(outcome.reason(), words)) return outcome.reason();
  if (outcome.reason().empty()) return std::string(words);
  return absl::StrCat(words, ": ", outcome.reason());
}

std::string FailureKind(absl::string_view reason) {
  absl::string_view kind = absl::StripAsciiWhitespace(reason.substr(0, reason.find(':')));
  if (kind.empty()) return "unknown";
  return std::string(kind.substr(0, kMaxFailureKindBytes));
}

void MoveOutcome(const store::v1::DriveProgressRecord& before,
                 const store::v1::DriveProgressRecord& after, store::v1::DriveRecord& drive) {
  v1::DriveCounts& counts = *drive.mutable_counts();
  const v1::DriveMeterOutcome from =
      before.outcome() == v1::DRIVE_METER_OUTCOME_UNSPECIFIED ? v1::NOT_ORDERED : before.outcome();
  const v1::DriveMeterOutcome to =
      after.outcome() == v1::DRIVE_METER_OUTCOME_UNSPECIFIED ? v1::NOT_ORDERED : after.outcome();
  if (from != to || before.failure() != after.failure()) {
    AddGauge(counts, from, -1);
    AddGauge(counts, to, +1);
    if (from == v1::FAILED) AddFailure(counts, before.failure(), -1);
    if (to == v1::FAILED) AddFailure(counts, after.failure(), +1);
  }
  if (from != to) {
    Tally(counts, to);
    if (to == v1::ORDERED) drive.set_awaiting(drive.awaiting() + 1);
    if (from == v1::ORDERED) drive.set_awaiting(drive.awaiting() - 1);
  }
  if (before.cut_us() == 0 && after.cut_us() != 0) counts.set_cut(counts.cut() + 1);
  if (before.paid_paise() == 0 && after.paid_paise() > 0) counts.set_paid(counts.paid() + 1);
  counts.set_collected_paise(counts.collected_paise() + after.paid_paise() - before.paid_paise());
}

int RestoreBucket(int64_t micros) {
  if (micros < kMicrosPerMilli) return 0;
  // ms in [2^(k/8), 2^((k+1)/8)) is bucket k + 1.
  const double doublings = std::log2(static_cast<double>(micros) / kMicrosPerMilli);
  const int bucket = 1 + static_cast<int>(std::floor(doublings * kRestoreBucketsPerDoubling));
  return std::clamp(bucket, 1, kMaxRestoreBucket);
}

void AddRestoreTime(int64_t micros, google::protobuf::RepeatedField<int64_t>* histogram) {
  const int bucket = RestoreBucket(micros);
  while (histogram->size() <= bucket) histogram->Add(0);
  histogram->Set(bucket, histogram->Get(bucket) + 1);
}

double RestorePercentileSeconds(const google::protobuf::RepeatedField<int64_t>& histogram,
                                double p) {
  int64_t total = 0;
  for (int64_t count : histogram) total += count;
  if (total == 0) return 0;
  const int64_t rank = std::clamp<int64_t>(
      static_cast<int64_t>(std::ceil(p * static_cast<double>(total))), 1, total);
  int64_t seen = 0;
  for (int bucket = 0; bucket < histogram.size(); ++bucket) {
    seen += histogram.Get(bucket);
    if (seen < rank) continue;
    if (bucket == 0) return 0.0005;
    // The geometric middle of [2^((b-1)/8), 2^(b/8)) ms.
    const double doublings = (bucket - 0.5) / kRestoreBucketsPerDoubling;
    return std::exp2(doublings) / 1000.0;
  }
  return 0;
}

}  // namespace wallet
