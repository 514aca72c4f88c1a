// WalletStub: the gateway's calls to walletd, one attempt each, with the
// API key sent as call metadata and walletd's status converted to
// absl::Status (the same canonical codes). No retries, no policy: those are
// WalletConnection's (wallet_connection.h), which is what the gateway's
// parts use. This is the layer a test replaces with a fake to play walletd.
//
// Example:
//   std::unique_ptr<WalletStub> stub = MakeGrpcWalletStub("127.0.0.1:50051", key);
//   absl::Status reported = stub->ReportRelayOutcome(outcome, absl::Seconds(10));
#ifndef METER_GATEWAY_GATEWAY_WALLET_STUB_H_
#define METER_GATEWAY_GATEWAY_WALLET_STUB_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/security/credentials.h"
#include "wallet/v1/meter.pb.h"

namespace meter_gateway {

// RelayStream: one open MeterGatewayService.StreamRelayCommands call.
// Read may run on one thread while Write runs on another; two Writes must
// not overlap. Cancel may be called from any thread at any time.
class RelayStream {
 public:
  virtual ~RelayStream() = default;
  // Write sends a resume or acknowledgement message; false once the stream
  // is broken.
  virtual bool Write(const wallet::v1::StreamAck& message) = 0;
  // WaitUntilAccepted blocks until walletd has taken the stream (its initial
  // metadata, sent once it has read the resume message) or the stream ended.
  virtual void WaitUntilAccepted() = 0;
  // Read blocks for the next command; false once the stream has ended.
  virtual bool Read(wallet::v1::RelayCommand* command) = 0;
  // Cancel ends the stream: Read and Write fail from then on.
  virtual void Cancel() = 0;
  // Finish returns how the stream ended. Call once, after Read returned
  // false.
  virtual absl::Status Finish() = 0;
};

// WalletStub: thread-safe; every method may be called from any thread.
class WalletStub {
 public:
  virtual ~WalletStub() = default;
  // ReportRelayOutcome sends a relay outcome or observation; walletd's
  // answer, DeadlineExceeded after `timeout`.
  virtual absl::Status ReportRelayOutcome(const wallet::v1::RelayOutcome& outcome,
                                          absl::Duration timeout) = 0;
  // IngestReadings sends one batch; walletd's answer, DeadlineExceeded after
  // `timeout`.
  virtual absl::StatusOr<wallet::v1::IngestReadingsResponse> IngestReadings(
      const wallet::v1::IngestReadingsRequest& request, absl::Duration timeout) = 0;
  // StreamRelayCommands opens the relay command stream (no deadline). The
  // stream is the caller's.
  virtual std::unique_ptr<RelayStream> StreamRelayCommands() = 0;
};

// MakeGrpcWalletStub returns a stub over one gRPC channel to `address` that
// sends `api_key` (role METER_GATEWAY) with every call, secured by
// `credentials` (null: plaintext). The channel connects lazily: walletd need
// not be up yet.
std::unique_ptr<WalletStub> MakeGrpcWalletStub(
    const std::string& address, std::shared_ptr<grpc::ChannelCredentials> credentials,
    const std::string& api_key);

}  // namespace meter_gateway

#endif  // METER_GATEWAY_GATEWAY_WALLET_STUB_H_
