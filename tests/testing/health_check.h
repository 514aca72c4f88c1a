// CheckHealth: one call of the standard gRPC health service, as the tests of
// walletd's and meter-sim's servers make it.
#ifndef TESTS_TESTING_HEALTH_CHECK_H_
#define TESTS_TESTING_HEALTH_CHECK_H_

#include <chrono>
#include <memory>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace wallet::testing {

// CheckHealth asks the health service behind `channel` about `service` (""
// for the server as a whole) and returns the call's status: NOT_FOUND for a
// service the server does not know, DEADLINE_EXCEEDED after 10 s. On OK,
// `*response` holds the answer.
inline grpc::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                                const std::string& service,
                                grpc::health::v1::HealthCheckResponse* response) {
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return grpc::health::v1::Health::NewStub(channel)->Check(&context, request, response);
}

}  // namespace wallet::testing

#endif  // TESTS_TESTING_HEALTH_CHECK_H_
