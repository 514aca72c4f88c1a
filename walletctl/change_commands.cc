// Changes of consumers and meters, for the utility (admin key): a consumer's
// name or phone, a meter's category, place, load or tariff, a meter's move to
// another owner, and the audit trail walletd records for each.
//
// The update commands send only the fields whose flags are given (proto3
// optional fields): a flag left out leaves the field as it is, and a text
// flag given empty (--name=) clears it.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

constexpr absl::string_view kUnchanged = "unchanged";

// The details as update-consumer and update-meter take them: left out, they
// stay as they are.
constexpr FlagSpec kNewName = kName.WithDefault(kUnchanged);
constexpr FlagSpec kNewPhone = kPhone.WithDefault(kUnchanged);
constexpr FlagSpec kNewLanguage = kLanguage.WithDefault(kUnchanged);
constexpr FlagSpec kNewCategory = kCategory.WithDefault(kUnchanged);
constexpr FlagSpec kNewCircle = kCircle.WithDefault(kUnchanged);
constexpr FlagSpec kNewDivision = kDivision.WithDefault(kUnchanged);
constexpr FlagSpec kNewSubdivision = kSubdivision.WithDefault(kUnchanged);
constexpr FlagSpec kNewLoadW = kLoadW.WithDefault(kUnchanged);
constexpr FlagSpec kNewTariff = kTariff.WithDefault(kUnchanged);
constexpr FlagSpec kNewBillingMode = kBillingMode.WithDefault(kUnchanged);
constexpr FlagSpec kNewCtOperated = kCtOperated.WithDefault(kUnchanged);
constexpr FlagSpec kNewAddress = kAddress.WithDefault(kUnchanged);

constexpr absl::string_view kReasonHelp = "Why; recorded with the change for audit.";

// ---------------------------------------------------------------------------
// Reports

void AddConsumerFields(const v1::Consumer& consumer, Report& report) {
  report.Add("consumer", PlainValue(consumer.consumer_id()))
      .Add("name", OrDashValue(consumer.name()))
      .Add("phone", OrDashValue(consumer.phone()))
      .Add("language", PlainValue(EnumText(*v1::Language_descriptor(),
                                           consumer.language() == v1::LANGUAGE_UNSPECIFIED
                                               ? v1::ENGLISH  // registered before languages
                                               : consumer.language())));
}

Report ConsumerUpdatedReport(const v1::UpdateConsumerResponse& response) {
  Report report;
  AddConsumerFields(response.consumer(), report);
  AddChangeFields(response.unchanged(), response.change(), report);
  return report;
}

Report MeterUpdatedReport(const v1::UpdateMeterResponse& response) {
  Report report;
  AddMeterFields(response.meter(), v1::Consumer(), report);
  AddChangeFields(response.unchanged(), response.change(), report);
  return report;
}

Report MeterMovedReport(const v1::MoveMeterResponse& response) {
  Report report;
  AddMeterFields(response.meter(), response.consumer(), report);
  AddChangeFields(response.unchanged(), response.change(), report);
  report.Add("cancelled orders",
             response.cancelled_order_ids().empty()
                 ? Value{"none", ""}
                 : PlainValue(absl::StrJoin(response.cancelled_order_ids(), " ")));
  return report;
}

Report ChangesReport(const v1::ListChangesResponse& response) {
  return ReportOf(AddChangeTable, response.changes());
}

// ---------------------------------------------------------------------------
// Commands

// NothingToChange is the usage error of an update given no field to change,
// caught before anything is sent.
absl::Status NothingToChange(absl::string_view flags) {
  return UsageError(absl::StrCat("nothing to change: give at least one of ", flags));
}

absl::Status UpdateConsumer(const Args& args, Context& context) {
  auto request = KeyedRequest<v1::UpdateConsumerRequest>(context);
  if (args.Has(kName)) request.set_name(args.Text(kName));
  if (args.Has(kPhone)) request.set_phone(args.Text(kPhone));
  request.set_language(args.Enum(kLanguage, v1::LANGUAGE_UNSPECIFIED));
  if (!request.has_name() && !request.has_phone() &&
      request.language() == v1::LANGUAGE_UNSPECIFIED) {
    return NothingToChange("--name, --phone, --language");
  }
  request.set_consumer_id(args.Text(kConsumer));
  request.set_reason(args.Text(kReason));
  return context.Run(&AdminStub::UpdateConsumer, request, ConsumerUpdatedReport);
}

absl::Status UpdateMeter(const Args& args, Context& context) {
  auto request = KeyedMeterRequest<v1::UpdateMeterRequest>(args, context);
  SetMeterDetails(args, request);
  if (!request.has_category() && !request.has_circle() && !request.has_division() &&
      !request.has_subdivision() && !request.has_sanctioned_load_w() && !request.has_tariff_id() &&
      !request.has_billing_mode() && !request.has_ct_operated() && !request.has_address()) {
    return NothingToChange(
        "--category, --circle, --division, --subdivision, --load_w, --tariff, --billing_mode, "
        "--ct_operated, --address");
  }
  request.set_reason(args.Text(kReason));
  return context.Run(&AdminStub::UpdateMeter, request, MeterUpdatedReport);
}

absl::Status MoveMeter(const Args& args, Context& context) {
  auto request = KeyedMeterRequest<v1::MoveMeterRequest>(args, context);
  *request.mutable_consumer() = ConsumerOf(args);
  request.set_reason(args.Text(kReason));
  return context.Run(&AdminStub::MoveMeter, request, MeterMovedReport);
}

absl::Status ListChanges(const Args& args, Context& context) {
  return context.RunList(&AdminStub::ListChanges, OwnerFilter<v1::ListChangesRequest>(args),
                         &v1::ListChangesResponse::mutable_changes, ChangesReport);
}

}  // namespace

CommandGroup ChangeCommands() {
  return {"Changes of consumers and meters",
          {
              {"update-consumer",
               "Change a consumer's name, phone or SMS language (recorded).",
               kAdminKey,
               {Required(kConsumer), Required(kReason, kReasonHelp),
                Optional(kNewName, "Consumer's name; --name= clears it."),
                Optional(kNewPhone,
                         "Consumer's mobile number: 10 to 15 digits, optional +. Notifications "
                         "go to it from now on."),
                Optional(kNewLanguage, "Language of the consumer's SMS from now on."),
                Optional(kRequestId)},
               UpdateConsumer,
               "Give at least one of --name, --phone and --language. Answers `unchanged` (and records "
               "nothing) when the consumer already has the values given."},
              {"update-meter",
               "Change a meter's category, place, sanctioned load, tariff, billing mode, CT flag "
               "or address; the change is recorded.",
               kAdminKey,
               {Required(kMeter), Required(kReason, kReasonHelp),
                Optional(kNewCategory,
                         "Meter category; its policy (emergency credit, notices) "
                         "applies at once."),
                Optional(kNewCircle, "Circle of the meter; --circle= clears it."),
                Optional(kNewDivision, "Division of the meter; --division= clears it."),
                Optional(kNewSubdivision, "Subdivision of the meter; --subdivision= clears it."),
                Optional(kNewLoadW), Optional(kNewTariff),
                Optional(kNewBillingMode,
                         "prepaid or postpaid. To postpaid: the prepaid policy stops (a cut for "
                         "non-payment is lifted); to prepaid: it starts now, with its grace "
                         "period, and the next reading sets a new base."),
                Optional(kNewCtOperated, "CT-operated (no relay): --ct_operated or --noct_operated."),
                Optional(kNewAddress, "Postal address; --address= clears it."),
                Optional(kRequestId)},
               UpdateMeter,
               "Give at least one detail to change. Answers `unchanged` (and records nothing) "
               "when the meter already has the values given."},
              {"move-meter",
               "Move a meter to another consumer, existing or new; the change is recorded.",
               kAdminKey,
               {Required(kMeter),
                Required(kConsumer,
                         "The new owner's consumer id: an existing consumer, or a "
                         "new one created with --name and --phone."),
                Required(kReason, kReasonHelp),
                Optional(kName, "A new consumer's name; for an existing one leave it out."),
                Optional(kPhone,
                         "A new consumer's mobile number (required for a new consumer); for an "
                         "existing one leave it out."),
                Optional(kLanguage,
                         "A new consumer's SMS language (english if left out); for an existing "
                         "one leave it out."),
                Optional(kRequestId)},
               MoveMeter,
               "The wallet, arrears, readings and history stay with the meter; the previous "
               "owner's pending recharge orders are cancelled (listed as `cancelled orders`). "
               "An existing consumer's details are changed with update-consumer. Answers "
               "`unchanged` when the meter already belongs to the consumer."},
              {"changes", "Show the recorded changes of a meter or a consumer, newest first.",
               kAdminKey, WithPaging({RequiredOneOf({&kMeter, &kConsumer})}), ListChanges,
               "One row per field changed: when, what kind of change, the admin key that made it "
               "(the first 16 hex digits of its SHA-256, never the key, and its label), the "
               "reason, and the field before and after (\"-\" for empty)."},
          }};
}

}  // namespace walletctl
