#include "wallet/write_gate.h"

#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace wallet {
namespace {

// Logged after the cause whenever writes stop.
constexpr char kStoppedAdvice[] =
    ". walletd answers every change UNAVAILABLE and keeps serving reads; writes resume by "
    "themselves once space is freed";

}  // namespace

WriteHealth WriteGate::health() const {
  WriteHealth health;
  health.free_bytes = free_bytes_.load(std::memory_order_relaxed);
  absl::MutexLock lock(&mu_);
  health.writable = !write_failed_ && !low_space_;
  health.reason = write_failed_ ? failure_reason_ : low_space_reason_;
  return health;
}

absl::Status WriteGate::Refusal() const {
  absl::MutexLock lock(&mu_);
  if (refusal_.ok()) return absl::UnavailableError("walletd is not accepting changes; retry");
  return refusal_;
}

std::string WriteGate::DiskFigures(uint64_t free_bytes) const {
  return absl::StrCat(path_, " has ", free_bytes >> 20, " MiB free (reserve ",
                      min_free_bytes_ >> 20, " MiB)");
}

void WriteGate::UpdateLocked() {
  const bool writable = !write_failed_ && !low_space_;
  if (writable) {
    refusal_ = absl::OkStatus();
  } else {
    // Clients learn what happened and what to expect, not where the files are.
    const char* what = !write_failed_
                           ? "its data disk is nearly full (below the free-space reserve)"
                       : disk_full_ ? "its data disk is full"
                                    : "it cannot write to its data disk (I/O error)";
    refusal_ = absl::UnavailableError(
        absl::StrCat("walletd is not accepting changes: ", what,
                     "; writes resume by themselves once space is freed or the disk can be "
                     "written again; reads still work"));
  }
  writable_.store(writable, std::memory_order_relaxed);
}

absl::Status WriteGate::WriteFailed(const absl::Status& error, const std::string& what) {
  absl::MutexLock lock(&mu_);
  write_failed_ = true;
  disk_full_ = error.code() == absl::StatusCode::kResourceExhausted;
  failure_reason_ = absl::StrCat(what, " (", error.message(), "); ",
                                 DiskFigures(free_bytes_.load(std::memory_order_relaxed)));
  LOG(ERROR) << "WRITES STOPPED: " << failure_reason_ << kStoppedAdvice;
  UpdateLocked();
  return refusal_;
}

void WriteGate::SetLowSpace(uint64_t free_bytes) {
  SetFreeBytes(free_bytes);
  const uint64_t reserve = min_free_bytes_;
  absl::MutexLock lock(&mu_);
  // Resuming only an eighth above the reserve keeps a disk hovering at the
  // reserve from stopping and resuming writes every few seconds.
  const bool low = free_bytes < reserve || (low_space_ && free_bytes < reserve + reserve / 8);
  if (low) {
    low_space_reason_ = absl::StrCat(DiskFigures(free_bytes),
                                     ", below the free-space reserve (--min_free_disk_mb)");
  }
  if (low == low_space_) return;
  low_space_ = low;
  if (!write_failed_) {
    if (low) {
      LOG(ERROR) << "WRITES STOPPED: " << low_space_reason_ << kStoppedAdvice;
    } else {
      LOG(WARNING) << "WRITES RESUMED: free space is back: " << DiskFigures(free_bytes);
    }
  }
  if (!low) low_space_reason_.clear();
  UpdateLocked();
}

void WriteGate::Recovered(uint64_t free_bytes) {
  absl::MutexLock lock(&mu_);
  write_failed_ = false;
  failure_reason_.clear();
  if (low_space_) {
    LOG(WARNING) << "store reopened and ledger reloaded, but writes stay stopped: "
                 << low_space_reason_;
  } else {
    LOG(WARNING) << "WRITES RESUMED: the store was reopened and the ledger reloaded from it; "
                 << DiskFigures(free_bytes);
  }
  UpdateLocked();
}

}  // namespace wallet
