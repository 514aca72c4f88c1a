#include "api/services.h"

namespace api {

PaymentGatewayService::PaymentGatewayService(Calls* calls)
    : calls_(calls), confirm_payment_(calls->Method("PaymentGatewayService/ConfirmPayment")) {}

ServerUnaryReactor* PaymentGatewayService::ConfirmPayment(CallbackServerContext* ctx,
                                                          const v1::ConfirmPaymentRequest* request,
                                                          v1::ConfirmPaymentResponse* response) {
  // Only the gateway may say money arrived: a consumer can never credit itself.
  return calls_->Handle(ctx, confirm_payment_, {v1::ROLE_PAYMENT_GATEWAY}, response,
                        [&](const wallet::Principal&, auto done) {
                          calls_->wallet()->ConfirmPayment(*request, std::move(done));
                        });
}

}  // namespace api
