// Retailers and their floats: the utility creates a retailer and credits its
// float with deposits (admin key); the retailer recharges meters from the
// float and reads its balance and daily statement (retailer key, or admin key
// naming the retailer).
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "wallet/v1/retailer.grpc.pb.h"
#include "walletctl/command.h"
#include "walletctl/commands.h"
#include "walletctl/common_flags.h"
#include "walletctl/context.h"
#include "walletctl/format.h"
#include "walletctl/report_parts.h"
#include "walletctl/values.h"

namespace walletctl {
namespace {

namespace v1 = ::wallet::v1;
using AdminStub = v1::AdminService::Stub;
using RetailerStub = v1::RetailerService::Stub;

// -1, as leaving it out, asks for walletd's default.
constexpr FlagSpec kCommissionBps =
    IntFlag("commission_bps", "BPS",
            "Commission on each recharge in basis points (100 = 1 %); -1: walletd's default.", -1,
            10'000)
        .WithDefault("walletd's --default_commission_bps");
constexpr FlagSpec kFloatLimit =
    RupeesFlag("float_limit",
               "Credit the float may use, in rupees: 5000 lets it go down to Rs -5,000.00.",
               /*allow_zero=*/true)
        .WithDefault("0, no credit");
constexpr FlagSpec kReference =
    TextFlag("reference", "TEXT", "Reference of the deposit, e.g. the deposit slip number.");
constexpr FlagSpec kDate =
    TypedFlag(ValueType::kDate, "date", "YYYY-MM-DD", "Statement date in IST.")
        .WithDefault("today (IST)");

// ---------------------------------------------------------------------------
// Reports

void AddRetailerFields(const v1::Retailer& retailer, Report& report) {
  report.Add("retailer", PlainValue(retailer.retailer_id()))
      .Add("name", PlainValue(retailer.name()))
      .Add("commission", PlainValue(FormatBps(retailer.commission_bps())))
      .Add("float limit", MoneyValue(retailer.float_limit_paise()))
      .Add("created", TimeValue(retailer.create_time()));
}

Report RetailerCreatedReport(const v1::CreateRetailerResponse& response) {
  return ReportOf(AddRetailerFields, response.retailer());
}

Report ToppedUpReport(const v1::TopUpFloatResponse& response) {
  Report report;
  report.Add("transfer", PlainValue(TransferSummary(response.transfer())))
      .Add("float balance", MoneyValue(response.float_balance_paise()));
  return report;
}

Report RechargedReport(const v1::RetailerRechargeResponse& response) {
  Report report;
  report.Add("recharge", PlainValue(TransferSummary(response.recharge())))
      .Add("commission",
           PlainValue(response.has_commission() ? TransferSummary(response.commission())
                                                : std::string("-")))
      .Add("arrears recovered",
           ArrearsRecoveredValue(response.has_arrears_recovery(), response.arrears_recovery()))
      .Add("float balance", MoneyValue(response.float_balance_paise()))
      .Add("meter balance", MoneyValue(response.meter_balance_paise()));
  return report;
}

Report FloatReport(const v1::GetFloatResponse& response) {
  Report report;
  AddRetailerFields(response.retailer(), report);
  report.Add("balance", MoneyValue(response.balance_paise()))
      .Add("available", MoneyValue(response.available_paise()));
  return report;
}

Report StatementReport(const v1::GetStatementResponse& response) {
  Report report;
  report.Add("retailer", PlainValue(response.retailer_id()))
      .Add("date", PlainValue(response.date()))
      .Add("opening balance", MoneyValue(response.opening_balance_paise()))
      .Add("recharges", PlainValue(absl::StrCat(response.recharges_count(), " for ",
                                                FormatPaise(response.recharges_paise()))))
      .Add("commission", MoneyValue(response.commission_paise()))
      .Add("top-ups", MoneyValue(response.topups_paise()))
      .Add("closing balance", MoneyValue(response.closing_balance_paise()));
  AddJournalTable(response.entries(), report);
  return report;
}

// ---------------------------------------------------------------------------
// Commands

absl::Status CreateRetailer(const Args& args, Context& context) {
  auto request = KeyedRequest<v1::CreateRetailerRequest>(context);
  v1::Retailer& retailer = *request.mutable_retailer();
  retailer.set_retailer_id(args.Text(kRetailer));
  retailer.set_name(args.Text(kName));
  // A negative commission asks for the server's default.
  retailer.set_commission_bps(static_cast<int32_t>(args.Int(kCommissionBps, -1)));
  // The wire holds the lowest balance allowed (never positive); people think
  // of the credit granted.
  retailer.set_float_limit_paise(-args.Int(kFloatLimit));
  return context.Run(&AdminStub::CreateRetailer, request, RetailerCreatedReport);
}

absl::Status TopUpFloat(const Args& args, Context& context) {
  auto request = KeyedRequest<v1::TopUpFloatRequest>(context);
  request.set_retailer_id(args.Text(kRetailer));
  request.set_amount_paise(Amount(args));
  request.set_reference(args.Text(kReference));
  return context.Run(&AdminStub::TopUpFloat, request, ToppedUpReport);
}

absl::Status Recharge(const Args& args, Context& context) {
  auto request = MeterAmountRequest<v1::RetailerRechargeRequest>(args, context);
  request.set_retailer_id(args.Text(kRetailer));
  return context.Run(&RetailerStub::Recharge, request, RechargedReport);
}

absl::Status Float(const Args& args, Context& context) {
  return context.Run(&RetailerStub::GetFloat,
                     IdRequest(&v1::GetFloatRequest::mutable_retailer_id, args, kRetailer),
                     FloatReport);
}

absl::Status Statement(const Args& args, Context& context) {
  auto request = IdRequest(&v1::GetStatementRequest::mutable_retailer_id, args, kRetailer);
  request.set_date(args.Has(kDate) ? args.Text(kDate)
                                   : absl::FormatTime("%Y-%m-%d", absl::Now(), Ist()));
  return context.Run(&RetailerStub::GetStatement, request, StatementReport);
}

constexpr char kOwnRetailer[] =
    "Retailer id; a retailer key acts for its own retailer, an admin key must name one.";

}  // namespace

CommandGroup RetailerCommands() {
  return {"Retailers and floats",
          {
              {"create-retailer",
               "Create a retailer with an empty float.",
               kAdminKey,
               {Required(kRetailer), Required(kName, "Retailer's name."), Optional(kCommissionBps),
                Optional(kFloatLimit), Optional(kRequestId)},
               CreateRetailer},
              {"topup-float",
               "Credit a retailer's float with a deposit.",
               kAdminKey,
               {Required(kRetailer), AmountUse(), Optional(kReference), Optional(kRequestId)},
               TopUpFloat},
              {"recharge",
               "Recharge a meter from the retailer's float.",
               kRetailerKey,
               {Required(kMeter), AmountUse(), Optional(kRetailer, kOwnRetailer),
                Optional(kRequestId,
                         "POS receipt id: repeat it to retry safely (the first "
                         "result comes back, nothing is credited twice).")},
               Recharge,
               "Prints the recharge and commission transfers, the share that recovered legacy "
               "arrears, and the float and meter balances after it."},
              {"float",
               "Show the float balance and what is available.",
               kRetailerKey,
               {Optional(kRetailer, kOwnRetailer)},
               Float},
              {"statement",
               "Show the float's movements on one day (IST).",
               kRetailerKey,
               {Optional(kRetailer, kOwnRetailer), Optional(kDate)},
               Statement},
          }};
}

}  // namespace walletctl
