#include "meter-gateway/gateway/wallet_stub.h"

#include <utility>

#include "grpcpp/grpcpp.h"
#include "wallet/v1/meter.grpc.pb.h"

namespace meter_gateway {
namespace {

namespace v1 = ::wallet::v1;

// The wire's status at the edge: gRPC and Abseil share the canonical codes.
absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

class GrpcRelayStream final : public RelayStream {
 public:
  GrpcRelayStream(std::unique_ptr<grpc::ClientContext> context,
                  v1::MeterGatewayService::Stub* stub)
      : context_(std::move(context)), stream_(stub->StreamRelayCommands(context_.get())) {}

  bool Write(const v1::StreamAck& message) override { return stream_->Write(message); }
  void WaitUntilAccepted() override { stream_->WaitForInitialMetadata(); }
  bool Read(v1::RelayCommand* command) override { return stream_->Read(command); }
  void Cancel() override { context_->TryCancel(); }
  absl::Status Finish() override { return FromGrpc(stream_->Finish()); }

 private:
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::StreamAck, v1::RelayCommand>> stream_;
};

class GrpcWalletStub final : public WalletStub {
 public:
  GrpcWalletStub(const std::string& address,
                 const std::shared_ptr<grpc::ChannelCredentials>& credentials, std::string api_key)
      : api_key_(std::move(api_key)),
        channel_(grpc::CreateChannel(
            address, credentials != nullptr ? credentials : grpc::InsecureChannelCredentials())),
        gateway_(v1::MeterGatewayService::NewStub(channel_)),
        ingest_(v1::MeterIngestService::NewStub(channel_)) {}

  absl::Status ReportRelayOutcome(const v1::RelayOutcome& outcome,
                                  absl::Duration timeout) override {
    std::unique_ptr<grpc::ClientContext> context = NewContext(timeout);
    v1::ReportRelayOutcomeResponse response;
    return FromGrpc(gateway_->ReportRelayOutcome(context.get(), outcome, &response));
  }

  absl::StatusOr<v1::IngestReadingsResponse> IngestReadings(
      const v1::IngestReadingsRequest& request, absl::Duration timeout) override {
    std::unique_ptr<grpc::ClientContext> context = NewContext(timeout);
    v1::IngestReadingsResponse response;
    const grpc::Status status = ingest_->IngestReadings(context.get(), request, &response);
    if (!status.ok()) return FromGrpc(status);
    return response;
  }

  std::unique_ptr<RelayStream> StreamRelayCommands() override {
    return std::make_unique<GrpcRelayStream>(NewContext(absl::InfiniteDuration()),
                                             gateway_.get());
  }

 private:
  std::unique_ptr<grpc::ClientContext> NewContext(absl::Duration timeout) const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("x-api-key", api_key_);
    if (timeout != absl::InfiniteDuration()) {
      context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    }
    return context;
  }

  const std::string api_key_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::MeterGatewayService::Stub> gateway_;
  std::unique_ptr<v1::MeterIngestService::Stub> ingest_;
};

}  // namespace

std::unique_ptr<WalletStub> MakeGrpcWalletStub(
    const std::string& address, std::shared_ptr<grpc::ChannelCredentials> credentials,
    const std::string& api_key) {
  return std::make_unique<GrpcWalletStub>(address, credentials, api_key);
}

}  // namespace meter_gateway
