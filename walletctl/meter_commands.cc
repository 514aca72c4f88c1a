// Meters and consumers, for the utility (admin key): register, show, list,
// adjust a wallet, hold a meter's supply, and the policy's view of a meter.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "walletctl/command.h"
#include "walletctl/commands.h"
#include "walletctl/common_flags.h"
#include "walletctl/context.h"
#include "walletctl/format.h"
#include "walletctl/report_parts.h"

namespace walletctl {
namespace {

namespace v1 = ::wallet::v1;
using AdminStub = v1::AdminService::Stub;

constexpr FlagSpec kArrears =
    RupeesFlag("arrears", "Legacy post-paid arrears the meter opens with, in rupees.",
               /*allow_zero=*/true)
        .WithDefault("0");
constexpr FlagSpec kNewBillingMode = kBillingMode.WithDefault("prepaid");
constexpr FlagSpec kMinArrears =
    RupeesFlag("min_arrears", "Only meters owing at least this many rupees.", /*allow_zero=*/true);
constexpr FlagSpec kDirection = EnumFlag("direction", "DIR", "Credit or debit the meter wallet.",
                                         &v1::AdjustBalanceRequest::Direction_descriptor);
constexpr FlagSpec kHold =
    EnumFlag("hold", "HOLD",
             "never_disconnect keeps supply on whatever the balance (e.g. medical equipment); "
             "keep_disconnected keeps it off; none lifts a hold.",
             &v1::Hold_descriptor, "HOLD_");

// ---------------------------------------------------------------------------
// Reports

Report RegisteredReport(const v1::RegisterMeterResponse& response) {
  Report report;
  AddMeterFields(response.meter(), response.consumer(), report);
  return report;
}

Report MeterViewReport(const v1::MeterView& view) {
  Report report;
  AddMeterFields(view.meter(), view.consumer(), report);
  report.Add("balance", MoneyValue(view.balance_paise()))
      .Add("arrears", MoneyValue(view.arrears_paise()))
      .Add("surcharge", MoneyValue(view.surcharge_paise()))
      .Add("unpaid bills", PlainValue(absl::StrCat(view.unpaid_bills())))
      .Add("oldest due date", OrDashValue(view.oldest_due_date()));
  return report;
}

Report MetersReport(const v1::ListMetersResponse& response) {
  Report report;
  Table& table = report.SetTable({{"METER"},
                                  {"CONSUMER"},
                                  {"NAME"},
                                  {"CATEGORY"},
                                  {"CIRCLE/DIVISION/SUBDIVISION"},
                                  {"BALANCE", Align::kRight},
                                  {"ARREARS", Align::kRight}});
  for (const v1::MeterView& view : response.meters()) {
    const v1::Meter& meter = view.meter();
    table.AddRow(
        {PlainValue(meter.meter_id()), PlainValue(meter.consumer_id()),
         PlainValue(view.consumer().name()),
         PlainValue(EnumText(*v1::Category_descriptor(), meter.category())),
         PlainValue(absl::StrCat(meter.circle(), "/", meter.division(), "/", meter.subdivision())),
         MoneyValue(view.balance_paise()), MoneyValue(view.arrears_paise())});
  }
  return report;
}

Report AdjustedReport(const v1::AdjustBalanceResponse& response) {
  Report report;
  report.Add("transfer", PlainValue(TransferSummary(response.transfer())))
      .Add("balance", MoneyValue(response.balance_paise()));
  return report;
}

// CommandText is "disconnect (rc-12)": an action and the command that
// carries it; "-" for none.
std::string CommandText(v1::RelayAction action, const std::string& command_id) {
  if (command_id.empty()) return ActionText(action);
  return absl::StrCat(ActionText(action), " (", command_id, ")");
}

Report MeterStateReport(const v1::MeterPolicyState& state) {
  std::string month = FormatKwh(state.month_wh());
  if (state.month() != 0) {
    absl::StrAppend(&month,
                    absl::StrFormat(" in %04d-%02d", state.month() / 100, state.month() % 100));
  }
  std::string last_action = CommandText(state.last_action(), state.last_command_id());
  if (state.last_action() == v1::DISCONNECT) {
    absl::StrAppend(&last_action, state.cut_for_nonpayment() ? ", for non-payment" : ", by hold");
  }
  Report report;
  report.Add("meter", PlainValue(state.meter_id()))
      .Add("balance", MoneyValue(state.balance_paise()))
      .Add("last recharge",
           PlainValue(LastRechargeText(state.last_recharge_paise(), state.last_recharge_time())))
      .Add("relay", PlainValue(RelayStateText(state.relay())))
      .Add("relay read at", TimeValue(state.relay_observe_time()))
      .Add("pending command",
           PlainValue(CommandText(state.pending_action(), state.pending_command_id())))
      .Add("last action", PlainValue(last_action))
      .Add("relay retry at", TimeValue(state.relay_retry_time()))
      .Add("relay control",
           PlainValue(state.no_relay() ? "none: a command failed NO_RELAY (field work)" : "yes"))
      .Add("hold", PlainValue(EnumText(*v1::Hold_descriptor(), state.hold(), "HOLD_")))
      .Add("register",
           PlainValue(state.has_reading() ? absl::StrCat(state.register_wh(), " Wh at meter time ",
                                                         FormatTimestamp(state.read_time()))
                                          : std::string("- (no reading yet)")))
      .Add("month", PlainValue(month))
      .Add("exhausted since", TimeValue(state.exhaust_time()))
      .Add("notices sent", PlainValue(absl::StrCat(state.notices_sent())))
      .Add("prepaid since", TimeValue(state.prepaid_start_time()))
      .Add("quarantined", PlainValue(absl::StrCat(state.quarantined_readings(), " readings")))
      .Add("daily spend",
           Value{absl::StrCat(FormatPaise(state.daily_spend_paise()), " (recent average)"),
                 DecimalRupees(state.daily_spend_paise())})
      .Add("tamper alert",
           PlainValue(state.tamper_alerted() ? "raised: supply seen on while cut" : "none"));
  return report;
}

Report HoldSetReport(const v1::SetHoldResponse& response) {
  return MeterStateReport(response.state());
}

// ---------------------------------------------------------------------------
// Commands

absl::Status RegisterMeter(const Args& args, Context& context) {
  auto request = KeyedRequest<v1::RegisterMeterRequest>(context);
  v1::Meter& meter = *request.mutable_meter();
  meter.set_meter_id(args.Text(kMeter));
  meter.set_consumer_id(args.Text(kConsumer));
  SetMeterDetails(args, meter);
  *request.mutable_consumer() = ConsumerOf(args);
  request.set_arrears_paise(args.Int(kArrears));
  return context.Run(&AdminStub::RegisterMeter, request, RegisteredReport);
}

absl::Status GetMeter(const Args& args, Context& context) {
  return context.Run(&AdminStub::GetMeter, MeterRequest<v1::GetMeterRequest>(args),
                     MeterViewReport);
}

absl::Status ListMeters(const Args& args, Context& context) {
  v1::ListMetersRequest request;
  request.set_category(args.Enum(kCategory, v1::CATEGORY_UNSPECIFIED));
  request.set_circle(args.Text(kCircle));
  request.set_division(args.Text(kDivision));
  request.set_subdivision(args.Text(kSubdivision));
  request.set_consumer_id(args.Text(kConsumer));
  request.set_min_arrears_paise(args.Int(kMinArrears));
  return context.RunList(&AdminStub::ListMeters, request, &v1::ListMetersResponse::mutable_meters,
                         MetersReport);
}

absl::Status Adjust(const Args& args, Context& context) {
  auto request = MeterAmountRequest<v1::AdjustBalanceRequest>(args, context);
  request.set_direction(args.Enum(kDirection, v1::AdjustBalanceRequest::DIRECTION_UNSPECIFIED));
  request.set_reason(args.Text(kReason));
  return context.Run(&AdminStub::AdjustBalance, request, AdjustedReport);
}

absl::Status SetHold(const Args& args, Context& context) {
  auto request = KeyedMeterRequest<v1::SetHoldRequest>(args, context);
  request.set_hold(args.Enum(kHold, v1::HOLD_NONE));
  request.set_reason(args.Text(kReason));
  return context.Run(&AdminStub::SetHold, request, HoldSetReport);
}

absl::Status GetMeterState(const Args& args, Context& context) {
  return context.Run(&AdminStub::GetMeterState, MeterRequest<v1::GetMeterRequest>(args),
                     MeterStateReport);
}

}  // namespace

CommandGroup MeterCommands() {
  return {"Meters and consumers",
          {
              {"register-meter",
               "Register a meter and, if new, its consumer.",
               kAdminKey,
               {Required(kMeter), Required(kConsumer), Required(kCategory),
                Required(kPhone,
                         "Consumer's mobile number: 10 to 15 digits, optional +. For an "
                         "existing consumer, the number it has (change it with update-consumer)."),
                Required(kLoadW), Required(kTariff),
                Optional(kName,
                         "Consumer's name. For an existing consumer, leave it out or give the "
                         "name it has."),
                Optional(kLanguage,
                         "Language of the consumer's SMS: english (if left out) or hindi. For an "
                         "existing consumer, leave it out or give the language it has."),
                Optional(kCircle), Optional(kDivision), Optional(kSubdivision), Optional(kArrears),
                Optional(kNewBillingMode), Optional(kCtOperated),
                Optional(kAddress), Optional(kRequestId)},
               RegisterMeter,
               "walletd refuses a tariff that is not in its tariff book or has no version in force "
               "yet; a meter is never left without a tariff. An existing consumer's details are "
               "changed with update-consumer, a meter's with update-meter."},
              {"get-meter",
               "Show a meter, its consumer, balance and arrears.",
               kAdminKey,
               {Required(kMeter)},
               GetMeter},
              {"list-meters", "List meters matching all the given filters.", kAdminKey,
               WithPaging({Optional(kCategory), Optional(kCircle), Optional(kDivision),
                           Optional(kSubdivision), Optional(kConsumer), Optional(kMinArrears)}),
               ListMeters},
              {"adjust",
               "Credit or debit a meter wallet.",
               kAdminKey,
               {Required(kMeter), Required(kDirection), AmountUse(),
                Required(kReason, "Why; shown in the journal."), Optional(kRequestId)},
               Adjust},
              {"set-hold",
               "Set or lift a hold that overrides the disconnection policy.",
               kAdminKey,
               {Required(kMeter), Required(kHold), Required(kReason, "Why the hold is set."),
                Optional(kRequestId)},
               SetHold},
              {"meter-state",
               "Show a meter's reading, rating, relay and policy state.",
               kAdminKey,
               {Required(kMeter)},
               GetMeterState},
          }};
}

}  // namespace walletctl
