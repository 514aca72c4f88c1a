// gRPC credentials from PEM files, for walletd's listener and for the
// programs that call it (walletctl, meter-gatewayd, the notifier).
//
// With no files named, both functions return plaintext credentials, so that a
// loopback deployment and the tests need no certificates. A server with a
// certificate serves TLS 1.2 or later; given a client CA as well, it requires
// every client to present a certificate signed by that CA (mutual TLS, for
// the meter gateway and the notifier). A client with a CA file verifies the
// server's certificate against it, and with its own certificate and key
// presents them.
//
// Errors name the file and what is wrong with it, never its contents:
// InvalidArgument for a combination that makes no sense (a key without a
// certificate, a client CA on a plaintext server), NotFound for a missing
// file, FailedPrecondition for a file without a PEM block.
//
// Thread safety: both functions keep no state.
//
// Example:
//   base::ServerTlsFiles files{"walletd.crt", "walletd.key", ""};
//   absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> creds =
//       base::ServerCredentialsFrom(files);
//   if (!creds.ok()) return creds.status();
//   builder.AddListeningPort(address, *creds, &port);
#ifndef BASE_GRPC_TLS_H_
#define BASE_GRPC_TLS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace base {

struct ServerTlsFiles {
  std::string cert_file;       // the server's certificate chain, PEM
  std::string key_file;        // its private key, PEM
  std::string client_ca_file;  // if set: clients must present a certificate from this CA
};

struct ClientTlsFiles {
  std::string ca_file;    // if set: TLS, the server's certificate is checked against it
  std::string cert_file;  // if set (with key_file): the client's own certificate
  std::string key_file;
};

// ServerCredentialsFrom: plaintext when no file is named; see above.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFrom(
    const ServerTlsFiles& files);

// ChannelCredentialsFrom: plaintext when no file is named; see above.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFrom(
    const ClientTlsFiles& files);

}  // namespace base

#endif  // BASE_GRPC_TLS_H_
