#include "api/call.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "glog/logging.h"
#include "google/protobuf/descriptor.h"

namespace api {

grpc::Status ToGrpc(const absl::Status& status, const std::string& method) {
  if (status.ok()) return grpc::Status::OK;
  if (status.code() == absl::StatusCode::kInternal || status.code() == absl::StatusCode::kUnknown ||
      status.code() == absl::StatusCode::kDataLoss) {
    LOG(ERROR) << method << " failed: " << status;
    return grpc::Status(grpc::StatusCode::INTERNAL, "internal error; see the server log");
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

absl::StatusOr<wallet::Principal> Calls::Authorize(grpc::CallbackServerContext* ctx,
                                                   const Roles& roles) const {
  if (roles.empty()) return wallet::Principal();
  const auto& metadata = ctx->client_metadata();
  absl::StatusOr<wallet::Principal> who;
  auto bearer = metadata.find(kAuthorizationHeader);
  auto key = metadata.find(kApiKeyHeader);
  if (bearer != metadata.end()) {
    absl::string_view value(bearer->second.data(), bearer->second.size());
    if (!absl::ConsumePrefix(&value, "Bearer ")) {
      return absl::UnauthenticatedError("authorization must be \"Bearer <sign-in token>\"");
    }
    who = wallet_->AuthenticateToken(value);
  } else if (key != metadata.end()) {
    who = wallet_->Authenticate(absl::string_view(key->second.data(), key->second.size()));
  } else {
    return absl::UnauthenticatedError(
        "missing API key: send it in the x-api-key metadata (or a sign-in token as "
        "authorization: Bearer <token>)");
  }
  if (!who.ok()) return who;
  if (std::find(roles.begin(), roles.end(), who->role) == roles.end()) {
    return absl::PermissionDeniedError("this API key's role may not make this call");
  }
  return who;
}

Calls::MethodCounters Calls::RegisterUnaryMethods(absl::string_view service_full_name) {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          std::string(service_full_name));
  CHECK(service != nullptr) << "no generated descriptor for " << service_full_name;
  MethodCounters counters;
  for (int i = 0; i < service->method_count(); ++i) {
    const google::protobuf::MethodDescriptor* method = service->method(i);
    if (method->client_streaming() || method->server_streaming()) continue;
    counters[method->name()] =
        metrics_->RegisterMethod(absl::StrCat(service->name(), "/", method->name()));
  }
  return counters;
}

}  // namespace api
