#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "api/dues_import_stream.h"
#include "api/services.h"
#include "wallet/money.h"
#include "wallet/v1/collection.grpc.pb.h"

namespace api {
namespace {

const Roles kAdminOnly = {v1::ROLE_ADMIN};

// CollectionService: dues imported from billing, defaulter lists, payments
// toward dues at a counter. Admin role. The rules are the wallet's; here the
// calls are authorised, logged and mapped.
class CollectionService final : public WalletService<v1::CollectionService> {
 public:
  explicit CollectionService(Calls* calls) : WalletService(calls) {}

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
};

}  // namespace

std::unique_ptr<grpc::Service> NewCollectionService(Calls* calls) {
  return std::make_unique<CollectionService>(calls);
}

}  // namespace api
