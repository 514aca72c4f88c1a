// Flags that commands of several files share: ids, amounts, reasons,
// idempotency keys, paging, and the details of meters and consumers; and the
// helpers that start a request from them (KeyedRequest, IdRequest,
// MeterAmountRequest, ...), so that a command writes only its own fields. A
// flag only one file uses is declared in that file.
#ifndef WALLETCTL_COMMON_FLAGS_H_
#define WALLETCTL_COMMON_FLAGS_H_

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "wallet/v1/common.pb.h"
#include "walletctl/command.h"
#include "walletctl/context.h"
#include "walletctl/flag.h"

namespace walletctl {

// The keys a command takes, as its help names them.
inline constexpr char kAdminKey[] = "admin";
inline constexpr char kConsumerKey[] = "consumer, or admin";
inline constexpr char kMeterGatewayKey[] = "meter_gateway";
inline constexpr char kNotificationKey[] = "meter_gateway, or admin";
inline constexpr char kPaymentGatewayKey[] = "payment_gateway";
inline constexpr char kRetailerKey[] = "retailer, or admin with --retailer";
inline constexpr char kSecondAdminKey[] = "admin (another key than the creator's)";

inline constexpr FlagSpec kRequestId =
    IdFlag("request_id",
           "Idempotency key of a mutating call; repeat it to retry safely (the first result comes "
           "back, nothing is applied twice).")
        .WithDefault("a new one, printed on standard error");
inline constexpr FlagSpec kMeter = IdFlag("meter", "Meter id.");
inline constexpr FlagSpec kConsumer = IdFlag("consumer", "Consumer id.");
inline constexpr FlagSpec kRetailer = IdFlag("retailer", "Retailer id.");
inline constexpr FlagSpec kName = TextFlag("name", "TEXT", "Consumer or retailer name.");
inline constexpr FlagSpec kReason = TextFlag("reason", "TEXT", "Why; kept with the change.");
inline constexpr FlagSpec kAt =
    TypedFlag(ValueType::kTime, "at", "YYYY-MM-DDTHH:MM:SS", "A time in IST.");
inline constexpr FlagSpec kOrderId = IdFlag("order_id", "Recharge order id (from start-recharge).");

// METER AND CONSUMER DETAILS: what register-meter sets and update-meter,
// update-consumer and move-meter change.
inline constexpr FlagSpec kPhone = TypedFlag(
    ValueType::kPhone, "phone", "NUM", "Consumer's mobile number: 10 to 15 digits, optional +.");
inline constexpr FlagSpec kLanguage =
    EnumFlag("language", "LANG", "Language of the consumer's SMS: english or hindi.",
             &wallet::v1::Language_descriptor);
inline constexpr FlagSpec kCategory =
    EnumFlag("category", "CAT", "Meter category.", &wallet::v1::Category_descriptor);
inline constexpr FlagSpec kCircle = TextFlag("circle", "X", "Circle of the meter.");
inline constexpr FlagSpec kDivision = TextFlag("division", "X", "Division of the meter.");
inline constexpr FlagSpec kSubdivision = TextFlag("subdivision", "X", "Subdivision of the meter.");
inline constexpr FlagSpec kLoadW =
    IntFlag("load_w", "W", "Sanctioned load in watts.", 1, std::numeric_limits<int64_t>::max());
inline constexpr FlagSpec kTariff = IdFlag(
    "tariff", "Tariff id: one of the tariff book with a version in force (walletctl tariffs).");
inline constexpr FlagSpec kBillingMode =
    EnumFlag("billing_mode", "MODE",
             "prepaid (the prepaid policy: debits, alerts, notices, cuts) or postpaid (readings "
             "recorded, not debited; dues come from billing).",
             &wallet::v1::BillingMode_descriptor);
inline constexpr FlagSpec kCtOperated =
    BoolFlag("ct_operated",
             "The meter is CT-operated: no supply relay, a cut is a lineman's field work.");
inline constexpr FlagSpec kAddress =
    TextFlag("address", "TEXT", "Postal address of the meter, for field work.");

// ConsumerOf is the consumer --consumer, --name, --phone and --language describe, as
// register-meter and move-meter send it.
wallet::v1::Consumer ConsumerOf(const Args& args);

// SetMeterDetails copies the meter details given (--category, --circle,
// --division, --subdivision, --load_w, --tariff, --billing_mode,
// --ct_operated, --address) to the fields of the same names in `target`:
// the v1::Meter register-meter sends (a detail left out keeps the field's
// zero value) or the v1::UpdateMeterRequest of update-meter (left unset:
// unchanged).
template <typename Target>
void SetMeterDetails(const Args& args, Target& target) {
  namespace v1 = ::wallet::v1;
  if (args.Has(kCategory)) target.set_category(args.Enum(kCategory, v1::CATEGORY_UNSPECIFIED));
  if (args.Has(kCircle)) target.set_circle(args.Text(kCircle));
  if (args.Has(kDivision)) target.set_division(args.Text(kDivision));
  if (args.Has(kSubdivision)) target.set_subdivision(args.Text(kSubdivision));
  if (args.Has(kLoadW)) target.set_sanctioned_load_w(args.Int(kLoadW));
  if (args.Has(kTariff)) target.set_tariff_id(args.Text(kTariff));
  if (args.Has(kBillingMode)) {
    target.set_billing_mode(args.Enum(kBillingMode, v1::BILLING_MODE_UNSPECIFIED));
  }
  if (args.Has(kCtOperated)) target.set_ct_operated(args.Bool(kCtOperated));
  if (args.Has(kAddress)) target.set_address(args.Text(kAddress));
}

// AMOUNT: --amount (rupees) or --amount_paise, exactly one, more than zero.
inline constexpr FlagSpec kAmount = RupeesFlag(
    "amount", "Amount in rupees, at most 2 decimals: 350 or 350.50.", /*allow_zero=*/false);
inline constexpr FlagSpec kAmountPaise =
    PaiseFlag("amount_paise", "Amount in paise, instead of --amount.", /*allow_zero=*/false);

// AmountUse is the required choice of --amount or --amount_paise.
FlagUse AmountUse();

// Amount returns the amount given by AmountUse's flags, in paise.
int64_t Amount(const Args& args);

// KeyedRequest is a Request keyed for idempotency by --request_id (or a
// fresh id, see Context::IdempotencyKey): how every mutating command starts
// its request.
template <typename Request>
Request KeyedRequest(Context& context) {
  Request request;
  request.set_request_id(context.IdempotencyKey(kRequestId));
  return request;
}

// IdRequest is a Request whose id field holds `flag`'s text: how a command
// about one meter, retailer, order or drive starts its request. `id` is the
// field's mutable accessor, e.g. &v1::GetFloatRequest::mutable_retailer_id.
template <typename Request>
Request IdRequest(std::string* (Request::*id)(), const Args& args, const FlagSpec& flag) {
  Request request;
  *(request.*id)() = args.Text(flag);
  return request;
}

// MeterRequest is IdRequest for --meter.
template <typename Request>
Request MeterRequest(const Args& args) {
  return IdRequest(&Request::mutable_meter_id, args, kMeter);
}

// KeyedMeterRequest is KeyedRequest for --meter: how every command that
// changes one meter starts its request.
template <typename Request>
Request KeyedMeterRequest(const Args& args, Context& context) {
  Request request = KeyedRequest<Request>(context);
  request.set_meter_id(args.Text(kMeter));
  return request;
}

// OwnerFilter is a list Request filtered to --meter and --consumer (each
// empty when not given: no filter), as orders and changes take them.
template <typename Request>
Request OwnerFilter(const Args& args) {
  Request request = MeterRequest<Request>(args);
  request.set_consumer_id(args.Text(kConsumer));
  return request;
}

// MeterAmountRequest is KeyedMeterRequest with the amount of AmountUse's
// flags: a payment, recharge or adjustment of one meter.
template <typename Request>
Request MeterAmountRequest(const Args& args, Context& context) {
  Request request = KeyedMeterRequest<Request>(args, context);
  request.set_amount_paise(Amount(args));
  return request;
}

// PAGING: a list command's page size, where to continue, or every page.
inline constexpr FlagSpec kPageSize =
    IntFlag("page_size", "N", "Page size of a list.", 0, 1000).WithDefault("the server's");
inline constexpr FlagSpec kPageToken =
    TextFlag("page_token", "TOKEN", "Continue a list from this token (printed after a page).");
inline constexpr FlagSpec kAll = BoolFlag("all", "Follow the page tokens and print every page.");

// WithPaging is a list command's `flags` followed by the paging flags, which
// Context::RunList reads.
std::vector<FlagUse> WithPaging(std::vector<FlagUse> flags);

// PagingOf reads the paging flags.
Paging PagingOf(const Args& args);

}  // namespace walletctl

#endif  // WALLETCTL_COMMON_FLAGS_H_
