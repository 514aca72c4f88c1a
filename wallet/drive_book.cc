#include "wallet/drive_book.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "wallet/drive_store.h"
#include "wallet/record_io.h"

namespace wallet {
namespace {

bool Over(const store::v1::DriveRecord& record) {
  return record.state() == v1::DRIVE_DONE || record.state() == v1::DRIVE_CANCELLED;
}

}  // namespace

absl::Status DriveBook::Load(const Store& store) {
  absl::Status parse_error;
  WALLET_RETURN_IF_ERROR(store.Scan(
      Table::kDrives, "", "", false, [&](absl::string_view, absl::string_view value) {
        absl::StatusOr<store::v1::DriveRecord> record =
            ParseRecord<store::v1::DriveRecord>(value, "drive");
        if (!record.ok()) {
          parse_error = record.status();
          return false;
        }
        const uint64_t seq = record->seq();
        drives_[seq].record = *std::move(record);
        next_seq_ = std::max(next_seq_, seq + 1);
        return true;
      }));
  WALLET_RETURN_IF_ERROR(parse_error);
  for (auto& [seq, drive] : drives_) {
    if (Over(drive.record)) continue;
    WALLET_RETURN_IF_ERROR(store.Scan(
        Table::kDriveMeters, DriveMeterPrefix(seq), "", false,
        [&, seq = seq](absl::string_view key, absl::string_view value) {
          absl::StatusOr<store::v1::DriveMeterRecord> listed =
              ParseRecord<store::v1::DriveMeterRecord>(value, "drive meter");
          if (!listed.ok()) {
            parse_error = listed.status();
            return false;
          }
          if (listed->drive_class() != v1::TO_DISCONNECT) return true;
          drive.targets.push_back(
              DriveTarget{listed->meter_id(),
                          static_cast<int64_t>(DecodeBigEndian64(key.substr(8))),
                          listed->dues_at_start_paise()});
          return true;
        }));
    WALLET_RETURN_IF_ERROR(parse_error);
    Index(drive);
  }
  return absl::OkStatus();
}

DriveEntry* DriveBook::Find(uint64_t seq) {
  auto it = drives_.find(seq);
  return it == drives_.end() ? nullptr : &it->second;
}

DriveEntry& DriveBook::Add(store::v1::DriveRecord record, std::vector<DriveTarget> targets) {
  const uint64_t seq = record.seq();
  next_seq_ = std::max(next_seq_, seq + 1);
  DriveEntry& drive = drives_[seq];
  drive.record = std::move(record);
  drive.targets = std::move(targets);
  Index(drive);
  Touch(drive);
  return drive;
}

void DriveBook::Index(DriveEntry& drive) {
  const uint64_t seq = drive.record.seq();
  for (size_t i = 0; i < drive.targets.size(); ++i) {
    members_[drive.targets[i].meter_id].push_back(Ref{seq, i});
  }
}

void DriveBook::End(DriveEntry& drive) {
  const uint64_t seq = drive.record.seq();
  for (const DriveTarget& target : drive.targets) {
    auto it = members_.find(target.meter_id);
    if (it == members_.end()) continue;
    auto& refs = it->second;
    refs.erase(std::remove_if(refs.begin(), refs.end(), [seq](const Ref& r) { return r.seq == seq; }),
               refs.end());
    if (refs.empty()) members_.erase(it);
  }
  std::vector<DriveTarget>().swap(drive.targets);
}

absl::InlinedVector<DriveMembership, 1> DriveBook::Memberships(absl::string_view meter_id) {
  absl::InlinedVector<DriveMembership, 1> out;
  auto it = members_.find(meter_id);
  if (it == members_.end()) return out;
  for (const Ref& ref : it->second) {
    auto drive = drives_.find(ref.seq);
    if (drive == drives_.end()) continue;
    // Entries never move (std::map): the pointer stays valid.
    out.push_back(DriveMembership{&drive->second, ref.target});
  }
  return out;
}

std::vector<DriveEntry*> DriveBook::Running() {
  std::vector<DriveEntry*> running;
  for (auto& [seq, drive] : drives_) {
    if (drive.record.state() == v1::DRIVE_RUNNING) running.push_back(&drive);
  }
  return running;
}

void DriveBook::Touch(DriveEntry& drive) {
  if (drive.dirty) return;
  drive.dirty = true;
  changed_.push_back(&drive);
}

void DriveBook::WriteChanged(Batch& batch) {
  for (DriveEntry* drive : changed_) {
    batch.Put(Table::kDrives, DriveKey(drive->record.seq()), drive->record.SerializeAsString());
    drive->dirty = false;
    written_ = true;
  }
  changed_.clear();
}

}  // namespace wallet
