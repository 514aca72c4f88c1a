// channel_bench: the real channels' speed, end to end, on real processes:
// walletd with its payment gateway (payment-gateway-sim) and webhook
// listener, Kannel (bearerbox, smsbox and the fake SMSC), notifierd, and a
// meter-sim fleet behind meter-gatewayd.
//
//   channel_bench [--orders=2000] [--concurrency=64] [--kannel_messages=2000]
//                 [--sms_concurrency=8] [--restore_meters=100]
//
// In one run:
// 1. webhooks_per_s: --orders pending orders (StartRecharge, which makes
//    each at the simulator) are paid by signed payment.captured webhooks
//    POSTed straight to walletd's endpoint from --concurrency threads; only
//    2xx answers count, and walletd answers 2xx once the credit is durable.
// 2. confirm_grpc_per_s: as many fresh orders paid by gRPC ConfirmPayment
//    (the payment gateway's key), --concurrency calls at once.
//    Then every order must be paid by its payment and every meter's balance
//    be its one order's amount: otherwise the bench prints no figures.
// 3. kannel_per_s: Kannel's own sendsms rate from a plain HTTP loop of
//    --kannel_messages, --sms_concurrency at once (notifierd's
//    --send_concurrency in step 4).
// 4. sms_per_s: notifierd starts with the receipts of the 2 x --orders
//    credits waiting in walletd's notification stream; SMS accepted by
//    Kannel per second (notifierd's sms_sent_total) from once it is up
//    until it has them all.
// 5. restore_after_webhook_ms: --restore_meters fleet meters run out of
//    credit and are cut; each consumer then pays a fresh order at the
//    simulator (POST /sim/orders/{id}/pay): from that call to meter-sim's
//    relay closing (the simulator's webhook, walletd's credit and reconnect
//    command, meter-gatewayd's DLMS exchange in between).
//
// Prints figures as it goes, the ratios against the targets (webhooks at
// least 0.5 of gRPC; SMS at least 0.8 of Kannel's and at least 500/s) and,
// last, one JSON line. Exits non-zero if set-up failed or money is wrong.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/http_client.h"
#include "base/http_server.h"
#include "bench/bench_fleet.h"
#include "bench/bench_init.h"
#include "bench/channel_payments.h"
#include "bench/channel_sms.h"
#include "bench/relay_watch.h"
#include "notifier/templates.h"
#include "tests/testing/child_process.h"
#include "tests/testing/free_port.h"
#include "tests/testing/kannel_process.h"
#include "tests/testing/meter_fleet.h"
#include "tests/testing/write_file.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "wallet/v1/consumer.grpc.pb.h"

ABSL_FLAG(int32_t, orders, 2'000, "orders paid by webhook, and as many more by ConfirmPayment");
ABSL_FLAG(int32_t, concurrency, 64, "webhook deliveries, and ConfirmPayment calls, at once");
ABSL_FLAG(int32_t, channels, 4, "gRPC channels (TCP connections) the ConfirmPayment calls share");
ABSL_FLAG(int64_t, amount_paise, 10'000, "the amount of every order");
ABSL_FLAG(int32_t, kannel_messages, 2'000, "SMS of the plain sendsms loop");
ABSL_FLAG(int32_t, sms_concurrency, 8,
          "SMS in flight at once: notifierd's --send_concurrency, and the plain loop's");
ABSL_FLAG(double, notifier_rate, 100'000, "notifierd's --rate and --burst (set not to bind)");
ABSL_FLAG(int32_t, restore_meters, 100, "fleet meters cut and restored by a payment each");
ABSL_FLAG(std::string, notifierd, NOTIFIERD_PATH,
          "the notifierd to measure (default: the one built beside this benchmark)");
ABSL_FLAG(bool, keep_logs, false, "keep the processes' directories and logs");

namespace {

using namespace wallet::testing;  // NOLINT: a benchmark's main file
using namespace wallet::bench;    // NOLINT
namespace v1 = ::wallet::v1;

constexpr char kKeyId[] = "rzp_bench_walletd";
constexpr char kKeySecret[] = "bench_key_secret_0123456789";
constexpr char kWebhookSecret[] = "bench_webhook_secret_0123456789";

// Targets of the real channels on a 2-core machine.
constexpr double kWebhookRatioTarget = 0.5;
constexpr double kSmsRatioTarget = 0.8;
constexpr double kSmsRateTarget = 500;

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "channel_bench: %s\n", status.ToString().c_str());
  return 1;
}

// The simulator and the fleet, with walletd making its orders at the
// simulator and taking its webhooks.
struct Gateway {
  std::unique_ptr<ChildProcess> sim;
  int sim_port = 0;
  int webhook_port = 0;
};

absl::StatusOr<Gateway> StartSimulator(const std::string& dir) {
  Gateway gateway;
  WriteFile(dir + "/key_secret", kKeySecret);
  WriteFile(dir + "/webhook_secret", kWebhookSecret);
  absl::StatusOr<int> webhook_port = FreeLoopbackPort();
  if (!webhook_port.ok()) return webhook_port.status();
  gateway.webhook_port = *webhook_port;
  ChildOptions sim;
  sim.binary = PAYMENT_GATEWAY_SIM_PATH;
  sim.log_path = dir + "/sim.log";
  sim.ready_file = dir + "/sim.ready";
  sim.args = {"--listen=127.0.0.1:0",
              absl::StrCat("--key_id=", kKeyId),
              "--key_secret_file=" + dir + "/key_secret",
              absl::StrCat("--webhook_url=http://127.0.0.1:", gateway.webhook_port,
                           "/webhooks/payment-gateway"),
              "--webhook_secret_file=" + dir + "/webhook_secret",
              "--webhook_retry_initial=100ms",
              "--ready_file=" + sim.ready_file};
  absl::StatusOr<std::unique_ptr<ChildProcess>> started = ChildProcess::Start(sim);
  if (!started.ok()) return started.status();
  gateway.sim = *std::move(started);
  absl::StatusOr<int> port = gateway.sim->ReadyInt("http_port");
  if (!port.ok()) return port.status();
  gateway.sim_port = *port;
  return gateway;
}

std::vector<std::string> WalletdGatewayArgs(const std::string& dir, const Gateway& gateway) {
  return {absl::StrCat("--payment_gateway_url=http://127.0.0.1:", gateway.sim_port),
          absl::StrCat("--payment_gateway_key_id=", kKeyId),
          "--payment_gateway_secret_file=" + dir + "/key_secret",
          absl::StrCat("--webhook_listen=127.0.0.1:", gateway.webhook_port),
          "--webhook_secret_file=" + dir + "/webhook_secret"};
}

absl::Status CheckLedger(MeterFleet& fleet) {
  v1::CheckLedgerResponse ledger;
  const grpc::Status status = fleet.admin().CheckLedger(
      MakeContext(fleet.admin_key(), absl::Minutes(2)).get(), v1::CheckLedgerRequest(), &ledger);
  if (!status.ok()) return ToStatus(status, "CheckLedger");
  if (!ledger.ok() || ledger.sum_paise() != 0 || !ledger.mismatched_accounts().empty()) {
    return absl::InternalError(absl::StrCat("the ledger is not consistent: sum ",
                                            ledger.sum_paise(), ", ",
                                            ledger.mismatched_accounts_size(), " mismatched"));
  }
  return absl::OkStatus();
}

void PrintCalls(const char* what, const CallsResult& r) {
  std::printf("%s: %d ok, %d failed in %.2f s = %.0f/s\n", what, r.ok, r.failed, r.seconds,
              r.per_s());
  if (r.failed > 0) std::printf("  first failure: %s\n", r.first_error.ToString().c_str());
}

// Payments is what phases 1 and 2 measured.
struct Payments {
  double webhooks_per_s = 0;
  double confirm_grpc_per_s = 0;
  int credits = 0;  // receipts waiting in the notification stream
};

absl::StatusOr<Payments> MeasurePayments(MeterFleet& fleet, const Gateway& gateway) {
  const int orders = absl::GetFlag(FLAGS_orders);
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  TopologyOptions topology;
  topology.meters = 2 * orders;
  topology.retailers = 0;
  topology.tariff_id = "FLEET";
  topology.payment_gateway_key = true;
  topology.id_prefix = "ch-";
  topology.parallelism = 256;
  absl::Time start = absl::Now();
  absl::StatusOr<Topology> made = CreateTestTopology(fleet.admin(), fleet.admin_key(), topology);
  if (!made.ok()) return made.status();
  auto consumer = v1::ConsumerService::NewStub(fleet.walletd().NewChannel());
  const std::vector<std::string> webhook_meters(made->meter_ids.begin(),
                                                made->meter_ids.begin() + orders);
  const std::vector<std::string> grpc_meters(made->meter_ids.begin() + orders,
                                             made->meter_ids.end());
  const int64_t amount = absl::GetFlag(FLAGS_amount_paise);
  absl::StatusOr<std::vector<PendingOrder>> by_webhook =
      StartOrders(*consumer, fleet.admin_key(), webhook_meters, amount, concurrency, "W");
  if (!by_webhook.ok()) return by_webhook.status();
  absl::StatusOr<std::vector<PendingOrder>> by_grpc =
      StartOrders(*consumer, fleet.admin_key(), grpc_meters, amount, concurrency, "G");
  if (!by_grpc.ok()) return by_grpc.status();
  std::printf("set-up: %d meters, %d orders made at the simulator (%.1f s)\n", 2 * orders,
              2 * orders, absl::ToDoubleSeconds(absl::Now() - start));

  const CallsResult webhooks = PostWebhooks(
      *by_webhook,
      absl::StrCat("http://127.0.0.1:", gateway.webhook_port, "/webhooks/payment-gateway"),
      kWebhookSecret, concurrency);
  PrintCalls("signed webhooks -> durable credit -> 2xx", webhooks);
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < absl::GetFlag(FLAGS_channels); ++i) {
    channels.push_back(fleet.walletd().NewChannel());
  }
  const CallsResult confirms =
      ConfirmOverGrpc(*by_grpc, channels, made->payment_gateway_key, concurrency);
  PrintCalls("gRPC ConfirmPayment", confirms);
  channels.clear();

  start = absl::Now();
  if (absl::Status s = CheckPaidOnce(*consumer, fleet.admin_key(), *by_webhook); !s.ok()) return s;
  if (absl::Status s = CheckPaidOnce(*consumer, fleet.admin_key(), *by_grpc); !s.ok()) return s;
  if (absl::Status s = CheckLedger(fleet); !s.ok()) return s;
  std::printf(
      "money: all %d orders paid once, every balance grew by its one order, "
      "ledger consistent (checked in %.1f s)\n",
      2 * orders, absl::ToDoubleSeconds(absl::Now() - start));
  return Payments{webhooks.per_s(), confirms.per_s(), 2 * orders};
}

// Sms is what phases 3 and 4 measured.
struct Sms {
  double kannel_per_s = 0;
  double sms_per_s = 0;
};

absl::StatusOr<Sms> MeasureSms(MeterFleet& fleet, int notifications) {
  const std::string dir = fleet.dir() + "/sms";
  std::filesystem::create_directories(dir + "/kannel");
  absl::StatusOr<std::unique_ptr<KannelProcess>> kannel = KannelProcess::Create(dir + "/kannel");
  if (!kannel.ok()) return kannel.status();
  if (absl::Status s = (*kannel)->Start(); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(s.message(), (*kannel)->Logs()));
  }
  const std::string templates =
      absl::StrCat(WALLET_SOURCE_DIR, "/deploy/config/sms_templates.json");
  absl::StatusOr<notifier::TemplateBook> book = notifier::TemplateBook::Load(templates);
  if (!book.ok()) return book.status();

  // Kannel asks for delivery reports as it does for notifierd's SMS.
  std::vector<base::HttpRoute> routes;
  routes.push_back({"/dlr", {"GET"}, [](const base::HttpRequest&) {
                      return base::HttpResponse{200, "text/plain", "ok\n"};
                    }});
  absl::StatusOr<std::unique_ptr<base::HttpServer>> dlr_sink =
      base::HttpServer::Start("127.0.0.1:0", std::move(routes));
  if (!dlr_sink.ok()) return dlr_sink.status();
  notifier::KannelOptions options;
  options.sendsms_url = (*kannel)->sendsms_url();
  options.username = KannelProcess::kUser;
  options.password = KannelProcess::kPassword;
  options.dlr_url = absl::StrCat("http://127.0.0.1:", (*dlr_sink)->port(), "/dlr");
  const CallsResult plain =
      SendSmsLoop(options, book->sender_id(), book->principal_entity_id(),
                  absl::GetFlag(FLAGS_kannel_messages), absl::GetFlag(FLAGS_sms_concurrency));
  PrintCalls("Kannel sendsms, plain HTTP loop", plain);
  if (plain.failed > 0) return absl::UnavailableError("Kannel refused SMS of the plain loop");

  NotifierdOptions notifierd;
  notifierd.binary = absl::GetFlag(FLAGS_notifierd);
  notifierd.dir = dir;
  notifierd.wallet_target = fleet.walletd().target();
  notifierd.api_key = fleet.gateway_key();
  notifierd.templates = templates;
  notifierd.kannel_url = (*kannel)->sendsms_url();
  notifierd.kannel_user = KannelProcess::kUser;
  notifierd.kannel_password = KannelProcess::kPassword;
  notifierd.rate = absl::GetFlag(FLAGS_notifier_rate);
  notifierd.send_concurrency = absl::GetFlag(FLAGS_sms_concurrency);
  absl::StatusOr<std::unique_ptr<Notifierd>> notifier = Notifierd::Start(notifierd);
  if (!notifier.ok()) return notifier.status();
  absl::StatusOr<double> sms_per_s = (*notifier)->RateUntilSent(notifications, absl::Minutes(10));
  if (!sms_per_s.ok()) {
    return absl::Status(sms_per_s.status().code(),
                        absl::StrCat(sms_per_s.status().message(), "\n", (*notifier)->LogTail()));
  }
  std::printf(
      "notifierd: %d receipts from walletd's stream accepted by Kannel at %.0f/s "
      "(skipped %.0f, retries %.0f, delivery reports %.0f)\n",
      notifications, *sms_per_s, (*notifier)->Metric("sms_skipped_total"),
      (*notifier)->Metric("sms_send_retries_total"), (*notifier)->Metric("sms_delivered_total"));
  if (absl::Status s = (*notifier)->Stop(); !s.ok()) return s;
  return Sms{plain.per_s(), *sms_per_s};
}

// PayAtSimulator pays `order` at the simulator as the consumer's app would.
absl::Status PayAtSimulator(base::HttpClient& http, const Gateway& gateway,
                            const PendingOrder& order) {
  base::HttpCall call;
  call.method = "POST";
  call.url = absl::StrCat("http://127.0.0.1:", gateway.sim_port, "/sim/orders/",
                          order.gateway_order_id, "/pay");
  call.headers = {{"Content-Type", "application/json"}};
  call.body = R"({"outcome":"captured","method":"upi"})";
  absl::StatusOr<base::HttpReply> reply = http.Send(call);
  if (!reply.ok()) return reply.status();
  if (reply->status != 200) {
    return absl::UnknownError(
        absl::StrCat("the simulator answered ", reply->status, ": ", reply->body));
  }
  return absl::OkStatus();
}

// MeasureRestore is phase 5: the latencies in ms.
absl::StatusOr<std::vector<double>> MeasureRestore(MeterFleet& fleet, const Gateway& gateway) {
  const int count = absl::GetFlag(FLAGS_restore_meters);
  RelayWatch watch(fleet.sim_control());
  if (absl::Status s = CutForNonPayment(fleet, count); !s.ok()) return s;
  if (!MeterFleet::WaitFor(
          [&] {
            absl::StatusOr<metersim::v1::FleetSummary> summary = fleet.SimSummary();
            return summary.ok() && summary->disconnected() >= count;
          },
          absl::Seconds(120))) {
    return absl::DeadlineExceededError("meters were not cut for non-payment");
  }
  std::printf("cut for non-payment: %d meters\n", count);
  auto consumer = v1::ConsumerService::NewStub(fleet.walletd().NewChannel());
  const std::vector<std::string> meters(fleet.meter_ids().begin(),
                                        fleet.meter_ids().begin() + count);
  absl::StatusOr<std::vector<PendingOrder>> orders =
      StartOrders(*consumer, fleet.admin_key(), meters, absl::GetFlag(FLAGS_amount_paise), 16, "R");
  if (!orders.ok()) return orders.status();
  base::HttpClient http;
  std::vector<double> latencies_ms;
  for (const PendingOrder& order : *orders) {
    const int64_t paid_us = MonotonicUs();
    if (absl::Status s = PayAtSimulator(http, gateway, order); !s.ok()) return s;
    std::optional<int64_t> closed;
    if (!MeterFleet::WaitFor([&] { return (closed = watch.ClosedUs(order.meter_id)).has_value(); },
                             absl::Seconds(30))) {
      return absl::DeadlineExceededError(absl::StrCat(order.meter_id, " was not restored"));
    }
    latencies_ms.push_back(std::max<int64_t>(0, *closed - paid_us) / 1000.0);
  }
  return latencies_ms;
}

const char* Met(bool met) { return met ? "met" : "NOT met"; }

}  // namespace

int main(int argc, char** argv) {
  InitBench(argc, argv);
  TempDir dir;
  if (absl::GetFlag(FLAGS_keep_logs)) dir.Keep();
  absl::StatusOr<Gateway> gateway = StartSimulator(dir.path());
  if (!gateway.ok()) return Fail(gateway.status());

  const int restore_meters = absl::GetFlag(FLAGS_restore_meters);
  FleetOptions options = BenchFleetOptions(restore_meters, /*concurrency=*/64,
                                           BenchPolicy("channel bench", /*emergency=*/0));
  for (std::string& arg : WalletdGatewayArgs(dir.path(), *gateway)) {
    options.walletd_args.push_back(std::move(arg));
  }
  absl::StatusOr<std::unique_ptr<MeterFleet>> started = MeterFleet::Start(options);
  if (!started.ok()) return Fail(started.status());
  MeterFleet& fleet = **started;
  if (absl::GetFlag(FLAGS_keep_logs)) fleet.KeepLogs();
  std::printf("walletd with payment-gateway-sim; meter-gatewayd and meter-sim with %d meters\n",
              restore_meters);

  absl::StatusOr<Payments> payments = MeasurePayments(fleet, *gateway);
  if (!payments.ok()) return Fail(payments.status());
  absl::StatusOr<Sms> sms = MeasureSms(fleet, payments->credits);
  if (!sms.ok()) return Fail(sms.status());
  absl::StatusOr<std::vector<double>> restore = MeasureRestore(fleet, *gateway);
  if (!restore.ok()) return Fail(restore.status());
  const double p50 = Percentile(*restore, 0.50);
  const double p99 = Percentile(*restore, 0.99);
  std::printf(
      "restore (pay at the simulator -> webhook -> relay closed), %d meters: p50 %.1f ms, "
      "p99 %.1f ms, max %.1f ms\n",
      restore_meters, p50, p99, Percentile(*restore, 1.0));
  if (absl::Status s = fleet.StopGateway(); !s.ok()) return Fail(s);

  const double webhook_ratio = payments->confirm_grpc_per_s > 0
                                   ? payments->webhooks_per_s / payments->confirm_grpc_per_s
                                   : 0;
  const double sms_ratio = sms->kannel_per_s > 0 ? sms->sms_per_s / sms->kannel_per_s : 0;
  const bool webhooks_met = webhook_ratio >= kWebhookRatioTarget;
  const bool sms_met = sms_ratio >= kSmsRatioTarget && sms->sms_per_s >= kSmsRateTarget;
  std::printf(
      "targets: webhooks/gRPC %.2f (>= %.1f) %s; SMS/Kannel %.2f (>= %.1f) and SMS %.0f/s "
      "(>= %.0f/s) %s\n",
      webhook_ratio, kWebhookRatioTarget, Met(webhooks_met), sms_ratio, kSmsRatioTarget,
      sms->sms_per_s, kSmsRateTarget, Met(sms_met));
  std::printf(
      "{\"webhooks_per_s\": %.0f, \"confirm_grpc_per_s\": %.0f, \"webhook_ratio\": %.2f, "
      "\"sms_per_s\": %.0f, \"kannel_per_s\": %.0f, \"sms_ratio\": %.2f, "
      "\"restore_after_webhook_p50_ms\": %.2f, \"restore_after_webhook_p99_ms\": %.2f, "
      "\"webhook_target_met\": %s, \"sms_target_met\": %s, \"orders\": %d, \"concurrency\": %d, "
      "\"sms_concurrency\": %d, \"restore_meters\": %d}\n",
      payments->webhooks_per_s, payments->confirm_grpc_per_s, webhook_ratio, sms->sms_per_s,
      sms->kannel_per_s, sms_ratio, p50, p99, webhooks_met ? "true" : "false",
      sms_met ? "true" : "false", absl::GetFlag(FLAGS_orders), absl::GetFlag(FLAGS_concurrency),
      absl::GetFlag(FLAGS_sms_concurrency), restore_meters);
  return 0;
}
