#include "api/drive_watch.h"

#include <utility>

#include "absl/synchronization/mutex.h"
#include "api/call.h"
#include "google/protobuf/util/message_differencer.h"

namespace api {
namespace {

bool Over(v1::DriveState state) { return state == v1::DRIVE_DONE || state == v1::DRIVE_CANCELLED; }

// DriveWatch streams one drive: as it is, then each time a committed group
// changed it (the drive hub wakes it), until it is over (then OK) or the
// client goes away. Several changes between two wakes give one message
// with the latest figures. Lives until OnDone.
class DriveWatch final : public grpc::ServerWriteReactor<v1::Drive>, public StreamHub::Stream {
 public:
  DriveWatch(wallet::Wallet* wallet, StreamHub* hub, std::string drive_id, absl::Status auth)
      : wallet_(wallet), hub_(hub), drive_id_(std::move(drive_id)) {
    if (!auth.ok()) {
      Finish(ToGrpc(auth, "CollectionService/WatchDrive"));
      return;
    }
    hub_->Add(this);
    registered_ = true;
    Pump();
  }

  void Wake() override { Pump(); }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok || cancelled_) {
        FinishLocked(grpc::Status::CANCELLED);
        return;
      }
      if (Over(sent_.state())) {
        FinishLocked(grpc::Status::OK);
        return;
      }
      if (!stale_) return;
    }
    Pump();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    if (!writing_) FinishLocked(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    if (registered_) hub_->Remove(this);
    delete this;
  }

 private:
  // Pump reads the drive and sends it if it changed; while a write is in
  // flight it only notes that a read is due once it is done.
  void Pump() {
    absl::MutexLock lock(&mu_);
    if (finished_ || cancelled_) return;
    if (writing_) {
      stale_ = true;
      return;
    }
    stale_ = false;
    absl::StatusOr<v1::Drive> drive = wallet_->GetDrive(drive_id_);
    if (!drive.ok()) {
      FinishLocked(ToGrpc(drive.status(), "CollectionService/WatchDrive"));
      return;
    }
    if (started_ && google::protobuf::util::MessageDifferencer::Equals(*drive, sent_)) return;
    started_ = true;
    sent_ = *std::move(drive);
    writing_ = true;
    StartWrite(&sent_);
  }

  void FinishLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    finished_ = true;
    Finish(status);
  }

  wallet::Wallet* const wallet_;
  StreamHub* const hub_;
  const std::string drive_id_;
  bool registered_ = false;
  absl::Mutex mu_;
  v1::Drive sent_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool stale_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

grpc::ServerWriteReactor<v1::Drive>* NewDriveWatch(wallet::Wallet* wallet, StreamHub* hub,
                                                   std::string drive_id, absl::Status auth) {
  return new DriveWatch(wallet, hub, std::move(drive_id), std::move(auth));
}

}  // namespace api
