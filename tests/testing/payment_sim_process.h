// PaymentSimProcess: payment-gateway-sim as a real child process for the
// online-payment tests, and the walletd flags that point walletd at it.
//
// The simulator must know walletd's webhook URL before walletd starts, and
// walletd the simulator's port: Start picks a free loopback port for
// walletd's webhook listener first, starts the simulator, and WalletdFlags
// then names both to walletd. With `certs_dir` (deploy/make-certs.sh's
// output) both the orders API and the webhooks go over HTTPS, the
// simulator serving with walletd's certificate (made for 127.0.0.1).
//
// Files in `dir`: key_secret, webhook_secret, sim.log, sim.ready.
//
// Thread safety: as ChildProcess (drive it from the thread that started it);
// Pay may be called from any thread.
//
// Example:
//   PaymentSimOptions options;
//   options.binary = PAYMENT_GATEWAY_SIM_PATH;
//   options.dir = dir.path();
//   options.args = {"--webhook_copies=3"};
//   absl::StatusOr<std::unique_ptr<PaymentSimProcess>> sim = PaymentSimProcess::Start(options);
//   walletd_options.extra_args = (*sim)->WalletdFlags();
//   ...
//   ASSERT_THAT((*sim)->Pay(checkout.gateway_order_id(), "captured"), IsOk());
#ifndef WALLET_TESTS_TESTING_PAYMENT_SIM_PROCESS_H_
#define WALLET_TESTS_TESTING_PAYMENT_SIM_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tests/testing/child_process.h"

namespace wallet::testing {

// The merchant's API key id and secret, and the webhook secret, that the
// simulator and walletd share.
inline constexpr char kPaymentKeyId[] = "rzp_test_walletd";
inline constexpr char kPaymentKeySecret[] = "sim_key_secret_0123456789";
inline constexpr char kWebhookSecret[] = "sim_webhook_secret_0123456789";

struct PaymentSimOptions {
  // payment-gateway-sim's executable. Required.
  std::string binary;
  // Where the secrets, the log and the ready file go. Required.
  std::string dir;
  // Further simulator flags (--webhook_copies=3, --webhook_drop, ...).
  // Default: none.
  std::vector<std::string> args;
  // deploy/make-certs.sh's output directory: HTTPS both ways. Default:
  // empty, plain HTTP.
  std::string certs_dir;
};

class PaymentSimProcess final {
 public:
  // Start writes the secrets, picks walletd's webhook port and starts the
  // simulator (webhook retries every 100-500 ms, seed 19). Errors as
  // ChildProcess::Start; Internal if no loopback port is free.
  static absl::StatusOr<std::unique_ptr<PaymentSimProcess>> Start(const PaymentSimOptions& options);

  // WalletdFlags are walletd's flags for this gateway: its URL, key and
  // secret, the webhook listener and secret, and with HTTPS the listener's
  // certificate and the CA to trust the simulator by.
  std::vector<std::string> WalletdFlags() const;

  // Pay completes checkout of `gateway_order_id` as the consumer would
  // (POST /sim/orders/{id}/pay) with `outcome` "captured" or "failed".
  // Unavailable if the simulator cannot be reached; Internal for an answer
  // other than 200, with its body.
  absl::Status Pay(const std::string& gateway_order_id, const std::string& outcome) const;

  // "http" or "https".
  const std::string& scheme() const { return scheme_; }
  // The CA of both servers' certificate; empty for HTTP.
  const std::string& ca_file() const { return ca_file_; }
  int port() const { return port_; }
  int webhook_port() const { return webhook_port_; }
  ChildProcess& process() { return *child_; }

 private:
  PaymentSimProcess() = default;

  std::string dir_;
  std::string scheme_ = "http";
  std::string ca_file_;
  std::string certs_dir_;
  int port_ = 0;
  int webhook_port_ = 0;
  std::unique_ptr<ChildProcess> child_;
};

// FreeLoopbackPort is a port of 127.0.0.1 that was free a moment ago, for a
// server that must be named to another before it starts; 0 if none could
// be bound.
int FreeLoopbackPort();

}  // namespace wallet::testing

#endif  // WALLET_TESTS_TESTING_PAYMENT_SIM_PROCESS_H_
