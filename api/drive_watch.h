// WatchDrive's stream: the drive as it is, then again each time a committed
// group changed it, until the drive is done or cancelled.
#ifndef API_DRIVE_WATCH_H_
#define API_DRIVE_WATCH_H_

#include <string>

#include "absl/status/status.h"
#include "api/meter_services.h"
#include "grpcpp/grpcpp.h"
#include "wallet/v1/collection.pb.h"
#include "wallet/wallet.h"

namespace api {

// NewDriveWatch serves one CollectionService.WatchDrive call of drive
// `drive_id`: the drive, then again after each committed group that changed
// it (`hub` wakes the stream; several changes between two wakes give one
// message with the latest figures), ending OK once the drive is done or
// cancelled, CANCELLED if the client goes away, or with `auth` if that is an
// error (the caller as authorised). Like the other streams it is not counted
// in the per-method metrics. `wallet` and `hub` are not owned and must
// outlive the call; the reactor deletes itself when the call is done.
grpc::ServerWriteReactor<wallet::v1::Drive>* NewDriveWatch(wallet::Wallet* wallet, StreamHub* hub,
                                                           std::string drive_id, absl::Status auth);

}  // namespace api

#endif  // API_DRIVE_WATCH_H_
