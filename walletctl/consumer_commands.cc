// The consumer's calls, as the mobile app makes them (consumer key, or admin
// key for any meter): balance and status, transactions, and online recharge
// orders: start, show, list and cancel.
#include "absl/strings/str_cat.h"
#include "wallet/v1/consumer.grpc.pb.h"
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
using ConsumerStub = v1::ConsumerService::Stub;

constexpr FlagSpec kPurpose =
    EnumFlag("purpose", "PURPOSE",
             "recharge (credit the prepaid wallet) or dues (toward the meter's dues, at most "
             "what is owed: principal first, then surcharge).",
             &v1::OrderPurpose_descriptor)
        .WithDefault("recharge");
constexpr FlagSpec kMyMeter = kMeter.WithDefault("every meter of the key's consumer");
constexpr FlagSpec kOrdersMeter = kMeter.WithDefault("every meter");
constexpr FlagSpec kOrdersConsumer =
    kConsumer.WithDefault("a consumer key's own; an admin key names --meter or --consumer");

// ---------------------------------------------------------------------------
// Reports

// SupplyText says whether supply is on, cut or waiting for the button, and
// which relay command is on its way.
std::string SupplyText(const v1::GetBalanceResponse& balance) {
  std::string text;
  switch (balance.supply()) {
    case v1::SUPPLY_ON:
      text = "on";
      break;
    case v1::SUPPLY_CUT:
      text = "cut";
      break;
    case v1::SUPPLY_ARMED:
      text = "armed: press the button on the meter";
      break;
    default:
      text = "unknown (the meter did not answer)";
  }
  if (balance.supply_command() != v1::RELAY_ACTION_UNSPECIFIED) {
    absl::StrAppend(&text, ", ", ActionText(balance.supply_command()), " in progress");
  }
  return text;
}

std::string EmergencyCreditText(const v1::GetBalanceResponse& balance) {
  if (balance.emergency_credit_paise() == 0) return "none";
  return absl::StrCat(FormatPaise(balance.emergency_credit_left_paise()), " of ",
                      FormatPaise(balance.emergency_credit_paise()), " left",
                      balance.emergency_credit_in_use() ? ", in use" : "");
}

std::string NoticeText(const v1::GetBalanceResponse& balance) {
  if (balance.status() != v1::NOTICE) return "-";
  return absl::StrCat("day ", balance.notice_day(), " of ", balance.notice_days(),
                      "; supply may be cut from ",
                      balance.has_earliest_cut_time() ? FormatTimestamp(balance.earliest_cut_time())
                                                      : std::string("no date found"));
}

std::string StatusText(const v1::GetBalanceResponse& balance) {
  return EnumText(*v1::MeterStatus_descriptor(), balance.status());
}

Report BalanceReport(const v1::GetBalanceResponse& balance) {
  Report report;
  report.Add("meter", PlainValue(balance.meter_id()))
      .Add("balance", MoneyValue(balance.balance_paise()))
      .Add("status", PlainValue(StatusText(balance)))
      .Add("emergency credit", PlainValue(EmergencyCreditText(balance)))
      .Add("supply", PlainValue(SupplyText(balance)))
      .Add("notice", PlainValue(NoticeText(balance)))
      .Add("days left",
           PlainValue(balance.has_days_left()
                          ? absl::StrCat("about ", balance.days_left(), " at recent use")
                          : std::string("-")))
      .Add("last recharge", PlainValue(LastRechargeText(balance.last_recharge_paise(),
                                                        balance.last_recharge_time())))
      .Add("arrears", MoneyValue(balance.arrears_paise()))
      .Add("surcharge", MoneyValue(balance.surcharge_paise()));
  return report;
}

Report MyMetersReport(const v1::ListMyMetersResponse& response) {
  Report report;
  Table& table = report.SetTable({{"METER"},
                                  {"BALANCE", Align::kRight},
                                  {"STATUS"},
                                  {"SUPPLY"},
                                  {"LAST RECHARGE", Align::kRight},
                                  {"AT"},
                                  {"ARREARS", Align::kRight}});
  for (const v1::GetBalanceResponse& meter : response.meters()) {
    table.AddRow(
        {PlainValue(meter.meter_id()), MoneyValue(meter.balance_paise()),
         PlainValue(StatusText(meter)),
         PlainValue(meter.supply() == v1::SUPPLY_STATE_UNSPECIFIED
                        ? std::string("unknown")
                        : EnumText(*v1::SupplyState_descriptor(), meter.supply(), "SUPPLY_")),
         meter.has_last_recharge_time() ? MoneyValue(meter.last_recharge_paise()) : Value{"-", ""},
         TimeValue(meter.last_recharge_time()), MoneyValue(meter.arrears_paise())});
  }
  return report;
}

Report HistoryReport(const v1::ListTransactionsResponse& response) {
  return ReportOf(AddJournalTable, response.entries());
}

Report OrderReport(const v1::Order& order) { return ReportOf(AddOrderFields, order); }

// OrderOfReport shows the order a response carries (StartRechargeResponse,
// CancelOrderResponse).
template <typename Response>
Report OrderOfReport(const Response& response) {
  return OrderReport(response.order());
}

Report OrdersReport(const v1::ListOrdersResponse& response) {
  return ReportOf(AddOrderTable, response.orders());
}

// ---------------------------------------------------------------------------
// Commands

absl::Status Balance(const Args& args, Context& context) {
  if (!args.Has(kMeter)) {
    return context.Run(&ConsumerStub::ListMyMeters, v1::ListMyMetersRequest(), MyMetersReport);
  }
  return context.Run(&ConsumerStub::GetBalance, MeterRequest<v1::GetBalanceRequest>(args),
                     BalanceReport);
}

absl::Status History(const Args& args, Context& context) {
  return context.RunList(&ConsumerStub::ListTransactions,
                         MeterRequest<v1::ListTransactionsRequest>(args),
                         &v1::ListTransactionsResponse::mutable_entries, HistoryReport);
}

absl::Status StartRecharge(const Args& args, Context& context) {
  auto request = MeterAmountRequest<v1::StartRechargeRequest>(args, context);
  request.set_purpose(args.Enum(kPurpose, v1::ORDER_PURPOSE_UNSPECIFIED));
  return context.Run(&ConsumerStub::StartRecharge, request,
                     OrderOfReport<v1::StartRechargeResponse>);
}

absl::Status GetOrder(const Args& args, Context& context) {
  return context.Run(&ConsumerStub::GetOrder,
                     IdRequest(&v1::GetOrderRequest::mutable_order_id, args, kOrderId),
                     OrderReport);
}

absl::Status ListOrders(const Args& args, Context& context) {
  return context.RunList(&ConsumerStub::ListOrders, OwnerFilter<v1::ListOrdersRequest>(args),
                         &v1::ListOrdersResponse::mutable_orders, OrdersReport);
}

absl::Status CancelOrder(const Args& args, Context& context) {
  auto request = KeyedRequest<v1::CancelOrderRequest>(context);
  request.set_order_id(args.Text(kOrderId));
  return context.Run(&ConsumerStub::CancelOrder, request, OrderOfReport<v1::CancelOrderResponse>);
}

}  // namespace

CommandGroup ConsumerCommands() {
  return {"Consumer",
          {
              {"balance",
               "Show a meter's balance, status and supply, or all of my meters without --meter.",
               kConsumerKey,
               {Optional(kMyMeter)},
               Balance},
              {"history", "Show a meter wallet's transactions, newest first.", kConsumerKey,
               WithPaging({Required(kMeter)}), History},
              {"start-recharge",
               "Create a pending recharge order to pay online.",
               kConsumerKey,
               {Required(kMeter), AmountUse(), Optional(kPurpose), Optional(kRequestId)},
               StartRecharge,
               "The order waits for its payment until it expires (walletd's --order_lifetime, "
               "shown as `expires`); pay it through the payment gateway with its order id."},
              {"order",
               "Show a recharge order: amount, state, expiry, payment or cancellation.",
               kConsumerKey,
               {Required(kOrderId)},
               GetOrder,
               "States: pending (waiting for the payment until it expires), paid, cancelled (by "
               "cancel-order, or because the meter moved to another consumer) and expired. A "
               "consumer key sees only its own orders: another's is not found, as an unknown one."},
              {"orders", "List recharge orders, newest first.", kConsumerKey,
               WithPaging({Optional(kOrdersMeter, "Only this meter's orders."),
                           Optional(kOrdersConsumer, "Only this consumer's orders.")}),
               ListOrders,
               "A consumer key lists its own orders (all its meters', or one meter's with "
               "--meter); an admin key names a meter or a consumer."},
              {"cancel-order",
               "Cancel a pending recharge order, so that a payment for it is refused.",
               kConsumerKey,
               {Required(kOrderId), Optional(kRequestId)},
               CancelOrder,
               "Only a pending order can be cancelled: a paid, cancelled or expired one is refused "
               "(FAILED_PRECONDITION). The payment gateway refunds a payment made for a "
               "cancelled order. walletd records who cancelled it (the consumer or the utility) "
               "as its cancel reason."},
          }};
}

}  // namespace walletctl
