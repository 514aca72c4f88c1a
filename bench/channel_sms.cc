#include "bench/channel_sms.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "base/http_client.h"
#include "notifier/templates.h"
#include "tests/testing/meter_fleet.h"
#include "tests/testing/walletd_process.h"
#include "tests/testing/write_file.h"

namespace wallet::bench {

CallsResult SendSmsLoop(const notifier::KannelOptions& kannel, absl::string_view sender_id,
                        absl::string_view principal_entity_id, int count, int concurrency) {
  std::vector<std::string> urls(count);
  for (int i = 0; i < count; ++i) {
    notifier::Sms sms;
    sms.notification_id = absl::StrCat("bench-kannel-", i);
    sms.to = absl::StrFormat("+9198%08d", i);
    // The length of the example template's English receipt.
    sms.text = absl::StrFormat(
        "Meter K%07d: recharge of Rs 100.00 received, arrears recovered Rs 0.00, balance Rs "
        "100.00. -%s",
        i, sender_id);
    sms.dlt_template_id = "1107000000000000501";
    urls[i] = notifier::SendSmsUrl(kannel, sender_id, principal_entity_id, sms);
  }
  base::HttpClient client;
  return RunCalls(count, concurrency, [&](int i) -> absl::Status {
    base::HttpCall call;
    call.url = urls[i];
    absl::StatusOr<base::HttpReply> reply = client.Send(call);
    if (!reply.ok()) return absl::UnavailableError("no answer from Kannel's sendsms");
    if (reply->status < 200 || reply->status > 299) {
      return absl::UnknownError(absl::StrCat("Kannel answered ", reply->status, ": ", reply->body));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<Notifierd>> Notifierd::Start(const NotifierdOptions& options) {
  const std::string& dir = options.dir;
  testing::WriteFile(dir + "/notifier.key", options.api_key + "\n");
  testing::WriteFile(dir + "/kannel.password", options.kannel_password + "\n");
  testing::ChildOptions child;
  child.binary = options.binary;
  child.args = {"--wallet=" + options.wallet_target,
                "--api_key_file=" + dir + "/notifier.key",
                "--templates=" + options.templates,
                "--data_dir=" + dir + "/notifier",
                "--kannel_url=" + options.kannel_url,
                "--kannel_user=" + options.kannel_user,
                "--kannel_password_file=" + dir + "/kannel.password",
                "--dlr_listen=127.0.0.1:0",
                "--http_listen=127.0.0.1:0",
                absl::StrCat("--rate=", options.rate),
                absl::StrCat("--burst=", options.rate),
                "--ready_file=" + dir + "/notifierd.ready"};
  // Only when asked: a notifierd from before the flag can then be measured at 1.
  if (options.send_concurrency != 1) {
    child.args.push_back(absl::StrCat("--send_concurrency=", options.send_concurrency));
  }
  child.log_path = dir + "/notifierd.log";
  child.ready_file = dir + "/notifierd.ready";
  absl::StatusOr<std::unique_ptr<testing::ChildProcess>> started =
      testing::ChildProcess::Start(child);
  if (!started.ok()) return started.status();
  absl::StatusOr<int> port = (*started)->ReadyInt("http_port");
  if (!port.ok()) return port.status();
  return std::unique_ptr<Notifierd>(new Notifierd(*std::move(started), *port));
}

double Notifierd::Metric(absl::string_view name) const {
  absl::StatusOr<testing::HttpResponse> page = testing::HttpGetLocal(http_port_, "/metrics");
  if (!page.ok()) return -1;
  for (absl::string_view line : absl::StrSplit(page->body, '\n')) {
    double value = 0;
    if (absl::StartsWith(line, absl::StrCat(name, " ")) &&
        absl::SimpleAtod(line.substr(name.size() + 1), &value)) {
      return value;
    }
  }
  return -1;
}

absl::StatusOr<double> Notifierd::RateUntilSent(int count, absl::Duration timeout) {
  const absl::Time start = absl::Now();
  const double before = std::max(0.0, Metric("sms_sent_total"));
  if (!testing::MeterFleet::WaitFor([&] { return Metric("sms_sent_total") >= count; }, timeout)) {
    return absl::DeadlineExceededError(absl::StrCat("notifierd sent ", Metric("sms_sent_total"),
                                                    " of ", count, " SMS in ",
                                                    absl::FormatDuration(timeout)));
  }
  return (count - before) / absl::ToDoubleSeconds(absl::Now() - start);
}

absl::Status Notifierd::Stop() {
  absl::StatusOr<int> code = child_->Terminate();
  if (!code.ok()) return code.status();
  if (*code != 0) return absl::InternalError(absl::StrCat("notifierd exited with ", *code));
  return absl::OkStatus();
}

}  // namespace wallet::bench
