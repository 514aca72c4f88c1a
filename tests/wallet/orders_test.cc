// Recharge orders: the owner gets and lists them, cancels one while it is
// pending, orders expire, a payment for a cancelled or expired order is
// refused with nothing credited, and order ids cannot be guessed.
#include "wallet/orders.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wallet_harness.h"
#include "wallet/paging.h"
#include "wallet/random.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MeterRequest;
using testing::TestLedgerOptions;
using testing::Wait;
using testing::WalletHarness;
using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;

const Principal kAdmin{v1::ROLE_ADMIN, ""};
const Principal kC1{v1::ROLE_CONSUMER, "C1"};
const Principal kC2{v1::ROLE_CONSUMER, "C2"};

constexpr uint64_t kSeed = 20261102;

class OrdersTest : public ::testing::Test {
 protected:
  OrdersTest() : random_(kSeed), h_(TestLedgerOptions(), &random_) {}

  void SetUp() override {
    ASSERT_THAT(h_.Register(MeterRequest("M1", "C1")), IsOk());
    ASSERT_THAT(h_.Register(MeterRequest("M1b", "C1")), IsOk());
    ASSERT_THAT(h_.Register(MeterRequest("M2", "C2")), IsOk());
  }

  std::string Order(const Principal& who, const std::string& request_id,
                    const std::string& meter, int64_t amount) {
    auto started = h_.StartRecharge(who, request_id, meter, amount);
    EXPECT_THAT(started, IsOk());
    return started.ok() ? started->order().order_id() : "";
  }

  absl::StatusOr<v1::CancelOrderResponse> Cancel(const Principal& who,
                                                 const std::string& request_id,
                                                 const std::string& order_id) {
    v1::CancelOrderRequest req;
    req.set_request_id(request_id);
    req.set_order_id(order_id);
    return Wait<v1::CancelOrderResponse>(
        [&](auto done) { h_.wallet().CancelOrder(who, req, done); });
  }

  // Every order the listing gives, over all pages of `page_size`.
  std::vector<std::string> ListAll(const Principal& who, v1::ListOrdersRequest req,
                                   int page_size) {
    std::vector<std::string> ids;
    req.set_page_size(page_size);
    do {
      auto page = h_.wallet().ListOrders(who, req);
      EXPECT_THAT(page, IsOk());
      if (!page.ok()) break;
      for (const v1::Order& order : page->orders()) ids.push_back(order.order_id());
      req.set_page_token(page->next_page_token());
    } while (!req.page_token().empty());
    return ids;
  }

  SeededRandom random_;
  WalletHarness h_;
};

TEST_F(OrdersTest, OwnerGetsAndListsOrdersNewestFirst) {
  std::vector<std::string> c1;  // C1's orders, oldest first
  for (int i = 0; i < 5; ++i) {
    h_.clock().Advance(absl::Minutes(1));
    c1.push_back(Order(kC1, absl::StrCat("o", i), i % 2 ? "M1b" : "M1", 10'000 + i));
  }
  const std::string theirs = Order(kC2, "o1", "M2", 20'000);

  auto order = h_.wallet().GetOrder(kC1, c1[2]);
  ASSERT_THAT(order, IsOk());
  EXPECT_EQ(order->state(), v1::ORDER_PENDING);
  EXPECT_EQ(order->amount_paise(), 10'002);
  EXPECT_EQ(order->meter_id(), "M1");
  EXPECT_EQ(*UnixMicros(order->expire_time()) - *UnixMicros(order->create_time()),
            absl::ToInt64Microseconds(absl::Minutes(30)));

  const std::vector<std::string> newest_first(c1.rbegin(), c1.rend());
  for (int page_size : {1, 2, 50}) {
    EXPECT_EQ(ListAll(kC1, v1::ListOrdersRequest(), page_size), newest_first) << page_size;
  }
  v1::ListOrdersRequest by_meter;
  by_meter.set_meter_id("M1b");
  EXPECT_THAT(ListAll(kC1, by_meter, 1), ElementsAre(c1[3], c1[1]));
  // An admin names the meter or the consumer.
  EXPECT_THAT(ListAll(kAdmin, by_meter, 1), ElementsAre(c1[3], c1[1]));
  v1::ListOrdersRequest by_consumer;
  by_consumer.set_consumer_id("C2");
  EXPECT_THAT(ListAll(kAdmin, by_consumer, 10), ElementsAre(theirs));
  EXPECT_THAT(h_.wallet().ListOrders(kAdmin, v1::ListOrdersRequest()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// A consumer cannot tell another's order from one that does not exist, nor
// list or cancel another's orders.
TEST_F(OrdersTest, AnotherConsumersOrderIsNotFoundLikeAnUnknownOne) {
  const std::string theirs = Order(kC2, "o1", "M2", 20'000);
  const std::string unknown = "ord_aaaaaaaaaaaaaaaaaaaaaaaaaa";
  auto foreign = h_.wallet().GetOrder(kC1, theirs);
  auto missing = h_.wallet().GetOrder(kC1, unknown);
  EXPECT_THAT(foreign, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(absl::StrReplaceAll(foreign.status().message(), {{theirs, "<id>"}}),
            absl::StrReplaceAll(missing.status().message(), {{unknown, "<id>"}}));
  auto cancel_foreign = Cancel(kC1, "c1", theirs);
  auto cancel_missing = Cancel(kC1, "c2", unknown);
  EXPECT_THAT(cancel_foreign, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(absl::StrReplaceAll(cancel_foreign.status().message(), {{theirs, "<id>"}}),
            absl::StrReplaceAll(cancel_missing.status().message(), {{unknown, "<id>"}}));
  v1::ListOrdersRequest others;
  others.set_consumer_id("C2");
  EXPECT_THAT(h_.wallet().ListOrders(kC1, others), StatusIs(absl::StatusCode::kPermissionDenied));
  v1::ListOrdersRequest other_meter;
  other_meter.set_meter_id("M2");
  EXPECT_THAT(h_.wallet().ListOrders(kC1, other_meter), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(ListAll(kC1, v1::ListOrdersRequest(), 10).empty());
  // Untouched: C2 can still pay it.
  auto order = h_.wallet().GetOrder(kC2, theirs);
  ASSERT_THAT(order, IsOk());
  EXPECT_EQ(order->state(), v1::ORDER_PENDING);
  EXPECT_THAT(h_.Confirm("pay-1", theirs, 20'000), IsOk());
}

TEST_F(OrdersTest, CancelledOrderRefusesItsPaymentAndCreditsNothing) {
  const std::string id = Order(kC1, "o1", "M1", 30'000);
  auto cancelled = Cancel(kC1, "cancel-1", id);
  ASSERT_THAT(cancelled, IsOk());
  EXPECT_EQ(cancelled->order().state(), v1::ORDER_CANCELLED);
  EXPECT_TRUE(cancelled->order().has_cancel_time());
  // A retry gets the first answer; a new request finds it cancelled.
  auto again = Cancel(kC1, "cancel-1", id);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->order().cancel_time().seconds(), cancelled->order().cancel_time().seconds());
  EXPECT_THAT(Cancel(kC1, "cancel-2", id), StatusIs(absl::StatusCode::kFailedPrecondition));

  const uint64_t transfers = h_.TransferCount();
  auto paid = h_.Confirm("pay-1", id, 30'000);
  EXPECT_THAT(paid, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("refunded")));
  EXPECT_EQ(h_.TransferCount(), transfers);
  EXPECT_EQ(h_.MeterBalance("M1"), 0);
  auto order = h_.wallet().GetOrder(kC1, id);
  ASSERT_THAT(order, IsOk());
  EXPECT_EQ(order->state(), v1::ORDER_CANCELLED);
  h_.ExpectLedgerBalanced();
}

TEST_F(OrdersTest, PaidOrderCannotBeCancelledAndPaymentsStayIdempotent) {
  const std::string id = Order(kC1, "o1", "M1", 30'000);
  auto paid = h_.Confirm("pay-1", id, 30'000);
  ASSERT_THAT(paid, IsOk());
  EXPECT_EQ(paid->order().state(), v1::ORDER_PAID);
  EXPECT_THAT(Cancel(kC1, "cancel-1", id), StatusIs(absl::StatusCode::kFailedPrecondition));
  // The gateway's retry, even after the order's lifetime, gets the first
  // answer and credits nothing more.
  h_.clock().Advance(absl::Hours(1));
  auto replay = h_.Confirm("pay-1", id, 30'000);
  ASSERT_THAT(replay, IsOk());
  EXPECT_EQ(replay->transfer().seq(), paid->transfer().seq());
  EXPECT_EQ(h_.MeterBalance("M1"), 30'000);
  auto order = h_.wallet().GetOrder(kC1, id);
  ASSERT_THAT(order, IsOk());
  EXPECT_EQ(order->state(), v1::ORDER_PAID);  // paid orders do not expire
}

TEST_F(OrdersTest, PendingOrderExpiresAndItsPaymentIsRefused) {
  const std::string id = Order(kC1, "o1", "M1", 30'000);
  h_.clock().Advance(absl::Minutes(29));
  auto order = h_.wallet().GetOrder(kC1, id);
  ASSERT_THAT(order, IsOk());
  EXPECT_EQ(order->state(), v1::ORDER_PENDING);
  h_.clock().Advance(absl::Minutes(1));
  order = h_.wallet().GetOrder(kC1, id);
  ASSERT_THAT(order, IsOk());
  EXPECT_EQ(order->state(), v1::ORDER_EXPIRED);

  const uint64_t transfers = h_.TransferCount();
  auto paid = h_.Confirm("pay-1", id, 30'000);
  EXPECT_THAT(paid, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("expired")));
  EXPECT_THAT(Cancel(kC1, "cancel-1", id), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(h_.TransferCount(), transfers);
  EXPECT_EQ(h_.MeterBalance("M1"), 0);
  // Expired it stays, also after a restart.
  h_.Reopen();
  order = h_.wallet().GetOrder(kAdmin, id);
  ASSERT_THAT(order, IsOk());
  EXPECT_EQ(order->state(), v1::ORDER_EXPIRED);
}

TEST(OrderLifetimeTest, TheConfiguredLifetimeApplies) {
  LedgerOptions options = TestLedgerOptions();
  options.order_lifetime = absl::Minutes(5);
  WalletHarness h(options);
  ASSERT_THAT(h.Register(MeterRequest("M1", "C1")), IsOk());
  auto order = h.StartRecharge(kC1, "o1", "M1", 10'000);
  ASSERT_THAT(order, IsOk());
  EXPECT_EQ(*UnixMicros(order->order().expire_time()),
            absl::ToUnixMicros(h.clock().Now() + absl::Minutes(5)));
  h.clock().Advance(absl::Minutes(5));
  EXPECT_THAT(h.Confirm("pay-1", order->order().order_id(), 10'000),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// Order ids come from the injected clock and randomness: the creation time
// and 80 random bits, not a counter, so neither the next order's id nor
// another's can be worked out, not even among orders of the same moment.
TEST_F(OrdersTest, OrderIdsAreRandomNotSequential) {
  SeededRandom same_stream(kSeed);
  // The new store's page-token key came first out of the stream.
  ASSERT_THAT(same_stream.Bytes(PageTokens::kKeyBytes), IsOk());
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {  // all in the same millisecond
    const std::string id = Order(kC1, absl::StrCat("o", i), "M1", 100);
    auto expected = TimeOrderedId(same_stream, h_.clock().Now(), kOrderIdPrefix);
    ASSERT_THAT(expected, IsOk());
    EXPECT_EQ(id, *expected);
    ASSERT_EQ(id.size(), 4u + 26u) << id;
    EXPECT_TRUE(absl::StartsWith(id, "ord_")) << id;
    for (char c : id.substr(4)) {
      EXPECT_NE(absl::string_view("0123456789abcdefghjkmnpqrstvwxyz").find(c),
                absl::string_view::npos)
          << id;
    }
    if (!ids.empty()) {
      // The same time, then 80 bits that share nothing with the last id's.
      EXPECT_EQ(id.substr(0, 4 + 9), ids.back().substr(0, 4 + 9));
      EXPECT_NE(id.substr(4 + 10), ids.back().substr(4 + 10));
    }
    ids.push_back(id);
  }
  std::vector<std::string> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end());
  EXPECT_NE(sorted, ids) << "ids of one moment should not come out in order";
  // A later order's id sorts after every earlier one.
  h_.clock().Advance(absl::Milliseconds(1));
  const std::string later = Order(kC1, "later", "M1", 100);
  EXPECT_GT(later, sorted.back());
  // A retried request keeps its first id; it draws no new one into use.
  auto replay = h_.StartRecharge(kC1, "o0", "M1", 100);
  ASSERT_THAT(replay, IsOk());
  EXPECT_EQ(replay->order().order_id(), ids[0]);
}

}  // namespace
}  // namespace wallet
