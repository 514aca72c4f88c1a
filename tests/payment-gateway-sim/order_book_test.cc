// The simulator's order book and JSON in process, on a fake clock: the
// limits an order must meet, states that only move forward, and the
// shapes of orders, payments and webhook events.
#include "payment-gateway-sim/order_book.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "payment-gateway-sim/ids.h"
#include "payment-gateway-sim/wire.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"

namespace pg_sim {
namespace {

using ::nlohmann::json;
using ::wallet::testing::FakeClock;
using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;

class OrderBookTest : public ::testing::Test {
 protected:
  NewOrder Valid() {
    NewOrder order;
    order.amount = 50000;
    order.currency = "INR";
    order.receipt = "r1";
    order.notes = {{"meter_id", "M1"}};
    return order;
  }

  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  IdMaker ids_{7};
  OrderBook book_{&clock_, &ids_};
};

TEST_F(OrderBookTest, RefusesOrdersOutsideTheLimits) {
  struct Case {
    const char* what;
    void (*change)(NewOrder*);
    bool ok;
  };
  const Case cases[] = {
      {"smallest amount", [](NewOrder* o) { o->amount = kMinAmountPaise; }, true},
      {"below it", [](NewOrder* o) { o->amount = kMinAmountPaise - 1; }, false},
      {"largest amount", [](NewOrder* o) { o->amount = kMaxAmountPaise; }, true},
      {"above it", [](NewOrder* o) { o->amount = kMaxAmountPaise + 1; }, false},
      {"negative", [](NewOrder* o) { o->amount = -50000; }, false},
      {"another currency", [](NewOrder* o) { o->currency = "USD"; }, false},
      {"receipt of 40", [](NewOrder* o) { o->receipt = std::string(40, 'r'); }, true},
      {"receipt of 41", [](NewOrder* o) { o->receipt = std::string(41, 'r'); }, false},
      {"16 notes",
       [](NewOrder* o) {
         for (int i = 0; i < 16; ++i) o->notes[std::to_string(i)] = "x";
       },
       false},
  };
  for (const Case& c : cases) {
    NewOrder order = Valid();
    c.change(&order);
    if (c.ok) {
      EXPECT_THAT(book_.Create(order), IsOk()) << c.what;
    } else {
      EXPECT_THAT(book_.Create(order), StatusIs(absl::StatusCode::kInvalidArgument)) << c.what;
    }
  }
}

TEST_F(OrderBookTest, StatesOnlyMoveForward) {
  absl::StatusOr<Order> order = book_.Create(Valid());
  ASSERT_THAT(order, IsOk());
  EXPECT_EQ(order->status, "created");
  EXPECT_EQ(order->created_at, 1'800'000'000);

  clock_.Advance(absl::Seconds(30));
  absl::StatusOr<Checkout> failed = book_.Pay(order->id, false, "card");
  ASSERT_THAT(failed, IsOk());
  EXPECT_EQ(failed->order.status, "attempted");
  EXPECT_EQ(failed->order.amount_paid, 0);
  EXPECT_EQ(failed->payment.status, "failed");
  EXPECT_EQ(failed->payment.amount, 50000);
  EXPECT_EQ(failed->payment.created_at, 1'800'000'030);

  absl::StatusOr<Checkout> captured = book_.Pay(order->id, true, "upi");
  ASSERT_THAT(captured, IsOk());
  EXPECT_EQ(captured->order.status, "paid");
  EXPECT_EQ(captured->order.amount_paid, 50000);
  EXPECT_EQ(captured->order.attempts, 2);

  // Paid is final: neither another capture nor a failure changes it.
  EXPECT_THAT(book_.Pay(order->id, true, "upi"), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(book_.Pay(order->id, false, "upi"), StatusIs(absl::StatusCode::kFailedPrecondition));
  absl::StatusOr<Order> after = book_.Get(order->id);
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(after->status, "paid");
  EXPECT_EQ(after->attempts, 2);
  absl::StatusOr<std::vector<Payment>> payments = book_.Payments(order->id);
  ASSERT_THAT(payments, IsOk());
  ASSERT_EQ(payments->size(), 2u);
  EXPECT_EQ((*payments)[0].id, failed->payment.id);
  EXPECT_EQ((*payments)[1].id, captured->payment.id);

  EXPECT_THAT(book_.Get("order_unknown"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(book_.Payments("order_unknown"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(book_.Pay("order_unknown", true, "upi"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(IdMakerTest, TheSameSeedGivesTheSameIds) {
  IdMaker a(99);
  IdMaker b(99);
  IdMaker c(100);
  const std::string first = a.Next("order");
  EXPECT_THAT(first, ::testing::MatchesRegex("order_[0-9A-Za-z]{14}"));
  EXPECT_EQ(b.Next("order"), first);
  EXPECT_NE(c.Next("order"), first);
  EXPECT_NE(a.Next("order"), first);
}

TEST(WireTest, ReadsAnOrderRequestWithNotesAsStrings) {
  absl::StatusOr<NewOrder> order = ParseNewOrder(
      R"({"amount":50000,"currency":"INR","receipt":"r9","notes":{"meter_id":"M1","n":5}})");
  ASSERT_THAT(order, IsOk());
  EXPECT_EQ(order->amount, 50000);
  EXPECT_EQ(order->currency, "INR");
  EXPECT_EQ(order->receipt, "r9");
  EXPECT_EQ(order->notes, (std::map<std::string, std::string>{{"meter_id", "M1"}, {"n", "5"}}));
  EXPECT_THAT(ParseNewOrder(R"({"amount":1e3,"currency":"INR"})"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseNewOrder(R"({"amount":5,"currency":"INR","notes":{"a":[1]}})"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseNewOrder("{\"amount\":5,"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(WireTest, EventsCarryThePaymentAndOrderPaidTheOrderToo) {
  Checkout checkout;
  checkout.payment = {"pay_1", "order_1", 50000, "INR", "captured", "upi", 1700000000};
  checkout.order.id = "order_1";
  checkout.order.amount = 50000;
  checkout.order.amount_paid = 50000;
  checkout.order.currency = "INR";
  checkout.order.status = "paid";
  checkout.order.attempts = 1;

  const json captured = json::parse(EventBody("payment.captured", checkout, 1700000001));
  EXPECT_EQ(captured["event"], "payment.captured");
  EXPECT_EQ(captured["contains"], json::array({"payment"}));
  EXPECT_EQ(captured["payload"]["payment"]["entity"], PaymentJson(checkout.payment));
  EXPECT_FALSE(captured["payload"].contains("order"));
  EXPECT_EQ(captured["created_at"], 1700000001);

  const json paid = json::parse(EventBody("order.paid", checkout, 1700000001));
  EXPECT_EQ(paid["contains"], json::array({"payment", "order"}));
  EXPECT_EQ(paid["payload"]["order"]["entity"], OrderJson(checkout.order));
  EXPECT_EQ(paid["payload"]["order"]["entity"]["amount_due"], 0);
}

}  // namespace
}  // namespace pg_sim
