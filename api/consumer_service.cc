#include <memory>

#include "api/online_recharge.h"
#include "api/services.h"
#include "wallet/v1/consumer.grpc.pb.h"

namespace api {
namespace {

const Roles kConsumerOnly = {v1::ROLE_CONSUMER};
// Admins may act for any consumer, e.g. at a service centre.
const Roles kConsumerOrAdmin = {v1::ROLE_CONSUMER, v1::ROLE_ADMIN};

// ConsumerService: a consumer's meters, balances, statements and online
// recharge orders. The wallet checks that the meter or order is the caller's.
class ConsumerService final : public WalletService<v1::ConsumerService> {
 public:
  ConsumerService(Calls* calls, OnlineRecharge* online_recharge)
      : WalletService(calls), online_recharge_(online_recharge) {}

  ServerUnaryReactor* ListMyMeters(CallbackServerContext* ctx,
                                   const v1::ListMyMetersRequest* request,
                                   v1::ListMyMetersResponse* response) override {
    return Serve(
        ctx, "ListMyMeters", kConsumerOnly, response,
        [&](const wallet::Principal& who, auto done) { done(wallet()->ListMyMeters(who)); });
  }

  ServerUnaryReactor* GetBalance(CallbackServerContext* ctx, const v1::GetBalanceRequest* request,
                                 v1::GetBalanceResponse* response) override {
    return Serve(ctx, "GetBalance", kConsumerOrAdmin, response,
                 [&](const wallet::Principal& who, auto done) {
                   done(wallet()->GetBalance(who, request->meter_id()));
                 });
  }

  ServerUnaryReactor* ListTransactions(CallbackServerContext* ctx,
                                       const v1::ListTransactionsRequest* request,
                                       v1::ListTransactionsResponse* response) override {
    return Serve(ctx, "ListTransactions", kConsumerOrAdmin, response,
                 [&](const wallet::Principal& who, auto done) {
                   done(wallet()->ListTransactions(who, *request));
                 });
  }

  ServerUnaryReactor* StartRecharge(CallbackServerContext* ctx,
                                    const v1::StartRechargeRequest* request,
                                    v1::StartRechargeResponse* response) override {
    return Serve(ctx, "StartRecharge", kConsumerOrAdmin, response,
                 [&](const wallet::Principal& who, auto done) {
                   if (online_recharge_ != nullptr) {
                     online_recharge_->Start(who, *request, std::move(done));
                   } else {
                     wallet()->StartRecharge(who, *request, std::move(done));
                   }
                 });
  }

  ServerUnaryReactor* GetOrder(CallbackServerContext* ctx, const v1::GetOrderRequest* request,
                               v1::Order* response) override {
    return Serve(ctx, "GetOrder", kConsumerOrAdmin, response,
                 [&](const wallet::Principal& who, auto done) {
                   done(wallet()->GetOrder(who, request->order_id()));
                 });
  }

  ServerUnaryReactor* ListOrders(CallbackServerContext* ctx, const v1::ListOrdersRequest* request,
                                 v1::ListOrdersResponse* response) override {
    return Serve(ctx, "ListOrders", kConsumerOrAdmin, response,
                 [&](const wallet::Principal& who, auto done) {
                   done(wallet()->ListOrders(who, *request));
                 });
  }

  ServerUnaryReactor* CancelOrder(CallbackServerContext* ctx, const v1::CancelOrderRequest* request,
                                  v1::CancelOrderResponse* response) override {
    return Serve(ctx, "CancelOrder", kConsumerOrAdmin, response,
                 [&](const wallet::Principal& who, auto done) {
                   wallet()->CancelOrder(who, *request, std::move(done));
                 });
  }

 private:
  OnlineRecharge* const online_recharge_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewConsumerService(Calls* calls, OnlineRecharge* online_recharge) {
  return std::make_unique<ConsumerService>(calls, online_recharge);
}

}  // namespace api
