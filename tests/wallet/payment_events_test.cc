// Online payments through the payment gateway, on the wallet's side: the
// gateway's order recorded on walletd's, each event applied once by its id,
// a payment credited once however many events and calls report it, a failed
// payment marking the order failed (and a retry still paying it), and bad
// events refused with nothing changed.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wallet_harness.h"
#include "wallet/orders.h"

namespace wallet {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::MeterRequest;
using testing::OutboxCursor;
using testing::Wait;
using testing::WalletHarness;
using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;

const Principal kC1{v1::ROLE_CONSUMER, "C1"};
constexpr int64_t kAmount = 50'000;

v1::PaymentEvent Event(const std::string& event_id, v1::PaymentEvent::Kind kind,
                       const std::string& gateway_order_id, const std::string& payment_id,
                       int64_t amount = kAmount) {
  v1::PaymentEvent event;
  event.set_event_id(event_id);
  event.set_kind(kind);
  event.set_gateway_order_id(gateway_order_id);
  event.set_payment_id(payment_id);
  event.set_amount_paise(amount);
  event.set_currency("INR");
  return event;
}

v1::PaymentEvent Captured(const std::string& event_id, const std::string& payment_id,
                          int64_t amount = kAmount) {
  return Event(event_id, v1::PaymentEvent::CAPTURED, "order_G1", payment_id, amount);
}

v1::PaymentEvent Failed(const std::string& event_id, const std::string& payment_id) {
  v1::PaymentEvent event = Event(event_id, v1::PaymentEvent::FAILED, "order_G1", payment_id);
  event.set_failure_reason("Payment was declined by the bank");
  return event;
}

class PaymentEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(h_.Register(MeterRequest("M1", "C1")), IsOk());
    auto started = h_.StartRecharge(kC1, "r1", "M1", kAmount);
    ASSERT_THAT(started, IsOk());
    order_id_ = started->order().order_id();
    ASSERT_THAT(Record(order_id_, "order_G1"), IsOk());
    cursor_.NewNotifications(h_.wallet());  // skip what registration sent
  }

  absl::StatusOr<v1::Order> Record(const std::string& order_id, const std::string& gateway_id) {
    return Wait<v1::Order>(
        [&](auto done) { h_.wallet().RecordGatewayOrder(order_id, gateway_id, done); });
  }

  absl::StatusOr<v1::PaymentEventResult> Apply(const v1::PaymentEvent& event) {
    return Wait<v1::PaymentEventResult>(
        [&](auto done) { h_.wallet().ApplyPaymentEvent(event, done); });
  }

  v1::OrderState StateOfOrder() {
    auto order = h_.wallet().GetOrder(kC1, order_id_);
    EXPECT_THAT(order, IsOk());
    return order.ok() ? order->state() : v1::ORDER_STATE_UNSPECIFIED;
  }

  std::vector<v1::Notification::Kind> NewNotificationKinds() {
    std::vector<v1::Notification::Kind> kinds;
    for (const v1::Notification& n : cursor_.NewNotifications(h_.wallet())) {
      kinds.push_back(n.kind());
    }
    return kinds;
  }

  WalletHarness h_;
  OutboxCursor cursor_;
  std::string order_id_;
};

TEST_F(PaymentEventsTest, GatewayOrderIsRecordedOnceAndShown) {
  auto order = h_.wallet().GetOrder(kC1, order_id_);
  ASSERT_THAT(order, IsOk());
  EXPECT_EQ(order->gateway_order_id(), "order_G1");
  // A retried StartRecharge made a second gateway order: the first stays.
  auto again = Record(order_id_, "order_G2");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->gateway_order_id(), "order_G1");

  auto other = h_.StartRecharge(kC1, "r2", "M1", kAmount);
  ASSERT_THAT(other, IsOk());
  EXPECT_THAT(Record(other->order().order_id(), "order_G1"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(Record("ord_unknown", "order_G3"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Record(other->order().order_id(), "bad id"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(PaymentEventsTest, CapturedPaymentCreditsOnceHoweverOftenReported) {
  auto first = Apply(Captured("evt_1", "pay_1"));
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->outcome(), v1::PaymentEventResult::CREDITED);
  EXPECT_FALSE(first->replayed());
  EXPECT_EQ(first->order().state(), v1::ORDER_PAID);
  EXPECT_EQ(first->order().payment_id(), "pay_1");
  EXPECT_EQ(h_.MeterBalance("M1"), kAmount);
  const uint64_t transfers = h_.TransferCount();

  // The same event redelivered: the first result, nothing more.
  auto replay = Apply(Captured("evt_1", "pay_1"));
  ASSERT_THAT(replay, IsOk());
  EXPECT_TRUE(replay->replayed());
  EXPECT_EQ(replay->outcome(), v1::PaymentEventResult::CREDITED);
  // order.paid for the same payment, and the client's own confirmation.
  auto order_paid = Apply(Captured("evt_2", "pay_1"));
  ASSERT_THAT(order_paid, IsOk());
  EXPECT_EQ(order_paid->outcome(), v1::PaymentEventResult::ALREADY_CREDITED);
  EXPECT_THAT(h_.Confirm("pay_1", order_id_, kAmount), IsOk());
  // After a restart too.
  h_.Reopen();
  auto late = Apply(Captured("evt_1", "pay_1"));
  ASSERT_THAT(late, IsOk());
  EXPECT_TRUE(late->replayed());

  EXPECT_EQ(h_.TransferCount(), transfers);
  EXPECT_EQ(h_.MeterBalance("M1"), kAmount);
  h_.ExpectLedgerBalanced();
}

TEST_F(PaymentEventsTest, ConfirmedPaymentThenWebhookIsAlreadyCredited) {
  ASSERT_THAT(h_.Confirm("pay_1", order_id_, kAmount), IsOk());
  auto event = Apply(Captured("evt_1", "pay_1"));
  ASSERT_THAT(event, IsOk());
  EXPECT_EQ(event->outcome(), v1::PaymentEventResult::ALREADY_CREDITED);
  EXPECT_EQ(h_.MeterBalance("M1"), kAmount);
}

struct BadEvent {
  std::string name;
  v1::PaymentEvent event;
  absl::StatusCode code;
  std::string message;
};

TEST_F(PaymentEventsTest, BadEventsChangeNothing) {
  v1::PaymentEvent dollars = Captured("evt_4", "pay_4");
  dollars.set_currency("USD");
  v1::PaymentEvent no_kind = Captured("evt_5", "pay_5");
  no_kind.set_kind(v1::PaymentEvent::KIND_UNSPECIFIED);
  const std::vector<BadEvent> cases = {
      {"unknown gateway order",
       Event("evt_1", v1::PaymentEvent::CAPTURED, "order_Unknown", "pay_1"),
       absl::StatusCode::kNotFound, "order_Unknown"},
      {"wrong amount", Captured("evt_2", "pay_2", kAmount - 1), absl::StatusCode::kInvalidArgument,
       "differs"},
      {"no amount", Captured("evt_3", "pay_3", 0), absl::StatusCode::kInvalidArgument,
       "amount_paise"},
      {"currency", dollars, absl::StatusCode::kInvalidArgument, "USD"},
      {"kind", no_kind, absl::StatusCode::kInvalidArgument, "kind"},
      {"event id", Captured("evt 6", "pay_6"), absl::StatusCode::kInvalidArgument, "event_id"},
      {"payment id", Captured("evt_7", ""), absl::StatusCode::kInvalidArgument, "payment_id"},
  };
  const uint64_t transfers = h_.TransferCount();
  for (const BadEvent& c : cases) {
    EXPECT_THAT(Apply(c.event), StatusIs(c.code, HasSubstr(c.message))) << c.name;
  }
  EXPECT_EQ(h_.TransferCount(), transfers);
  EXPECT_EQ(h_.MeterBalance("M1"), 0);
  EXPECT_EQ(StateOfOrder(), v1::ORDER_PENDING);
  EXPECT_THAT(NewNotificationKinds(), IsEmpty());
  // A refused event was not remembered: once right, it applies.
  EXPECT_THAT(Apply(Captured("evt_2", "pay_2")), IsOk());
  EXPECT_EQ(h_.MeterBalance("M1"), kAmount);
}

TEST_F(PaymentEventsTest, FailedPaymentMarksOrderFailedAndRetryStillPays) {
  auto failed = Apply(Failed("evt_1", "pay_1"));
  ASSERT_THAT(failed, IsOk());
  EXPECT_EQ(failed->outcome(), v1::PaymentEventResult::MARKED_FAILED);
  EXPECT_EQ(failed->order().state(), v1::ORDER_FAILED);
  EXPECT_EQ(failed->order().failure_reason(), "Payment was declined by the bank");
  EXPECT_TRUE(failed->order().has_fail_time());
  std::vector<v1::Notification> told = cursor_.NewNotifications(h_.wallet());
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].kind(), v1::Notification::PAYMENT_FAILED);
  EXPECT_EQ(told[0].amount_paise(), kAmount);
  EXPECT_THAT(told[0].text(), HasSubstr("failed"));
  EXPECT_EQ(h_.MeterBalance("M1"), 0);

  // A second failed attempt changes nothing and tells nobody again.
  auto second = Apply(Failed("evt_2", "pay_2"));
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->outcome(), v1::PaymentEventResult::IGNORED);
  EXPECT_THAT(NewNotificationKinds(), IsEmpty());

  // The consumer retries on the same order, and it succeeds.
  auto paid = Apply(Captured("evt_3", "pay_3"));
  ASSERT_THAT(paid, IsOk());
  EXPECT_EQ(paid->outcome(), v1::PaymentEventResult::CREDITED);
  EXPECT_EQ(StateOfOrder(), v1::ORDER_PAID);
  EXPECT_EQ(h_.MeterBalance("M1"), kAmount);
  EXPECT_THAT(NewNotificationKinds(), ElementsAre(v1::Notification::RECHARGE_RECEIPT));

  // Paid is final: a late failure report is ignored.
  auto late = Apply(Failed("evt_4", "pay_4"));
  ASSERT_THAT(late, IsOk());
  EXPECT_EQ(late->outcome(), v1::PaymentEventResult::IGNORED);
  EXPECT_EQ(StateOfOrder(), v1::ORDER_PAID);
  h_.ExpectLedgerBalanced();
}

TEST_F(PaymentEventsTest, FailedOrderExpiresAndThenRefusesPayment) {
  ASSERT_THAT(Apply(Failed("evt_1", "pay_1")), IsOk());
  h_.clock().Advance(absl::Minutes(30));
  EXPECT_EQ(StateOfOrder(), v1::ORDER_EXPIRED);
  EXPECT_THAT(Apply(Captured("evt_2", "pay_2")),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("refunded")));
  EXPECT_EQ(h_.MeterBalance("M1"), 0);
}

TEST_F(PaymentEventsTest, ReconcilerSeesOldOrdersAwaitingTheGateway) {
  auto no_gateway = h_.StartRecharge(kC1, "r2", "M1", kAmount);
  ASSERT_THAT(no_gateway, IsOk());
  auto paid = h_.StartRecharge(kC1, "r3", "M1", kAmount);
  ASSERT_THAT(paid, IsOk());
  ASSERT_THAT(Record(paid->order().order_id(), "order_G3"), IsOk());
  ASSERT_THAT(Apply(Event("evt_3", v1::PaymentEvent::CAPTURED, "order_G3", "pay_3")), IsOk());
  h_.clock().Advance(absl::Minutes(2));
  auto young = h_.StartRecharge(kC1, "r4", "M1", kAmount);
  ASSERT_THAT(young, IsOk());
  ASSERT_THAT(Record(young->order().order_id(), "order_G4"), IsOk());

  auto old = h_.wallet().OrdersAwaitingGateway(absl::Minutes(1), 100);
  ASSERT_THAT(old, IsOk());
  ASSERT_EQ(old->size(), 1u);
  EXPECT_EQ((*old)[0].order_id(), order_id_);
  // A failed order may still be paid: it is asked about too.
  ASSERT_THAT(Apply(Failed("evt_1", "pay_1")), IsOk());
  old = h_.wallet().OrdersAwaitingGateway(absl::ZeroDuration(), 100);
  ASSERT_THAT(old, IsOk());
  ASSERT_EQ(old->size(), 2u);
  EXPECT_EQ((*old)[0].state(), v1::ORDER_FAILED);
  EXPECT_EQ((*old)[1].order_id(), young->order().order_id());
  auto one = h_.wallet().OrdersAwaitingGateway(absl::ZeroDuration(), 1);
  ASSERT_THAT(one, IsOk());
  EXPECT_EQ(one->size(), 1u);
  // Past their lifetime they are no longer asked about.
  h_.clock().Advance(absl::Minutes(30));
  old = h_.wallet().OrdersAwaitingGateway(absl::ZeroDuration(), 100);
  ASSERT_THAT(old, IsOk());
  EXPECT_THAT(*old, IsEmpty());
}

}  // namespace
}  // namespace wallet
