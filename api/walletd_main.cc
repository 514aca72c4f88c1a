// walletd: the prepaid wallet server.
//
//   walletd --data_dir=/var/lib/walletd --listen=0.0.0.0:50051
//
// On first start it writes a random admin API key to --admin_key_file (mode
// 0600) unless the file exists; the key in that file is always accepted as an
// admin key. SIGTERM or SIGINT: stop taking calls, finish those in flight,
// commit everything acknowledged, exit 0.
#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/notification.h"
#include "api/server.h"
#include "base/aead.h"
#include "base/clock.h"
#include "base/daemon.h"
#include "base/daemon_files.h"
#include "base/grpc/tls.h"
#include "glog/logging.h"
#include "wallet/auth.h"
#include "wallet/money.h"
#include "wallet/policy_config.h"
#include "wallet/tariff.h"
#include "wallet/wallet.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "gRPC listen address; port 0 picks a free port");
ABSL_FLAG(std::string, http_listen, "127.0.0.1:9464",
          "address for GET /metrics and /healthz; port 0 picks a free port; empty disables");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain: serve gRPC over TLS (with --tls_key_file); empty: plaintext");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA: with TLS, every client must present a certificate signed by it");
ABSL_FLAG(std::string, data_dir, "./walletd-data", "RocksDB directory (created if missing)");
ABSL_FLAG(std::string, admin_key_file, "",
          "file holding the bootstrap admin API key; default <data_dir>/admin.key; "
          "created with a random key if missing");
ABSL_FLAG(std::string, ready_file, "",
          "if set, written once serving: grpc_port=N, http_port=M and webhook_port=W lines");
ABSL_FLAG(int64_t, max_amount_paise, 10'000'000,
          "largest single recharge, adjustment or float top-up, in paise; "
          "1 to 100000000000 (Rs 100 crore)");
ABSL_FLAG(absl::Duration, order_lifetime, absl::Minutes(30),
          "how long a recharge order waits for its payment (1m to 168h); a payment confirmed "
          "later is refused for the gateway to refund");
ABSL_FLAG(absl::Duration, dues_payment_window, absl::Hours(90 * 24),
          "how long payments toward dues are remembered for the dues imports that deduct them "
          "(1h to 8760h); an import's as_of time may be at most this old");
ABSL_FLAG(int32_t, default_commission_bps, 100,
          "retailer commission in basis points when a retailer is created without one");
ABSL_FLAG(std::string, seal_key_file, "",
          "file holding the key (64 hex digits or 32 raw bytes, e.g. `openssl rand -hex 32`) "
          "that seals sign-in OTPs in the notification outbox; without it consumer OTP "
          "sign-in is off (its calls answer FAILED_PRECONDITION)");
ABSL_FLAG(absl::Duration, otp_lifetime, absl::Minutes(5),
          "how long a sign-in OTP is accepted (1m to 30m)");
ABSL_FLAG(absl::Duration, sign_in_token_lifetime, absl::Minutes(30),
          "how long a consumer's sign-in token is accepted (1m to 720h)");
ABSL_FLAG(bool, settable_clock, false,
          "tests and demos only: let AdminService.SetClock move walletd's clock forward");
ABSL_FLAG(int32_t, shutdown_grace_seconds, 10, "how long calls in flight may take on SIGTERM");
ABSL_FLAG(std::string, tariffs, "", "tariff book (text-format wallet.v1.TariffBook); "
          "see deploy/config/tariffs.textproto");
ABSL_FLAG(std::string, policy, "", "prepaid policy (text-format wallet.v1.PolicyConfig); "
          "see deploy/config/policy.textproto");
ABSL_FLAG(int64_t, min_free_disk_mb, 256,
          "refuse changes (UNAVAILABLE) while the data directory's file system has less free "
          "space than this many MiB, so that walletd stops cleanly before RocksDB runs out; "
          "writes resume by themselves once there is an eighth more; 0 turns the check off");
ABSL_FLAG(std::string, payment_gateway_url, "",
          "the payment gateway's orders API base URL (e.g. https://api.razorpay.com); when set, "
          "StartRecharge makes the gateway's order and the order reconciler runs; empty: orders "
          "wait for PaymentGatewayService.ConfirmPayment");
ABSL_FLAG(std::string, payment_gateway_key_id, "", "walletd's key id at the payment gateway");
ABSL_FLAG(std::string, payment_gateway_secret_file, "",
          "file holding the payment gateway's key secret (basic auth of the orders API)");
ABSL_FLAG(std::string, payment_gateway_ca_file, "",
          "CA certificates (PEM) to verify an https payment gateway with; default the system's");
ABSL_FLAG(std::string, webhook_tls_cert_file, "",
          "PEM certificate: serve --webhook_listen over HTTPS (with --webhook_tls_key_file)");
ABSL_FLAG(std::string, webhook_tls_key_file, "", "PEM private key of --webhook_tls_cert_file");
ABSL_FLAG(std::string, webhook_listen, "",
          "address for the payment gateway's webhooks (POST /webhooks/payment-gateway); port 0 "
          "picks a free port; empty disables");
ABSL_FLAG(std::string, webhook_secret_file, "",
          "file holding the webhook secret the payment gateway signs webhooks with");
ABSL_FLAG(absl::Duration, reconcile_after, absl::Minutes(2),
          "the order reconciler asks the payment gateway about orders still unpaid this long "
          "after they were made");
ABSL_FLAG(absl::Duration, reconcile_every, absl::Seconds(30),
          "how often the order reconciler runs");
ABSL_FLAG(std::string, notification_log, "",
          "append notifications (SMS stand-in) here; default <data_dir>/notifications.log; "
          "'none' leaves the stream to an external sender");

namespace {

// AdminKey reads the bootstrap key, creating a random one on first start
// (only when there is no file: an unreadable one is an error, not replaced).
absl::StatusOr<std::string> AdminKey(const std::string& path) {
  absl::StatusOr<std::string> key = base::ReadApiKeyFile(path, 16);
  if (key.status().code() != absl::StatusCode::kNotFound) return key;
  key = wallet::NewApiKey();
  if (!key.ok()) return key;
  absl::Status written = base::WriteFileAtomically(path, *key + "\n", 0600);
  if (!written.ok()) return written;
  LOG(INFO) << "wrote a new admin API key to " << path;
  return key;
}

// EnsureAdminKey registers the bootstrap key unless the store knows it. While
// writes are refused (a full disk) walletd still starts, serving reads, and a
// thread registers the key once writes resume.
absl::Status EnsureAdminKey(wallet::Wallet* wallet, const std::string& key,
                            absl::Notification* stop, std::thread* retry) {
  absl::StatusOr<wallet::Principal> known = wallet->Authenticate(key);
  if (known.ok() && known->is_admin()) return absl::OkStatus();
  absl::Status ensured = wallet->EnsureApiKey(key, wallet::v1::ROLE_ADMIN, "bootstrap admin key");
  if (ensured.code() != absl::StatusCode::kUnavailable) return ensured;
  LOG(WARNING) << "the bootstrap admin key will be registered once writes resume: "
               << ensured.message();
  *retry = std::thread([wallet, key, stop] {
    while (!stop->WaitForNotificationWithTimeout(absl::Seconds(1))) {
      if (wallet->EnsureApiKey(key, wallet::v1::ROLE_ADMIN, "bootstrap admin key").ok()) {
        LOG(INFO) << "registered the bootstrap admin key";
        return;
      }
    }
  });
  return absl::OkStatus();
}

// SignInOptions reads the sign-in flags and the seal key into `options`.
absl::Status SignInOptions(wallet::WalletOptions& options) {
  options.ledger.otp.lifetime = absl::GetFlag(FLAGS_otp_lifetime);
  if (options.ledger.otp.lifetime < absl::Minutes(1) ||
      options.ledger.otp.lifetime > absl::Minutes(30)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--otp_lifetime=", absl::FormatDuration(options.ledger.otp.lifetime),
                     " is out of range: it must be 1m to 30m"));
  }
  options.ledger.sign_in_token_lifetime = absl::GetFlag(FLAGS_sign_in_token_lifetime);
  if (options.ledger.sign_in_token_lifetime < absl::Minutes(1) ||
      options.ledger.sign_in_token_lifetime > absl::Hours(24 * 30)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--sign_in_token_lifetime=", absl::FormatDuration(options.ledger.sign_in_token_lifetime),
        " is out of range: it must be 1m to 720h"));
  }
  const std::string path = absl::GetFlag(FLAGS_seal_key_file);
  if (path.empty()) {
    LOG(INFO) << "consumer OTP sign-in is off: no --seal_key_file";
    return absl::OkStatus();
  }
  std::ifstream file(path, std::ios::binary);
  std::string contents((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (!file.good() && !file.eof()) {
    return absl::NotFoundError(absl::StrCat("--seal_key_file ", path, " cannot be read"));
  }
  absl::StatusOr<std::string> key = base::SealKeyOf(contents);
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--seal_key_file ", path, ": ", key.status().message()));
  }
  options.seal_key = *std::move(key);
  return absl::OkStatus();
}

// PaymentOptions reads the payment gateway's and the webhook's flags and
// secret files into `options`.
absl::Status PaymentOptions(api::ServerOptions& options) {
  api::PaymentGatewayOptions& gateway = options.payment_gateway;
  gateway.base_url = absl::GetFlag(FLAGS_payment_gateway_url);
  if (!gateway.base_url.empty()) {
    gateway.key_id = absl::GetFlag(FLAGS_payment_gateway_key_id);
    gateway.ca_file = absl::GetFlag(FLAGS_payment_gateway_ca_file);
    const std::string secret_file = absl::GetFlag(FLAGS_payment_gateway_secret_file);
    if (gateway.key_id.empty() || secret_file.empty()) {
      return absl::InvalidArgumentError(
          "--payment_gateway_url needs --payment_gateway_key_id and "
          "--payment_gateway_secret_file");
    }
    absl::StatusOr<std::string> secret = base::ReadApiKeyFile(secret_file);
    if (!secret.ok()) return secret.status();
    gateway.key_secret = *std::move(secret);
  }
  options.reconciler.after = absl::GetFlag(FLAGS_reconcile_after);
  options.reconciler.every = absl::GetFlag(FLAGS_reconcile_every);
  if (options.reconciler.after < absl::ZeroDuration() ||
      options.reconciler.every < absl::Milliseconds(10)) {
    return absl::InvalidArgumentError(
        "--reconcile_after must not be negative and --reconcile_every at least 10ms");
  }
  options.webhook_listen = absl::GetFlag(FLAGS_webhook_listen);
  if (!options.webhook_listen.empty()) {
    const std::string secret_file = absl::GetFlag(FLAGS_webhook_secret_file);
    if (secret_file.empty()) {
      return absl::InvalidArgumentError("--webhook_listen needs --webhook_secret_file");
    }
    absl::StatusOr<std::string> secret = base::ReadApiKeyFile(secret_file);
    if (!secret.ok()) return secret.status();
    options.webhook_secret = *std::move(secret);
    absl::StatusOr<base::TlsPair> tls = base::ReadTlsPair(
        absl::GetFlag(FLAGS_webhook_tls_cert_file), absl::GetFlag(FLAGS_webhook_tls_key_file));
    if (!tls.ok()) return tls.status();
    options.webhook_tls = *std::move(tls);
  }
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("walletd: prepaid energy wallet server");
  absl::ParseCommandLine(argc, argv);
  base::Daemon daemon("walletd", argv[0]);

  // Certificates first: a typo in a path fails before the ledger loads.
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      base::ServerCredentialsFrom({absl::GetFlag(FLAGS_tls_cert_file),
                                   absl::GetFlag(FLAGS_tls_key_file),
                                   absl::GetFlag(FLAGS_tls_client_ca_file)});
  if (!credentials.ok()) return daemon.Fail(credentials.status());
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  mkdir(data_dir.c_str(), 0700);
  std::string key_file = absl::GetFlag(FLAGS_admin_key_file);
  if (key_file.empty()) key_file = data_dir + "/admin.key";

  base::SystemClock system_clock;
  base::SettableClock settable_clock;
  const bool settable = absl::GetFlag(FLAGS_settable_clock);
  base::Clock& clock = settable ? static_cast<base::Clock&>(settable_clock) : system_clock;
  wallet::WalletOptions options;
  options.data_dir = data_dir + "/db";
  options.ledger.max_amount_paise = absl::GetFlag(FLAGS_max_amount_paise);
  if (options.ledger.max_amount_paise < 1 ||
      options.ledger.max_amount_paise > wallet::kMaxLedgerAmount) {
    return daemon.Fail(absl::InvalidArgumentError(absl::StrCat(
        "--max_amount_paise=", options.ledger.max_amount_paise,
        " is out of range: it must be 1 to ", wallet::kMaxLedgerAmount, " paise (",
        wallet::FormatRupees(wallet::kMaxLedgerAmount),
        "), the largest single amount the ledger accepts")));
  }
  options.ledger.default_commission_bps = absl::GetFlag(FLAGS_default_commission_bps);
  if (absl::GetFlag(FLAGS_min_free_disk_mb) < 0) {
    return daemon.Fail(absl::InvalidArgumentError("--min_free_disk_mb must not be negative"));
  }
  options.min_free_bytes = static_cast<uint64_t>(absl::GetFlag(FLAGS_min_free_disk_mb)) << 20;
  options.ledger.order_lifetime = absl::GetFlag(FLAGS_order_lifetime);
  if (options.ledger.order_lifetime < absl::Minutes(1) ||
      options.ledger.order_lifetime > absl::Hours(24 * 7)) {
    return daemon.Fail(absl::InvalidArgumentError(
        absl::StrCat("--order_lifetime=", absl::FormatDuration(options.ledger.order_lifetime),
                     " is out of range: it must be 1m to 168h")));
  }
  options.ledger.dues_payment_window = absl::GetFlag(FLAGS_dues_payment_window);
  if (options.ledger.dues_payment_window < absl::Hours(1) ||
      options.ledger.dues_payment_window > absl::Hours(24 * 365)) {
    return daemon.Fail(absl::InvalidArgumentError(absl::StrCat(
        "--dues_payment_window=", absl::FormatDuration(options.ledger.dues_payment_window),
        " is out of range: it must be 1h to 8760h")));
  }
  if (const std::string path = absl::GetFlag(FLAGS_tariffs); !path.empty()) {
    absl::StatusOr<wallet::v1::TariffBook> tariffs = wallet::LoadTariffFile(path);
    if (!tariffs.ok()) return daemon.Fail(tariffs.status());
    options.ledger.tariffs = *std::move(tariffs);
  }
  if (const std::string path = absl::GetFlag(FLAGS_policy); !path.empty()) {
    absl::StatusOr<wallet::v1::PolicyConfig> policy = wallet::LoadPolicyFile(path);
    if (!policy.ok()) return daemon.Fail(policy.status());
    options.ledger.policy = *std::move(policy);
  }
  if (absl::Status sign_in = SignInOptions(options); !sign_in.ok()) return daemon.Fail(sign_in);
  absl::StatusOr<std::unique_ptr<wallet::Wallet>> wallet = wallet::Wallet::Open(options, &clock);
  if (!wallet.ok()) return daemon.Fail(wallet.status());
  absl::StatusOr<std::string> admin_key = AdminKey(key_file);
  if (!admin_key.ok()) return daemon.Fail(admin_key.status());
  absl::Notification stop_key_retry;
  std::thread key_retry;
  absl::Cleanup stop_retrying = [&] {
    stop_key_retry.Notify();
    if (key_retry.joinable()) key_retry.join();
  };
  absl::Status ensured = EnsureAdminKey(wallet->get(), *admin_key, &stop_key_retry, &key_retry);
  if (!ensured.ok()) return daemon.Fail(ensured);

  api::ServerOptions server_options;
  server_options.listen = absl::GetFlag(FLAGS_listen);
  server_options.credentials = *credentials;
  server_options.http_listen = absl::GetFlag(FLAGS_http_listen);
  server_options.notification_log = absl::GetFlag(FLAGS_notification_log);
  if (settable) {
    server_options.settable_clock = &settable_clock;
    LOG(WARNING) << "--settable_clock: AdminService.SetClock may move this walletd's clock";
  }
  if (server_options.notification_log.empty()) {
    server_options.notification_log = data_dir + "/notifications.log";
  } else if (server_options.notification_log == "none") {
    server_options.notification_log.clear();
  }
  if (absl::Status payments = PaymentOptions(server_options); !payments.ok()) {
    return daemon.Fail(payments);
  }
  absl::StatusOr<std::unique_ptr<api::WalletServer>> server =
      api::WalletServer::Start(wallet->get(), server_options);
  if (!server.ok()) return daemon.Fail(server.status());

  absl::Status ready = daemon.WriteReadyFile(absl::GetFlag(FLAGS_ready_file),
                                             {{"grpc_port", (*server)->grpc_port()},
                                              {"http_port", (*server)->http_port()},
                                              {"webhook_port", (*server)->webhook_port()}});
  if (!ready.ok()) return daemon.Fail(ready);

  daemon.WaitForStopSignal();
  (*server)->Shutdown(absl::Seconds(absl::GetFlag(FLAGS_shutdown_grace_seconds)));
  server->reset();
  std::move(stop_retrying).Invoke();
  wallet->reset();  // drains the writer and flushes the store
  LOG(INFO) << "walletd stopped cleanly";
  return 0;
}
