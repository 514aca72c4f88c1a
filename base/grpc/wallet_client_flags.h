// The flags of a program that calls walletd over gRPC (meter-gatewayd,
// notifierd), defined once so that each program names and reads them alike:
//
//   --wallet           walletd's gRPC address (host:port)
//   --api_key_file     file holding the program's API key for walletd
//   --wallet_tls_ca    PEM CA that signed walletd's certificate; empty: plaintext
//   --wallet_tls_cert  PEM client certificate, for a walletd that requires one
//   --wallet_tls_key   its private key
//
// Linking this file into a program adds the flags; call WalletClientFromFlags
// after absl::ParseCommandLine. Not thread-safe against flag changes (like
// every absl::GetFlag reader, it reads them once at start-up).
#ifndef BASE_GRPC_WALLET_CLIENT_FLAGS_H_
#define BASE_GRPC_WALLET_CLIENT_FLAGS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"

namespace base {

// How a program reaches walletd.
struct WalletClientConfig {
  std::string address;
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  std::string api_key;  // a secret: never logged
};

// WalletClientFromFlags reads the flags above. Errors: those of
// base::ChannelCredentialsFrom (base/grpc/tls.h) for the TLS files and of
// base::ReadApiKeyFile (base/daemon_files.h) for the key file.
absl::StatusOr<WalletClientConfig> WalletClientFromFlags();

}  // namespace base

#endif  // BASE_GRPC_WALLET_CLIENT_FLAGS_H_
