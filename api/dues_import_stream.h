// DuesImportStream serves one CollectionService.ImportDues call: the header,
// then chunks, each applied by the wallet and answered with the import's
// progress once durable, before the next is read, so that at most one chunk
// is in the wallet and one answer on the wire at a time. The stream ends OK
// when the client closes its side, or with the error of a bad header or
// chunk (chunks answered before stay applied). Like the other streams it is
// not counted in the per-method metrics. Deletes itself when the call is
// done.
#ifndef API_DUES_IMPORT_STREAM_H_
#define API_DUES_IMPORT_STREAM_H_

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "wallet/auth.h"
#include "wallet/v1/collection.pb.h"
#include "wallet/wallet.h"

namespace api {

class DuesImportStream final : public grpc::ServerBidiReactor<wallet::v1::ImportDuesRequest,
                                                              wallet::v1::ImportDuesProgress> {
 public:
  // `wallet` is not owned and must outlive the call; `who` is the caller as
  // authorised (an error ends the stream at once with it).
  DuesImportStream(wallet::Wallet* wallet, absl::StatusOr<wallet::Principal> who);

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone() override { delete this; }

 private:
  // Add counts a chunk into the import's totals; the answer is the totals
  // with the chunk's rejected rows.
  void Add(wallet::v1::ImportDuesProgress chunk);
  void End(const absl::Status& status);

  wallet::Wallet* const wallet_;
  wallet::v1::ImportDuesRequest request_;
  bool has_header_ = false;
  wallet::v1::DuesImportHeader header_;
  wallet::v1::ImportDuesProgress totals_;
  wallet::v1::ImportDuesProgress progress_;
};

}  // namespace api

#endif  // API_DUES_IMPORT_STREAM_H_
