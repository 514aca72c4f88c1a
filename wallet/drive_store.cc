#include "wallet/drive_store.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "wallet/drive.h"
#include "wallet/record_io.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

constexpr absl::string_view kDriveIdPrefix = "drive-";

// SetTimeIf sets a wire time from a stored one; 0 ("never") leaves it unset.
void SetTimeIf(int64_t unix_micros, google::protobuf::Timestamp* out) {
  if (unix_micros != 0) SetTimestamp(unix_micros, out);
}

v1::DriveAction ToWire(const store::v1::DriveRecord::Action& action) {
  v1::DriveAction out;
  out.set_action(action.action());
  out.set_admin_key_id(action.admin_key_id());
  out.set_admin_key_label(action.admin_key_label());
  SetTimeIf(action.time_us(), out.mutable_action_time());
  out.set_reason(action.reason());
  return out;
}

absl::Status DriveNotFound(absl::string_view drive_id) {
  return absl::NotFoundError(absl::StrCat("drive ", drive_id, " not found"));
}

// MeterDetails adds the consumer's name and the meter's address as they are
// registered now; nothing for a meter that is not registered.
absl::Status MeterDetails(const Store& store, const Store::Snapshot* at, v1::DriveMeter& out) {
  WALLET_ASSIGN_OR_RETURN(
      std::optional<store::v1::MeterRecord> meter,
      ReadRecord<store::v1::MeterRecord>(store, Table::kMeters, out.meter_id(), "meter", at));
  if (!meter) return absl::OkStatus();
  out.set_address(meter->address());
  WALLET_ASSIGN_OR_RETURN(std::optional<store::v1::ConsumerRecord> consumer,
                          ReadRecord<store::v1::ConsumerRecord>(
                              store, Table::kConsumers, meter->consumer_id(), "consumer", at));
  if (consumer) out.set_consumer_name(consumer->name());
  return absl::OkStatus();
}

}  // namespace

std::string DriveId(uint64_t seq) { return absl::StrCat(kDriveIdPrefix, seq); }

std::optional<uint64_t> DriveSeq(absl::string_view drive_id) {
  uint64_t seq = 0;
  if (!absl::ConsumePrefix(&drive_id, kDriveIdPrefix) || drive_id.empty() ||
      drive_id.front() == '0' || drive_id.front() == '+' || !absl::SimpleAtoi(drive_id, &seq) ||
      seq == 0) {
    return std::nullopt;
  }
  return seq;
}

std::string DriveKey(uint64_t seq) { return BigEndian64(seq); }

std::string DriveMeterPrefix(uint64_t seq) { return BigEndian64(seq); }

std::string DriveMeterKey(uint64_t seq, int64_t position) {
  return absl::StrCat(BigEndian64(seq), BigEndian64(static_cast<uint64_t>(position)));
}

v1::Drive ToWire(const store::v1::DriveRecord& record) {
  v1::Drive out;
  out.set_drive_id(DriveId(record.seq()));
  out.set_name(record.name());
  out.set_reason(record.reason());
  out.set_state(record.state());
  out.set_include_government(record.include_government());
  out.set_rate_per_minute(record.rate_per_minute());
  *out.mutable_restore_rule() = record.restore_rule();
  for (const store::v1::DriveRecord::Action& action : record.actions()) {
    if (action.action() == "created") out.set_created_by(action.admin_key_id());
    if (action.action() == "approved") out.set_approved_by(action.admin_key_id());
    *out.add_actions() = ToWire(action);
  }
  SetTimeIf(record.create_us(), out.mutable_create_time());
  SetTimeIf(record.start_us(), out.mutable_start_time());
  SetTimeIf(record.end_us(), out.mutable_end_time());
  *out.mutable_counts() = record.counts();
  out.set_dues_at_start_paise(record.dues_at_start_paise());
  out.set_restore_p50_s(RestorePercentileSeconds(record.restore_histogram(), 0.50));
  out.set_restore_p99_s(RestorePercentileSeconds(record.restore_histogram(), 0.99));
  if (record.state() == v1::DRIVE_RUNNING) out.set_waiting_for(record.waiting_for());
  return out;
}

absl::StatusOr<v1::Drive> ReadDrive(const Store& store, absl::string_view drive_id) {
  const std::optional<uint64_t> seq = DriveSeq(drive_id);
  if (!seq) return DriveNotFound(drive_id);
  WALLET_ASSIGN_OR_RETURN(
      std::optional<store::v1::DriveRecord> record,
      ReadRecord<store::v1::DriveRecord>(store, Table::kDrives, DriveKey(*seq), "drive"));
  if (!record) return DriveNotFound(drive_id);
  return ToWire(*record);
}

absl::StatusOr<v1::ListDrivesResponse> ReadDrives(const Store& store, uint64_t before,
                                                  int32_t page_size, uint64_t* next) {
  v1::ListDrivesResponse response;
  *next = 0;
  absl::Status status;
  WALLET_RETURN_IF_ERROR(store.Scan(Table::kDrives, "", before == 0 ? "" : DriveKey(before - 1),
                                    /*reverse=*/true,
                                    [&](absl::string_view, absl::string_view value) {
                                      absl::StatusOr<store::v1::DriveRecord> record =
                                          ParseRecord<store::v1::DriveRecord>(value, "drive");
                                      if (!record.ok()) {
                                        status = record.status();
                                        return false;
                                      }
                                      if (response.drives_size() >= page_size) {
                                        *next = record->seq() + 1;
                                        return false;
                                      }
                                      *response.add_drives() = ToWire(*record);
                                      return true;
                                    }));
  WALLET_RETURN_IF_ERROR(status);
  return response;
}

absl::StatusOr<v1::ListDriveMetersResponse> ReadDriveMeters(const Store& store, uint64_t seq,
                                                            v1::DriveClass filter, int64_t position,
                                                            int32_t page_size, int max_scanned,
                                                            int64_t* next) {
  const std::unique_ptr<Store::Snapshot> snapshot = store.TakeSnapshot();
  WALLET_ASSIGN_OR_RETURN(std::optional<std::string> drive,
                          store.Get(Table::kDrives, DriveKey(seq), snapshot.get()));
  if (!drive) return DriveNotFound(DriveId(seq));
  v1::ListDriveMetersResponse response;
  *next = -1;
  int scanned = 0;
  absl::Status status;
  WALLET_RETURN_IF_ERROR(store.Scan(
      Table::kDriveMeters, DriveMeterPrefix(seq), DriveMeterKey(seq, position), false,
      [&](absl::string_view key, absl::string_view value) {
        const int64_t at = static_cast<int64_t>(DecodeBigEndian64(key.substr(8)));
        if (response.meters_size() >= page_size || scanned >= max_scanned) {
          *next = at;
          return false;
        }
        ++scanned;
        absl::StatusOr<store::v1::DriveMeterRecord> listed =
            ParseRecord<store::v1::DriveMeterRecord>(value, "drive meter");
        if (!listed.ok()) {
          status = listed.status();
          return false;
        }
        if (filter != v1::DRIVE_CLASS_UNSPECIFIED && listed->drive_class() != filter) return true;
        v1::DriveMeter& out = *response.add_meters();
        out.set_meter_id(listed->meter_id());
        out.set_drive_class(listed->drive_class());
        out.set_dues_at_start_paise(listed->dues_at_start_paise());
        out.set_outcome(v1::NOT_ORDERED);
        absl::StatusOr<std::optional<store::v1::DriveProgressRecord>> progress =
            ReadRecord<store::v1::DriveProgressRecord>(store, Table::kDriveProgress, key,
                                                       "drive progress", snapshot.get());
        if (!progress.ok()) {
          status = progress.status();
          return false;
        }
        if (*progress) {
          const store::v1::DriveProgressRecord& p = **progress;
          out.set_outcome(p.outcome());
          out.set_paid_paise(p.paid_paise());
          out.set_failure(p.failure());
          SetTimeIf(p.order_us(), out.mutable_order_time());
          SetTimeIf(p.cut_us(), out.mutable_cut_time());
          SetTimeIf(p.pay_us(), out.mutable_pay_time());
          SetTimeIf(p.restore_us(), out.mutable_restore_time());
        }
        status = MeterDetails(store, snapshot.get(), out);
        return status.ok();
      },
      snapshot.get()));
  WALLET_RETURN_IF_ERROR(status);
  return response;
}

}  // namespace wallet
