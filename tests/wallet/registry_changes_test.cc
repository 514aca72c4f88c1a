// Consumer and meter details change only through explicit admin calls, each
// validated like registration, idempotent by request id, and recorded with
// the admin key, the time, the reason and every field before and after.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wallet_harness.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::MeterRequest;
using testing::TestLedgerOptions;
using testing::Wait;
using testing::WalletHarness;
using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;

// The admin making the changes, as Wallet::Authenticate gives it.
const Principal kOps{v1::ROLE_ADMIN, "", "3fa2c9d0e1b2a3c4", "ops desk"};

// Domestic meters run on Rs 300 of emergency credit; commercial ones have
// none, and get three notices.
LedgerOptions Options() {
  LedgerOptions options = TestLedgerOptions();
  options.policy.mutable_defaults()->set_emergency_credit_paise(30'000);
  v1::CategoryPolicy* commercial = options.policy.add_categories();
  commercial->set_category(v1::COMMERCIAL);
  commercial->set_notice_days(3);
  return options;
}

std::vector<std::string> Fields(const v1::Change& change) {
  std::vector<std::string> out;
  for (const v1::FieldChange& f : change.fields()) {
    out.push_back(absl::StrCat(f.field(), ": ", f.before(), " -> ", f.after()));
  }
  return out;
}

class RegistryChangesTest : public ::testing::Test {
 protected:
  RegistryChangesTest() : h_(Options()) {}

  void SetUp() override {
    auto m1 = MeterRequest("M1", "C1");
    m1.mutable_consumer()->set_name("Ramesh Sahu");
    m1.mutable_consumer()->set_phone("+919826000101");
    ASSERT_THAT(h_.Register(m1), IsOk());
    auto m1b = MeterRequest("M1b", "C1");
    m1b.mutable_consumer()->clear_name();  // an existing consumer: details may be left out
    m1b.mutable_consumer()->clear_phone();
    ASSERT_THAT(h_.Register(m1b), IsOk());
    auto m2 = MeterRequest("M2", "C2");
    m2.mutable_consumer()->set_name("Meena Verma");
    m2.mutable_consumer()->set_phone("+919826000102");
    ASSERT_THAT(h_.Register(m2), IsOk());
    ASSERT_THAT(h_.CreateRetailer("R1", 0), IsOk());
    ASSERT_THAT(h_.TopUp("top-1", "R1", 1'000'000), IsOk());
  }

  absl::StatusOr<v1::UpdateConsumerResponse> UpdateConsumer(const v1::UpdateConsumerRequest& req) {
    return Wait<v1::UpdateConsumerResponse>(
        [&](auto done) { h_.wallet().UpdateConsumer(kOps, req, done); });
  }
  absl::StatusOr<v1::UpdateMeterResponse> UpdateMeter(const v1::UpdateMeterRequest& req) {
    return Wait<v1::UpdateMeterResponse>(
        [&](auto done) { h_.wallet().UpdateMeter(kOps, req, done); });
  }
  absl::StatusOr<v1::MoveMeterResponse> Move(const v1::MoveMeterRequest& req) {
    return Wait<v1::MoveMeterResponse>([&](auto done) { h_.wallet().MoveMeter(kOps, req, done); });
  }

  std::vector<v1::Change> Changes(const std::string& meter, const std::string& consumer = "") {
    v1::ListChangesRequest req;
    req.set_meter_id(meter);
    req.set_consumer_id(consumer);
    req.set_page_size(1);
    std::vector<v1::Change> out;
    do {
      auto page = h_.wallet().ListChanges(req);
      EXPECT_THAT(page, IsOk());
      if (!page.ok()) break;
      out.insert(out.end(), page->changes().begin(), page->changes().end());
      req.set_page_token(page->next_page_token());
    } while (!req.page_token().empty());
    return out;
  }

  // The phones that the notifications queued since the last call go to.
  std::vector<std::string> NewPhones() {
    auto items = h_.wallet().ReadOutbox(Stream::kNotification, notified_, 1000);
    EXPECT_THAT(items, IsOk());
    std::vector<std::string> phones;
    for (const auto& item : *items) {
      phones.push_back(item.notification().phone());
      notified_ = item.notification().seq();
    }
    return phones;
  }

  v1::Consumer StoredConsumer(const std::string& meter) {
    auto view = h_.wallet().GetMeter(meter);
    EXPECT_THAT(view, IsOk());
    return view.ok() ? view->consumer() : v1::Consumer();
  }

  WalletHarness h_;
  uint64_t notified_ = 0;
};

TEST_F(RegistryChangesTest, PhoneChangeIsRecordedAndNotificationsFollowIt) {
  ASSERT_THAT(h_.Recharge("R1", "rc-1", "M1", 10'000), IsOk());
  EXPECT_THAT(NewPhones(), ElementsAre("+919826000101"));
  v1::UpdateConsumerRequest req;
  req.set_request_id("upd-1");
  req.set_consumer_id("C1");
  req.set_phone("+917000000001");
  req.set_reason("consumer's request at the Torwa counter, form 12/881");
  auto updated = UpdateConsumer(req);
  ASSERT_THAT(updated, IsOk());
  EXPECT_FALSE(updated->unchanged());
  EXPECT_EQ(updated->consumer().phone(), "+917000000001");
  EXPECT_EQ(updated->consumer().name(), "Ramesh Sahu");  // not given: unchanged
  const v1::Change& change = updated->change();
  EXPECT_EQ(change.kind(), v1::Change::CONSUMER_UPDATED);
  EXPECT_EQ(change.consumer_id(), "C1");
  EXPECT_EQ(change.admin_key_id(), "3fa2c9d0e1b2a3c4");
  EXPECT_EQ(change.admin_key_label(), "ops desk");
  EXPECT_EQ(change.request_id(), "upd-1");
  EXPECT_EQ(change.reason(), req.reason());
  EXPECT_EQ(UnixMicros(change.change_time()), absl::ToUnixMicros(h_.clock().Now()));
  EXPECT_THAT(Fields(change), ElementsAre("phone: +919826000101 -> +917000000001"));

  // Both of C1's meters notify the new phone, also after a restart.
  ASSERT_THAT(h_.Recharge("R1", "rc-2", "M1", 10'000), IsOk());
  ASSERT_THAT(h_.Recharge("R1", "rc-3", "M1b", 10'000), IsOk());
  EXPECT_THAT(NewPhones(), ElementsAre("+917000000001", "+917000000001"));
  h_.Reopen();
  ASSERT_THAT(h_.Recharge("R1", "rc-4", "M1b", 10'000), IsOk());
  EXPECT_THAT(NewPhones(), ElementsAre("+917000000001"));
  EXPECT_EQ(StoredConsumer("M1").phone(), "+917000000001");

  // A retry answers the same and records nothing more.
  auto replay = UpdateConsumer(req);
  ASSERT_THAT(replay, IsOk());
  EXPECT_EQ(replay->change().seq(), change.seq());
  auto recorded = Changes("", "C1");
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].seq(), change.seq());
  req.set_phone("+917000000002");
  EXPECT_THAT(UpdateConsumer(req), StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_F(RegistryChangesTest, LanguageIsSetAtRegistrationChangedByUpdateAndCarriedByNotifications) {
  auto reg = MeterRequest("M7", "C7");
  reg.mutable_consumer()->set_phone("+919826000107");
  reg.mutable_consumer()->set_language(v1::HINDI);
  ASSERT_THAT(h_.Register(reg), IsOk());
  EXPECT_EQ(StoredConsumer("M7").language(), v1::HINDI);
  EXPECT_EQ(StoredConsumer("M1").language(), v1::ENGLISH);  // none given: English
  // Another language for the existing consumer is refused, like another phone.
  auto other = MeterRequest("M8", "C7");
  other.mutable_consumer()->clear_phone();
  other.mutable_consumer()->set_language(v1::ENGLISH);
  EXPECT_THAT(h_.Register(other),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("language")));

  const auto languages = [&] {
    std::vector<v1::Language> out;
    auto items = h_.wallet().ReadOutbox(Stream::kNotification, notified_, 1000);
    EXPECT_THAT(items, IsOk());
    for (const auto& item : *items) {
      out.push_back(item.notification().language());
      notified_ = item.notification().seq();
    }
    return out;
  };
  languages();
  ASSERT_THAT(h_.Recharge("R1", "rc-7", "M7", 10'000), IsOk());
  EXPECT_THAT(languages(), ElementsAre(v1::HINDI));

  v1::UpdateConsumerRequest req;
  req.set_request_id("upd-lang");
  req.set_consumer_id("C7");
  req.set_language(v1::ENGLISH);
  req.set_reason("asked for English at the counter");
  auto updated = UpdateConsumer(req);
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->consumer().language(), v1::ENGLISH);
  EXPECT_THAT(Fields(updated->change()), ElementsAre("language: HINDI -> ENGLISH"));
  ASSERT_THAT(h_.Recharge("R1", "rc-8", "M7", 10'000), IsOk());
  EXPECT_THAT(languages(), ElementsAre(v1::ENGLISH));
  h_.Reopen();
  EXPECT_EQ(StoredConsumer("M7").language(), v1::ENGLISH);

  req.set_request_id("upd-lang-bad");
  req.set_language(static_cast<v1::Language>(9));
  EXPECT_THAT(UpdateConsumer(req), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(RegistryChangesTest, NameCanBeClearedAndAnUpdateThatChangesNothingSaysSo) {
  v1::UpdateConsumerRequest req;
  req.set_request_id("upd-1");
  req.set_consumer_id("C2");
  req.set_name("");
  req.set_reason("name entered by mistake");
  auto cleared = UpdateConsumer(req);
  ASSERT_THAT(cleared, IsOk());
  EXPECT_EQ(cleared->consumer().name(), "");
  EXPECT_EQ(cleared->consumer().phone(), "+919826000102");
  EXPECT_THAT(Fields(cleared->change()), ElementsAre("name: Meena Verma -> "));

  req.set_request_id("upd-2");
  req.set_phone("+919826000102");  // what it is already
  auto same = UpdateConsumer(req);
  ASSERT_THAT(same, IsOk());
  EXPECT_TRUE(same->unchanged());
  EXPECT_FALSE(same->has_change());
  EXPECT_EQ(Changes("", "C2").size(), 1u);
}

TEST_F(RegistryChangesTest, BadUpdatesAreRefusedAndChangeNothing) {
  auto consumer = [](const std::string& id) {
    v1::UpdateConsumerRequest req;
    req.set_request_id("bad-" + id);
    req.set_consumer_id(id);
    req.set_phone("+917000000001");
    req.set_reason("test");
    return req;
  };
  auto meter = [](const std::string& id) {
    v1::UpdateMeterRequest req;
    req.set_request_id("bad-m-" + id);
    req.set_meter_id(id);
    req.set_circle("Raipur");
    req.set_reason("test");
    return req;
  };
  struct Case {
    const char* name;
    absl::StatusCode code;
    absl::Status status;
  };
  std::vector<Case> cases;
  auto add = [&](const char* name, absl::StatusCode code, absl::Status status) {
    cases.push_back({name, code, std::move(status)});
  };
  add("unknown consumer", absl::StatusCode::kNotFound, UpdateConsumer(consumer("C9")).status());
  {
    auto req = consumer("C1");
    req.set_phone("98260");
    add("bad phone", absl::StatusCode::kInvalidArgument, UpdateConsumer(req).status());
    req = consumer("C1");
    req.clear_phone();
    add("nothing given", absl::StatusCode::kInvalidArgument, UpdateConsumer(req).status());
    req = consumer("C1");
    req.set_reason("");
    add("no reason", absl::StatusCode::kInvalidArgument, UpdateConsumer(req).status());
    req = consumer("C1");
    req.set_name(std::string(200, 'x'));
    add("name too long", absl::StatusCode::kInvalidArgument, UpdateConsumer(req).status());
  }
  add("unknown meter", absl::StatusCode::kNotFound, UpdateMeter(meter("M9")).status());
  {
    auto req = meter("M1");
    req.set_tariff_id("NO-SUCH");
    add("unknown tariff", absl::StatusCode::kNotFound, UpdateMeter(req).status());
    req = meter("M1");
    req.set_sanctioned_load_w(0);
    add("no load", absl::StatusCode::kInvalidArgument, UpdateMeter(req).status());
    req = meter("M1");
    req.set_category(v1::CATEGORY_UNSPECIFIED);
    add("no category", absl::StatusCode::kInvalidArgument, UpdateMeter(req).status());
    req = meter("M1");
    req.clear_circle();
    add("nothing given", absl::StatusCode::kInvalidArgument, UpdateMeter(req).status());
  }
  for (const Case& c : cases) {
    EXPECT_THAT(c.status, StatusIs(c.code)) << c.name;
    EXPECT_FALSE(c.status.message().empty()) << c.name;
  }
  EXPECT_EQ(StoredConsumer("M1").phone(), "+919826000101");
  EXPECT_EQ(StoredConsumer("M1").name(), "Ramesh Sahu");
  auto view = h_.wallet().GetMeter("M1");
  ASSERT_THAT(view, IsOk());
  EXPECT_EQ(view->meter().circle(), "Bilaspur");
  EXPECT_EQ(view->meter().tariff_id(), "DOM-2025");
  EXPECT_THAT(Changes("M1"), IsEmpty());
  EXPECT_THAT(Changes("", "C1"), IsEmpty());
}

TEST_F(RegistryChangesTest, MeterUpdateAppliesTheNewCategorysPolicyAtOnce) {
  auto before = h_.wallet().GetBalance(kOps, "M1");
  ASSERT_THAT(before, IsOk());
  EXPECT_EQ(before->status(), v1::ON_EMERGENCY_CREDIT);  // Rs 0, Rs 300 to draw on
  v1::UpdateMeterRequest req;
  req.set_request_id("cat-1");
  req.set_meter_id("M1");
  req.set_category(v1::COMMERCIAL);
  req.set_sanctioned_load_w(10'000);
  req.set_subdivision("Sarkanda");
  req.set_reason("shop, inspected 4 Nov");
  auto updated = UpdateMeter(req);
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->meter().category(), v1::COMMERCIAL);
  EXPECT_EQ(updated->meter().circle(), "Bilaspur");
  EXPECT_THAT(Fields(updated->change()),
              ElementsAre("category: DOMESTIC -> COMMERCIAL", "subdivision: Sub-A -> Sarkanda",
                          "sanctioned_load_w: 3000 -> 10000"));
  // No emergency credit any more: credit is exhausted now and notice 1 went
  // out, and the scheduler will serve the next ones.
  auto after = h_.wallet().GetBalance(kOps, "M1");
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(after->status(), v1::NOTICE);
  EXPECT_EQ(after->notice_day(), 1);
  auto state = h_.wallet().GetMeterState("M1");
  ASSERT_THAT(state, IsOk());
  EXPECT_TRUE(state->has_exhaust_time());
  h_.clock().Advance(absl::Hours(24));
  ASSERT_THAT(h_.wallet().Tick(), IsOk());
  after = h_.wallet().GetBalance(kOps, "M1");
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(after->notice_day(), 2);
  EXPECT_EQ(Changes("M1").size(), 1u);
  h_.Reopen();
  auto view = h_.wallet().GetMeter("M1");
  ASSERT_THAT(view, IsOk());
  EXPECT_EQ(view->meter().sanctioned_load_w(), 10'000);
}

TEST_F(RegistryChangesTest, MeterTariffChangesOnlyToATariffInForce) {
  v1::PutTariffRequest put;
  put.set_request_id("put-1");
  put.mutable_tariff()->set_tariff_id("COM-2027");
  put.mutable_tariff()->set_version(1);
  put.mutable_tariff()->set_effective_from("2027-04-01");
  put.mutable_tariff()->add_slabs()->set_paise_per_kwh(800);
  ASSERT_THAT(Wait<v1::PutTariffResponse>([&](auto done) { h_.wallet().PutTariff(put, done); }),
              IsOk());
  v1::UpdateMeterRequest req;
  req.set_request_id("tariff-1");
  req.set_meter_id("M1");
  req.set_tariff_id("COM-2027");
  req.set_reason("new tariff order");
  EXPECT_THAT(UpdateMeter(req), StatusIs(absl::StatusCode::kFailedPrecondition));
  put.set_request_id("put-2");
  put.mutable_tariff()->set_version(2);
  put.mutable_tariff()->set_effective_from("2026-10-01");
  ASSERT_THAT(Wait<v1::PutTariffResponse>([&](auto done) { h_.wallet().PutTariff(put, done); }),
              IsOk());
  auto updated = UpdateMeter(req);
  ASSERT_THAT(updated, IsOk());
  EXPECT_THAT(Fields(updated->change()), ElementsAre("tariff_id: DOM-2025 -> COM-2027"));
}

TEST_F(RegistryChangesTest, MovedMeterGoesWithItsWalletToTheNewOwner) {
  ASSERT_THAT(h_.Recharge("R1", "rc-1", "M1b", 25'000), IsOk());
  const Principal c1{v1::ROLE_CONSUMER, "C1"};
  const Principal c2{v1::ROLE_CONSUMER, "C2"};
  auto order = h_.StartRecharge(c1, "o-1", "M1b", 5'000);
  ASSERT_THAT(order, IsOk());
  NewPhones();

  v1::MoveMeterRequest req;
  req.set_request_id("move-1");
  req.set_meter_id("M1b");
  req.mutable_consumer()->set_consumer_id("C2");
  req.set_reason("premises sold, registry deed 2211/2026");
  auto moved = Move(req);
  ASSERT_THAT(moved, IsOk());
  EXPECT_EQ(moved->meter().consumer_id(), "C2");
  EXPECT_EQ(moved->consumer().name(), "Meena Verma");
  EXPECT_THAT(moved->cancelled_order_ids(), ElementsAre(order->order().order_id()));
  EXPECT_THAT(Fields(moved->change()), ElementsAre("consumer_id: C1 -> C2"));

  // The wallet stayed with the meter; the owners' views followed it.
  EXPECT_EQ(h_.MeterBalance("M1b"), 25'000);
  EXPECT_THAT(h_.wallet().GetBalance(c1, "M1b"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(h_.wallet().GetBalance(c2, "M1b"), IsOk());
  auto mine = h_.wallet().ListMyMeters(c1);
  ASSERT_THAT(mine, IsOk());
  ASSERT_EQ(mine->meters_size(), 1);
  EXPECT_EQ(mine->meters(0).meter_id(), "M1");
  // The previous owner's order cannot credit the new owner's meter.
  EXPECT_THAT(h_.Confirm("pay-1", order->order().order_id(), 5'000),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_THAT(h_.Recharge("R1", "rc-2", "M1b", 1'000), IsOk());
  EXPECT_THAT(NewPhones(), ElementsAre("+919826000102"));

  // Recorded under the meter and under both consumers.
  EXPECT_EQ(Changes("M1b").size(), 1u);
  EXPECT_EQ(Changes("", "C1").size(), 1u);
  EXPECT_EQ(Changes("", "C2").size(), 1u);
  // Moving it to where it is changes nothing.
  req.set_request_id("move-2");
  auto again = Move(req);
  ASSERT_THAT(again, IsOk());
  EXPECT_TRUE(again->unchanged());
  h_.Reopen();
  mine = h_.wallet().ListMyMeters(c2);
  ASSERT_THAT(mine, IsOk());
  EXPECT_EQ(mine->meters_size(), 2);
}

TEST_F(RegistryChangesTest, MoveToANewConsumerCreatesIt) {
  v1::MoveMeterRequest req;
  req.set_request_id("move-1");
  req.set_meter_id("M1b");
  req.mutable_consumer()->set_consumer_id("C3");
  req.mutable_consumer()->set_name("Gupta Traders");
  req.set_reason("new connection holder");
  // A new consumer needs a phone.
  EXPECT_THAT(Move(req), StatusIs(absl::StatusCode::kInvalidArgument));
  req.mutable_consumer()->set_phone("+919826000201");
  auto moved = Move(req);
  ASSERT_THAT(moved, IsOk());
  EXPECT_THAT(Fields(moved->change()),
              ElementsAre("consumer_id: C1 -> C3", "consumer.name:  -> Gupta Traders",
                          "consumer.phone:  -> +919826000201"));
  EXPECT_EQ(StoredConsumer("M1b").phone(), "+919826000201");
  ASSERT_THAT(h_.Recharge("R1", "rc-1", "M1b", 1'000), IsOk());
  EXPECT_THAT(NewPhones(), ElementsAre("+919826000201"));
}

// Details given for an existing consumer that differ from the stored ones
// used to be ignored without a word; they are refused now, and nothing
// changes.
TEST_F(RegistryChangesTest, OtherDetailsForAnExistingConsumerAreRefused) {
  auto reg = MeterRequest("M5", "C1");
  reg.mutable_consumer()->set_name("Ramesh Kumar Sahu");
  reg.mutable_consumer()->set_phone("+919826000101");
  auto registered = h_.Register(reg);
  EXPECT_THAT(registered,
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("UpdateConsumer")));
  EXPECT_THAT(h_.wallet().GetMeter("M5"), StatusIs(absl::StatusCode::kNotFound));
  reg.mutable_consumer()->set_name("Ramesh Sahu");
  EXPECT_THAT(h_.Register(reg), IsOk());  // the same details are fine

  v1::MoveMeterRequest move;
  move.set_request_id("move-1");
  move.set_meter_id("M2");
  move.mutable_consumer()->set_consumer_id("C1");
  move.mutable_consumer()->set_phone("+910000000000");
  move.set_reason("test");
  EXPECT_THAT(Move(move), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(StoredConsumer("M2").consumer_id(), "C2");
  move.set_meter_id("M9");
  move.mutable_consumer()->clear_phone();
  EXPECT_THAT(Move(move), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Changes("M2"), IsEmpty());
}

TEST_F(RegistryChangesTest, ListChangesNamesExactlyOneSubject) {
  v1::ListChangesRequest req;
  EXPECT_THAT(h_.wallet().ListChanges(req), StatusIs(absl::StatusCode::kInvalidArgument));
  req.set_meter_id("M1");
  req.set_consumer_id("C1");
  EXPECT_THAT(h_.wallet().ListChanges(req), StatusIs(absl::StatusCode::kInvalidArgument));
  req.clear_consumer_id();
  req.set_meter_id("M9");
  EXPECT_THAT(h_.wallet().ListChanges(req), StatusIs(absl::StatusCode::kNotFound));
  // Newest first, paged.
  for (int i = 0; i < 3; ++i) {
    v1::UpdateMeterRequest update;
    update.set_request_id(absl::StrCat("u", i));
    update.set_meter_id("M1");
    update.set_circle(absl::StrCat("Circle-", i));
    update.set_reason("test");
    ASSERT_THAT(UpdateMeter(update), IsOk());
  }
  auto changes = Changes("M1");
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].fields(0).after(), "Circle-2");
  EXPECT_EQ(changes[2].fields(0).after(), "Circle-0");
  EXPECT_GT(changes[0].seq(), changes[1].seq());
}

}  // namespace
}  // namespace wallet
