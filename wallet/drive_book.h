// DriveBook: the ledger's in-memory copy of the collection drives.
//
// Every drive's record (wallet/store/v1/records.proto DriveRecord: state,
// counts, the runner's cursor and bucket) is kept, and, while a drive is not
// over (PREVIEW, RUNNING, PAUSED), its meters to disconnect in the drive's
// order (the targets the runner walks) and which of them each meter id is
// (so that a payment finds the drives it counts for). A drive that ends
// (DONE, CANCELLED) lets go of its targets; the meters it ordered cut still
// find it through their state (MeterState.drive_id).
//
// As MeterRegistry does for meters, the ledger changes entries in memory,
// marks each drive it changed (Touch), and WriteChanged writes each marked
// record into the group's batch once.
//
// Thread safety: none; the ledger's writer thread owns it.
#ifndef WALLET_DRIVE_BOOK_H_
#define WALLET_DRIVE_BOOK_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "wallet/store.h"
#include "wallet/store/v1/records.pb.h"

namespace wallet {

// DriveTarget is one meter a drive is to disconnect.
struct DriveTarget {
  std::string meter_id;
  int64_t position = 0;  // in the drive's listing
  int64_t dues_at_start_paise = 0;
};

struct DriveEntry {
  store::v1::DriveRecord record;
  // The meters to disconnect in the drive's order, while it is not over.
  std::vector<DriveTarget> targets;
  bool dirty = false;  // record changed in the current group
};

// DriveMembership is one drive listing a meter to disconnect.
struct DriveMembership {
  DriveEntry* drive;
  size_t target;  // index into drive->targets
};

class DriveBook final {
 public:
  // Load reads every drive record, and the targets of the drives not over,
  // into an empty book. Internal for a corrupt record; otherwise the store's
  // error.
  absl::Status Load(const Store& store);

  // NextSeq is the seq the next drive created gets.
  uint64_t NextSeq() const { return next_seq_; }

  // Find returns the drive, or null.
  DriveEntry* Find(uint64_t seq);

  // Add keeps a new drive (its record's seq is NextSeq()) with its targets,
  // marked changed.
  DriveEntry& Add(store::v1::DriveRecord record, std::vector<DriveTarget> targets);

  // End lets go of a drive's targets once it is over.
  void End(DriveEntry& drive);

  // Memberships lists the drives not over that are to disconnect `meter_id`.
  absl::InlinedVector<DriveMembership, 1> Memberships(absl::string_view meter_id);

  // Running lists the drives in state RUNNING, oldest first.
  std::vector<DriveEntry*> Running();

  // Touch marks the drive's record as changed in the current group.
  void Touch(DriveEntry& drive);

  // WriteChanged writes every record touched since the last call into
  // `batch` and clears the marks.
  void WriteChanged(Batch& batch);

  // TakeWritten tells whether records were written since the last call, and
  // resets the flag.
  bool TakeWritten() {
    const bool written = written_;
    written_ = false;
    return written;
  }

 private:
  void Index(DriveEntry& drive);

  uint64_t next_seq_ = 1;
  std::map<uint64_t, DriveEntry> drives_;
  struct Ref {
    uint64_t seq;
    size_t target;
  };
  absl::flat_hash_map<std::string, absl::InlinedVector<Ref, 1>> members_;
  std::vector<DriveEntry*> changed_;
  bool written_ = false;
};

}  // namespace wallet

#endif  // WALLET_DRIVE_BOOK_H_
