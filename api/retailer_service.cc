#include "api/services.h"

namespace api {
namespace {

const Roles kRetailerOrAdmin = {v1::ROLE_RETAILER, v1::ROLE_ADMIN};

}  // namespace

RetailerService::RetailerService(Calls* calls)
    : calls_(calls),
      recharge_(calls->Method("RetailerService/Recharge")),
      pay_dues_(calls->Method("RetailerService/PayDues")),
      get_float_(calls->Method("RetailerService/GetFloat")),
      get_statement_(calls->Method("RetailerService/GetStatement")) {}

ServerUnaryReactor* RetailerService::Recharge(CallbackServerContext* ctx,
                                              const v1::RetailerRechargeRequest* request,
                                              v1::RetailerRechargeResponse* response) {
  return calls_->Handle(ctx, recharge_, kRetailerOrAdmin, response,
                        [&](const wallet::Principal& who, auto done) {
                          calls_->wallet()->RetailerRecharge(who, *request, std::move(done));
                        });
}

ServerUnaryReactor* RetailerService::PayDues(CallbackServerContext* ctx,
                                             const v1::RetailerPayDuesRequest* request,
                                             v1::PayDuesResponse* response) {
  return calls_->Handle(ctx, pay_dues_, kRetailerOrAdmin, response,
                        [&](const wallet::Principal& who, auto done) {
                          calls_->wallet()->RetailerPayDues(who, *request, std::move(done));
                        });
}

ServerUnaryReactor* RetailerService::GetFloat(CallbackServerContext* ctx,
                                              const v1::GetFloatRequest* request,
                                              v1::GetFloatResponse* response) {
  return calls_->Handle(ctx, get_float_, kRetailerOrAdmin, response,
                        [&](const wallet::Principal& who, auto done) {
                          done(calls_->wallet()->GetFloat(who, request->retailer_id()));
                        });
}

ServerUnaryReactor* RetailerService::GetStatement(CallbackServerContext* ctx,
                                                  const v1::GetStatementRequest* request,
                                                  v1::GetStatementResponse* response) {
  return calls_->Handle(ctx, get_statement_, kRetailerOrAdmin, response,
                        [&](const wallet::Principal& who, auto done) {
                          done(calls_->wallet()->GetStatement(who, *request));
                        });
}

}  // namespace api
