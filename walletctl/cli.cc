#include "walletctl/cli.h"

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "walletctl/command_line.h"
#include "walletctl/commands.h"
#include "walletctl/connection.h"
#include "walletctl/context.h"
#include "walletctl/help.h"
#include "walletctl/output.h"

namespace walletctl {
namespace {

int UsageFailure(const std::vector<std::string>& problems, const Command* command, std::FILE* err) {
  for (const std::string& problem : problems) absl::FPrintF(err, "error: %s\n", problem);
  absl::FPrintF(err, "%s\n", UsageHint(command));
  return kExitUsage;
}

int Failure(const absl::Status& status, const Command* command, std::FILE* err) {
  if (IsUsageError(status)) return UsageFailure({std::string(status.message())}, command, err);
  absl::FPrintF(err, "error: %s: %s\n", absl::StatusCodeToString(status.code()), status.message());
  return kExitFailed;
}

OutputFormat FormatOf(const Args& args) {
  if (args.Bool(kJson)) return OutputFormat::kJson;
  return args.Enum(kOutput, OutputFormat::kText);
}

}  // namespace

int RunWalletctl(const std::vector<std::string>& words, const Environment& environment,
                 std::FILE* out, std::FILE* err) {
  const Invocation invocation = ParseCommandLine(words, Commands());
  if (!invocation.problems.empty()) {
    return UsageFailure(invocation.problems, invocation.command, err);
  }
  if (invocation.help) {
    const std::string help =
        invocation.command == nullptr ? OverviewHelp(Commands()) : CommandHelp(*invocation.command);
    absl::FPrintF(out, "%s", help);
    return kExitOk;
  }
  const Args& args = invocation.args;
  ApiKeySources sources;
  sources.flag_key = args.Text(kApiKey);
  sources.flag_file = args.Text(kApiKeyFile);
  sources.env_key = environment.api_key;
  sources.env_file = environment.api_key_file;
  absl::StatusOr<std::string> api_key = ResolveApiKey(sources);
  if (!api_key.ok()) return Failure(api_key.status(), invocation.command, err);

  ConnectionOptions options;
  if (args.Has(kServer)) options.server = args.Text(kServer);
  options.tls = {args.Text(kTlsCa), args.Text(kTlsCert), args.Text(kTlsKey)};
  options.api_key = *std::move(api_key);
  options.timeout = absl::Milliseconds(args.Int(kTimeoutMs, 10'000));
  absl::StatusOr<std::unique_ptr<Connection>> connection = Connection::Open(std::move(options));
  if (!connection.ok()) return Failure(connection.status(), invocation.command, err);
  Output output(FormatOf(args), out);
  Context context(args, **connection, output, err);
  const absl::Status status = invocation.command->run(args, context);
  if (!status.ok()) return Failure(status, invocation.command, err);
  return kExitOk;
}

}  // namespace walletctl
