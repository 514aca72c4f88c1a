#include "api/services.h"

namespace api {
namespace {

// Admins may act for any consumer, e.g. at a service centre.
const Roles kConsumerOrAdmin = {v1::ROLE_CONSUMER, v1::ROLE_ADMIN};

}  // namespace

ConsumerService::ConsumerService(Calls* calls)
    : calls_(calls),
      list_my_meters_(calls->Method("ConsumerService/ListMyMeters")),
      get_balance_(calls->Method("ConsumerService/GetBalance")),
      list_transactions_(calls->Method("ConsumerService/ListTransactions")),
      start_recharge_(calls->Method("ConsumerService/StartRecharge")),
      get_order_(calls->Method("ConsumerService/GetOrder")),
      list_orders_(calls->Method("ConsumerService/ListOrders")),
      cancel_order_(calls->Method("ConsumerService/CancelOrder")) {}

ServerUnaryReactor* ConsumerService::ListMyMeters(CallbackServerContext* ctx,
                                                  const v1::ListMyMetersRequest* request,
                                                  v1::ListMyMetersResponse* response) {
  return calls_->Handle(ctx, list_my_meters_, {v1::ROLE_CONSUMER}, response,
                        [&](const wallet::Principal& who, auto done) {
                          done(calls_->wallet()->ListMyMeters(who));
                        });
}

ServerUnaryReactor* ConsumerService::GetBalance(CallbackServerContext* ctx,
                                                const v1::GetBalanceRequest* request,
                                                v1::GetBalanceResponse* response) {
  return calls_->Handle(ctx, get_balance_, kConsumerOrAdmin, response,
                        [&](const wallet::Principal& who, auto done) {
                          done(calls_->wallet()->GetBalance(who, request->meter_id()));
                        });
}

ServerUnaryReactor* ConsumerService::ListTransactions(CallbackServerContext* ctx,
                                                      const v1::ListTransactionsRequest* request,
                                                      v1::ListTransactionsResponse* response) {
  return calls_->Handle(ctx, list_transactions_, kConsumerOrAdmin, response,
                        [&](const wallet::Principal& who, auto done) {
                          done(calls_->wallet()->ListTransactions(who, *request));
                        });
}

ServerUnaryReactor* ConsumerService::StartRecharge(CallbackServerContext* ctx,
                                                   const v1::StartRechargeRequest* request,
                                                   v1::StartRechargeResponse* response) {
  return calls_->Handle(ctx, start_recharge_, kConsumerOrAdmin, response,
                        [&](const wallet::Principal& who, auto done) {
                          calls_->wallet()->StartRecharge(who, *request, std::move(done));
                        });
}

ServerUnaryReactor* ConsumerService::GetOrder(CallbackServerContext* ctx,
                                              const v1::GetOrderRequest* request,
                                              v1::Order* response) {
  return calls_->Handle(ctx, get_order_, kConsumerOrAdmin, response,
                        [&](const wallet::Principal& who, auto done) {
                          done(calls_->wallet()->GetOrder(who, request->order_id()));
                        });
}

ServerUnaryReactor* ConsumerService::ListOrders(CallbackServerContext* ctx,
                                                const v1::ListOrdersRequest* request,
                                                v1::ListOrdersResponse* response) {
  return calls_->Handle(ctx, list_orders_, kConsumerOrAdmin, response,
                        [&](const wallet::Principal& who, auto done) {
                          done(calls_->wallet()->ListOrders(who, *request));
                        });
}

ServerUnaryReactor* ConsumerService::CancelOrder(CallbackServerContext* ctx,
                                                 const v1::CancelOrderRequest* request,
                                                 v1::CancelOrderResponse* response) {
  return calls_->Handle(ctx, cancel_order_, kConsumerOrAdmin, response,
                        [&](const wallet::Principal& who, auto done) {
                          calls_->wallet()->CancelOrder(who, *request, std::move(done));
                        });
}

}  // namespace api
