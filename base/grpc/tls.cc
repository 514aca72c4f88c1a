#include "base/grpc/tls.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/daemon_files.h"

namespace base {

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFrom(
    const ServerTlsFiles& files) {
  absl::StatusOr<TlsPair> pair = ReadTlsPair(files.cert_file, files.key_file);
  if (!pair.ok()) return pair.status();
  if (pair->empty()) {
    if (!files.client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "a client CA needs TLS: name the server's certificate and key as well");
    }
    return grpc::InsecureServerCredentials();
  }
  grpc::SslServerCredentialsOptions options(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_key_cert_pairs.push_back({pair->key_pem, pair->cert_pem});
  if (!files.client_ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadPemFile(files.client_ca_file, "client CA");
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *std::move(ca);
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFrom(
    const ClientTlsFiles& files) {
  absl::StatusOr<TlsPair> pair = ReadTlsPair(files.cert_file, files.key_file);
  if (!pair.ok()) return pair.status();
  if (files.ca_file.empty()) {
    if (!pair->empty()) {
      return absl::InvalidArgumentError(
          "a client certificate needs TLS: name the CA that signed the server's certificate too");
    }
    return grpc::InsecureChannelCredentials();
  }
  absl::StatusOr<std::string> ca = ReadPemFile(files.ca_file, "TLS CA");
  if (!ca.ok()) return ca.status();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = *std::move(ca);
  options.pem_private_key = std::move(pair->key_pem);
  options.pem_cert_chain = std::move(pair->cert_pem);
  return grpc::SslCredentials(options);
}

}  // namespace base
