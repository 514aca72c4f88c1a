#include "walletctl/connection.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace walletctl {
namespace {

namespace v1 = ::wallet::v1;

constexpr char kApiKeyMetadata[] = "x-api-key";

absl::StatusOr<std::string> ReadKeyFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream contents;
  contents << file.rdbuf();
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read API key file ", path));
  std::string key(absl::StripTrailingAsciiWhitespace(contents.str()));
  if (key.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("API key file ", path, " is empty"));
  }
  return key;
}

}  // namespace

absl::StatusOr<std::string> ResolveApiKey(const ApiKeySources& sources) {
  if (!sources.flag_key.empty()) return sources.flag_key;
  if (!sources.flag_file.empty()) return ReadKeyFile(sources.flag_file);
  if (!sources.env_file.empty()) return ReadKeyFile(sources.env_file);
  return sources.env_key;
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(ConnectionOptions options) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      base::ChannelCredentialsFrom(options.tls);
  if (!credentials.ok()) return credentials.status();
  std::shared_ptr<grpc::Channel> channel = grpc::CreateChannel(options.server, *credentials);
  return std::unique_ptr<Connection>(new Connection(std::move(options), channel));
}

Connection::Connection(ConnectionOptions options, const std::shared_ptr<grpc::Channel>& channel)
    : options_(std::move(options)),
      stubs_(v1::AdminService::NewStub(channel), v1::RetailerService::NewStub(channel),
             v1::ConsumerService::NewStub(channel), v1::PaymentGatewayService::NewStub(channel),
             v1::MeterIngestService::NewStub(channel), v1::MeterGatewayService::NewStub(channel),
             v1::NotificationService::NewStub(channel), v1::CollectionService::NewStub(channel)) {}

void Connection::Prepare(grpc::ClientContext& context, bool deadline) const {
  if (!options_.api_key.empty()) context.AddMetadata(kApiKeyMetadata, options_.api_key);
  if (deadline) context.set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
}

absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace walletctl
