// Collection drives carried out: the runner called from Tick, the relay
// outcomes of a drive's commands, and the restore rule on payments toward
// dues. Creation and the admins' actions are in ledger_drives.cc; the rules
// in wallet/drive.h; the records in wallet/drive_store.h. Ledger member
// functions; see ledger.h. Writer thread only.
//
// Crash safety: every step of a drive is one group's batch. The runner moves
// its cursor in the same batch as the commands it orders (the drive's record
// is written by FinishGroup), so after a crash the drive resumes at the
// first meter not ordered: none twice, none skipped.
#include <algorithm>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "glog/logging.h"
#include "wallet/accounts.h"
#include "wallet/drive_store.h"
#include "wallet/idempotency.h"
#include "wallet/ledger.h"
#include "wallet/money.h"
#include "wallet/notification_text.h"
#include "wallet/record_io.h"
#include "wallet/validate.h"

namespace wallet {
namespace {

using store::v1::DriveProgressRecord;
using store::v1::DriveRecord;

// A tick orders at most this many disconnects per drive (the rate decides
// below that) and looks at most at this many meters, so that one commit
// stays small however many meters paid or were held meanwhile.
constexpr int64_t kMaxOrdersPerTick = 10'000;
constexpr int kMaxTurnsPerTick = 50'000;

// Plus adds two amounts, saturating at INT64_MAX (figures, not balances).
int64_t Plus(int64_t a, int64_t b) {
  return AddOverflows(a, b) ? std::numeric_limits<int64_t>::max() : a + b;
}

}  // namespace

// ---- The runner ------------------------------------------------------------

void Ledger::RunDrive(Txn& txn, DriveEntry& drive) {
  DriveRecord& record = drive.record;
  const int64_t total = static_cast<int64_t>(drive.targets.size());
  int64_t cursor = record.cursor();
  std::string waiting;
  if (cursor < total) waiting = CalendarWait(*calendar_, txn.now);
  if (cursor < total && waiting.empty()) {
    TokenBucket bucket{record.bucket_micro_tokens(), record.bucket_us()};
    FillBucket(bucket, record.rate_per_minute(), absl::ToUnixMicros(txn.now));
    int64_t ordered = 0;
    for (int turns = 0; cursor < total && turns < kMaxTurnsPerTick; ++turns) {
      const DriveTarget& target = drive.targets[cursor];
      MeterEntry* m = meters_.Find(target.meter_id);
      if (m == nullptr) {  // meters are never removed once listed
        LOG(DFATAL) << "drive meter " << target.meter_id << " is not registered";
        ++cursor;
        continue;
      }
      const Turn turn = DecideTurn(FactsOf(target.meter_id), target.dues_at_start_paise,
                                   record.restore_rule().paid_share_bps());
      if (turn == Turn::kOrder) {
        if (WholeTokens(bucket) == 0 || ordered >= kMaxOrdersPerTick) {
          waiting = "rate";
          break;
        }
        TakeToken(bucket);
        ++ordered;
      }
      TakeTurn(txn, drive, target, *m, turn);
      ++cursor;
    }
    record.set_bucket_micro_tokens(bucket.units);
    record.set_bucket_us(bucket.filled_us);
    if (cursor != record.cursor()) {
      record.set_cursor(cursor);
      drives_.Touch(drive);
    }
  }
  if (cursor >= total) {
    if (record.awaiting() > 0) {
      waiting = "answers";
    } else {
      record.set_state(v1::DRIVE_DONE);
      record.set_end_us(absl::ToUnixMicros(txn.now));
      record.clear_waiting_for();
      drives_.End(drive);
      drives_.Touch(drive);
      LOG(INFO) << "drive " << DriveId(record.seq()) << " done: " << record.counts().cut()
                << " cut of " << record.counts().to_disconnect() << " to disconnect";
      return;
    }
  }
  if (waiting != record.waiting_for()) {
    record.set_waiting_for(waiting);
    drives_.Touch(drive);
  }
}

void Ledger::TakeTurn(Txn& txn, DriveEntry& drive, const DriveTarget& target, MeterEntry& m,
                      Turn turn) {
  const uint64_t seq = drive.record.seq();
  absl::StatusOr<DriveProgressRecord> before = ReadProgress(txn, seq, target.position);
  if (!before.ok()) {
    LOG(ERROR) << "drive " << DriveId(seq) << " meter " << target.meter_id
               << ": progress not readable: " << before.status();
    before = DriveProgressRecord();
  }
  DriveProgressRecord after = *before;
  switch (turn) {
    case Turn::kOrder: {
      store::v1::MeterState& st = m.state;
      after.set_outcome(v1::ORDERED);
      after.set_order_us(absl::ToUnixMicros(txn.now));
      st.set_drive_id(DriveId(seq));
      st.set_drive_position(target.position);
      st.set_drive_dues_at_cut_paise(DuesOf(target.meter_id));
      st.set_last_action(v1::DISCONNECT);
      st.set_pending_action(v1::DISCONNECT);
      st.set_relay_retry_us(0);
      st.set_cut_for_nonpayment(false);
      OrderRelay(txn, m, v1::DISCONNECT, DriveCutReason(DriveId(seq)));
      Reschedule(txn, m);
      break;
    }
    case Turn::kPaid:
      after.set_outcome(v1::PAID_BEFORE_CUT);
      break;
    case Turn::kHeld:
      after.set_outcome(v1::SKIPPED_HOLD);
      break;
    case Turn::kDisconnected:
      after.set_outcome(v1::SKIPPED_DISCONNECTED);
      break;
  }
  WriteProgress(txn, drive, target.position, *before, after);
}

void Ledger::Reschedule(Txn& txn, MeterEntry& m) {
  scheduler_.Schedule(m.meter.meter_id(), m.due_us,
                      NextPolicyDue(PolicyState::Of(m.state), PolicyOf(m), *calendar_,
                                    absl::ToUnixMicros(txn.now)));
}

absl::StatusOr<DriveProgressRecord> Ledger::ReadProgress(Txn& txn, uint64_t seq, int64_t position) {
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                          txn.batch->Get(Table::kDriveProgress, DriveMeterKey(seq, position)));
  if (!stored) return DriveProgressRecord();
  return ParseRecord<DriveProgressRecord>(*stored, "drive progress");
}

void Ledger::WriteProgress(Txn& txn, DriveEntry& drive, int64_t position,
                           const DriveProgressRecord& before, const DriveProgressRecord& after) {
  MoveOutcome(before, after, drive.record);
  txn.batch->Put(Table::kDriveProgress, DriveMeterKey(drive.record.seq(), position),
                 after.SerializeAsString());
  drives_.Touch(drive);
}

// ---- Relay outcomes ----------------------------------------------------------

void Ledger::OnDriveRelayReport(Txn& txn, MeterEntry& m, v1::RelayAction answered,
                                const v1::RelayOutcome& outcome) {
  store::v1::MeterState& st = m.state;
  const std::optional<uint64_t> seq = DriveSeq(st.drive_id());
  DriveEntry* drive = seq ? drives_.Find(*seq) : nullptr;
  if (drive == nullptr) {
    LOG(ERROR) << "meter " << m.meter.meter_id() << " names unknown drive " << st.drive_id();
    return;
  }
  const int64_t position = st.drive_position();
  absl::StatusOr<DriveProgressRecord> before = ReadProgress(txn, *seq, position);
  if (!before.ok()) {
    LOG(ERROR) << "drive " << st.drive_id() << " meter " << m.meter.meter_id()
               << ": progress not readable: " << before.status();
    return;
  }
  DriveProgressRecord after = *before;
  const int64_t now_us = absl::ToUnixMicros(txn.now);
  const bool restoring = before->outcome() == v1::RESTORE_ORDERED || before->outcome() == v1::ARMED;
  bool reconnected = false;
  if (answered == v1::DISCONNECT && !restoring) {
    switch (outcome.result()) {
      case v1::RelayOutcome::CONFIRMED:
        after.set_outcome(v1::CUT);
        after.clear_failure();
        if (after.cut_us() == 0) after.set_cut_us(now_us);
        break;
      case v1::RelayOutcome::FAILED:
        after.set_outcome(v1::FAILED);
        after.set_failure(DriveFailure(outcome));
        break;
      case v1::RelayOutcome::OFFLINE:
        after.set_outcome(v1::OFFLINE);
        after.clear_failure();
        break;
      default:
        break;
    }
  } else if (answered == v1::RECONNECT) {
    if (outcome.result() == v1::RelayOutcome::ARMED && restoring) {
      after.set_outcome(v1::ARMED);
    } else if (outcome.result() == v1::RelayOutcome::CONFIRMED) {
      // Also a reconnect the drive did not order (a never-disconnect hold):
      // the meter is the drive's no more.
      reconnected = true;
    }
  } else if (answered == v1::RELAY_ACTION_UNSPECIFIED && before->outcome() == v1::ARMED &&
             outcome.state() == v1::RELAY_CONNECTED) {
    reconnected = true;  // the consumer pressed the button
  }
  if (reconnected && restoring) {
    after.set_restore_us(now_us);
    if (after.cut_us() != 0) {
      after.set_outcome(v1::RESTORED);
      AddRestoreTime(now_us - after.pay_us(), drive->record.mutable_restore_histogram());
    } else {
      after.set_outcome(v1::PAID_BEFORE_CUT);  // paid before the cut took effect
    }
  }
  // A meter without a relay leaves the drive as it stands: the cut it could
  // not make is taken back (the prepaid policy does not retry or restore
  // what never happened), and it is the lineman's now.
  const bool no_relay =
      answered == v1::DISCONNECT && !restoring && outcome.failure() == v1::RelayOutcome::NO_RELAY;
  if (no_relay) st.set_last_action(v1::RELAY_ACTION_UNSPECIFIED);
  if (reconnected || no_relay) {
    st.clear_drive_id();
    st.clear_drive_position();
    st.clear_drive_dues_at_cut_paise();
    meters_.Touch(m);
  }
  if (after.SerializeAsString() != before->SerializeAsString()) {
    WriteProgress(txn, *drive, position, *before, after);
  }
}

// ---- Payments toward dues ------------------------------------------------------

void Ledger::CountPayment(Txn& txn, DriveEntry& drive, int64_t position, int64_t paid) {
  absl::StatusOr<DriveProgressRecord> before = ReadProgress(txn, drive.record.seq(), position);
  if (!before.ok()) {
    LOG(ERROR) << "drive " << DriveId(drive.record.seq()) << " position " << position
               << ": progress not readable: " << before.status();
    return;
  }
  DriveProgressRecord after = *before;
  after.set_paid_paise(Plus(after.paid_paise(), paid));
  WriteProgress(txn, drive, position, *before, after);
}

bool Ledger::ApplyDriveRestoreRule(Txn& txn, MeterEntry& m, int64_t paid, int64_t dues_left) {
  store::v1::MeterState& st = m.state;
  const std::optional<uint64_t> cut_by = DriveSeq(st.drive_id());
  if (paid > 0) {
    for (const DriveMembership& member : drives_.Memberships(m.meter.meter_id())) {
      const DriveRecord& record = member.drive->record;
      // A drive counts payments from its start; the drive that ordered the
      // cut counts its own below.
      if (record.state() == v1::DRIVE_PREVIEW || (cut_by && record.seq() == *cut_by)) continue;
      CountPayment(txn, *member.drive, member.drive->targets[member.target].position, paid);
    }
  }
  if (!cut_by) return false;
  DriveEntry* drive = drives_.Find(*cut_by);
  if (drive == nullptr) {
    LOG(ERROR) << "meter " << m.meter.meter_id() << " names unknown drive " << st.drive_id();
    return false;
  }
  const int64_t position = st.drive_position();
  absl::StatusOr<DriveProgressRecord> before = ReadProgress(txn, *cut_by, position);
  if (!before.ok()) {
    LOG(ERROR) << "drive " << st.drive_id() << " meter " << m.meter.meter_id()
               << ": progress not readable: " << before.status();
    return false;
  }
  DriveProgressRecord after = *before;
  if (paid > 0) {
    after.set_paid_paise(Plus(after.paid_paise(), paid));
  }
  const v1::RestoreRule& rule = drive->record.restore_rule();
  const bool restore =
      st.last_action() == v1::DISCONNECT &&
      RestoreRuleMet(dues_left, st.drive_dues_at_cut_paise(), rule.paid_share_bps());
  if (restore) {
    after.set_outcome(v1::RESTORE_ORDERED);
    after.set_pay_us(absl::ToUnixMicros(txn.now));
    // The fee is due only for a cut that happened.
    RestoreByDrive(txn, m, *drive, before->outcome() == v1::CUT ? rule.reconnection_fee_paise() : 0,
                   dues_left);
  }
  if (after.SerializeAsString() != before->SerializeAsString()) {
    WriteProgress(txn, *drive, position, *before, after);
  }
  return restore;
}

void Ledger::RestoreByDrive(Txn& txn, MeterEntry& m, const DriveEntry& drive, int64_t fee,
                            int64_t dues_left) {
  const std::string& id = m.meter.meter_id();
  const std::string drive_id = DriveId(drive.record.seq());
  store::v1::MeterState& st = m.state;
  st.set_last_action(v1::RECONNECT);
  st.set_pending_action(v1::RECONNECT);
  st.set_relay_retry_us(0);
  st.set_cut_for_nonpayment(false);
  st.set_tamper_alerted(false);
  // A prepaid wallet still exhausted gets its full notice period again.
  st.set_exhausted_us(0);
  st.set_notices_sent(0);
  OrderRelay(txn, m, v1::RECONNECT, DriveRestoreReason(drive_id));
  if (fee > 0) {
    const std::string arrears = ArrearsAccount(id);
    const absl::Status fits = journal_.CheckRange({{arrears, -fee}, {kFees, fee}});
    if (fits.ok()) {
      journal_.Post(txn, v1::RECONNECTION_FEE, arrears, std::string(kFees), fee,
                    absl::StrCat(drive_id, "-reconnect-", st.pending_command_id()),
                    absl::StrCat("reconnection fee, collection drive ", drive_id));
    } else {
      LOG(ERROR) << "meter " << id << ": drive reconnection fee not charged: " << fits.message();
      fee = 0;
    }
  }
  const int64_t owed = Plus(std::max<int64_t>(dues_left, 0), fee);
  Notify(txn, m, v1::Notification::RECONNECTED, fee, DriveRestoreText(id, owed, fee));
  Reschedule(txn, m);
}

}  // namespace wallet
