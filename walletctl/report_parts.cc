#include "walletctl/report_parts.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "walletctl/format.h"
#include "walletctl/values.h"

namespace walletctl {
namespace {

namespace v1 = ::wallet::v1;

std::string OrderStateText(v1::OrderState state) {
  return EnumText(*v1::OrderState_descriptor(), state, "ORDER_");
}

// ClosedValue is when a paid or cancelled order was closed; "-" for a pending
// or expired one (an expired order's time is its expiry).
Value ClosedValue(const v1::Order& order) {
  if (order.state() == v1::ORDER_PAID) return TimeValue(order.pay_time());
  if (order.state() == v1::ORDER_CANCELLED) return TimeValue(order.cancel_time());
  return TimeValue(google::protobuf::Timestamp());
}

// OrderDetail is a paid order's payment, a cancelled order's reason or why
// a failed order's payment failed.
std::string OrderDetail(const v1::Order& order) {
  if (order.state() == v1::ORDER_PAID) return absl::StrCat("payment ", order.payment_id());
  if (order.state() == v1::ORDER_CANCELLED) return order.cancel_reason();
  if (order.state() == v1::ORDER_FAILED) return order.failure_reason();
  return "";
}

// SameAsAbove is `value` for CSV and blank for people, who read a blank
// cell under a change as the row above's.
Value SameAsAbove(const Value& value) { return Value{"", value.csv}; }

}  // namespace

void AddJournalTable(const google::protobuf::RepeatedPtrField<v1::JournalEntry>& entries,
                     Report& report) {
  Table& table = report.SetTable({{"SEQ", Align::kRight},
                                  {"TIME"},
                                  {"TYPE"},
                                  {"CHANGE", Align::kRight},
                                  {"BALANCE", Align::kRight},
                                  {"COUNTERPART"},
                                  {"REF"},
                                  {"MEMO"}});
  for (const v1::JournalEntry& entry : entries) {
    const v1::Transfer& transfer = entry.transfer();
    const std::string& counterpart = entry.account() == transfer.debit_account()
                                         ? transfer.credit_account()
                                         : transfer.debit_account();
    table.AddRow({PlainValue(absl::StrCat(transfer.seq())), TimeValue(transfer.create_time()),
                  PlainValue(TransferTypeText(transfer.type())),
                  MoneyValue(entry.delta_paise(), /*plus=*/true),
                  MoneyValue(entry.balance_after_paise()), PlainValue(counterpart),
                  PlainValue(transfer.request_ref()), PlainValue(MemoOf(transfer))});
  }
}

void AddMeterFields(const v1::Meter& meter, const v1::Consumer& consumer, Report& report) {
  std::string who = OrDash(meter.consumer_id());
  if (!consumer.name().empty()) absl::StrAppend(&who, " ", consumer.name());
  if (!consumer.phone().empty()) absl::StrAppend(&who, " (", consumer.phone(), ")");
  report.Add("meter", PlainValue(meter.meter_id())).Add("consumer", PlainValue(who));
  if (consumer.language() != v1::LANGUAGE_UNSPECIFIED) {
    report.Add("language", PlainValue(EnumText(*v1::Language_descriptor(), consumer.language())));
  }
  report.Add("category", PlainValue(EnumText(*v1::Category_descriptor(), meter.category())))
      .Add("location",
           PlainValue(absl::StrCat(OrDash(meter.circle()), " / ", OrDash(meter.division()), " / ",
                                   OrDash(meter.subdivision()))))
      .Add("sanctioned load", PlainValue(absl::StrCat(meter.sanctioned_load_w(), " W")))
      .Add("tariff", OrDashValue(meter.tariff_id()))
      .Add("billing mode", PlainValue(EnumText(*v1::BillingMode_descriptor(),
                                               meter.billing_mode() == v1::POSTPAID
                                                   ? v1::POSTPAID
                                                   : v1::PREPAID)))
      .Add("ct operated", PlainValue(meter.ct_operated() ? "yes: no relay" : "no"))
      .Add("address", OrDashValue(meter.address()))
      .Add("registered", TimeValue(meter.register_time()))
      .Add("last recharge",
           PlainValue(LastRechargeText(meter.last_recharge_paise(), meter.last_recharge_time())));
}

void AddDuesPaidFields(const v1::PayDuesResponse& paid, Report& report) {
  report
      .Add("to principal",
           PlainValue(paid.has_principal() ? TransferSummary(paid.principal()) : "-"))
      .Add("to surcharge",
           PlainValue(paid.has_surcharge() ? TransferSummary(paid.surcharge()) : "-"))
      .Add("dues left", MoneyValue(paid.dues_left_paise()))
      .Add("reconnect ordered", PlainValue(YesNo(paid.restore_ordered())));
}

void AddOrderFields(const v1::Order& order, Report& report) {
  report.Add("order", PlainValue(order.order_id()))
      .Add("meter", PlainValue(order.meter_id()))
      .Add("consumer", PlainValue(order.consumer_id()))
      .Add("amount", MoneyValue(order.amount_paise()));
  // A recharge is what an order is unless it says otherwise.
  if (order.purpose() == v1::DUES) {
    report.Add("purpose", PlainValue("dues (principal first, then surcharge)"));
  }
  if (!order.gateway_order_id().empty()) {
    // Paid online: the payment gateway's order, which the app checks out.
    report.Add("gateway order", PlainValue(order.gateway_order_id()));
  }
  report.Add("state", PlainValue(OrderStateText(order.state())))
      .Add("created", TimeValue(order.create_time()))
      .Add("expires", TimeValue(order.expire_time()))
      .Add("payment", OrDashValue(order.payment_id()))
      .Add("paid", TimeValue(order.pay_time()))
      .Add("cancelled", TimeValue(order.cancel_time()))
      .Add("cancel reason", OrDashValue(order.cancel_reason()));
}

void AddOrderTable(const google::protobuf::RepeatedPtrField<v1::Order>& orders, Report& report) {
  Table& table = report.SetTable({{"ORDER"},
                                  {"METER"},
                                  {"CONSUMER"},
                                  {"AMOUNT", Align::kRight},
                                  {"STATE"},
                                  {"CREATED"},
                                  {"EXPIRES"},
                                  {"CLOSED"},
                                  {"DETAIL"}});
  for (const v1::Order& order : orders) {
    table.AddRow({PlainValue(order.order_id()), PlainValue(order.meter_id()),
                  PlainValue(order.consumer_id()), MoneyValue(order.amount_paise()),
                  PlainValue(OrderStateText(order.state())), TimeValue(order.create_time()),
                  TimeValue(order.expire_time()), ClosedValue(order),
                  OrDashValue(OrderDetail(order))});
  }
}

std::string ChangeKindText(v1::Change::Kind kind) {
  return EnumText(*v1::Change::Kind_descriptor(), kind);
}

std::string AdminKeyText(const v1::Change& change) {
  if (change.admin_key_label().empty()) return OrDash(change.admin_key_id());
  return absl::StrCat(OrDash(change.admin_key_id()), " (", change.admin_key_label(), ")");
}

std::string FieldChangeText(const v1::FieldChange& field) {
  return absl::StrCat(field.field(), ": ", OrDash(field.before()), " -> ", OrDash(field.after()));
}

void AddChangeFields(bool unchanged, const v1::Change& change, Report& report) {
  if (unchanged) {
    report.Add("result", PlainValue("unchanged: the values given were already so; nothing "
                                    "recorded"));
    return;
  }
  report.Add("result", PlainValue(absl::StrCat("changed, recorded as change #", change.seq())))
      .Add("changed at", TimeValue(change.change_time()))
      .Add("by admin key", PlainValue(AdminKeyText(change)))
      .Add("reason", PlainValue(change.reason()));
  for (const v1::FieldChange& field : change.fields()) {
    report.Add("changed", PlainValue(FieldChangeText(field)));
  }
}

void AddChangeTable(const google::protobuf::RepeatedPtrField<v1::Change>& changes, Report& report) {
  Table& table = report.SetTable({{"SEQ", Align::kRight},
                                  {"TIME"},
                                  {"KIND"},
                                  {"METER"},
                                  {"CONSUMER"},
                                  {"BY"},
                                  {"REASON"},
                                  {"FIELD"},
                                  {"BEFORE"},
                                  {"AFTER"}});
  for (const v1::Change& change : changes) {
    std::vector<Value> what = {PlainValue(absl::StrCat(change.seq())),
                               TimeValue(change.change_time()),
                               PlainValue(ChangeKindText(change.kind())),
                               OrDashValue(change.meter_id()),
                               OrDashValue(change.consumer_id()),
                               PlainValue(AdminKeyText(change)),
                               PlainValue(change.reason())};
    if (change.fields().empty()) table.AddRow(what);
    for (const v1::FieldChange& field : change.fields()) {
      std::vector<Value> row = what;
      row.insert(row.end(), {PlainValue(field.field()), OrDashValue(field.before()),
                             OrDashValue(field.after())});
      table.AddRow(std::move(row));
      for (Value& value : what) value = SameAsAbove(value);
    }
  }
}

}  // namespace walletctl
