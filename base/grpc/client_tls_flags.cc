#include "base/grpc/client_tls_flags.h"

#include <string>

#include "absl/flags/flag.h"
#include "base/grpc/tls.h"

ABSL_FLAG(std::string, wallet_tls_ca, "",
          "PEM CA that signed walletd's certificate: reach walletd over TLS; empty: plaintext");
ABSL_FLAG(std::string, wallet_tls_cert, "",
          "PEM client certificate for a walletd that requires one (with --wallet_tls_key)");
ABSL_FLAG(std::string, wallet_tls_key, "", "PEM private key of --wallet_tls_cert");

namespace base {

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ClientCredentialsFromFlags() {
  return ChannelCredentialsFrom({absl::GetFlag(FLAGS_wallet_tls_ca),
                                 absl::GetFlag(FLAGS_wallet_tls_cert),
                                 absl::GetFlag(FLAGS_wallet_tls_key)});
}

}  // namespace base
