// walletd's gRPC server (api::WalletServer) run inside a test over the test's
// own Wallet, on ephemeral ports of 127.0.0.1, and a channel to it: the
// server half of the API tests that want real sockets without a walletd
// process.
#ifndef TESTS_TESTING_LOCAL_SERVER_H_
#define TESTS_TESTING_LOCAL_SERVER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "api/server.h"
#include "grpcpp/grpcpp.h"
#include "wallet/wallet.h"

namespace wallet::testing {

// StartLocalServer serves `wallet` (which must outlive the server) on an
// ephemeral port of 127.0.0.1; with `http`, the HTTP listener (/healthz,
// /metrics) too, on another ephemeral port, else none.
inline absl::StatusOr<std::unique_ptr<api::WalletServer>> StartLocalServer(Wallet* wallet,
                                                                           bool http = false) {
  api::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.http_listen = http ? "127.0.0.1:0" : "";
  return api::WalletServer::Start(wallet, options);
}

// LocalChannel is an insecure channel to `server`'s gRPC port.
inline std::shared_ptr<grpc::Channel> LocalChannel(const api::WalletServer& server) {
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", server.grpc_port()),
                             grpc::InsecureChannelCredentials());
}

}  // namespace wallet::testing

#endif  // TESTS_TESTING_LOCAL_SERVER_H_
