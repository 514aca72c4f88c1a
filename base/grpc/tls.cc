#include "base/grpc/tls.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace base {
namespace {

// ReadPem returns the whole file; the text is never put in an error.
absl::StatusOr<std::string> ReadPem(const std::string& path, const char* what) {
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read ", what, " file ", path));
  std::stringstream text;
  text << file.rdbuf();
  if (!absl::StrContains(text.str(), "-----BEGIN ")) {
    return absl::FailedPreconditionError(absl::StrCat(what, " file ", path, " holds no PEM block"));
  }
  return text.str();
}

// ReadPair reads a certificate and its key, which come together or not at all.
absl::Status ReadPair(const std::string& cert_file, const std::string& key_file, std::string* cert,
                      std::string* key) {
  if (cert_file.empty() != key_file.empty()) {
    return absl::InvalidArgumentError(
        "a TLS certificate and its private key are given together: name both files or neither");
  }
  if (cert_file.empty()) return absl::OkStatus();
  absl::StatusOr<std::string> c = ReadPem(cert_file, "TLS certificate");
  if (!c.ok()) return c.status();
  absl::StatusOr<std::string> k = ReadPem(key_file, "TLS private key");
  if (!k.ok()) return k.status();
  *cert = *std::move(c);
  *key = *std::move(k);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFrom(
    const ServerTlsFiles& files) {
  std::string cert, key;
  if (absl::Status s = ReadPair(files.cert_file, files.key_file, &cert, &key); !s.ok()) return s;
  if (cert.empty()) {
    if (!files.client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "a client CA needs TLS: name the server's certificate and key as well");
    }
    return grpc::InsecureServerCredentials();
  }
  grpc::SslServerCredentialsOptions options(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_key_cert_pairs.push_back({key, cert});
  if (!files.client_ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadPem(files.client_ca_file, "client CA");
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *std::move(ca);
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFrom(
    const ClientTlsFiles& files) {
  std::string cert, key;
  if (absl::Status s = ReadPair(files.cert_file, files.key_file, &cert, &key); !s.ok()) return s;
  if (files.ca_file.empty()) {
    if (!cert.empty()) {
      return absl::InvalidArgumentError(
          "a client certificate needs TLS: name the CA that signed the server's certificate too");
    }
    return grpc::InsecureChannelCredentials();
  }
  absl::StatusOr<std::string> ca = ReadPem(files.ca_file, "TLS CA");
  if (!ca.ok()) return ca.status();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = *std::move(ca);
  options.pem_private_key = std::move(key);
  options.pem_cert_chain = std::move(cert);
  return grpc::SslCredentials(options);
}

}  // namespace base
