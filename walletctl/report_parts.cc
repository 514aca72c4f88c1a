#include "walletctl/report_parts.h"

#include "absl/strings/str_cat.h"
#include "walletctl/format.h"
#include "walletctl/values.h"

namespace walletctl {

void AddJournalTable(const google::protobuf::RepeatedPtrField<wallet::v1::JournalEntry>& entries,
                     Report& report) {
  Table& table = report.SetTable({{"SEQ", Align::kRight},
                                  {"TIME"},
                                  {"TYPE"},
                                  {"CHANGE", Align::kRight},
                                  {"BALANCE", Align::kRight},
                                  {"COUNTERPART"},
                                  {"REF"},
                                  {"MEMO"}});
  for (const wallet::v1::JournalEntry& entry : entries) {
    const wallet::v1::Transfer& transfer = entry.transfer();
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

void AddOrderFields(const wallet::v1::Order& order, Report& report) {
  report.Add("order", PlainValue(order.order_id()))
      .Add("meter", PlainValue(order.meter_id()))
      .Add("consumer", PlainValue(order.consumer_id()))
      .Add("amount", MoneyValue(order.amount_paise()))
      .Add("state",
           PlainValue(EnumText(*wallet::v1::OrderState_descriptor(), order.state(), "ORDER_")))
      .Add("created", TimeValue(order.create_time()))
      .Add("payment", OrDashValue(order.payment_id()))
      .Add("paid", TimeValue(order.pay_time()));
}

}  // namespace walletctl
