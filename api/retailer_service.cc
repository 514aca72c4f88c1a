#include <memory>

#include "api/services.h"
#include "wallet/v1/retailer.grpc.pb.h"

namespace api {
namespace {

const Roles kRetailerOrAdmin = {v1::ROLE_RETAILER, v1::ROLE_ADMIN};

// RetailerService: point-of-sale recharges and payments toward dues, paid from
// a retailer's float. The wallet checks that the float is the caller's.
class RetailerService final : public WalletService<v1::RetailerService> {
 public:
  explicit RetailerService(Calls* calls) : WalletService(calls) {}

  ServerUnaryReactor* Recharge(CallbackServerContext* ctx,
                               const v1::RetailerRechargeRequest* request,
                               v1::RetailerRechargeResponse* response) override {
    return Serve(ctx, "Recharge", kRetailerOrAdmin, response,
                 [&](const wallet::Principal& who, auto done) {
                   wallet()->RetailerRecharge(who, *request, std::move(done));
                 });
  }

  ServerUnaryReactor* PayDues(CallbackServerContext* ctx, const v1::RetailerPayDuesRequest* request,
                              v1::PayDuesResponse* response) override {
    return Serve(ctx, "PayDues", kRetailerOrAdmin, response,
                 [&](const wallet::Principal& who, auto done) {
                   wallet()->RetailerPayDues(who, *request, std::move(done));
                 });
  }

  ServerUnaryReactor* GetFloat(CallbackServerContext* ctx, const v1::GetFloatRequest* request,
                               v1::GetFloatResponse* response) override {
    return Serve(ctx, "GetFloat", kRetailerOrAdmin, response,
                 [&](const wallet::Principal& who, auto done) {
                   done(wallet()->GetFloat(who, request->retailer_id()));
                 });
  }

  ServerUnaryReactor* GetStatement(CallbackServerContext* ctx,
                                   const v1::GetStatementRequest* request,
                                   v1::GetStatementResponse* response) override {
    return Serve(ctx, "GetStatement", kRetailerOrAdmin, response,
                 [&](const wallet::Principal& who, auto done) {
                   done(wallet()->GetStatement(who, *request));
                 });
  }
};

}  // namespace

std::unique_ptr<grpc::Service> NewRetailerService(Calls* calls) {
  return std::make_unique<RetailerService>(calls);
}

}  // namespace api
