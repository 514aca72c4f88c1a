// Collection drives in the store: ids and keys, the records as served, and
// the readers of GetDrive, ListDrives and ListDriveMeters.
//
// Store layout (part of the store's format):
//   Table::kDrives         be64(seq)                -> store::v1::DriveRecord
//   Table::kDriveMeters    be64(seq) be64(position) -> store::v1::DriveMeterRecord
//   Table::kDriveProgress  be64(seq) be64(position) -> store::v1::DriveProgressRecord
// A drive's id is "drive-<seq>", seqs counting from 1. Its meters are
// numbered from 0 in the drive's order (the selection's, or the list's) and
// written once, at creation; what happens to those to disconnect is kept
// apart in kDriveProgress (absent: NOT_ORDERED), which the ledger reads back
// within a group (Batch indexes it) while the listing, up to a million
// records, is written once and never read back by the writer.
//
// Thread safety: plain functions; the readers read committed data and may
// run on any thread.
//
// Example:
//   WALLET_ASSIGN_OR_RETURN(v1::Drive drive, ReadDrive(store, "drive-3"));
#ifndef WALLET_DRIVE_STORE_H_
#define WALLET_DRIVE_STORE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "wallet/store.h"
#include "wallet/store/v1/records.pb.h"
#include "wallet/v1/collection.pb.h"

namespace wallet {

// DriveId is "drive-<seq>"; DriveSeq reads it back, nullopt for anything
// else.
std::string DriveId(uint64_t seq);
std::optional<uint64_t> DriveSeq(absl::string_view drive_id);

// DriveKey is a drive's key in kDrives; DriveMeterKey the key of its meter
// at `position` in kDriveMeters and kDriveProgress; DriveMeterPrefix the
// prefix of all of them.
std::string DriveKey(uint64_t seq);
std::string DriveMeterKey(uint64_t seq, int64_t position);
std::string DriveMeterPrefix(uint64_t seq);

// ToWire is the drive as served: its counts, the restore percentiles from
// its histogram, who created and approved it, waiting_for while it runs.
v1::Drive ToWire(const store::v1::DriveRecord& record);

// ReadDrive reads one drive. NotFound for an unknown or malformed id;
// Internal for a corrupt record.
absl::StatusOr<v1::Drive> ReadDrive(const Store& store, absl::string_view drive_id);

// ReadDrives reads up to `page_size` drives, newest first, from before the
// drive with seq `before` (0: the newest), and sets `*next` to the seq to
// continue before (0: none left).
absl::StatusOr<v1::ListDrivesResponse> ReadDrives(const Store& store, uint64_t before,
                                                  int32_t page_size, uint64_t* next);

// ReadDriveMeters reads up to `page_size` meters of drive `seq`, in the
// drive's order from `position`, of class `filter` (unspecified: all), with
// each meter's consumer name and address as registered now; `*next` is the
// position to continue from (-1: none left). At most `max_scanned` rows are
// visited per call, so a rare class in a large drive may give a short page
// with a next position.
absl::StatusOr<v1::ListDriveMetersResponse> ReadDriveMeters(const Store& store, uint64_t seq,
                                                            v1::DriveClass filter,
                                                            int64_t position, int32_t page_size,
                                                            int max_scanned, int64_t* next);

}  // namespace wallet

#endif  // WALLET_DRIVE_STORE_H_
