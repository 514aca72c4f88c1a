// walletd's gRPC services for people and payments: thin callback services
// that authorise, call the wallet and map the status. No business rules live
// here. Each service is defined in its own file (api/<name>_service.cc) as a
// WalletService (api/call.h), one statement a method.
//
// Every factory takes `calls` not owned; it must outlive the service.
#ifndef API_SERVICES_H_
#define API_SERVICES_H_

#include <memory>

#include "api/call.h"
#include "base/clock.h"
#include "grpcpp/grpcpp.h"

namespace api {

// NewAdminService serves wallet.v1.AdminService to ROLE_ADMIN keys. Its
// SetClock moves `settable_clock` (not owned; null refuses SetClock with
// FAILED_PRECONDITION, as on a production walletd).
std::unique_ptr<grpc::Service> NewAdminService(Calls* calls, base::SettableClock* settable_clock);

class StreamHub;

// NewCollectionService serves wallet.v1.CollectionService to ROLE_ADMIN
// keys: dues imports (a stream answered chunk by chunk), defaulter lists,
// payments toward dues at a counter, and collection drives. `drive_hub` (not
// owned; it must outlive the service's calls) wakes WatchDrive streams when a
// committed group changed a drive (Wallet::SetDriveListener).
std::unique_ptr<grpc::Service> NewCollectionService(Calls* calls, StreamHub* drive_hub);

class OnlineRecharge;

// NewConsumerService serves wallet.v1.ConsumerService to consumers (their own
// meters) and admins. With `online_recharge` (not owned; null: none)
// StartRecharge goes through the payment gateway.
std::unique_ptr<grpc::Service> NewConsumerService(Calls* calls,
                                                  OnlineRecharge* online_recharge = nullptr);

// NewPaymentGatewayService serves wallet.v1.PaymentGatewayService to the
// payment gateway's key only.
std::unique_ptr<grpc::Service> NewPaymentGatewayService(Calls* calls);

// NewSignInService serves wallet.v1.SignInService: OTP sign-in without
// credentials, then linking and signing out with the sign-in token.
std::unique_ptr<grpc::Service> NewSignInService(Calls* calls);

// NewRetailerService serves wallet.v1.RetailerService to retailers (their own
// float) and admins.
std::unique_ptr<grpc::Service> NewRetailerService(Calls* calls);

}  // namespace api

#endif  // API_SERVICES_H_
