// The meter gateway's calls (meter_gateway key), for checking a meter by
// hand: send a reading, take relay commands, report what a relay did, and
// take the notifications to send (also with an admin key).
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/time_util.h"
#include "wallet/v1/meter.grpc.pb.h"
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
using IngestStub = v1::MeterIngestService::Stub;
using MeterGatewayStub = v1::MeterGatewayService::Stub;
using NotificationStub = v1::NotificationService::Stub;


constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();

constexpr FlagSpec kRegisterWh = IntFlag(
    "register_wh", "WH", "The meter's energy register (cumulative import) in Wh.", 0, kMaxInt64);
constexpr FlagSpec kMeterTime = kAt.WithDefault("now; a retry must repeat it");
constexpr Choice kReadingKinds[] = {
    {"normal", v1::Reading::NORMAL},
    {"reset", v1::Reading::REGISTER_RESET},
    {"replaced", v1::Reading::METER_REPLACED},
};
constexpr FlagSpec kKind =
    ChoiceFlag("kind", "KIND",
               "Reading kind: normal; reset, the register restarted from this value; or "
               "replaced, a new meter under the same id. Neither of the last two charges the "
               "jump.",
               kReadingKinds)
        .WithDefault("normal");
constexpr FlagSpec kBatchId =
    IdFlag("batch_id", "Idempotency key of the readings batch; repeat it to retry safely.")
        .WithDefault("a new one, printed on standard error");
constexpr FlagSpec kFollow =
    BoolFlag("follow", "Keep the stream open and print items as they come, until interrupted.");
constexpr FlagSpec kAck =
    BoolFlag("ack", "Acknowledge each item once printed, so that it is not delivered again.");
constexpr FlagSpec kMax =
    IntFlag("max", "N", "Stop after this many items.", 0, kMaxInt64).WithDefault("0, no limit");
constexpr FlagSpec kCommandId = IdFlag("command_id", "Relay command id (from relay-commands).");
constexpr FlagSpec kResult = EnumFlag("result", "RESULT", "What the relay command did.",
                                      &v1::RelayOutcome::Result_descriptor);
constexpr FlagSpec kState = EnumFlag("state", "STATE", "Relay state read back from the meter.",
                                     &v1::RelayState_descriptor, "RELAY_");

// ---------------------------------------------------------------------------
// Reports

Report IngestedReport(const v1::IngestReadingsResponse& response) {
  Report report;
  for (const v1::ReadingResult& result : response.results()) {
    // Only a debited reading reports the balance.
    const bool debited = result.outcome() == v1::ReadingResult::DEBITED;
    report
        .Add("outcome",
             PlainValue(EnumText(*v1::ReadingResult::Outcome_descriptor(), result.outcome())))
        .Add("reason", OrDashValue(result.reason()))
        .Add("energy", PlainValue(absl::StrCat(result.energy_wh(), " Wh")))
        .Add("charged", MoneyValue(result.charged_paise()))
        .Add("balance", debited ? MoneyValue(result.balance_paise()) : Value{"-", ""});
  }
  return report;
}

Report RelayReportedReport(const v1::ReportRelayOutcomeResponse& response) {
  Report report;
  report.Add("relay", PlainValue(RelayStateText(response.state())));
  return report;
}

// Stream items print one per line, as they arrive, so that a receiver can be
// watched or piped; there is no table to align them in.

std::string NotificationKind(const v1::Notification& notification) {
  return EnumText(*v1::Notification::Kind_descriptor(), notification.kind());
}

std::string NotificationLine(const v1::Notification& notification) {
  return absl::StrFormat("%d %s %s %s %s", notification.seq(), NotificationKind(notification),
                         OrDash(notification.meter_id()), OrDash(notification.phone()),
                         notification.text());
}

std::vector<Value> NotificationRow(const v1::Notification& notification) {
  return {PlainValue(absl::StrCat(notification.seq())),
          PlainValue(notification.notification_id()),
          PlainValue(NotificationKind(notification)),
          PlainValue(notification.meter_id()),
          PlainValue(notification.consumer_id()),
          PlainValue(notification.phone()),
          MoneyValue(notification.balance_paise()),
          MoneyValue(notification.amount_paise()),
          MoneyValue(notification.arrears_recovered_paise()),
          PlainValue(absl::StrCat(notification.notice_day())),
          TimeValue(notification.create_time()),
          PlainValue(notification.text())};
}

const ItemFormat<v1::Notification>& NotificationFormat() {
  static const auto* const format = new ItemFormat<v1::Notification>{{{"SEQ"},
                                                                      {"ID"},
                                                                      {"KIND"},
                                                                      {"METER"},
                                                                      {"CONSUMER"},
                                                                      {"PHONE"},
                                                                      {"BALANCE"},
                                                                      {"AMOUNT"},
                                                                      {"ARREARS RECOVERED"},
                                                                      {"NOTICE DAY"},
                                                                      {"TIME"},
                                                                      {"TEXT"}},
                                                                     NotificationLine,
                                                                     NotificationRow};
  return *format;
}

std::string RelayCommandLine(const v1::RelayCommand& command) {
  std::string line =
      absl::StrFormat("%d %s %s %s %s", command.seq(), command.command_id(), command.meter_id(),
                      ActionText(command.action()), OrDash(command.reason()));
  if (!command.supersedes_command_id().empty()) {
    absl::StrAppend(&line, " (supersedes ", command.supersedes_command_id(), ")");
  }
  return line;
}

std::vector<Value> RelayCommandRow(const v1::RelayCommand& command) {
  return {PlainValue(absl::StrCat(command.seq())),
          PlainValue(command.command_id()),
          PlainValue(command.meter_id()),
          PlainValue(ActionText(command.action())),
          PlainValue(command.reason()),
          PlainValue(command.supersedes_command_id()),
          TimeValue(command.issue_time())};
}

const ItemFormat<v1::RelayCommand>& RelayCommandFormat() {
  static const auto* const format = new ItemFormat<v1::RelayCommand>{
      {{"SEQ"}, {"COMMAND"}, {"METER"}, {"ACTION"}, {"REASON"}, {"SUPERSEDES"}, {"ISSUED"}},
      RelayCommandLine,
      RelayCommandRow};
  return *format;
}

StreamOptions StreamOptionsOf(const Args& args) {
  StreamOptions options;
  options.follow = args.Bool(kFollow);
  options.ack = args.Bool(kAck);
  options.max = args.Int(kMax);
  return options;
}

// ---------------------------------------------------------------------------
// Commands

// ReadingRejected fails the command on a rejected reading: the call
// succeeds with it in its results, and a script should still notice, as with
// check-ledger's mismatch.
absl::Status ReadingRejected(const v1::IngestReadingsResponse& response) {
  for (const v1::ReadingResult& result : response.results()) {
    if (result.outcome() == v1::ReadingResult::REJECTED) {
      return absl::InvalidArgumentError(absl::StrCat("reading rejected: ", result.reason()));
    }
  }
  return absl::OkStatus();
}

absl::Status Ingest(const Args& args, Context& context) {
  v1::IngestReadingsRequest request;
  request.set_batch_id(context.IdempotencyKey(kBatchId));
  v1::Reading& reading = *request.add_readings();
  reading.set_meter_id(args.Text(kMeter));
  reading.set_register_wh(args.Int(kRegisterWh));
  *reading.mutable_meter_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(context.TimeOrNow(kMeterTime)));
  reading.set_kind(args.Enum(kKind, v1::Reading::NORMAL));
  return context.Run(&IngestStub::IngestReadings, request, IngestedReport, ReadingRejected);
}

absl::Status RelayCommands(const Args& args, Context& context) {
  return context.RunStream(&MeterGatewayStub::StreamRelayCommands, StreamOptionsOf(args),
                           RelayCommandFormat());
}

absl::Status ReportRelay(const Args& args, Context& context) {
  v1::RelayOutcome request;
  request.set_command_id(args.Text(kCommandId));
  request.set_meter_id(args.Text(kMeter));
  request.set_result(args.Enum(kResult, v1::RelayOutcome::RESULT_UNSPECIFIED));
  request.set_state(args.Enum(kState, v1::RELAY_UNKNOWN));
  request.set_reason(args.Text(kReason));
  return context.Run(&MeterGatewayStub::ReportRelayOutcome, request, RelayReportedReport);
}

absl::Status Notifications(const Args& args, Context& context) {
  return context.RunStream(&NotificationStub::StreamNotifications, StreamOptionsOf(args),
                           NotificationFormat());
}

constexpr char kStreamDetails[] =
    "Resumes after the last acknowledged item and prints until nothing comes for 1 s "
    "(--follow: until interrupted) or --max items.";

}  // namespace

CommandGroup GatewayCommands() {
  return {"Meter gateway",
          {
              {"ingest",
               "Send one register reading; prints what it was charged.",
               kMeterGatewayKey,
               {Required(kMeter), Required(kRegisterWh),
                Optional(kMeterTime, "The meter's time of the reading, in IST."), Optional(kKind),
                Optional(kBatchId)},
               Ingest,
               "Exits 1 when the reading is rejected, though the call succeeded."},
              {"relay-commands",
               "Print relay commands to execute, one a line.",
               kMeterGatewayKey,
               {Optional(kFollow), Optional(kAck), Optional(kMax)},
               RelayCommands,
               kStreamDetails},
              {"report-relay",
               "Report what a relay command did.",
               kMeterGatewayKey,
               {Required(kCommandId), Required(kMeter), Required(kResult), Required(kState),
                Optional(kReason, "Why it failed: timeout, refused, association failed, ...")},
               ReportRelay},
              {"notifications",
               "Print notifications to send, one a line.",
               kNotificationKey,
               {Optional(kFollow), Optional(kAck), Optional(kMax)},
               Notifications,
               kStreamDetails},
          }};
}

}  // namespace walletctl
