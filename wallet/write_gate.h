// WriteGate: whether the wallet takes writes, and if not why, as told to
// clients and operators.
//
// Writes stop for two causes, each cleared only by its own news:
//   * a write failed (a commit, or opening the store read-only on a full
//     disk): cleared by Recovered, once the store was reopened and the
//     ledger reloaded from it;
//   * free space fell below the reserve: cleared by SetLowSpace once free
//     space is back above the reserve plus an eighth, so that a disk
//     hovering at the reserve does not stop and resume writes every second.
// Every change of state is logged once, in capitals for operators' greps
// ("WRITES STOPPED", "WRITES RESUMED").
//
// Thread safety: thread-safe. writable() is a relaxed atomic read, cheap
// enough for every mutation.
//
// Example:
//   if (!gate.writable()) return gate.Refusal();  // Unavailable, with the cause
#ifndef WALLET_WRITE_GATE_H_
#define WALLET_WRITE_GATE_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace wallet {

// WriteHealth says whether the wallet takes writes, and why not.
struct WriteHealth {
  bool writable = true;
  // For operators (paths, free space, the store's error); empty while
  // writable.
  std::string reason;
  // Free space of the data directory's file system at the last check.
  uint64_t free_bytes = 0;
};

class WriteGate final {
 public:
  // `path` is the data directory named in operators' messages;
  // `min_free_bytes` the free-space reserve (0: none).
  WriteGate(std::string path, uint64_t min_free_bytes)
      : path_(std::move(path)), min_free_bytes_(min_free_bytes) {}

  bool writable() const { return writable_.load(std::memory_order_relaxed); }

  // Refusal is the error a refused write gets: Unavailable, saying what
  // happened and what to expect, never where the files are.
  absl::Status Refusal() const;

  // health says whether writes are taken and why not.
  WriteHealth health() const;

  // SetFreeBytes records the free space measured without acting on it.
  void SetFreeBytes(uint64_t free_bytes) {
    free_bytes_.store(free_bytes, std::memory_order_relaxed);
  }

  // WriteFailed stops writes after `error` (`what` says where: "a commit
  // failed", ...) until Recovered, and returns the refusal.
  absl::Status WriteFailed(const absl::Status& error, const std::string& what);

  // SetLowSpace records `free_bytes` and stops or resumes writes for the
  // free-space reserve.
  void SetLowSpace(uint64_t free_bytes);

  // Recovered clears a failed write once the store was reopened and the
  // ledger reloaded; writes stay stopped while space is low.
  void Recovered(uint64_t free_bytes);

  // DiskFigures describes the data disk for operators: "<path> has N MiB
  // free (reserve M MiB)".
  std::string DiskFigures(uint64_t free_bytes) const;

 private:
  // UpdateLocked publishes writable_ and the refusal from the flags below.
  void UpdateLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  const uint64_t min_free_bytes_;
  // Read without a lock on every mutation; mu_ orders its changes.
  std::atomic<bool> writable_{true};
  std::atomic<uint64_t> free_bytes_{0};
  mutable absl::Mutex mu_;
  // A write failed (or the store opened read-only): only Recovered clears it.
  bool write_failed_ ABSL_GUARDED_BY(mu_) = false;
  bool disk_full_ ABSL_GUARDED_BY(mu_) = false;
  std::string failure_reason_ ABSL_GUARDED_BY(mu_);
  // Free space is below the reserve.
  bool low_space_ ABSL_GUARDED_BY(mu_) = false;
  std::string low_space_reason_ ABSL_GUARDED_BY(mu_);
  absl::Status refusal_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wallet

#endif  // WALLET_WRITE_GATE_H_
