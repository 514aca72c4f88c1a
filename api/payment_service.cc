#include <memory>

#include "api/services.h"
#include "wallet/v1/payment.grpc.pb.h"

namespace api {
namespace {

// Only the gateway may say money arrived: a consumer can never credit itself.
const Roles kPaymentGatewayOnly = {v1::ROLE_PAYMENT_GATEWAY};

class PaymentGatewayService final : public WalletService<v1::PaymentGatewayService> {
 public:
  explicit PaymentGatewayService(Calls* calls) : WalletService(calls) {}

  ServerUnaryReactor* ConfirmPayment(CallbackServerContext* ctx,
                                     const v1::ConfirmPaymentRequest* request,
                                     v1::ConfirmPaymentResponse* response) override {
    return Serve(ctx, "ConfirmPayment", kPaymentGatewayOnly, response,
                 [&](const wallet::Principal&, auto done) {
                   wallet()->ConfirmPayment(*request, std::move(done));
                 });
  }
};

}  // namespace

std::unique_ptr<grpc::Service> NewPaymentGatewayService(Calls* calls) {
  return std::make_unique<PaymentGatewayService>(calls);
}

}  // namespace api
