// notifierd as a real child process for the end-to-end tests, sending
// through a KannelProcess (tests/testing/kannel_process.h), with a set of
// short SMS templates and a reader of one value of a /metrics page.
//
// Example:
//   NotifierdOptions options;
//   options.binary = NOTIFIERD_PATH;
//   options.dir = dir.path();
//   options.wallet = walletd->target();
//   options.api_key = topology.meter_gateway_key;
//   options.kannel = kannel.get();
//   absl::StatusOr<std::unique_ptr<NotifierdProcess>> notifierd =
//       NotifierdProcess::Start(options);
//   double sent = (*notifierd)->Metric("sms_sent_total");
#ifndef WALLET_TESTS_TESTING_NOTIFIERD_PROCESS_H_
#define WALLET_TESTS_TESTING_NOTIFIERD_PROCESS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "base/grpc/tls.h"
#include "tests/testing/child_process.h"
#include "tests/testing/kannel_process.h"

namespace wallet::testing {

// Short texts, so that a Hindi one fits in one UCS-2 SMS (70 characters),
// with DLT template ids that name kind and language (HI-LOW, EN-RCPT, ...).
inline constexpr char kTestSmsTemplates[] = R"json({
  "sender_id": "TSTPWR",
  "principal_entity_id": "PE-TEST-1",
  "templates": [
    {"kind": "LOW_BALANCE", "language": "en", "dlt_template_id": "EN-LOW", "text": "Low {meter_id} Rs {balance}"},
    {"kind": "LOW_BALANCE", "language": "hi", "dlt_template_id": "HI-LOW", "text": "कम शेष {meter_id}: ₹{balance}"},
    {"kind": "NOTICE", "language": "en", "dlt_template_id": "EN-NOT", "text": "Notice {meter_id} day {notice_day}"},
    {"kind": "NOTICE", "language": "hi", "dlt_template_id": "HI-NOT", "text": "सूचना {meter_id} दिन {notice_day}"},
    {"kind": "DISCONNECTED", "language": "en", "dlt_template_id": "EN-DIS", "text": "Cut {meter_id}"},
    {"kind": "DISCONNECTED", "language": "hi", "dlt_template_id": "HI-DIS", "text": "बिजली कटी {meter_id}"},
    {"kind": "RECONNECTED", "language": "en", "dlt_template_id": "EN-REC", "text": "On {meter_id}"},
    {"kind": "RECONNECTED", "language": "hi", "dlt_template_id": "HI-REC", "text": "बिजली बहाल {meter_id}"},
    {"kind": "RECHARGE_RECEIPT", "language": "en", "dlt_template_id": "EN-RCPT", "text": "Receipt {meter_id} Rs {amount}"},
    {"kind": "RECHARGE_RECEIPT", "language": "hi", "dlt_template_id": "HI-RCPT", "text": "रिचार्ज {meter_id} ₹{amount}"},
    {"kind": "DUES_RECEIPT", "language": "en", "dlt_template_id": "EN-DUES", "text": "Dues {meter_id} Rs {amount}"}
  ]
})json";

struct NotifierdOptions {
  // notifierd's executable. Required.
  std::string binary;
  // Where its templates, key and password files, state store, log and
  // ready file go. Required.
  std::string dir;
  // walletd's gRPC address, and how to reach it (walletd's CA and the
  // notifier's client certificate). Required; default TLS: plaintext.
  std::string wallet;
  base::ClientTlsFiles wallet_tls;
  // An API key with the METER_GATEWAY or ADMIN role. Required.
  std::string api_key;
  // The Kannel to send through; must outlive the notifier. Required.
  const KannelProcess* kannel = nullptr;
  // The templates file's text. Default: kTestSmsTemplates.
  std::string templates = kTestSmsTemplates;
  // SMS per second at most. Default: 100.
  double rate = 100;
  // Back-off while Kannel or walletd is away. Default: 50 ms to 500 ms.
  absl::Duration retry_initial = absl::Milliseconds(50);
  absl::Duration retry_max = absl::Milliseconds(500);
};

class NotifierdProcess final {
 public:
  // Start writes the files and starts notifierd (delivery reports and
  // /metrics on port 0), returning once it is ready. Errors as
  // ChildProcess::Start.
  static absl::StatusOr<std::unique_ptr<NotifierdProcess>> Start(const NotifierdOptions& options);

  // Metric is the value of the line `name` (labels included) of
  // notifierd's /metrics; -1 if absent or unreachable.
  double Metric(absl::string_view name) const;

  // Terminate stops notifierd with SIGTERM and returns its exit code.
  absl::StatusOr<int> Terminate() { return child_->Terminate(); }
  std::string LogTail() const { return child_->LogTail(); }

 private:
  explicit NotifierdProcess(std::unique_ptr<ChildProcess> child, int http_port)
      : child_(std::move(child)), http_port_(http_port) {}

  std::unique_ptr<ChildProcess> child_;
  int http_port_;
};

// MetricValue is the value of the line `name` (labels included, e.g.
// `walletd_webhooks_total{result="credited"}`) of a /metrics page; -1 if
// absent.
double MetricValue(absl::string_view page, absl::string_view name);

}  // namespace wallet::testing

#endif  // WALLET_TESTS_TESTING_NOTIFIERD_PROCESS_H_
