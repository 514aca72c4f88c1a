#include "wallet/wire.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace wallet {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
// google.protobuf.Timestamp's range: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59Z.
constexpr int64_t kMinTimestampSeconds = -62'135'596'800;
constexpr int64_t kMaxTimestampSeconds = 253'402'300'799;

// SetTime sets a wire time from a stored one; 0 ("never") leaves it unset.
template <typename Message, typename Mutable>
void SetTime(int64_t unix_micros, Message* message, Mutable mutable_time) {
  if (unix_micros != 0) SetTimestamp(unix_micros, (message->*mutable_time)());
}

}  // namespace

void SetTimestamp(int64_t unix_micros, google::protobuf::Timestamp* out) {
  int64_t seconds = unix_micros / kMicrosPerSecond;
  int64_t micros = unix_micros % kMicrosPerSecond;
  if (micros < 0) {  // nanos are never negative, also before 1970
    --seconds;
    micros += kMicrosPerSecond;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(micros * 1000));
}

std::optional<int64_t> UnixMicros(const google::protobuf::Timestamp& time) {
  if (time.nanos() < 0 || time.nanos() > 999'999'999 || time.seconds() < kMinTimestampSeconds ||
      time.seconds() > kMaxTimestampSeconds) {
    return std::nullopt;
  }
  return time.seconds() * kMicrosPerSecond + time.nanos() / 1000;
}

absl::StatusOr<int64_t> TimeField(absl::string_view field,
                                  const google::protobuf::Timestamp& time) {
  std::optional<int64_t> micros = UnixMicros(time);
  if (!micros) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " is not a valid timestamp (nanos in [0, 1e9), years 0001 to 9999)"));
  }
  return *micros;
}

v1::Transfer ToWire(store::v1::TransferRecord record) {
  v1::Transfer out;
  out.set_seq(record.seq());
  SetTime(record.time_us(), &out, &v1::Transfer::mutable_create_time);
  out.set_type(record.type());
  out.set_debit_account(std::move(*record.mutable_debit_account()));
  out.set_credit_account(std::move(*record.mutable_credit_account()));
  out.set_amount_paise(record.amount_paise());
  out.set_request_ref(std::move(*record.mutable_request_ref()));
  out.set_memo(std::move(*record.mutable_memo()));
  out.set_duty_paise(record.duty_paise());
  return out;
}

v1::Consumer ToWire(store::v1::ConsumerRecord record) {
  v1::Consumer out;
  out.set_consumer_id(std::move(*record.mutable_consumer_id()));
  out.set_name(std::move(*record.mutable_name()));
  out.set_phone(std::move(*record.mutable_phone()));
  out.set_language(record.language());
  return out;
}

v1::Retailer ToWire(store::v1::RetailerRecord record) {
  v1::Retailer out;
  out.set_retailer_id(std::move(*record.mutable_retailer_id()));
  out.set_name(std::move(*record.mutable_name()));
  out.set_commission_bps(record.commission_bps());
  out.set_float_limit_paise(record.float_limit_paise());
  SetTime(record.created_us(), &out, &v1::Retailer::mutable_create_time);
  return out;
}

v1::Order ToWire(store::v1::OrderRecord record) {
  v1::Order out;
  out.set_order_id(std::move(*record.mutable_order_id()));
  out.set_meter_id(std::move(*record.mutable_meter_id()));
  out.set_consumer_id(std::move(*record.mutable_consumer_id()));
  out.set_amount_paise(record.amount_paise());
  out.set_state(record.state());
  SetTime(record.created_us(), &out, &v1::Order::mutable_create_time);
  out.set_payment_id(std::move(*record.mutable_payment_id()));
  SetTime(record.paid_us(), &out, &v1::Order::mutable_pay_time);
  out.set_transfer_seq(record.transfer_seq());
  SetTime(record.expire_us(), &out, &v1::Order::mutable_expire_time);
  SetTime(record.cancelled_us(), &out, &v1::Order::mutable_cancel_time);
  out.set_cancel_reason(std::move(*record.mutable_cancel_reason()));
  out.set_purpose(record.purpose());
  out.set_gateway_order_id(std::move(*record.mutable_gateway_order_id()));
  out.set_failure_reason(std::move(*record.mutable_failure_reason()));
  SetTime(record.failed_us(), &out, &v1::Order::mutable_fail_time);
  return out;
}

v1::RelayCommand ToWire(store::v1::RelayCommandRecord record) {
  v1::RelayCommand out;
  out.set_seq(record.seq());
  out.set_command_id(std::move(*record.mutable_command_id()));
  out.set_meter_id(std::move(*record.mutable_meter_id()));
  out.set_action(record.action());
  out.set_reason(std::move(*record.mutable_reason()));
  out.set_supersedes_command_id(std::move(*record.mutable_supersedes_command_id()));
  SetTime(record.issued_us(), &out, &v1::RelayCommand::mutable_issue_time);
  return out;
}

v1::Notification ToWire(store::v1::NotificationRecord record) {
  v1::Notification out;
  out.set_seq(record.seq());
  out.set_notification_id(std::move(*record.mutable_notification_id()));
  out.set_kind(record.kind());
  out.set_meter_id(std::move(*record.mutable_meter_id()));
  out.set_consumer_id(std::move(*record.mutable_consumer_id()));
  out.set_phone(std::move(*record.mutable_phone()));
  out.set_balance_paise(record.balance_paise());
  out.set_amount_paise(record.amount_paise());
  out.set_arrears_recovered_paise(record.arrears_recovered_paise());
  out.set_notice_day(record.notice_day());
  SetTime(record.time_us(), &out, &v1::Notification::mutable_create_time);
  out.set_text(std::move(*record.mutable_text()));
  out.set_language(record.language());
  // The sealed OTP stays behind: only Wallet::NotificationToWire opens it.
  SetTime(record.expire_us(), &out, &v1::Notification::mutable_expire_time);
  return out;
}

v1::Meter ToWire(store::v1::MeterRecord record, const store::v1::MeterState& state) {
  v1::Meter out;
  out.set_meter_id(std::move(*record.mutable_meter_id()));
  out.set_consumer_id(std::move(*record.mutable_consumer_id()));
  out.set_category(record.category());
  out.set_circle(std::move(*record.mutable_circle()));
  out.set_division(std::move(*record.mutable_division()));
  out.set_subdivision(std::move(*record.mutable_subdivision()));
  out.set_sanctioned_load_w(record.sanctioned_load_w());
  out.set_tariff_id(std::move(*record.mutable_tariff_id()));
  SetTime(record.registered_us(), &out, &v1::Meter::mutable_register_time);
  out.set_last_recharge_paise(state.last_recharge_paise());
  SetTime(state.last_recharge_us(), &out, &v1::Meter::mutable_last_recharge_time);
  // Meters registered before billing modes existed are prepaid.
  out.set_billing_mode(record.billing_mode() == v1::POSTPAID ? v1::POSTPAID : v1::PREPAID);
  out.set_ct_operated(record.ct_operated());
  out.set_address(std::move(*record.mutable_address()));
  return out;
}

v1::MeterPolicyState ToWire(absl::string_view meter_id, const store::v1::MeterState& state) {
  v1::MeterPolicyState out;
  out.set_meter_id(std::string(meter_id));
  out.set_balance_paise(state.balance_paise());
  out.set_last_recharge_paise(state.last_recharge_paise());
  SetTime(state.last_recharge_us(), &out, &v1::MeterPolicyState::mutable_last_recharge_time);
  out.set_has_reading(state.has_reading());
  out.set_register_wh(state.register_wh());
  SetTime(state.register_us(), &out, &v1::MeterPolicyState::mutable_read_time);
  out.set_month(state.month_key());
  out.set_month_wh(state.month_wh());
  out.set_daily_spend_paise(state.daily_spend_paise());
  out.set_quarantined_readings(state.quarantined());
  SetTime(state.exhausted_us(), &out, &v1::MeterPolicyState::mutable_exhaust_time);
  out.set_notices_sent(state.notices_sent());
  SetTime(state.prepaid_since_us(), &out, &v1::MeterPolicyState::mutable_prepaid_start_time);
  out.set_hold(state.hold());
  out.set_cut_for_nonpayment(state.cut_for_nonpayment());
  out.set_relay(state.relay());
  out.set_pending_action(state.pending_action());
  out.set_pending_command_id(state.pending_command_id());
  out.set_last_action(state.last_action());
  out.set_last_command_id(state.last_command_id());
  SetTime(state.relay_retry_us(), &out, &v1::MeterPolicyState::mutable_relay_retry_time);
  SetTime(state.relay_observed_us(), &out, &v1::MeterPolicyState::mutable_relay_observe_time);
  out.set_tamper_alerted(state.tamper_alerted());
  out.set_no_relay(state.no_relay());
  return out;
}

store::v1::MeterRecord RecordOf(const v1::Meter& meter) {
  store::v1::MeterRecord out;
  out.set_meter_id(meter.meter_id());
  out.set_consumer_id(meter.consumer_id());
  out.set_category(meter.category());
  out.set_circle(meter.circle());
  out.set_division(meter.division());
  out.set_subdivision(meter.subdivision());
  out.set_sanctioned_load_w(meter.sanctioned_load_w());
  out.set_tariff_id(meter.tariff_id());
  out.set_billing_mode(meter.billing_mode());
  out.set_ct_operated(meter.ct_operated());
  out.set_address(meter.address());
  return out;
}

store::v1::ConsumerRecord RecordOf(const v1::Consumer& consumer) {
  store::v1::ConsumerRecord out;
  out.set_consumer_id(consumer.consumer_id());
  out.set_name(consumer.name());
  out.set_phone(consumer.phone());
  // Stored explicitly so that a later update compares like with like.
  out.set_language(consumer.language() == v1::LANGUAGE_UNSPECIFIED ? v1::ENGLISH
                                                                   : consumer.language());
  return out;
}

store::v1::RetailerRecord RecordOf(const v1::Retailer& retailer) {
  store::v1::RetailerRecord out;
  out.set_retailer_id(retailer.retailer_id());
  out.set_name(retailer.name());
  out.set_commission_bps(retailer.commission_bps());
  out.set_float_limit_paise(retailer.float_limit_paise());
  return out;
}

}  // namespace wallet
