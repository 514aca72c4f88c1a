#include "tests/testing/payment_sim_process.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "base/http_client.h"
#include "nlohmann/json.hpp"
#include "tests/testing/write_file.h"

namespace wallet::testing {

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

absl::StatusOr<std::unique_ptr<PaymentSimProcess>> PaymentSimProcess::Start(
    const PaymentSimOptions& options) {
  std::unique_ptr<PaymentSimProcess> sim(new PaymentSimProcess());
  sim->dir_ = options.dir;
  sim->certs_dir_ = options.certs_dir;
  if (!options.certs_dir.empty()) {
    sim->scheme_ = "https";
    sim->ca_file_ = options.certs_dir + "/ca.crt";
  }
  WriteFile(options.dir + "/key_secret", kPaymentKeySecret);
  WriteFile(options.dir + "/webhook_secret", kWebhookSecret);
  sim->webhook_port_ = FreeLoopbackPort();
  if (sim->webhook_port_ == 0) return absl::InternalError("no free loopback port for webhooks");

  ChildOptions child;
  child.binary = options.binary;
  child.log_path = options.dir + "/sim.log";
  child.ready_file = options.dir + "/sim.ready";
  child.args = {"--listen=127.0.0.1:0",
                absl::StrCat("--key_id=", kPaymentKeyId),
                "--key_secret_file=" + options.dir + "/key_secret",
                absl::StrCat("--webhook_url=", sim->scheme_, "://127.0.0.1:", sim->webhook_port_,
                             "/webhooks/payment-gateway"),
                "--webhook_secret_file=" + options.dir + "/webhook_secret",
                "--webhook_retry_initial=100ms",
                "--webhook_retry_max=500ms",
                "--seed=19",
                "--ready_file=" + child.ready_file};
  if (!options.certs_dir.empty()) {
    // The simulator serves with walletd's certificate, made for 127.0.0.1.
    child.args.insert(child.args.end(), {"--tls_cert_file=" + options.certs_dir + "/walletd.crt",
                                         "--tls_key_file=" + options.certs_dir + "/walletd.key",
                                         "--webhook_ca_file=" + sim->ca_file_});
  }
  child.args.insert(child.args.end(), options.args.begin(), options.args.end());
  absl::StatusOr<std::unique_ptr<ChildProcess>> started = ChildProcess::Start(child);
  if (!started.ok()) return started.status();
  sim->child_ = *std::move(started);
  absl::StatusOr<int> port = sim->child_->ReadyInt("http_port");
  if (!port.ok()) return port.status();
  sim->port_ = *port;
  return sim;
}

std::vector<std::string> PaymentSimProcess::WalletdFlags() const {
  std::vector<std::string> flags = {
      absl::StrCat("--payment_gateway_url=", scheme_, "://127.0.0.1:", port_),
      absl::StrCat("--payment_gateway_key_id=", kPaymentKeyId),
      "--payment_gateway_secret_file=" + dir_ + "/key_secret",
      absl::StrCat("--webhook_listen=127.0.0.1:", webhook_port_),
      "--webhook_secret_file=" + dir_ + "/webhook_secret"};
  if (!certs_dir_.empty()) {
    flags.insert(flags.end(), {"--webhook_tls_cert_file=" + certs_dir_ + "/walletd.crt",
                               "--webhook_tls_key_file=" + certs_dir_ + "/walletd.key",
                               "--payment_gateway_ca_file=" + ca_file_});
  }
  return flags;
}

absl::Status PaymentSimProcess::Pay(const std::string& gateway_order_id,
                                    const std::string& outcome) const {
  base::HttpCall call;
  call.method = "POST";
  call.url =
      absl::StrCat(scheme_, "://127.0.0.1:", port_, "/sim/orders/", gateway_order_id, "/pay");
  call.ca_file = ca_file_;
  call.headers = {{"Content-Type", "application/json"}};
  call.body = nlohmann::json{{"outcome", outcome}, {"method", "upi"}}.dump();
  base::HttpClient http;
  absl::StatusOr<base::HttpReply> reply = http.Send(call);
  if (!reply.ok()) return reply.status();
  if (reply->status != 200) {
    return absl::InternalError(absl::StrCat("pay answered ", reply->status, ": ", reply->body));
  }
  return absl::OkStatus();
}

}  // namespace wallet::testing
