// The payment gateway's call (payment_gateway key): a consumer's payment for
// an order succeeded, credit the meter.
#include "wallet/v1/payment.grpc.pb.h"
#include "walletctl/command.h"
#include "walletctl/commands.h"
#include "walletctl/common_flags.h"
#include "walletctl/context.h"
#include "walletctl/format.h"
#include "walletctl/report_parts.h"

namespace walletctl {
namespace {

namespace v1 = ::wallet::v1;
using PaymentStub = v1::PaymentGatewayService::Stub;


constexpr FlagSpec kPaymentId = IdFlag(
    "payment_id", "The payment gateway's id of the payment; confirming it again credits nothing.");

Report PaymentConfirmedReport(const v1::ConfirmPaymentResponse& response) {
  Report report;
  AddOrderFields(response.order(), report);
  if (response.has_dues()) {
    AddDuesPaidFields(response.dues(), report);
    return report;
  }
  report.Add("transfer", PlainValue(TransferSummary(response.transfer())))
      .Add("arrears recovered",
           ArrearsRecoveredValue(response.has_arrears_recovery(), response.arrears_recovery()))
      .Add("balance", MoneyValue(response.balance_paise()));
  return report;
}

absl::Status ConfirmPayment(const Args& args, Context& context) {
  v1::ConfirmPaymentRequest request;
  request.set_payment_id(args.Text(kPaymentId));
  request.set_order_id(args.Text(kOrderId));
  request.set_amount_paise(Amount(args));
  return context.Run(&PaymentStub::ConfirmPayment, request, PaymentConfirmedReport);
}

}  // namespace

CommandGroup PaymentCommands() {
  return {"Payment gateway",
          {
              {"confirm-payment",
               "Confirm a paid order and credit its meter.",
               kPaymentGatewayKey,
               {Required(kPaymentId), Required(kOrderId), AmountUse()},
               ConfirmPayment,
               "Prints the order, the recharge transfer, the share that recovered legacy arrears "
               "and the meter's balance after it."},
          }};
}

}  // namespace walletctl
