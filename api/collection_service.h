// walletd's CollectionService (proto/wallet/v1/collection.proto): dues
// imported from billing, defaulter lists and payments toward dues at a
// counter. Admin role. Like the other services it authorises, calls the
// wallet and maps the status; the dues import is a stream of chunks, each
// answered with the import's progress once it is durable.
#ifndef API_COLLECTION_SERVICE_H_
#define API_COLLECTION_SERVICE_H_

#include "api/call.h"
#include "wallet/v1/collection.grpc.pb.h"

namespace api {

namespace v1 = ::wallet::v1;

class CollectionService final : public v1::CollectionService::CallbackService {
 public:
  explicit CollectionService(Calls* calls);

  // ImportDues reads the header, then one chunk at a time: each is applied
  // and answered (the import's totals so far, this chunk's rejected rows)
  // before the next is read. The stream ends OK when the client closes its
  // side; with the error of a bad header or chunk (chunks answered before
  // stay applied); PERMISSION_DENIED for keys other than admin's.
  grpc::ServerBidiReactor<v1::ImportDuesRequest, v1::ImportDuesProgress>* ImportDues(
      grpc::CallbackServerContext* ctx) override;
  grpc::ServerUnaryReactor* ListDefaulters(grpc::CallbackServerContext* ctx,
                                           const v1::ListDefaultersRequest* request,
                                           v1::ListDefaultersResponse* response) override;
  grpc::ServerUnaryReactor* PayDuesAtCounter(grpc::CallbackServerContext* ctx,
                                             const v1::PayDuesRequest* request,
                                             v1::PayDuesResponse* response) override;

 private:
  Calls* calls_;
  Metrics::Method* import_dues_;
  Metrics::Method* list_defaulters_;
  Metrics::Method* pay_dues_at_counter_;
};

}  // namespace api

#endif  // API_COLLECTION_SERVICE_H_
