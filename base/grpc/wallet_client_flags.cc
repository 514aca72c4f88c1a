#include "base/grpc/wallet_client_flags.h"

#include <string>

#include "absl/flags/flag.h"
#include "base/daemon_files.h"
#include "base/grpc/tls.h"
#include "base/status_macros.h"

ABSL_FLAG(std::string, wallet, "127.0.0.1:50051", "walletd's gRPC address");
ABSL_FLAG(std::string, api_key_file, "",
          "file holding this program's API key for walletd (METER_GATEWAY or ADMIN role)");
ABSL_FLAG(std::string, wallet_tls_ca, "",
          "PEM CA that signed walletd's certificate: reach walletd over TLS; empty: plaintext");
ABSL_FLAG(std::string, wallet_tls_cert, "",
          "PEM client certificate for a walletd that requires one (with --wallet_tls_key)");
ABSL_FLAG(std::string, wallet_tls_key, "", "PEM private key of --wallet_tls_cert");

namespace base {

absl::StatusOr<WalletClientConfig> WalletClientFromFlags() {
  WalletClientConfig config;
  config.address = absl::GetFlag(FLAGS_wallet);
  WALLET_ASSIGN_OR_RETURN(config.credentials,
                          ChannelCredentialsFrom({absl::GetFlag(FLAGS_wallet_tls_ca),
                                                  absl::GetFlag(FLAGS_wallet_tls_cert),
                                                  absl::GetFlag(FLAGS_wallet_tls_key)}));
  WALLET_ASSIGN_OR_RETURN(config.api_key, ReadApiKeyFile(absl::GetFlag(FLAGS_api_key_file)));
  return config;
}

}  // namespace base
