// The TLS flags of a program that calls walletd over gRPC (meter-gatewayd,
// notifierd), defined once so that each program names them alike:
//
//   --wallet_tls_ca    PEM CA that signed walletd's certificate; empty: plaintext
//   --wallet_tls_cert  PEM client certificate, for a walletd that requires one
//   --wallet_tls_key   its private key
//
// Linking this file into a program adds the flags; call
// ClientCredentialsFromFlags after absl::ParseCommandLine.
#ifndef BASE_GRPC_CLIENT_TLS_FLAGS_H_
#define BASE_GRPC_CLIENT_TLS_FLAGS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"

namespace base {

// ClientCredentialsFromFlags: the channel credentials the flags describe;
// errors as base::ChannelCredentialsFrom (base/grpc/tls.h).
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ClientCredentialsFromFlags();

}  // namespace base

#endif  // BASE_GRPC_CLIENT_TLS_FLAGS_H_
