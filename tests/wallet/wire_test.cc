// Stored records and wire messages: the records still read the bytes an
// earlier walletd wrote (when they were wallet.v1 messages), and every
// conversion to the wire keeps what a client needs, with times as
// google.protobuf.Timestamp.
#include "wallet/wire.h"

#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/text_proto.h"

namespace wallet {
namespace {

using ::google::protobuf::Message;
using ::google::protobuf::TextFormat;
using ::google::protobuf::util::MessageDifferencer;
using ::wallet::testing::StatusIs;

using ::wallet::testing::FromText;

int64_t Micros(const google::protobuf::Timestamp& time) { return UnixMicros(time).value_or(-1); }

TEST(WireTest, TimestampsRoundTripMicroseconds) {
  for (int64_t micros : {int64_t{1}, int64_t{999'999}, int64_t{1'793'000'000'123'456},
                         int64_t{-1}, int64_t{-1'500'000}, int64_t{253'402'300'799'999'999}}) {
    google::protobuf::Timestamp time;
    SetTimestamp(micros, &time);
    EXPECT_GE(time.nanos(), 0) << micros;
    EXPECT_LT(time.nanos(), 1'000'000'000) << micros;
    EXPECT_EQ(UnixMicros(time), micros);
  }
  google::protobuf::Timestamp before_1970;
  SetTimestamp(-1, &before_1970);
  EXPECT_EQ(before_1970.seconds(), -1);
  EXPECT_EQ(before_1970.nanos(), 999'999'000);
  EXPECT_EQ(UnixMicros(google::protobuf::Timestamp()), 0);  // unset
}

TEST(WireTest, InvalidTimestampsAreRefused) {
  google::protobuf::Timestamp time;
  time.set_seconds(1);
  time.set_nanos(-1);
  EXPECT_EQ(UnixMicros(time), std::nullopt);
  time.set_nanos(1'000'000'000);
  EXPECT_EQ(UnixMicros(time), std::nullopt);
  time.set_nanos(0);
  time.set_seconds(253'402'300'800);  // 10000-01-01
  EXPECT_EQ(UnixMicros(time), std::nullopt);
  time.set_seconds(-62'135'596'801);  // before 0001-01-01
  EXPECT_EQ(UnixMicros(time), std::nullopt);
  absl::StatusOr<int64_t> field = TimeField("reading.meter_time", time);
  EXPECT_THAT(field, StatusIs(absl::StatusCode::kInvalidArgument,
                              ::testing::HasSubstr("reading.meter_time")));
}

// Bytes that walletd wrote before the stored records had a package of their
// own, encoded with those wallet.v1 messages (protoc --encode), and the same
// values as text in today's records.
struct Golden {
  const Message* prototype;
  std::string text;
  std::string hex;
};

TEST(WireTest, StoredRecordsReadBytesWrittenBefore) {
  const Golden goldens[] = {
      {&store::v1::MeterState::default_instance(),
       "has_reading: true register_wh: 1234567 register_us: 1793000000123456 month_wh: 4500 "
       "month_key: 202611 carry_energy: 7 carry_duty: -3 carry_fixed: 5 charged_day: 20759 "
       "daily_spend_paise: 1500 quarantined: 2 alerts_sent: 5 floor_alert_sent: true "
       "days_left_alert_sent: true exhausted_us: 1793086400000000 notices_sent: 2 "
       "prepaid_since_us: 1792000000000000 relay: RELAY_DISCONNECTED pending_action: RECONNECT "
       "pending_command_id: \"rc-9\" last_action: RECONNECT hold: HOLD_NEVER_DISCONNECT "
       "relay_retry_us: 1793090000000000 tamper_alerted: true cut_for_nonpayment: true "
       "last_command_id: \"rc-9\" relay_observed_us: 1793080000000000 balance_paise: -2500 "
       "last_recharge_paise: 35000 last_recharge_us: 1792500000000000 last_seq: 41",
       "18012087ad4b28c0e4dbc095d7970330942338f3ae0c400748fdffffffffffffffff0150055897a20160dc0b"
       "680270057801800101880180e0b1afd7d9970390010298018080c09b88ba9703a00102a80102b2010472632d"
       "39b80102c00101c80180a880e4e4d99703d00101d80101e2010472632d39e80180e0d0c3bfd99703f001bcec"
       "ffffffffffffff01f801b89102800280908aeecec89703880229"},
      {&store::v1::TransferRecord::default_instance(),
       "seq: 41 time_us: 1793000000123456 type: ENERGY_CHARGE debit_account: \"meter:M1\" "
       "credit_account: \"system:revenue\" amount_paise: 1234 "
       "request_ref: \"reading-1793000000123456\" memo: \"2500 Wh\" duty_paise: 56 "
       "wallet_prev_seq: 40 wallet_balance_after: -2500",
       "082910c0e4dbc095d79703180822086d657465723a4d312a0e73797374656d3a726576656e756530d2093a18"
       "72656164696e672d313739333030303030303132333435364207323530302057684838502858bcecffffffff"
       "ffffff01"},
      {&store::v1::JournalEntryRecord::default_instance(),
       "transfer { seq: 41 } delta_paise: -1234 balance_after_paise: 98766",
       "0a02082918aef6ffffffffffffff0120ce8306"},
      {&store::v1::MeterRecord::default_instance(),
       "meter_id: \"M1\" consumer_id: \"C1\" category: COMMERCIAL circle: \"Bilaspur\" "
       "division: \"City-1\" subdivision: \"Sub-A\" sanctioned_load_w: 3000 "
       "tariff_id: \"COM-2025\" registered_us: 1792000000000000",
       "0a024d31120243311802220842696c61737075722a06436974792d3132055375622d4138b8174208434f4d2d"
       "32303235488080c09b88ba9703"},
      {&store::v1::ConsumerRecord::default_instance(),
       "consumer_id: \"C1\" name: \"Meena\" phone: \"+919800000001\"",
       "0a02433112054d65656e611a0d2b393139383030303030303031"},
      {&store::v1::RetailerRecord::default_instance(),
       "retailer_id: \"R1\" name: \"Shop 1\" commission_bps: 150 float_limit_paise: -500000 "
       "created_us: 1792000000000001",
       "0a025231120653686f70203118960120e0bde1ffffffffffff01288180c09b88ba9703"},
      {&store::v1::OrderRecord::default_instance(),
       "order_id: \"ord-0000000007\" meter_id: \"M1\" consumer_id: \"C1\" amount_paise: 30000 "
       "state: ORDER_PAID created_us: 1793000000000000 payment_id: \"pay_Q7x1\" "
       "paid_us: 1793000060000000 transfer_seq: 42",
       "0a0e6f72642d3030303030303030303712024d311a02433120b0ea0128023080a0d4c095d797033a08706179"
       "5f513778314080aea2dd95d79703482a"},
      {&store::v1::OutboxItem::default_instance(),
       "relay { seq: 9 command_id: \"rc-9\" meter_id: \"M1\" action: DISCONNECT "
       "reason: \"credit exhausted, notice served\" supersedes_command_id: \"rc-8\" "
       "issued_us: 1793000000000000 }",
       "0a3e0809120472632d391a024d3120012a1f637265646974206578686175737465642c206e6f746963652073"
       "6572766564320472632d383880a0d4c095d79703"},
      {&store::v1::OutboxItem::default_instance(),
       "notification { seq: 17 notification_id: \"nt-17\" kind: NOTICE meter_id: \"M1\" "
       "consumer_id: \"C1\" phone: \"+919800000001\" balance_paise: -30000 "
       "amount_paise: -30000 notice_day: 2 time_us: 1793000000000000 text: \"Notice 2 of 3\" }",
       "1252081112056e742d3137180222024d312a024331320d2b39313938303030303030303138d095feffffffff"
       "ffff0140d095feffffffffffff0150025880a0d4c095d79703620d4e6f746963652032206f662033"},
      {&store::v1::ApiKeyRecord::default_instance(),
       "role: ROLE_RETAILER subject_id: \"R1\" label: \"counter 1\" "
       "created_us: 1792000000000002",
       "0802120252311a09636f756e7465722031208280c09b88ba9703"},
      {&store::v1::IdempotencyRecord::default_instance(),
       "request: \"\\001\\002\" response: \"\\010\\001\"", "0a02010212020801"},
  };
  for (const Golden& golden : goldens) {
    SCOPED_TRACE(golden.prototype->GetTypeName());
    std::unique_ptr<Message> expected(golden.prototype->New());
    ASSERT_TRUE(TextFormat::ParseFromString(golden.text, expected.get()));
    const std::string bytes = absl::HexStringToBytes(golden.hex);
    std::unique_ptr<Message> parsed(golden.prototype->New());
    ASSERT_TRUE(parsed->ParseFromString(bytes));
    EXPECT_TRUE(parsed->GetReflection()->GetUnknownFields(*parsed).empty());
    EXPECT_TRUE(MessageDifferencer::Equals(*parsed, *expected)) << parsed->ShortDebugString();
    EXPECT_EQ(expected->SerializeAsString(), bytes);
  }
}

TEST(WireTest, TransferOnTheWireHasItsTimeAndNoChainLinks) {
  const v1::Transfer wire = ToWire(FromText<store::v1::TransferRecord>(
      "seq: 41 time_us: 1793000000123456 type: ENERGY_CHARGE debit_account: \"meter:M1\" "
      "credit_account: \"system:revenue\" amount_paise: 1234 request_ref: \"reading-1\" "
      "memo: \"2500 Wh\" duty_paise: 56 wallet_prev_seq: 40 wallet_balance_after: -2500"));
  EXPECT_TRUE(MessageDifferencer::Equals(
      wire, FromText<v1::Transfer>(
                "seq: 41 create_time { seconds: 1793000000 nanos: 123456000 } "
                "type: ENERGY_CHARGE debit_account: \"meter:M1\" "
                "credit_account: \"system:revenue\" amount_paise: 1234 "
                "request_ref: \"reading-1\" memo: \"2500 Wh\" duty_paise: 56")))
      << wire.ShortDebugString();
  EXPECT_EQ(v1::Transfer::descriptor()->FindFieldByName("wallet_prev_seq"), nullptr);
}

TEST(WireTest, MeterCarriesItsLastRechargeFromTheState) {
  const store::v1::MeterRecord record = FromText<store::v1::MeterRecord>(
      "meter_id: \"M1\" consumer_id: \"C1\" category: DOMESTIC circle: \"Bilaspur\" "
      "division: \"City-1\" subdivision: \"Sub-A\" sanctioned_load_w: 3000 "
      "tariff_id: \"DOM-2025\" registered_us: 1792000000000000 billing_mode: PREPAID");
  store::v1::MeterState state;
  v1::Meter wire = ToWire(record, state);
  EXPECT_EQ(Micros(wire.register_time()), 1'792'000'000'000'000);
  EXPECT_FALSE(wire.has_last_recharge_time());  // never recharged
  EXPECT_EQ(wire.last_recharge_paise(), 0);
  state.set_last_recharge_paise(35'000);
  state.set_last_recharge_us(1'792'500'000'000'000);
  wire = ToWire(record, state);
  EXPECT_EQ(wire.last_recharge_paise(), 35'000);
  EXPECT_EQ(Micros(wire.last_recharge_time()), 1'792'500'000'000'000);
  // Back to a record: what a registration supplies comes through, output-only
  // fields do not.
  store::v1::MeterRecord back = RecordOf(wire);
  EXPECT_EQ(back.registered_us(), 0);
  back.set_registered_us(record.registered_us());
  EXPECT_TRUE(MessageDifferencer::Equals(back, record)) << back.ShortDebugString();
}

TEST(WireTest, ConsumerAndRetailerRoundTrip) {
  const auto consumer = FromText<store::v1::ConsumerRecord>(
      "consumer_id: \"C1\" name: \"Meena\" phone: \"+919800000001\" language: HINDI");
  EXPECT_TRUE(MessageDifferencer::Equals(RecordOf(ToWire(consumer)), consumer));
  // A consumer registered without a language is stored as English.
  EXPECT_EQ(RecordOf(v1::Consumer()).language(), v1::ENGLISH);
  const auto retailer = FromText<store::v1::RetailerRecord>(
      "retailer_id: \"R1\" name: \"Shop 1\" commission_bps: 150 float_limit_paise: -500000 "
      "created_us: 1792000000000001");
  const v1::Retailer wire = ToWire(retailer);
  EXPECT_EQ(wire.retailer_id(), "R1");
  EXPECT_EQ(wire.name(), "Shop 1");
  EXPECT_EQ(wire.commission_bps(), 150);
  EXPECT_EQ(wire.float_limit_paise(), -500'000);
  EXPECT_EQ(Micros(wire.create_time()), 1'792'000'000'000'001);
  store::v1::RetailerRecord back = RecordOf(wire);
  EXPECT_EQ(back.created_us(), 0);  // output only
  back.set_created_us(retailer.created_us());
  EXPECT_TRUE(MessageDifferencer::Equals(back, retailer));
}

TEST(WireTest, OrderTimesAreUnsetUntilTheyHappen) {
  auto record = FromText<store::v1::OrderRecord>(
      "order_id: \"ord-0000000007\" meter_id: \"M1\" consumer_id: \"C1\" amount_paise: 30000 "
      "state: ORDER_PENDING created_us: 1793000000000000");
  v1::Order pending = ToWire(record);
  EXPECT_EQ(pending.order_id(), "ord-0000000007");
  EXPECT_EQ(pending.meter_id(), "M1");
  EXPECT_EQ(pending.consumer_id(), "C1");
  EXPECT_EQ(pending.amount_paise(), 30'000);
  EXPECT_EQ(pending.state(), v1::ORDER_PENDING);
  EXPECT_EQ(Micros(pending.create_time()), 1'793'000'000'000'000);
  EXPECT_FALSE(pending.has_pay_time());
  record.set_state(v1::ORDER_PAID);
  record.set_payment_id("pay_Q7x1");
  record.set_paid_us(1'793'000'060'000'000);
  record.set_transfer_seq(42);
  const v1::Order paid = ToWire(record);
  EXPECT_EQ(paid.state(), v1::ORDER_PAID);
  EXPECT_EQ(paid.payment_id(), "pay_Q7x1");
  EXPECT_EQ(Micros(paid.pay_time()), 1'793'000'060'000'000);
  EXPECT_EQ(paid.transfer_seq(), 42u);
}

TEST(WireTest, OutboxItemsAsSent) {
  const auto command = FromText<store::v1::RelayCommandRecord>(
      "seq: 9 command_id: \"rc-9\" meter_id: \"M1\" action: DISCONNECT "
      "reason: \"credit exhausted, notice served\" supersedes_command_id: \"rc-8\" "
      "issued_us: 1793000000000000");
  EXPECT_TRUE(MessageDifferencer::Equals(
      ToWire(command),
      FromText<v1::RelayCommand>("seq: 9 command_id: \"rc-9\" meter_id: \"M1\" action: DISCONNECT "
                                 "reason: \"credit exhausted, notice served\" "
                                 "supersedes_command_id: \"rc-8\" "
                                 "issue_time { seconds: 1793000000 }")));
  const auto notification = FromText<store::v1::NotificationRecord>(
      "seq: 17 notification_id: \"nt-17\" kind: RECHARGE_RECEIPT meter_id: \"M1\" "
      "consumer_id: \"C1\" phone: \"+919800000001\" balance_paise: 29000 amount_paise: 30000 "
      "arrears_recovered_paise: 1000 time_us: 1793000000000001 text: \"Recharge received\"");
  EXPECT_TRUE(MessageDifferencer::Equals(
      ToWire(notification),
      FromText<v1::Notification>(
          "seq: 17 notification_id: \"nt-17\" kind: RECHARGE_RECEIPT meter_id: \"M1\" "
          "consumer_id: \"C1\" phone: \"+919800000001\" balance_paise: 29000 "
          "amount_paise: 30000 arrears_recovered_paise: 1000 "
          "create_time { seconds: 1793000000 nanos: 1000 } text: \"Recharge received\"")));
}

TEST(WireTest, MeterPolicyStateShowsWhatAnOperatorNeeds) {
  const auto state = FromText<store::v1::MeterState>(
      "has_reading: true register_wh: 1234567 register_us: 1793000000123456 month_wh: 4500 "
      "month_key: 202611 carry_energy: 7 carry_duty: -3 carry_fixed: 5 charged_day: 20759 "
      "daily_spend_paise: 1500 quarantined: 2 alerts_sent: 5 exhausted_us: 1793086400000000 "
      "notices_sent: 2 prepaid_since_us: 1792000000000000 relay: RELAY_DISCONNECTED "
      "pending_action: RECONNECT pending_command_id: \"rc-9\" last_action: RECONNECT "
      "hold: HOLD_NEVER_DISCONNECT relay_retry_us: 1793090000000000 tamper_alerted: true "
      "cut_for_nonpayment: true last_command_id: \"rc-9\" relay_observed_us: 1793080000000000 "
      "balance_paise: -2500 last_recharge_paise: 35000 last_recharge_us: 1792500000000000 "
      "last_seq: 41");
  const v1::MeterPolicyState wire = ToWire("M1", state);
  EXPECT_TRUE(MessageDifferencer::Equals(
      wire, FromText<v1::MeterPolicyState>(
                "meter_id: \"M1\" balance_paise: -2500 last_recharge_paise: 35000 "
                "last_recharge_time { seconds: 1792500000 } has_reading: true "
                "register_wh: 1234567 read_time { seconds: 1793000000 nanos: 123456000 } "
                "month: 202611 month_wh: 4500 daily_spend_paise: 1500 quarantined_readings: 2 "
                "exhaust_time { seconds: 1793086400 } notices_sent: 2 "
                "prepaid_start_time { seconds: 1792000000 } hold: HOLD_NEVER_DISCONNECT "
                "cut_for_nonpayment: true relay: RELAY_DISCONNECTED pending_action: RECONNECT "
                "pending_command_id: \"rc-9\" last_action: RECONNECT last_command_id: \"rc-9\" "
                "relay_retry_time { seconds: 1793090000 } "
                "relay_observe_time { seconds: 1793080000 } tamper_alerted: true")))
      << wire.ShortDebugString();
  // A state with nothing happened yet: no time is set.
  const v1::MeterPolicyState fresh = ToWire("M2", store::v1::MeterState());
  EXPECT_FALSE(fresh.has_read_time());
  EXPECT_FALSE(fresh.has_exhaust_time());
  EXPECT_FALSE(fresh.has_relay_retry_time());
  EXPECT_FALSE(fresh.has_last_recharge_time());
}

}  // namespace
}  // namespace wallet
