// The wallet's collection drive calls: the admins' actions, queued for the
// writer (Ledger, ledger_drives.cc), and the readers of committed drives
// (wallet/drive_store.h). See wallet.h.
#include <functional>
#include <memory>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "wallet/drive_store.h"
#include "wallet/ledger.h"
#include "wallet/on_ledger.h"
#include "wallet/paging.h"
#include "wallet/validate.h"
#include "wallet/wallet.h"

namespace wallet {
namespace {

constexpr int32_t kDefaultDrivePage = 50;
constexpr int32_t kDefaultDriveMeterPage = 1'000;
constexpr int32_t kMaxDriveMeterPage = 10'000;
// A filtered listing of a drive's meters stops after this many rows and
// hands back a token, so that one call never walks a whole large drive.
constexpr int kMaxDriveMetersScanned = 200'000;

}  // namespace

void Wallet::CreateDrive(Principal who, v1::CreateDriveRequest req, Callback<v1::Drive> done) {
  MutateDrive(OnLedger<&Ledger::CreateDrive>(ledger_, std::move(who), std::move(req)),
              std::move(done));
}

void Wallet::ApproveDrive(Principal who, v1::DriveActionRequest req, Callback<v1::Drive> done) {
  MutateDrive(OnLedger<&Ledger::ApproveDrive>(ledger_, std::move(who), std::move(req)),
              std::move(done));
}

void Wallet::PauseDrive(Principal who, v1::DriveActionRequest req, Callback<v1::Drive> done) {
  MutateDrive(OnLedger<&Ledger::PauseDrive>(ledger_, std::move(who), std::move(req)),
              std::move(done));
}

void Wallet::ResumeDrive(Principal who, v1::DriveActionRequest req, Callback<v1::Drive> done) {
  MutateDrive(OnLedger<&Ledger::ResumeDrive>(ledger_, std::move(who), std::move(req)),
              std::move(done));
}

void Wallet::CancelDrive(Principal who, v1::DriveActionRequest req, Callback<v1::Drive> done) {
  MutateDrive(OnLedger<&Ledger::CancelDrive>(ledger_, std::move(who), std::move(req)),
              std::move(done));
}

absl::StatusOr<v1::Drive> Wallet::GetDrive(const std::string& drive_id) const {
  WALLET_RETURN_IF_ERROR(ValidateId("drive_id", drive_id));
  return ReadDrive(*store_, drive_id);
}

absl::StatusOr<v1::ListDrivesResponse> Wallet::ListDrives(const v1::ListDrivesRequest& req) const {
  const v1::ListDrivesRequest filter = PageFilter(req);
  uint64_t before = 0;
  if (!req.page_token().empty()) {
    WALLET_ASSIGN_OR_RETURN(std::string position,
                            tokens_.Open("ListDrives", filter, req.page_token()));
    if (!absl::SimpleAtoi(position, &before)) {
      return absl::InternalError("a page token of ListDrives holds no drive");
    }
  }
  uint64_t next = 0;
  WALLET_ASSIGN_OR_RETURN(
      v1::ListDrivesResponse response,
      ReadDrives(*store_, before, PageSize(req.page_size(), kDefaultDrivePage), &next));
  if (next != 0) {
    response.set_next_page_token(tokens_.Issue("ListDrives", filter, absl::StrCat(next)));
  }
  return response;
}

absl::StatusOr<v1::ListDriveMetersResponse> Wallet::ListDriveMeters(
    const v1::ListDriveMetersRequest& req) const {
  WALLET_RETURN_IF_ERROR(ValidateId("drive_id", req.drive_id()));
  if (!v1::DriveClass_IsValid(req.drive_class())) {
    return absl::InvalidArgumentError("drive_class is not a known class");
  }
  const std::optional<uint64_t> seq = DriveSeq(req.drive_id());
  if (!seq) return absl::NotFoundError(absl::StrCat("drive ", req.drive_id(), " not found"));
  const v1::ListDriveMetersRequest filter = PageFilter(req);
  int64_t position = 0;
  if (!req.page_token().empty()) {
    WALLET_ASSIGN_OR_RETURN(std::string from,
                            tokens_.Open("ListDriveMeters", filter, req.page_token()));
    if (!absl::SimpleAtoi(from, &position) || position < 0) {
      return absl::InternalError("a page token of ListDriveMeters holds no position");
    }
  }
  const int32_t page_size = req.page_size() <= 0 ? kDefaultDriveMeterPage
                                                 : std::min(req.page_size(), kMaxDriveMeterPage);
  int64_t next = -1;
  WALLET_ASSIGN_OR_RETURN(v1::ListDriveMetersResponse response,
                          ReadDriveMeters(*store_, *seq, req.drive_class(), position, page_size,
                                          kMaxDriveMetersScanned, &next));
  if (next >= 0) {
    response.set_next_page_token(tokens_.Issue("ListDriveMeters", filter, absl::StrCat(next)));
  }
  return response;
}

void Wallet::SetDriveListener(std::function<void()> listener) {
  absl::MutexLock lock(&listener_mu_);
  drive_listener_ = std::move(listener);
}

}  // namespace wallet
