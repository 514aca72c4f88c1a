// notifierd: sends walletd's notifications as SMS through Kannel, in each
// consumer's language, and records their delivery reports.
//
//   notifierd --wallet=127.0.0.1:50051 --api_key_file=notifier.key
//             --templates=sms_templates.json --data_dir=/var/lib/notifier
//             --kannel_url=http://127.0.0.1:13013/cgi-bin/sendsms
//             --kannel_user=notifier --kannel_password_file=kannel.pass
//
// walletd must run with --notification_log=none (its log sink otherwise
// takes the stream). The API key needs the METER_GATEWAY or ADMIN role.
// SIGTERM or SIGINT: finish the send in flight, record it, exit 0.
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "base/daemon.h"
#include "base/daemon_files.h"
#include "base/grpc/wallet_client_flags.h"
#include "base/http_server.h"
#include "base/metrics.h"
#include "base/monitoring_endpoint.h"
#include "notifier/kannel.h"
#include "notifier/notifier.h"
#include "notifier/sms_sender.h"
#include "notifier/sms_store.h"
#include "notifier/templates.h"

ABSL_FLAG(std::string, templates, "",
          "JSON file of SMS templates per kind and language, with DLT ids and the sender");
ABSL_FLAG(std::string, data_dir, "", "directory of the SMS state store (RocksDB)");
ABSL_FLAG(std::string, kannel_url, "http://127.0.0.1:13013/cgi-bin/sendsms",
          "Kannel smsbox's sendsms URL");
ABSL_FLAG(std::string, kannel_user, "", "Kannel sendsms-user username");
ABSL_FLAG(std::string, kannel_password_file, "", "file holding that user's password");
ABSL_FLAG(int32_t, dlr_mask, 19,
          "delivery reports asked of Kannel: 1 delivered, 2 undelivered, "
          "16 refused by the SMSC (sum)");
ABSL_FLAG(std::string, dlr_listen, "127.0.0.1:9471",
          "address of the delivery report listener (GET /dlr) Kannel calls; port 0 picks one");
ABSL_FLAG(std::string, dlr_url, "",
          "the listener's URL as smsbox reaches it; default http://<dlr_listen>/dlr");
ABSL_FLAG(double, rate, 10, "SMS per second at most (token bucket)");
ABSL_FLAG(double, burst, 10, "SMS a full bucket lets through at once");
ABSL_FLAG(int32_t, send_concurrency, 1,
          "SMS sent at once (1-64); one consumer's SMS keep their order whatever the value, "
          "with 1 every SMS goes out in the order walletd gave them");
ABSL_FLAG(absl::Duration, retry_initial, absl::Milliseconds(200),
          "first back-off while Kannel or walletd is away");
ABSL_FLAG(absl::Duration, retry_max, absl::Seconds(30), "longest back-off");
ABSL_FLAG(absl::Duration, send_timeout, absl::Seconds(10), "timeout of one sendsms call");
ABSL_FLAG(std::string, http_listen, "127.0.0.1:9470",
          "address for GET /metrics and /healthz; port 0 picks one; empty disables");
ABSL_FLAG(std::string, ready_file, "", "if set, written once running: http_port=N and dlr_port=N");

namespace {

// DeliveryReportRoutes is GET /dlr?id=<notification id>&type=<Kannel's %d>,
// for the notifier `target` points to (503 until it is set: nothing is sent,
// so nothing is reported, before it is).
std::vector<base::HttpRoute> DeliveryReportRoutes(const std::atomic<notifier::Notifier*>* target) {
  std::vector<base::HttpRoute> routes;
  routes.push_back({"/dlr", {"GET"}, [target](const base::HttpRequest& request) {
                      absl::StatusOr<notifier::Dlr> dlr = notifier::ParseDlr(request.params);
                      if (!dlr.ok()) {
                        return base::HttpResponse{400, "text/plain; charset=utf-8",
                                                  absl::StrCat(dlr.status().message(), "\n")};
                      }
                      notifier::Notifier* n = target->load();
                      // Kannel calls again on an error answer: a report we cannot store yet
                      // comes back rather than being lost.
                      if (n == nullptr || !n->OnDeliveryReport(*dlr).ok()) {
                        return base::HttpResponse{503, "text/plain; charset=utf-8", "retry\n"};
                      }
                      return base::HttpResponse{200, "text/plain; charset=utf-8", "ok\n"};
                    }});
  return routes;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("notifierd: walletd's notifications as SMS through Kannel");
  absl::ParseCommandLine(argc, argv);
  base::Daemon daemon("notifierd", argv[0]);

  absl::StatusOr<notifier::TemplateBook> book =
      notifier::TemplateBook::Load(absl::GetFlag(FLAGS_templates));
  if (!book.ok()) return daemon.Fail(book.status());
  if (absl::GetFlag(FLAGS_data_dir).empty()) {
    return daemon.Fail(absl::InvalidArgumentError("--data_dir is required"));
  }
  std::error_code created;
  std::filesystem::create_directories(absl::GetFlag(FLAGS_data_dir), created);
  if (created) {
    return daemon.Fail(absl::UnavailableError(absl::StrCat(
        "cannot create --data_dir ", absl::GetFlag(FLAGS_data_dir), ": ", created.message())));
  }
  absl::StatusOr<std::unique_ptr<notifier::SmsStore>> store =
      notifier::SmsStore::Open(absl::GetFlag(FLAGS_data_dir) + "/sms");
  if (!store.ok()) return daemon.Fail(store.status());
  notifier::NotifierOptions options;
  absl::StatusOr<base::WalletClientConfig> wallet = base::WalletClientFromFlags();
  if (!wallet.ok()) return daemon.Fail(wallet.status());
  options.wallet_address = wallet->address;
  options.wallet_credentials = wallet->credentials;
  options.api_key = wallet->api_key;
  options.rate = absl::GetFlag(FLAGS_rate);
  options.burst = absl::GetFlag(FLAGS_burst);
  options.send_concurrency = absl::GetFlag(FLAGS_send_concurrency);
  if (options.send_concurrency < 1 || options.send_concurrency > 64) {
    return daemon.Fail(absl::InvalidArgumentError("--send_concurrency must be 1 to 64"));
  }
  if (!(options.rate > 0)) return daemon.Fail(absl::InvalidArgumentError("--rate must be > 0"));
  options.retry_initial = absl::GetFlag(FLAGS_retry_initial);
  options.retry_max = absl::GetFlag(FLAGS_retry_max);

  notifier::KannelOptions kannel;
  kannel.sendsms_url = absl::GetFlag(FLAGS_kannel_url);
  kannel.username = absl::GetFlag(FLAGS_kannel_user);
  absl::StatusOr<std::string> password =
      base::ReadApiKeyFile(absl::GetFlag(FLAGS_kannel_password_file));
  if (!password.ok()) return daemon.Fail(password.status());
  kannel.password = *password;
  kannel.dlr_mask = absl::GetFlag(FLAGS_dlr_mask);

  // The report listener first: its port goes into every dlr-url.
  std::atomic<notifier::Notifier*> target{nullptr};
  absl::StatusOr<std::unique_ptr<base::HttpServer>> dlr_server =
      base::HttpServer::Start(absl::GetFlag(FLAGS_dlr_listen), DeliveryReportRoutes(&target));
  if (!dlr_server.ok()) return daemon.Fail(dlr_server.status());
  kannel.dlr_url = absl::GetFlag(FLAGS_dlr_url);
  if (kannel.dlr_url.empty()) {
    kannel.dlr_url = absl::StrCat("http://127.0.0.1:", (*dlr_server)->port(), "/dlr");
  }

  base::SystemClock clock;
  std::unique_ptr<notifier::SmsSender> sender = notifier::MakeKannelSender(
      kannel, book->sender_id(), book->principal_entity_id(), absl::GetFlag(FLAGS_send_timeout));
  std::unique_ptr<notifier::Notifier> n = notifier::Notifier::Start(
      options, *std::move(book), *std::move(store), std::move(sender), &clock);
  target = n.get();

  base::Metrics metrics;
  n->RegisterMetrics(&metrics);
  std::unique_ptr<base::HttpServer> http;
  if (const std::string address = absl::GetFlag(FLAGS_http_listen); !address.empty()) {
    notifier::Notifier* health = n.get();
    absl::StatusOr<std::unique_ptr<base::HttpServer>> started =
        base::StartMonitoringEndpoint(address, &metrics, [health] {
          return health->connected()
                     ? absl::OkStatus()
                     : absl::UnavailableError("notification stream from walletd is down");
        });
    if (!started.ok()) return daemon.Fail(started.status());
    http = *std::move(started);
  }
  absl::Status ready = daemon.WriteReadyFile(
      absl::GetFlag(FLAGS_ready_file),
      {{"http_port", http ? http->port() : 0}, {"dlr_port", (*dlr_server)->port()}});
  if (!ready.ok()) return daemon.Fail(ready);

  daemon.WaitForStopSignal();
  n->Stop();
  // Reports stop before the notifier they land on goes.
  dlr_server->reset();
  http.reset();
  return 0;
}
