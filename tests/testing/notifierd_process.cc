#include "tests/testing/notifierd_process.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/testing/walletd_process.h"
#include "tests/testing/write_file.h"

namespace wallet::testing {

double MetricValue(absl::string_view page, absl::string_view name) {
  for (absl::string_view line : absl::StrSplit(page, '\n')) {
    if (!absl::StartsWith(line, absl::StrCat(name, " "))) continue;
    double value = 0;
    if (absl::SimpleAtod(line.substr(name.size() + 1), &value)) return value;
  }
  return -1;
}

absl::StatusOr<std::unique_ptr<NotifierdProcess>> NotifierdProcess::Start(
    const NotifierdOptions& options) {
  const std::string& dir = options.dir;
  WriteFile(dir + "/templates.json", options.templates);
  WriteFile(dir + "/notifier.key", options.api_key);
  WriteFile(dir + "/kannel.password", KannelProcess::kPassword);
  ChildOptions child;
  child.binary = options.binary;
  child.args = {"--wallet=" + options.wallet,
                "--api_key_file=" + dir + "/notifier.key",
                "--templates=" + dir + "/templates.json",
                "--data_dir=" + dir + "/notifier",
                "--kannel_url=" + options.kannel->sendsms_url(),
                std::string("--kannel_user=") + KannelProcess::kUser,
                "--kannel_password_file=" + dir + "/kannel.password",
                "--dlr_listen=127.0.0.1:0",
                "--http_listen=127.0.0.1:0",
                absl::StrCat("--rate=", options.rate),
                "--retry_initial=" + absl::FormatDuration(options.retry_initial),
                "--retry_max=" + absl::FormatDuration(options.retry_max),
                "--ready_file=" + dir + "/notifier.ready"};
  const base::ClientTlsFiles& tls = options.wallet_tls;
  if (!tls.ca_file.empty()) child.args.push_back("--wallet_tls_ca=" + tls.ca_file);
  if (!tls.cert_file.empty()) {
    child.args.push_back("--wallet_tls_cert=" + tls.cert_file);
    child.args.push_back("--wallet_tls_key=" + tls.key_file);
  }
  child.log_path = dir + "/notifierd.log";
  child.ready_file = dir + "/notifier.ready";
  absl::StatusOr<std::unique_ptr<ChildProcess>> started = ChildProcess::Start(child);
  if (!started.ok()) return started.status();
  absl::StatusOr<int> port = (*started)->ReadyInt("http_port");
  if (!port.ok()) return port.status();
  return std::unique_ptr<NotifierdProcess>(new NotifierdProcess(*std::move(started), *port));
}

double NotifierdProcess::Metric(absl::string_view name) const {
  absl::StatusOr<HttpResponse> page = HttpGetLocal(http_port_, "/metrics");
  return page.ok() ? MetricValue(page->body, name) : -1;
}

}  // namespace wallet::testing
