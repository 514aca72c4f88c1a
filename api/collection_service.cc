#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "api/drive_watch.h"
#include "api/dues_import_stream.h"
#include "api/services.h"
#include "wallet/money.h"
#include "wallet/v1/collection.grpc.pb.h"

namespace api {
namespace {

const Roles kAdminOnly = {v1::ROLE_ADMIN};

// DescribeDrive is the log line of an admin's action on a drive.
std::string DescribeDrive(absl::string_view verb, const wallet::Principal& who,
                          const v1::Drive& drive) {
  const v1::DriveCounts& c = drive.counts();
  return absl::StrCat("drive ", drive.drive_id(), " '", drive.name(), "' ", verb, " by admin key ",
                      who.key_id, " '", who.key_label, "': ", c.meters(), " meters, ",
                      c.to_disconnect(), " to disconnect, ", c.cut(), " cut, ",
                      v1::DriveState_Name(drive.state()));
}

// DriveLogged wraps `done` so that an admin's action on a drive is logged
// once it succeeded, as `verb`.
wallet::Callback<v1::Drive> DriveLogged(wallet::Callback<v1::Drive> done,
                                        const wallet::Principal& who, absl::string_view verb) {
  return Logged(std::move(done), [who, verb = std::string(verb)](const v1::Drive& drive) {
    return DescribeDrive(verb, who, drive);
  });
}

// CollectionService: dues imported from billing, defaulter lists, payments
// toward dues at a counter, and collection drives. Admin role. The rules are
// the wallet's (wallet/dues.h, wallet/drive.h); here the calls are
// authorised, logged and mapped.
class CollectionService final : public WalletService<v1::CollectionService> {
 public:
  CollectionService(Calls* calls, StreamHub* drive_hub)
      : WalletService(calls), drive_hub_(drive_hub) {}

  grpc::ServerBidiReactor<v1::ImportDuesRequest, v1::ImportDuesProgress>* ImportDues(
      CallbackServerContext* ctx) override {
    return new DuesImportStream(wallet(), calls()->Authorize(ctx, kAdminOnly));
  }

  ServerUnaryReactor* ListDefaulters(CallbackServerContext* ctx,
                                     const v1::ListDefaultersRequest* request,
                                     v1::ListDefaultersResponse* response) override {
    return Serve(
        ctx, "ListDefaulters", kAdminOnly, response,
        [&](const wallet::Principal&, auto done) { done(wallet()->ListDefaulters(*request)); });
  }

  ServerUnaryReactor* PayDuesAtCounter(CallbackServerContext* ctx,
                                       const v1::PayDuesRequest* request,
                                       v1::PayDuesResponse* response) override {
    return Serve(
        ctx, "PayDuesAtCounter", kAdminOnly, response, [&](const wallet::Principal&, auto done) {
          wallet()->PayDuesAtCounter(
              *request, Logged(std::move(done), [request](const v1::PayDuesResponse& r) {
                return absl::StrCat("dues paid at a counter: meter ", request->meter_id(), " ",
                                    wallet::FormatRupees(request->amount_paise()), ", ",
                                    wallet::FormatRupees(r.dues_left_paise()), " left");
              }));
        });
  }

  ServerUnaryReactor* CreateDrive(CallbackServerContext* ctx, const v1::CreateDriveRequest* request,
                                  v1::Drive* response) override {
    return ServeDriveAction(ctx, "CreateDrive", &wallet::Wallet::CreateDrive, request, response,
                            "created");
  }

  ServerUnaryReactor* ApproveDrive(CallbackServerContext* ctx,
                                   const v1::DriveActionRequest* request,
                                   v1::Drive* response) override {
    return ServeDriveAction(ctx, "ApproveDrive", &wallet::Wallet::ApproveDrive, request, response,
                            "approved");
  }

  ServerUnaryReactor* PauseDrive(CallbackServerContext* ctx, const v1::DriveActionRequest* request,
                                 v1::Drive* response) override {
    return ServeDriveAction(ctx, "PauseDrive", &wallet::Wallet::PauseDrive, request, response,
                            "paused");
  }

  ServerUnaryReactor* ResumeDrive(CallbackServerContext* ctx, const v1::DriveActionRequest* request,
                                  v1::Drive* response) override {
    return ServeDriveAction(ctx, "ResumeDrive", &wallet::Wallet::ResumeDrive, request, response,
                            "resumed");
  }

  ServerUnaryReactor* CancelDrive(CallbackServerContext* ctx, const v1::DriveActionRequest* request,
                                  v1::Drive* response) override {
    return ServeDriveAction(ctx, "CancelDrive", &wallet::Wallet::CancelDrive, request, response,
                            "cancelled");
  }

  ServerUnaryReactor* GetDrive(CallbackServerContext* ctx, const v1::GetDriveRequest* request,
                               v1::Drive* response) override {
    return Serve(ctx, "GetDrive", kAdminOnly, response, [&](const wallet::Principal&, auto done) {
      done(wallet()->GetDrive(request->drive_id()));
    });
  }

  ServerUnaryReactor* ListDrives(CallbackServerContext* ctx, const v1::ListDrivesRequest* request,
                                 v1::ListDrivesResponse* response) override {
    return Serve(ctx, "ListDrives", kAdminOnly, response, [&](const wallet::Principal&, auto done) {
      done(wallet()->ListDrives(*request));
    });
  }

  ServerUnaryReactor* ListDriveMeters(CallbackServerContext* ctx,
                                      const v1::ListDriveMetersRequest* request,
                                      v1::ListDriveMetersResponse* response) override {
    return Serve(
        ctx, "ListDriveMeters", kAdminOnly, response,
        [&](const wallet::Principal&, auto done) { done(wallet()->ListDriveMeters(*request)); });
  }

  grpc::ServerWriteReactor<v1::Drive>* WatchDrive(CallbackServerContext* ctx,
                                                  const v1::GetDriveRequest* request) override {
    return NewDriveWatch(wallet(), drive_hub_, request->drive_id(),
                         calls()->Authorize(ctx, kAdminOnly).status());
  }

 private:
  // ServeDriveAction serves an admin's action on a drive: the wallet's `act`
  // with the caller and `request`, logged as `verb` once it succeeded.
  template <typename Request>
  ServerUnaryReactor* ServeDriveAction(CallbackServerContext* ctx, absl::string_view method,
                                       void (wallet::Wallet::*act)(wallet::Principal, Request,
                                                                   wallet::Callback<v1::Drive>),
                                       const Request* request, v1::Drive* response,
                                       absl::string_view verb) {
    return Serve(ctx, method, kAdminOnly, response, [&](const wallet::Principal& who, auto done) {
      (wallet()->*act)(who, *request, DriveLogged(std::move(done), who, verb));
    });
  }

  StreamHub* const drive_hub_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewCollectionService(Calls* calls, StreamHub* drive_hub) {
  return std::make_unique<CollectionService>(calls, drive_hub);
}

}  // namespace api
