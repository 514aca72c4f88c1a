#include "api/call.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
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
  const auto& metadata = ctx->client_metadata();
  auto it = metadata.find(kApiKeyHeader);
  if (it == metadata.end()) {
    return absl::UnauthenticatedError("missing API key: send it in the x-api-key metadata");
  }
  absl::StatusOr<wallet::Principal> who =
      wallet_->Authenticate(absl::string_view(it->second.data(), it->second.size()));
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
