#include <memory>

#include "api/services.h"
#include "wallet/v1/signin.grpc.pb.h"

namespace api {
namespace {

// A signed-in consumer's calls: the wallet checks that the principal is a
// sign-in token (a consumer key is PERMISSION_DENIED).
const Roles kSignedIn = {v1::ROLE_CONSUMER};

// SignInService: OTP sign-in, linking consumers, signing out. The OTP and
// the token are never logged.
class SignInService final : public WalletService<v1::SignInService> {
 public:
  explicit SignInService(Calls* calls) : WalletService(calls) {}

  ServerUnaryReactor* RequestSignInOtp(CallbackServerContext* ctx,
                                       const v1::RequestSignInOtpRequest* request,
                                       v1::OtpSent* response) override {
    return Serve(ctx, "RequestSignInOtp", kNoCredentials, response,
                 [&](const wallet::Principal&, auto done) {
                   wallet()->RequestSignInOtp(*request, std::move(done));
                 });
  }

  ServerUnaryReactor* SignIn(CallbackServerContext* ctx, const v1::SignInRequest* request,
                             v1::SignInResponse* response) override {
    return Serve(ctx, "SignIn", kNoCredentials, response, [&](const wallet::Principal&, auto done) {
      wallet()->SignIn(*request, std::move(done));
    });
  }

  ServerUnaryReactor* RequestLinkOtp(CallbackServerContext* ctx,
                                     const v1::RequestLinkOtpRequest* request,
                                     v1::OtpSent* response) override {
    return Serve(ctx, "RequestLinkOtp", kSignedIn, response,
                 [&](const wallet::Principal& who, auto done) {
                   wallet()->RequestLinkOtp(who, *request, std::move(done));
                 });
  }

  ServerUnaryReactor* LinkConsumer(CallbackServerContext* ctx,
                                   const v1::LinkConsumerRequest* request,
                                   v1::LinkConsumerResponse* response) override {
    return Serve(ctx, "LinkConsumer", kSignedIn, response,
                 [&](const wallet::Principal& who, auto done) {
                   wallet()->LinkConsumer(who, *request, std::move(done));
                 });
  }

  ServerUnaryReactor* SignOut(CallbackServerContext* ctx, const v1::SignOutRequest* request,
                              v1::SignOutResponse* response) override {
    return Serve(ctx, "SignOut", kSignedIn, response, [&](const wallet::Principal& who, auto done) {
      wallet()->SignOut(who, std::move(done));
    });
  }
};

}  // namespace

std::unique_ptr<grpc::Service> NewSignInService(Calls* calls) {
  return std::make_unique<SignInService>(calls);
}

}  // namespace api
