// Operations, for the utility (admin key): API keys, the ledger check a cron
// job runs, and the clock of a demo or test walletd.
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "walletctl/command.h"
#include "walletctl/commands.h"
#include "walletctl/common_flags.h"
#include "walletctl/context.h"
#include "walletctl/format.h"
#include "walletctl/values.h"

namespace walletctl {
namespace {

namespace v1 = ::wallet::v1;
using ::google::protobuf::util::TimeUtil;
using AdminStub = v1::AdminService::Stub;

constexpr FlagSpec kRole =
    EnumFlag("role", "ROLE", "What the key may do.", &v1::Role_descriptor, "ROLE_");
constexpr FlagSpec kSubject =
    IdFlag("subject", "The retailer or consumer the key acts for; required for those roles.");
constexpr FlagSpec kLabel = TextFlag("label", "TEXT", "Free-text label of the key.");

// ---------------------------------------------------------------------------
// Reports

Report ApiKeyReport(const v1::IssueApiKeyResponse& response) {
  Report report;
  report.Add("api key", PlainValue(response.api_key()))
      .Add("role", PlainValue(EnumText(*v1::Role_descriptor(), response.role(), "ROLE_")))
      .Add("subject", OrDashValue(response.subject_id()));
  return report;
}

Report LedgerCheckReport(const v1::CheckLedgerResponse& response) {
  Report report;
  report.Add("transfers", PlainValue(absl::StrCat(response.transfers())))
      .Add("accounts", PlainValue(absl::StrCat(response.accounts())))
      .Add("sum", MoneyValue(response.sum_paise()))
      .Add("result", PlainValue(response.ok() ? "OK" : "MISMATCH"));
  for (const std::string& account : response.mismatched_accounts()) {
    report.Add("mismatched", PlainValue(account));
  }
  for (const std::string& account : response.out_of_range_accounts()) {
    report.Add("out of range", PlainValue(account));
  }
  return report;
}

Report ClockReport(const v1::SetClockResponse& response) {
  Report report;
  report.Add("clock", TimeValue(response.time()));
  return report;
}

// ---------------------------------------------------------------------------
// Commands

absl::Status IssueKey(const Args& args, Context& context) {
  auto request = KeyedRequest<v1::IssueApiKeyRequest>(context);
  request.set_role(args.Enum(kRole, v1::ROLE_UNSPECIFIED));
  request.set_subject_id(args.Text(kSubject));
  request.set_label(args.Text(kLabel));
  absl::StatusOr<v1::IssueApiKeyResponse> response = context.Call(&AdminStub::IssueApiKey, request);
  if (!response.ok()) return response.status();
  if (context.output().format() != OutputFormat::kText) {
    return context.Show(*response, ApiKeyReport);
  }
  // The key alone goes to standard output, so that `walletctl issue-key ...
  // > key` writes a file usable as --api_key_file.
  context.Note(absl::StrCat(
      "issued ", EnumText(*v1::Role_descriptor(), response->role(), "ROLE_"), " key",
      response->subject_id().empty() ? "" : absl::StrCat(" for ", response->subject_id()),
      "; it is shown only once:"));
  return context.output().ShowText(absl::StrCat(response->api_key(), "\n"));
}

// LedgerBroken fails the command (a non-zero exit) on a broken ledger, so
// that a cron job or script notices.
absl::Status LedgerBroken(const v1::CheckLedgerResponse& response) {
  if (response.ok()) return absl::OkStatus();
  return absl::DataLossError(
      absl::StrCat("ledger check failed: ", response.mismatched_accounts_size(),
                   " mismatched accounts, ", response.out_of_range_accounts_size(),
                   " out of range, sum ", FormatPaise(response.sum_paise())));
}

absl::Status CheckLedger(const Args& args, Context& context) {
  return context.Run(&AdminStub::CheckLedger, v1::CheckLedgerRequest(), LedgerCheckReport,
                     LedgerBroken);
}

absl::Status SetClock(const Args& args, Context& context) {
  v1::SetClockRequest request;
  *request.mutable_time() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(*args.Time(kAt)));
  absl::StatusOr<v1::SetClockResponse> response = context.Call(&AdminStub::SetClock, request);
  if (!response.ok()) return response.status();
  if (context.output().format() != OutputFormat::kText) {
    return context.Show(*response, ClockReport);
  }
  const absl::Time now = absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(response->time()));
  return context.output().ShowText(absl::StrCat(
      "walletd's clock is now ", absl::FormatTime("%Y-%m-%d %H:%M:%S (%a)", now, Ist()), " IST\n"));
}

}  // namespace

CommandGroup OpsCommands() {
  return {"Operations",
          {
              {"issue-key",
               "Issue an API key; prints the key (shown once) alone on standard output.",
               kAdminKey,
               {Required(kRole), Optional(kSubject), Optional(kLabel), Optional(kRequestId)},
               IssueKey},
              {"check-ledger",
               "Rebuild every balance from the journal and compare.",
               kAdminKey,
               {},
               CheckLedger,
               "Lists each account whose stored balance differs from the journal's "
               "(`mismatched`) and each whose balance lies outside the int64 range of paise "
               "(`out of range`: a store written before every balance change was "
               "overflow-checked). Exits 1 on either, or a sum other than zero, so that a cron "
               "job notices."},
              {"set-clock",
               "Move walletd's clock forward (walletd --settable_clock only).",
               kAdminKey,
               {Required(kAt, "The new time of walletd's clock, in IST; never earlier.")},
               SetClock},
          }};
}

}  // namespace walletctl
