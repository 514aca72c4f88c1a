// Collection drives created and acted on: the facts the preview classifies,
// the selection, creation with its preview, and the admins' actions
// (approve, pause, resume, cancel). The runner, relay outcomes and the
// restore rule are in ledger_drive_runner.cc; the rules themselves in
// wallet/drive.h; the records in wallet/drive_store.h. Ledger member
// functions; see ledger.h. Writer thread only.
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

constexpr int32_t kFullShareBps = 10'000;

absl::Status ValidateRestoreRule(const v1::RestoreRule& rule) {
  if (rule.paid_share_bps() <= 0 || rule.paid_share_bps() > kFullShareBps) {
    return absl::InvalidArgumentError(
        "restore_rule.paid_share_bps must be in (0, 10000]: 10000 restores once all dues are "
        "paid, 5000 once half are");
  }
  if (rule.reconnection_fee_paise() < 0 || rule.reconnection_fee_paise() > kMaxPolicyPaise) {
    return absl::InvalidArgumentError(absl::StrCat(
        "restore_rule.reconnection_fee_paise must be between 0 and ", kMaxPolicyPaise));
  }
  return absl::OkStatus();
}

// ValidateSelection checks the place names; the rest is the defaulter
// index's to check, as for a defaulter list.
absl::Status ValidateSelection(const v1::Selection& s) {
  WALLET_RETURN_IF_ERROR(ValidateName("selection.circle", s.circle()));
  WALLET_RETURN_IF_ERROR(ValidateName("selection.division", s.division()));
  WALLET_RETURN_IF_ERROR(ValidateName("selection.subdivision", s.subdivision()));
  return DefaulterIndex::ValidateSelection(s);
}

// MeterIdsOf checks a drive's list of meter ids.
absl::Status ValidateMeterIds(const v1::MeterIdList& list) {
  if (list.meter_ids().empty()) {
    return absl::InvalidArgumentError("meter_ids lists no meter");
  }
  if (list.meter_ids_size() > kMaxDriveMeters) {
    return absl::InvalidArgumentError(absl::StrCat("meter_ids lists ", list.meter_ids_size(),
                                                   " meters; a drive takes at most ",
                                                   kMaxDriveMeters));
  }
  absl::flat_hash_set<absl::string_view> seen;
  seen.reserve(list.meter_ids_size());
  for (int i = 0; i < list.meter_ids_size(); ++i) {
    const std::string& id = list.meter_ids(i);
    WALLET_RETURN_IF_ERROR(ValidateId(absl::StrCat("meter_ids[", i, "]"), id));
    if (!seen.insert(id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("meter_ids[", i, "]: meter ", id, " is listed twice"));
    }
  }
  return absl::OkStatus();
}

void AddAction(DriveRecord& record, const Principal& who, absl::string_view action, absl::Time now,
               absl::string_view reason) {
  DriveRecord::Action* a = record.add_actions();
  a->set_action(std::string(action));
  a->set_admin_key_id(who.key_id);
  a->set_admin_key_label(who.key_label);
  a->set_time_us(absl::ToUnixMicros(now));
  a->set_reason(std::string(reason));
}

void CountClass(v1::DriveCounts& counts, v1::DriveClass c) {
  switch (c) {
    case v1::TO_DISCONNECT:
      counts.set_to_disconnect(counts.to_disconnect() + 1);
      break;
    case v1::PROTECTED_HOLD:
      counts.set_protected_hold(counts.protected_hold() + 1);
      break;
    case v1::PROTECTED_GOVERNMENT:
      counts.set_protected_government(counts.protected_government() + 1);
      break;
    case v1::NO_RELAY:
      counts.set_no_relay(counts.no_relay() + 1);
      break;
    case v1::ALREADY_DISCONNECTED:
      counts.set_already_disconnected(counts.already_disconnected() + 1);
      break;
    case v1::UNKNOWN_METER:
      counts.set_unknown(counts.unknown() + 1);
      break;
    case v1::NOTHING_DUE:
      counts.set_nothing_due(counts.nothing_due() + 1);
      break;
    default:
      break;
  }
}

const char* StateName(v1::DriveState state) {
  switch (state) {
    case v1::DRIVE_PREVIEW:
      return "in preview";
    case v1::DRIVE_RUNNING:
      return "running";
    case v1::DRIVE_PAUSED:
      return "paused";
    case v1::DRIVE_DONE:
      return "done";
    case v1::DRIVE_CANCELLED:
      return "cancelled";
    default:
      return "in no known state";
  }
}

bool Over(v1::DriveState state) { return state == v1::DRIVE_DONE || state == v1::DRIVE_CANCELLED; }

}  // namespace

// ---- Facts -----------------------------------------------------------------

int64_t Ledger::DuesOf(absl::string_view meter_id) const {
  return DuesOwed(journal_.Balance(ArrearsAccount(meter_id)),
                  journal_.Balance(SurchargeAccount(meter_id)));
}

DriveMeterFacts Ledger::FactsOf(const std::string& meter_id) const {
  DriveMeterFacts facts;
  const MeterEntry* m = meters_.Find(meter_id);
  if (m == nullptr) return facts;
  const store::v1::MeterState& st = m->state;
  facts.registered = true;
  facts.category = m->meter.category();
  // A meter the gateway found without a relay is CT-operated, whatever its
  // record says.
  facts.ct_operated = m->meter.ct_operated() || st.no_relay();
  facts.hold = st.hold();
  // A reconnect on its way (a recharge restoring a prepaid meter) does not
  // count: the drive cuts it again. Nor does a disconnect ordered to a meter
  // without a relay: it cut nothing.
  facts.disconnected =
      (st.last_action() == v1::DISCONNECT && !st.no_relay()) ||
      (st.relay() == v1::RELAY_DISCONNECTED && st.last_action() != v1::RECONNECT) ||
      st.hold() == v1::HOLD_KEEP_DISCONNECTED;
  facts.dues_paise = DuesOf(meter_id);
  return facts;
}

// SelectMeters reads the defaulter index: committed state as of the last
// group answered, which is what an admin looking at a defaulter list saw.
// The preview then classifies each meter on the ledger's own state.
absl::StatusOr<std::vector<std::string>> Ledger::SelectMeters(const v1::Selection& s) const {
  if (defaulters_ == nullptr) {
    return absl::FailedPreconditionError("selections need the defaulter index");
  }
  std::vector<DefaulterIndex::Selected> chosen = defaulters_->Select(s);
  if (chosen.empty()) {
    return absl::FailedPreconditionError("the selection matches no meter");
  }
  if (static_cast<int64_t>(chosen.size()) > kMaxDriveMeters) {
    return absl::FailedPreconditionError(absl::StrCat("the selection matches ", chosen.size(),
                                                      " meters; a drive takes at most ",
                                                      kMaxDriveMeters, ": narrow it"));
  }
  std::vector<std::string> ids;
  ids.reserve(chosen.size());
  for (DefaulterIndex::Selected& selected : chosen) ids.push_back(std::move(selected.meter_id));
  return ids;
}

// ---- Creation and the admins' actions ---------------------------------------

absl::StatusOr<v1::Drive> Ledger::CreateDrive(Txn& txn, const Principal& who,
                                              const v1::CreateDriveRequest& req) {
  return IdempotentRequest<v1::Drive>(
      txn, "CreateDrive", kAdminScope, req, [&]() -> absl::StatusOr<v1::Drive> {
        if (req.name().empty()) return absl::InvalidArgumentError("name is required");
        WALLET_RETURN_IF_ERROR(ValidateName("name", req.name()));
        WALLET_RETURN_IF_ERROR(ValidateReason("reason", req.reason()));
        if (req.rate_per_minute() <= 0 || req.rate_per_minute() > kMaxDriveRatePerMinute) {
          return absl::InvalidArgumentError(
              absl::StrCat("rate_per_minute must be between 1 and ", kMaxDriveRatePerMinute,
                           ": the disconnects the head-end takes per minute"));
        }
        WALLET_RETURN_IF_ERROR(ValidateRestoreRule(req.restore_rule()));
        std::vector<std::string> selected;
        const google::protobuf::RepeatedPtrField<std::string>* ids = nullptr;
        switch (req.meters_case()) {
          case v1::CreateDriveRequest::kSelection: {
            WALLET_RETURN_IF_ERROR(ValidateSelection(req.selection()));
            WALLET_ASSIGN_OR_RETURN(selected, SelectMeters(req.selection()));
            break;
          }
          case v1::CreateDriveRequest::kMeterIds:
            WALLET_RETURN_IF_ERROR(ValidateMeterIds(req.meter_ids()));
            ids = &req.meter_ids().meter_ids();
            break;
          default:
            return absl::InvalidArgumentError("give the drive's meters: a selection or meter_ids");
        }
        const int64_t listed = ids != nullptr ? ids->size() : static_cast<int64_t>(selected.size());
        auto id_at = [&](int64_t i) -> const std::string& {
          return ids != nullptr ? ids->Get(static_cast<int>(i)) : selected[i];
        };
        // Classify everything before writing anything.
        DriveRecord record;
        record.set_seq(drives_.NextSeq());
        std::vector<store::v1::DriveMeterRecord> rows(listed);
        std::vector<DriveTarget> targets;
        __int128 dues_at_start = 0;
        for (int64_t i = 0; i < listed; ++i) {
          const DriveMeterFacts facts = FactsOf(id_at(i));
          store::v1::DriveMeterRecord& row = rows[i];
          row.set_meter_id(id_at(i));
          row.set_drive_class(ClassifyDriveMeter(facts, req.include_government()));
          row.set_dues_at_start_paise(facts.dues_paise);
          CountClass(*record.mutable_counts(), row.drive_class());
          if (row.drive_class() != v1::TO_DISCONNECT) continue;
          targets.push_back(DriveTarget{id_at(i), i, facts.dues_paise});
          dues_at_start += facts.dues_paise;
        }
        if (dues_at_start > std::numeric_limits<int64_t>::max()) {
          return absl::FailedPreconditionError(
              "the dues of the meters to disconnect add up beyond int64 paise");
        }
        record.set_name(req.name());
        record.set_reason(req.reason());
        record.set_state(v1::DRIVE_PREVIEW);
        record.set_include_government(req.include_government());
        record.set_rate_per_minute(req.rate_per_minute());
        *record.mutable_restore_rule() = req.restore_rule();
        record.set_create_us(absl::ToUnixMicros(txn.now));
        record.mutable_counts()->set_meters(listed);
        record.set_dues_at_start_paise(static_cast<int64_t>(dues_at_start));
        AddAction(record, who, "created", txn.now, req.reason());
        for (int64_t i = 0; i < listed; ++i) {
          txn.batch->Put(Table::kDriveMeters, DriveMeterKey(record.seq(), i),
                         rows[i].SerializeAsString());
        }
        return ToWire(drives_.Add(std::move(record), std::move(targets)).record);
      });
}

template <typename Change>
absl::StatusOr<v1::Drive> Ledger::DriveAction(Txn& txn, const Principal& who,
                                              const v1::DriveActionRequest& req,
                                              absl::string_view op, absl::string_view action,
                                              v1::DriveState from, Change change) {
  return IdempotentRequest<v1::Drive>(
      txn, op, kAdminScope, req, [&]() -> absl::StatusOr<v1::Drive> {
        WALLET_RETURN_IF_ERROR(ValidateId("drive_id", req.drive_id()));
        if (!req.reason().empty()) WALLET_RETURN_IF_ERROR(ValidateReason("reason", req.reason()));
        const std::optional<uint64_t> seq = DriveSeq(req.drive_id());
        DriveEntry* drive = seq ? drives_.Find(*seq) : nullptr;
        if (drive == nullptr) {
          return absl::NotFoundError(absl::StrCat("drive ", req.drive_id(), " not found"));
        }
        DriveRecord& record = drive->record;
        const v1::DriveState state = record.state();
        const bool allowed = from == v1::DRIVE_STATE_UNSPECIFIED ? !Over(state) : state == from;
        if (!allowed) {
          return absl::FailedPreconditionError(absl::StrCat(
              "drive ", req.drive_id(), " is ", StateName(state), ": it cannot be ", action,
              from == v1::DRIVE_STATE_UNSPECIFIED ? " any more"
                                                  : absl::StrCat(" unless ", StateName(from))));
        }
        WALLET_RETURN_IF_ERROR(change(*drive));
        AddAction(record, who, action, txn.now, req.reason());
        drives_.Touch(*drive);
        return ToWire(record);
      });
}

absl::StatusOr<v1::Drive> Ledger::ApproveDrive(Txn& txn, const Principal& who,
                                               const v1::DriveActionRequest& req) {
  return DriveAction(
      txn, who, req, "ApproveDrive", "approved", v1::DRIVE_PREVIEW,
      [&](DriveEntry& drive) -> absl::Status {
        DriveRecord& record = drive.record;
        if (record.actions().empty() || record.actions(0).admin_key_id() == who.key_id) {
          return absl::PermissionDeniedError(
              "a drive is approved by another admin key than the one that "
              "created it: one-click mass disconnection needs two people");
        }
        const int64_t now_us = absl::ToUnixMicros(txn.now);
        record.set_state(v1::DRIVE_RUNNING);
        record.set_start_us(now_us);
        const TokenBucket bucket = FullBucket(record.rate_per_minute(), now_us);
        record.set_bucket_micro_tokens(bucket.units);
        record.set_bucket_us(bucket.filled_us);
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::Drive> Ledger::PauseDrive(Txn& txn, const Principal& who,
                                             const v1::DriveActionRequest& req) {
  return DriveAction(txn, who, req, "PauseDrive", "paused", v1::DRIVE_RUNNING,
                     [&](DriveEntry& drive) {
                       drive.record.set_state(v1::DRIVE_PAUSED);
                       drive.record.clear_waiting_for();
                       return absl::OkStatus();
                     });
}

absl::StatusOr<v1::Drive> Ledger::ResumeDrive(Txn& txn, const Principal& who,
                                              const v1::DriveActionRequest& req) {
  return DriveAction(txn, who, req, "ResumeDrive", "resumed", v1::DRIVE_PAUSED,
                     [&](DriveEntry& drive) {
                       drive.record.set_state(v1::DRIVE_RUNNING);
                       return absl::OkStatus();
                     });
}

absl::StatusOr<v1::Drive> Ledger::CancelDrive(Txn& txn, const Principal& who,
                                              const v1::DriveActionRequest& req) {
  return DriveAction(txn, who, req, "CancelDrive", "cancelled", v1::DRIVE_STATE_UNSPECIFIED,
                     [&](DriveEntry& drive) {
                       // Meters already cut stay cut until they pay: their
                       // state still names the drive.
                       drive.record.set_state(v1::DRIVE_CANCELLED);
                       drive.record.set_end_us(absl::ToUnixMicros(txn.now));
                       drive.record.clear_waiting_for();
                       drives_.End(drive);
                       return absl::OkStatus();
                     });
}

}  // namespace wallet
