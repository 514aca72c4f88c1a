// Report parts several commands share: a recharge order (state, expiry, how
// it closed) and recorded changes of consumers and meters, for people and
// for CSV.
#include "walletctl/report_parts.h"

#include <string>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "walletctl/values.h"

namespace walletctl {
namespace {

namespace v1 = ::wallet::v1;
using ::google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::Pair;

google::protobuf::Timestamp IstTime(int d, int hh, int mm) {
  return TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(absl::FromCivil(absl::CivilSecond(2025, 4, d, hh, mm, 0), Ist())));
}

v1::Order PendingOrder() {
  v1::Order order;
  order.set_order_id("ord_A1");
  order.set_meter_id("M1");
  order.set_consumer_id("C1");
  order.set_amount_paise(30000);
  order.set_state(v1::ORDER_PENDING);
  *order.mutable_create_time() = IstTime(1, 8, 0);
  *order.mutable_expire_time() = IstTime(1, 8, 30);
  return order;
}

// The fields of a report as "name: text" pairs.
std::vector<std::pair<std::string, std::string>> Texts(const Report& report) {
  std::vector<std::pair<std::string, std::string>> texts;
  for (const auto& [name, value] : report.fields()) texts.emplace_back(name, value.text);
  return texts;
}

TEST(AddOrderFields, ShowsThePendingOrderAndWhenItExpires) {
  Report report;
  AddOrderFields(PendingOrder(), report);
  EXPECT_THAT(Texts(report),
              ElementsAre(Pair("order", "ord_A1"), Pair("meter", "M1"), Pair("consumer", "C1"),
                          Pair("amount", "Rs 300.00"), Pair("state", "pending"),
                          Pair("created", "2025-04-01 08:00:00 IST"),
                          Pair("expires", "2025-04-01 08:30:00 IST"), Pair("payment", "-"),
                          Pair("paid", "-"), Pair("cancelled", "-"), Pair("cancel reason", "-")));
}

TEST(AddOrderFields, ShowsTheGatewaysOrderOfAnOnlinePayment) {
  v1::Order online = PendingOrder();
  online.set_gateway_order_id("order_Sim0000000001");
  Report report;
  AddOrderFields(online, report);
  EXPECT_THAT(Texts(report), testing::Contains(Pair("gateway order", "order_Sim0000000001")));
}

TEST(AddOrderFields, ShowsExpiredAndCancelledOrders) {
  v1::Order expired = PendingOrder();
  expired.set_state(v1::ORDER_EXPIRED);
  Report expired_report;
  AddOrderFields(expired, expired_report);
  EXPECT_THAT(Texts(expired_report), testing::Contains(Pair("state", "expired")));
  EXPECT_THAT(Texts(expired_report), testing::Contains(Pair("expires", "2025-04-01 08:30:00 IST")));

  v1::Order cancelled = PendingOrder();
  cancelled.set_state(v1::ORDER_CANCELLED);
  *cancelled.mutable_cancel_time() = IstTime(1, 8, 10);
  cancelled.set_cancel_reason("cancelled by the consumer");
  Report report;
  AddOrderFields(cancelled, report);
  EXPECT_THAT(Texts(report),
              testing::IsSupersetOf({Pair("state", "cancelled"),
                                     Pair("cancelled", "2025-04-01 08:10:00 IST"),
                                     Pair("cancel reason", "cancelled by the consumer")}));
}

TEST(AddOrderTable, SaysHowEachOrderClosed) {
  google::protobuf::RepeatedPtrField<v1::Order> orders;
  v1::Order& paid = *orders.Add() = PendingOrder();
  paid.set_state(v1::ORDER_PAID);
  paid.set_payment_id("pay_Q7x1");
  *paid.mutable_pay_time() = IstTime(1, 8, 5);
  v1::Order& cancelled = *orders.Add() = PendingOrder();
  cancelled.set_state(v1::ORDER_CANCELLED);
  *cancelled.mutable_cancel_time() = IstTime(1, 8, 10);
  cancelled.set_cancel_reason("the meter moved to another consumer");
  v1::Order& expired = *orders.Add() = PendingOrder();
  expired.set_state(v1::ORDER_EXPIRED);
  Report report;
  AddOrderTable(orders, report);
  EXPECT_EQ(RenderCsv(report),
            "order,meter,consumer,amount,state,created,expires,closed,detail\n"
            "ord_A1,M1,C1,300.00,paid,2025-04-01T08:00:00+05:30,2025-04-01T08:30:00+05:30,"
            "2025-04-01T08:05:00+05:30,payment pay_Q7x1\n"
            "ord_A1,M1,C1,300.00,cancelled,2025-04-01T08:00:00+05:30,2025-04-01T08:30:00+05:30,"
            "2025-04-01T08:10:00+05:30,the meter moved to another consumer\n"
            "ord_A1,M1,C1,300.00,expired,2025-04-01T08:00:00+05:30,2025-04-01T08:30:00+05:30,,\n");
  EXPECT_THAT(RenderText(report),
              testing::HasSubstr("expired    2025-04-01 08:00:00 IST  2025-04-01 08:30:00 IST  -"
                                 "                        -\n"));
}

v1::Change PhoneChange() {
  v1::Change change;
  change.set_seq(7);
  *change.mutable_change_time() = IstTime(2, 11, 0);
  change.set_kind(v1::Change::CONSUMER_UPDATED);
  change.set_consumer_id("C1");
  change.set_admin_key_id("3fa9c1d2e4b5a6f7");
  change.set_admin_key_label("control room");
  change.set_reason("new SIM");
  v1::FieldChange& phone = *change.add_fields();
  phone.set_field("phone");
  phone.set_before("+919826000102");
  phone.set_after("+919826000999");
  v1::FieldChange& name = *change.add_fields();
  name.set_field("name");
  name.set_after("Meena Verma");
  return change;
}

TEST(ChangeTexts, NameTheKeyAndEachFieldBeforeAndAfter) {
  const v1::Change change = PhoneChange();
  EXPECT_EQ(AdminKeyText(change), "3fa9c1d2e4b5a6f7 (control room)");
  v1::Change unlabelled = change;
  unlabelled.clear_admin_key_label();
  EXPECT_EQ(AdminKeyText(unlabelled), "3fa9c1d2e4b5a6f7");
  EXPECT_EQ(AdminKeyText(v1::Change()), "-");
  EXPECT_EQ(FieldChangeText(change.fields(0)), "phone: +919826000102 -> +919826000999");
  EXPECT_EQ(FieldChangeText(change.fields(1)), "name: - -> Meena Verma");
  EXPECT_EQ(ChangeKindText(v1::Change::METER_MOVED), "meter_moved");
}

TEST(AddChangeFields, ShowsTheRecordedChangeOrThatNothingChanged) {
  Report report;
  AddChangeFields(/*unchanged=*/false, PhoneChange(), report);
  EXPECT_THAT(Texts(report), ElementsAre(Pair("result", "changed, recorded as change #7"),
                                         Pair("changed at", "2025-04-02 11:00:00 IST"),
                                         Pair("by admin key", "3fa9c1d2e4b5a6f7 (control room)"),
                                         Pair("reason", "new SIM"),
                                         Pair("changed", "phone: +919826000102 -> +919826000999"),
                                         Pair("changed", "name: - -> Meena Verma")));
  Report unchanged;
  AddChangeFields(/*unchanged=*/true, v1::Change(), unchanged);
  EXPECT_THAT(Texts(unchanged),
              ElementsAre(Pair("result", testing::StartsWith("unchanged: the values given"))));
}

// A change of two fields is two rows: people see its details once, CSV rows
// each stand alone.
TEST(AddChangeTable, OneRowPerFieldChanged) {
  google::protobuf::RepeatedPtrField<v1::Change> changes;
  *changes.Add() = PhoneChange();
  Report report;
  AddChangeTable(changes, report);
  EXPECT_EQ(RenderCsv(report),
            "seq,time,kind,meter,consumer,by,reason,field,before,after\n"
            "7,2025-04-02T11:00:00+05:30,consumer_updated,,C1,3fa9c1d2e4b5a6f7 (control room),"
            "new SIM,phone,+919826000102,+919826000999\n"
            "7,2025-04-02T11:00:00+05:30,consumer_updated,,C1,3fa9c1d2e4b5a6f7 (control room),"
            "new SIM,name,,Meena Verma\n");
  const std::string text = RenderText(report);
  EXPECT_THAT(text, testing::ContainsRegex("\n  7  2025-04-02 11:00:00 IST  consumer_updated  - +"
                                           "C1 +3fa9c1d2e4b5a6f7 \\(control room\\)  new SIM  "
                                           "phone  \\+919826000102  \\+919826000999\n"));
  // The second field's row leaves the change's columns blank.
  EXPECT_THAT(text, testing::ContainsRegex("\n {100,}name +- +Meena Verma\n$"));
}

}  // namespace
}  // namespace walletctl
