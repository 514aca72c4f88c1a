#include "api/call.h"

#include <algorithm>

#include "glog/logging.h"

namespace api {

grpc::Status ToGrpc(const absl::Status& status, const std::string& method) {
  if (status.ok()) return grpc::Status::OK;
  if (status.code() == absl::StatusCode::kInternal || status.code() == absl::StatusCode::kUnknown ||
      status.code() == absl::StatusCode::kDataLoss) {
    LOG(ERROR) << method << " failed: " << status;
    return grpc::Status(grpc::StatusCode::INTERNAL, "internal error; see the server log");
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
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

}  // namespace api
