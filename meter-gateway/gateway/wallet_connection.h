// WalletConnection: the gateway's connection to walletd, and the one place
// that decides how its calls are retried. The shape is google-cloud-cpp's:
// the gateway's parts call a WalletConnection (retry policy, back-off,
// per-call deadline), which calls a WalletStub (one attempt, the API key as
// metadata, wallet_stub.h).
//
// Retries: every call, outcome reports and reading batches alike, and the
// reopening of the relay command stream follow one RetryPolicy
// (WalletConnectionOptions::retry): exponential back-off with jitter, each
// attempt with its own deadline (call_timeout), and only for the codes
// IsRetryable names. Any other error is walletd's answer about the request
// itself, the same on every try: it is logged and returned at once.
//
// Stopping: StopRetrying ends every back-off wait at once and makes every
// later call a single attempt, so that a stopping gateway sends what it has
// once and does not wait for a walletd that is away; CloseRelayStream then
// ends the stream.
//
// Threads: every method is thread-safe, except that RunRelayStream runs on
// one thread at a time.
//
// Example:
//   std::unique_ptr<WalletConnection> wallet =
//       MakeWalletConnection(MakeGrpcWalletStub(address, key), WalletConnectionOptions{});
//   absl::Status reported = wallet->ReportRelayOutcome(outcome);
//   if (!reported.ok() && IsRetryable(reported.code())) { /* stopped first: not delivered */ }
#ifndef METER_GATEWAY_GATEWAY_WALLET_CONNECTION_H_
#define METER_GATEWAY_GATEWAY_WALLET_CONNECTION_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/metrics.h"
#include "meter-gateway/gateway/retry_policy.h"
#include "meter-gateway/gateway/wallet_stub.h"
#include "wallet/v1/meter.pb.h"

namespace meter_gateway {

// IsRetryable is true for the errors another attempt may cure:
//   UNAVAILABLE         walletd down, restarting, or refusing writes while
//                       its disk is full;
//   DEADLINE_EXCEEDED   the attempt's deadline passed (walletd busy, or the
//                       network slow);
//   RESOURCE_EXHAUSTED  walletd or the channel overloaded;
//   ABORTED             a conflict the API asks the caller to retry.
bool IsRetryable(absl::StatusCode code);

struct WalletConnectionOptions {
  // How every call to walletd is retried. Default: 100 ms doubling to 5 s,
  // jitter 0.2, no attempt limit (until success, an error IsRetryable does
  // not name, or StopRetrying).
  RetryPolicy retry = {absl::Milliseconds(100), absl::Seconds(5), 2.0, 0.2, 0};
  // The deadline of each attempt of a unary call. Default: 10 s.
  absl::Duration call_timeout = absl::Seconds(10);
  // Seeds the jitter. Default: 1.
  uint64_t seed = 1;
};

// RelayStreamListener: what the relay command stream feeds. Called on the
// thread that runs RunRelayStream.
class RelayStreamListener {
 public:
  virtual ~RelayStreamListener() = default;
  // ResumeAfter is the stream position to resume after when the stream is
  // opened or reopened: every command up to it needs no more work.
  virtual uint64_t ResumeAfter() = 0;
  // OnCommand takes one command, in stream order; after a reopen, commands
  // already taken may come again.
  virtual void OnCommand(const wallet::v1::RelayCommand& command) = 0;
};

class WalletConnection {
 public:
  virtual ~WalletConnection() = default;

  // ReportRelayOutcome sends a relay outcome or observation. OK once walletd
  // has it; walletd's error if it refused it for good (IsRetryable false);
  // the last retryable error if retries were stopped, or ran out, first.
  virtual absl::Status ReportRelayOutcome(const wallet::v1::RelayOutcome& outcome) = 0;

  // IngestReadings sends one batch of readings, the same batch id on every
  // attempt (walletd applies a batch once). walletd's answer, or errors as
  // ReportRelayOutcome's.
  virtual absl::StatusOr<wallet::v1::IngestReadingsResponse> IngestReadings(
      const wallet::v1::IngestReadingsRequest& request) = 0;

  // RunRelayStream opens the relay command stream, resuming after
  // listener->ResumeAfter(), and passes each command to listener->OnCommand.
  // When the stream ends it is reopened after the policy's back-off (reset
  // once walletd takes a stream). Returns once CloseRelayStream is called,
  // or once the stream ends after StopRetrying.
  virtual void RunRelayStream(RelayStreamListener* listener) = 0;

  // Acknowledge writes `seq` as the stream's acknowledged position if it is
  // beyond the last one written on the open stream. Nothing while no stream
  // is open: the next one resumes from ResumeAfter().
  virtual void Acknowledge(uint64_t seq) = 0;

  // connected is true while a relay command stream is open.
  virtual bool connected() const = 0;

  // StopRetrying: see Stopping above. Irreversible.
  virtual void StopRetrying() = 0;
  // CloseRelayStream cancels the open stream, if any, and lets
  // RunRelayStream return. Irreversible.
  virtual void CloseRelayStream() = 0;

  // RegisterMetrics adds gateway_ingest_errors_total,
  // gateway_stream_reconnects_total and gateway_stream_connected to
  // `metrics`; the connection must outlive every later Render.
  virtual void RegisterMetrics(base::Metrics* metrics) = 0;
};

// MakeWalletConnection returns a connection that calls walletd through
// `stub`.
std::unique_ptr<WalletConnection> MakeWalletConnection(std::unique_ptr<WalletStub> stub,
                                                       const WalletConnectionOptions& options);

}  // namespace meter_gateway

#endif  // METER_GATEWAY_GATEWAY_WALLET_CONNECTION_H_
