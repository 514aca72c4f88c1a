// CollectionService: disconnection drives (create, approve, pause, resume,
// cancel, read, watch). Admin role. The rules are the wallet's
// (wallet/drive.h); here the calls are authorised, logged and mapped.
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "api/meter_services.h"
#include "api/services.h"
#include "glog/logging.h"
#include "google/protobuf/util/message_differencer.h"

namespace api {
namespace {

const Roles kAdminOnly = {v1::ROLE_ADMIN};

bool Over(v1::DriveState state) {
  return state == v1::DRIVE_DONE || state == v1::DRIVE_CANCELLED;
}

// DescribeDrive is the log line of an admin's action on a drive.
std::string DescribeDrive(absl::string_view verb, const wallet::Principal& who,
                          const v1::Drive& drive) {
  const v1::DriveCounts& c = drive.counts();
  return absl::StrCat("drive ", drive.drive_id(), " '", drive.name(), "' ", verb,
                      " by admin key ", who.key_id, " '", who.key_label, "': ", c.meters(),
                      " meters, ", c.to_disconnect(), " to disconnect, ", c.cut(), " cut, ",
                      v1::DriveState_Name(drive.state()));
}

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

CollectionService::CollectionService(Calls* calls, StreamHub* drive_hub)
    : calls_(calls),
      drive_hub_(drive_hub),
      create_drive_(calls->Method("CollectionService/CreateDrive")),
      approve_drive_(calls->Method("CollectionService/ApproveDrive")),
      pause_drive_(calls->Method("CollectionService/PauseDrive")),
      resume_drive_(calls->Method("CollectionService/ResumeDrive")),
      cancel_drive_(calls->Method("CollectionService/CancelDrive")),
      get_drive_(calls->Method("CollectionService/GetDrive")),
      list_drives_(calls->Method("CollectionService/ListDrives")),
      list_drive_meters_(calls->Method("CollectionService/ListDriveMeters")) {}

template <typename Start>
ServerUnaryReactor* CollectionService::Action(CallbackServerContext* ctx, Metrics::Method* method,
                                              v1::Drive* response, absl::string_view verb,
                                              Start start) {
  return calls_->Handle(ctx, method, kAdminOnly, response,
                        [&](const wallet::Principal& who, wallet::Callback<v1::Drive> done) {
                          start(who, Logged(std::move(done),
                                            [who, verb = std::string(verb)](const v1::Drive& d) {
                                              return DescribeDrive(verb, who, d);
                                            }));
                        });
}

ServerUnaryReactor* CollectionService::CreateDrive(CallbackServerContext* ctx,
                                                   const v1::CreateDriveRequest* request,
                                                   v1::Drive* response) {
  return Action(ctx, create_drive_, response, "created",
                [&](const wallet::Principal& who, wallet::Callback<v1::Drive> done) {
                  calls_->wallet()->CreateDrive(who, *request, std::move(done));
                });
}

ServerUnaryReactor* CollectionService::ApproveDrive(CallbackServerContext* ctx,
                                                    const v1::DriveActionRequest* request,
                                                    v1::Drive* response) {
  return Action(ctx, approve_drive_, response, "approved",
                [&](const wallet::Principal& who, wallet::Callback<v1::Drive> done) {
                  calls_->wallet()->ApproveDrive(who, *request, std::move(done));
                });
}

ServerUnaryReactor* CollectionService::PauseDrive(CallbackServerContext* ctx,
                                                  const v1::DriveActionRequest* request,
                                                  v1::Drive* response) {
  return Action(ctx, pause_drive_, response, "paused",
                [&](const wallet::Principal& who, wallet::Callback<v1::Drive> done) {
                  calls_->wallet()->PauseDrive(who, *request, std::move(done));
                });
}

ServerUnaryReactor* CollectionService::ResumeDrive(CallbackServerContext* ctx,
                                                   const v1::DriveActionRequest* request,
                                                   v1::Drive* response) {
  return Action(ctx, resume_drive_, response, "resumed",
                [&](const wallet::Principal& who, wallet::Callback<v1::Drive> done) {
                  calls_->wallet()->ResumeDrive(who, *request, std::move(done));
                });
}

ServerUnaryReactor* CollectionService::CancelDrive(CallbackServerContext* ctx,
                                                   const v1::DriveActionRequest* request,
                                                   v1::Drive* response) {
  return Action(ctx, cancel_drive_, response, "cancelled",
                [&](const wallet::Principal& who, wallet::Callback<v1::Drive> done) {
                  calls_->wallet()->CancelDrive(who, *request, std::move(done));
                });
}

ServerUnaryReactor* CollectionService::GetDrive(CallbackServerContext* ctx,
                                                const v1::GetDriveRequest* request,
                                                v1::Drive* response) {
  return calls_->Handle(ctx, get_drive_, kAdminOnly, response,
                        [&](const wallet::Principal&, auto done) {
                          done(calls_->wallet()->GetDrive(request->drive_id()));
                        });
}

ServerUnaryReactor* CollectionService::ListDrives(CallbackServerContext* ctx,
                                                  const v1::ListDrivesRequest* request,
                                                  v1::ListDrivesResponse* response) {
  return calls_->Handle(ctx, list_drives_, kAdminOnly, response,
                        [&](const wallet::Principal&, auto done) {
                          done(calls_->wallet()->ListDrives(*request));
                        });
}

ServerUnaryReactor* CollectionService::ListDriveMeters(CallbackServerContext* ctx,
                                                       const v1::ListDriveMetersRequest* request,
                                                       v1::ListDriveMetersResponse* response) {
  return calls_->Handle(ctx, list_drive_meters_, kAdminOnly, response,
                        [&](const wallet::Principal&, auto done) {
                          done(calls_->wallet()->ListDriveMeters(*request));
                        });
}

grpc::ServerWriteReactor<v1::Drive>* CollectionService::WatchDrive(
    CallbackServerContext* ctx, const v1::GetDriveRequest* request) {
  return new DriveWatch(calls_->wallet(), drive_hub_, request->drive_id(),
                        calls_->Authorize(ctx, kAdminOnly).status());
}

}  // namespace api
