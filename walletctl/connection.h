// The one place walletctl connects to walletd: the address, the API key (from
// a flag, a file or the environment) and the deadline of each call.
//
// TLS (--tls_ca, and --tls_cert/--tls_key for a walletd that asks for a
// client certificate) is set up in Connection::Open and nowhere else.
//
// Example:
//   ApiKeySources sources;
//   sources.flag_file = "admin.key";
//   absl::StatusOr<std::string> key = ResolveApiKey(sources);
//   ConnectionOptions options;
//   options.api_key = *key;
//   absl::StatusOr<std::unique_ptr<Connection>> connection = Connection::Open(options);
//   grpc::ClientContext context;
//   (*connection)->Prepare(context, /*deadline=*/true);
//   (*connection)->Stub<wallet::v1::AdminService::Stub>().CheckLedger(&context, ...);
//
// Thread safety: a Connection may be used from several threads (gRPC stubs
// are thread-safe).
#ifndef WALLETCTL_CONNECTION_H_
#define WALLETCTL_CONNECTION_H_

#include <memory>
#include <string>
#include <tuple>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/grpc/tls.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "wallet/v1/collection.grpc.pb.h"
#include "wallet/v1/consumer.grpc.pb.h"
#include "wallet/v1/meter.grpc.pb.h"
#include "wallet/v1/payment.grpc.pb.h"
#include "wallet/v1/retailer.grpc.pb.h"

namespace walletctl {

// Where the API key may come from, first match wins: the flags (at most one
// of them), then the environment's WALLETCTL_API_KEY_FILE, then its
// WALLETCTL_API_KEY. Empty fields are "not given".
struct ApiKeySources {
  std::string flag_key;   // --api_key
  std::string flag_file;  // --api_key_file
  std::string env_file;   // $WALLETCTL_API_KEY_FILE
  std::string env_key;    // $WALLETCTL_API_KEY
};

// ResolveApiKey returns the API key, or "" when no source gives one (walletd
// then answers UNAUTHENTICATED). NotFound if the key file cannot be read,
// FailedPrecondition if it holds only whitespace.
absl::StatusOr<std::string> ResolveApiKey(const ApiKeySources& sources);

struct ConnectionOptions {
  // walletd's address, host:port.
  std::string server = "127.0.0.1:50051";
  // TLS: the CA that signed walletd's certificate and, for a walletd that
  // asks for one, the client's certificate and key. Empty: plaintext.
  base::ClientTlsFiles tls;
  // Sent as call metadata x-api-key; empty sends none.
  std::string api_key;
  // Deadline of each unary call (streams have none).
  absl::Duration timeout = absl::Seconds(10);
};

class Connection {
 public:
  // Open makes the channel; it connects on the first call. Errors are those
  // of base::ChannelCredentialsFrom (an unreadable certificate file, ...).
  static absl::StatusOr<std::unique_ptr<Connection>> Open(ConnectionOptions options);

  // Stub returns the stub of one of walletd's services, e.g.
  // Stub<wallet::v1::AdminService::Stub>().
  template <typename S>
  S& Stub() const {
    return *std::get<std::unique_ptr<S>>(stubs_);
  }

  // Prepare adds the API key to a call's `context` and, with `deadline`, the
  // call's deadline.
  void Prepare(grpc::ClientContext& context, bool deadline) const;

  absl::Duration timeout() const { return options_.timeout; }

 private:
  Connection(ConnectionOptions options, const std::shared_ptr<grpc::Channel>& channel);

  ConnectionOptions options_;
  std::tuple<std::unique_ptr<wallet::v1::AdminService::Stub>,
             std::unique_ptr<wallet::v1::RetailerService::Stub>,
             std::unique_ptr<wallet::v1::ConsumerService::Stub>,
             std::unique_ptr<wallet::v1::PaymentGatewayService::Stub>,
             std::unique_ptr<wallet::v1::MeterIngestService::Stub>,
             std::unique_ptr<wallet::v1::MeterGatewayService::Stub>,
             std::unique_ptr<wallet::v1::NotificationService::Stub>,
             std::unique_ptr<wallet::v1::CollectionService::Stub>>
      stubs_;
};

// FromGrpc keeps a gRPC status's code and message: gRPC and Abseil share the
// canonical code numbers.
absl::Status FromGrpc(const grpc::Status& status);

}  // namespace walletctl

#endif  // WALLETCTL_CONNECTION_H_
