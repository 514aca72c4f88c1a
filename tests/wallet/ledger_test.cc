// The wallet core on a real RocksDB: transfers, idempotency, every error path,
// and invariants under long random mixes of operations.
#include <random>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wallet_harness.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

using ::testing::ElementsAre;
using testing::MeterRequest;
using testing::WalletHarness;
using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;

const Principal kAdmin{v1::ROLE_ADMIN, ""};

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(h_.Register(MeterRequest("M1", "C1")), IsOk());
    ASSERT_THAT(h_.Register(MeterRequest("M2", "C2", 2'500'000)), IsOk());
    ASSERT_THAT(h_.CreateRetailer("R1", 150), IsOk());
    ASSERT_THAT(h_.TopUp("top-1", "R1", 1'000'000), IsOk());
  }

  WalletHarness h_;
};

TEST_F(LedgerTest, RetailerRechargeMovesAmountAndCommissionInOneSet) {
  auto r = h_.Recharge("R1", "rcpt-1", "M1", 50'000);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->recharge().debit_account(), "retailer:R1");
  EXPECT_EQ(r->recharge().credit_account(), "meter:M1");
  EXPECT_EQ(r->recharge().type(), v1::RETAILER_RECHARGE);
  EXPECT_EQ(r->commission().amount_paise(), 750);  // 1.5 % of Rs 500
  EXPECT_EQ(r->commission().credit_account(), "retailer:R1");
  EXPECT_EQ(r->float_balance_paise(), 1'000'000 - 50'000 + 750);
  EXPECT_EQ(r->meter_balance_paise(), 50'000);
  EXPECT_EQ(h_.MeterBalance("M1"), 50'000);
  EXPECT_EQ(h_.FloatBalance("R1"), 950'750);
  auto view = h_.wallet().GetMeter("M1");
  ASSERT_THAT(view, IsOk());
  EXPECT_EQ(view->meter().last_recharge_paise(), 50'000);
  EXPECT_EQ(UnixMicros(view->meter().last_recharge_time()),
            absl::ToUnixMicros(h_.clock().Now()));
  h_.ExpectLedgerBalanced();
}

TEST_F(LedgerTest, CommissionRoundsDownToThePaisa) {
  auto r = h_.Recharge("R1", "rcpt-odd", "M1", 12'345);  // 1.5 % = 185.175 paise
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->commission().amount_paise(), 185);
  auto tiny = h_.Recharge("R1", "rcpt-tiny", "M1", 50);  // 0.75 paise -> no commission transfer
  ASSERT_THAT(tiny, IsOk());
  EXPECT_FALSE(tiny->has_commission());
}

TEST_F(LedgerTest, ArrearsAreOpenedAsTheirOwnAccount) {
  auto view = h_.wallet().GetMeter("M2");
  ASSERT_THAT(view, IsOk());
  EXPECT_EQ(view->arrears_paise(), 2'500'000);
  EXPECT_EQ(view->balance_paise(), 0);
  auto journal = h_.Journal("arrears:M2");
  ASSERT_THAT(journal, IsOk());
  ASSERT_EQ(journal->entries_size(), 1);
  EXPECT_EQ(journal->entries(0).transfer().type(), v1::ARREARS_OPENING);
  EXPECT_EQ(journal->balance_paise(), -2'500'000);
}

// A CT-operated meter has no relay to switch: a collection drive lists it
// for a lineman, with its address.
TEST_F(LedgerTest, AMeterIsRegisteredWithItsAddressAndWhetherItHasARelay) {
  auto req = MeterRequest("M3", "C3");
  req.mutable_meter()->set_ct_operated(true);
  req.mutable_meter()->set_address("12 Link Road, Bilaspur");
  ASSERT_THAT(h_.Register(req), IsOk());
  auto ct = h_.wallet().GetMeter("M3");
  ASSERT_THAT(ct, IsOk());
  EXPECT_TRUE(ct->meter().ct_operated());
  EXPECT_EQ(ct->meter().address(), "12 Link Road, Bilaspur");
  auto plain = h_.wallet().GetMeter("M1");
  ASSERT_THAT(plain, IsOk());
  EXPECT_FALSE(plain->meter().ct_operated());
  EXPECT_TRUE(plain->meter().address().empty());
}

TEST_F(LedgerTest, RetryReturnsTheFirstResultAndAppliesOnce) {
  auto first = h_.Recharge("R1", "rcpt-9", "M1", 10'000);
  auto again = h_.Recharge("R1", "rcpt-9", "M1", 10'000);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(first->recharge().seq(), again->recharge().seq());
  EXPECT_EQ(again->meter_balance_paise(), 10'000);
  EXPECT_EQ(h_.MeterBalance("M1"), 10'000);
}

TEST_F(LedgerTest, SameIdWithOtherPayloadIsRefused) {
  ASSERT_THAT(h_.Recharge("R1", "rcpt-10", "M1", 10'000), IsOk());
  const uint64_t transfers = h_.TransferCount();
  auto other = h_.Recharge("R1", "rcpt-10", "M1", 20'000);
  EXPECT_THAT(other, StatusIs(absl::StatusCode::kAlreadyExists));
  auto other_meter = h_.Recharge("R1", "rcpt-10", "M2", 10'000);
  EXPECT_THAT(other_meter, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(h_.TransferCount(), transfers);
  EXPECT_EQ(h_.MeterBalance("M1"), 10'000);
}

TEST_F(LedgerTest, RequestIdsAreScopedPerRetailer) {
  ASSERT_THAT(h_.CreateRetailer("R2", 0), IsOk());
  ASSERT_THAT(h_.TopUp("top-r2", "R2", 100'000), IsOk());
  ASSERT_THAT(h_.Recharge("R1", "1", "M1", 1'000), IsOk());
  ASSERT_THAT(h_.Recharge("R2", "1", "M1", 1'000), IsOk());
  EXPECT_EQ(h_.MeterBalance("M1"), 2'000);
}

TEST_F(LedgerTest, ReplayIsRememberedAcrossRestart) {
  auto first = h_.Recharge("R1", "rcpt-restart", "M1", 7'000);
  ASSERT_THAT(first, IsOk());
  h_.Reopen();
  auto again = h_.Recharge("R1", "rcpt-restart", "M1", 7'000);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->recharge().seq(), first->recharge().seq());
  EXPECT_EQ(h_.MeterBalance("M1"), 7'000);
  EXPECT_THAT(h_.Recharge("R1", "rcpt-restart", "M1", 8'000),
              StatusIs(absl::StatusCode::kAlreadyExists));
  // New work continues the sequence without gaps.
  auto next = h_.Recharge("R1", "rcpt-after", "M1", 1'000);
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->recharge().seq(), first->commission().seq() + 1);
  h_.ExpectLedgerBalanced();
}

TEST_F(LedgerTest, BadInputGetsTheRightCodeAndChangesNothing) {
  const uint64_t transfers = h_.TransferCount();
  const int64_t float_before = h_.FloatBalance("R1");
  struct Case {
    const char* name;
    absl::StatusCode code;
    absl::Status status;
  };
  const std::string long_id(65, 'x');
  std::vector<Case> cases = {
      {"unknown meter", absl::StatusCode::kNotFound, h_.Recharge("R1", "a1", "NOPE", 100).status()},
      {"unknown retailer", absl::StatusCode::kNotFound,
       h_.Recharge("R9", "a2", "M1", 100).status()},
      {"zero amount", absl::StatusCode::kInvalidArgument, h_.Recharge("R1", "a3", "M1", 0).status()},
      {"negative amount", absl::StatusCode::kInvalidArgument,
       h_.Recharge("R1", "a4", "M1", -500).status()},
      {"amount above maximum", absl::StatusCode::kInvalidArgument,
       h_.Recharge("R1", "a5", "M1", 10'000'001).status()},
      {"insufficient float", absl::StatusCode::kFailedPrecondition,
       h_.Recharge("R1", "a6", "M1", 1'000'001).status()},
      {"id with bad characters", absl::StatusCode::kInvalidArgument,
       h_.Recharge("R1", "bad id!", "M1", 100).status()},
      {"oversized id", absl::StatusCode::kInvalidArgument,
       h_.Recharge("R1", long_id, "M1", 100).status()},
      {"empty id", absl::StatusCode::kInvalidArgument, h_.Recharge("R1", "", "M1", 100).status()},
      {"oversized meter id", absl::StatusCode::kInvalidArgument,
       h_.Recharge("R1", "a7", long_id, 100).status()},
      {"top-up unknown retailer", absl::StatusCode::kNotFound,
       h_.TopUp("a8", "R9", 100).status()},
      {"top-up bad amount", absl::StatusCode::kInvalidArgument, h_.TopUp("a9", "R1", 0).status()},
      {"adjust unknown meter", absl::StatusCode::kNotFound,
       h_.Adjust("a10", "NOPE", 100, true, "x").status()},
      {"adjust without reason", absl::StatusCode::kInvalidArgument,
       h_.Adjust("a11", "M1", 100, true, "").status()},
      {"debit below zero", absl::StatusCode::kFailedPrecondition,
       h_.Adjust("a12", "M1", 100, false, "wrong credit").status()},
      {"duplicate meter", absl::StatusCode::kAlreadyExists, [&] {
         auto req = MeterRequest("M1", "C1");
         req.set_request_id("reg-dup");
         return h_.Register(req).status();
       }()},
      {"duplicate retailer", absl::StatusCode::kAlreadyExists, [&] {
         v1::CreateRetailerRequest req;
         req.set_request_id("ret-dup");
         req.mutable_retailer()->set_retailer_id("R1");
         req.mutable_retailer()->set_name("again");
         return testing::Wait<v1::CreateRetailerResponse>([&](auto done) {
                  h_.wallet().CreateRetailer(req, done);
                }).status();
       }()},
      {"meter without category", absl::StatusCode::kInvalidArgument, [&] {
         auto req = MeterRequest("M3", "C3");
         req.mutable_meter()->set_category(v1::CATEGORY_UNSPECIFIED);
         return h_.Register(req).status();
       }()},
      {"meter with bad phone", absl::StatusCode::kInvalidArgument, [&] {
         auto req = MeterRequest("M3", "C3");
         req.mutable_consumer()->set_phone("12ab");
         return h_.Register(req).status();
       }()},
      {"negative arrears", absl::StatusCode::kInvalidArgument, [&] {
         auto req = MeterRequest("M3", "C3", -1);
         return h_.Register(req).status();
       }()},
      {"meter with an address too long", absl::StatusCode::kInvalidArgument, [&] {
         auto req = MeterRequest("M3", "C3");
         req.mutable_meter()->set_address(std::string(257, 'a'));
         return h_.Register(req).status();
       }()},
      {"unknown order", absl::StatusCode::kNotFound, h_.Confirm("pay-x", "ord-x", 100).status()},
      {"order for unknown meter", absl::StatusCode::kNotFound,
       h_.StartRecharge(kAdmin, "o1", "NOPE", 100).status()},
      {"order for another consumer's meter", absl::StatusCode::kNotFound,
       h_.StartRecharge(Principal{v1::ROLE_CONSUMER, "C2"}, "o2", "M1", 100).status()},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(c.status, StatusIs(c.code)) << c.name;
    EXPECT_FALSE(c.status.message().empty()) << c.name;
  }
  EXPECT_EQ(h_.TransferCount(), transfers);
  EXPECT_EQ(h_.FloatBalance("R1"), float_before);
  EXPECT_EQ(h_.MeterBalance("M1"), 0);
  EXPECT_THAT(h_.wallet().GetMeter("M3"), StatusIs(absl::StatusCode::kNotFound));
  // A failed request id is not burnt: it can be used once the input is right.
  EXPECT_THAT(h_.Recharge("R1", "a3", "M1", 100), IsOk());
  h_.ExpectLedgerBalanced();
}

TEST_F(LedgerTest, FloatLimitAllowsAgreedCredit) {
  ASSERT_THAT(h_.CreateRetailer("R3", 0, -20'000), IsOk());
  EXPECT_THAT(h_.Recharge("R3", "c1", "M1", 15'000), IsOk());
  EXPECT_THAT(h_.Recharge("R3", "c2", "M1", 6'000),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(h_.Recharge("R3", "c3", "M1", 5'000), IsOk());
  EXPECT_EQ(h_.FloatBalance("R3"), -20'000);
}

TEST_F(LedgerTest, PaymentIsCreditedOnceWhateverTheRetries) {
  const Principal consumer{v1::ROLE_CONSUMER, "C1"};
  auto order = h_.StartRecharge(consumer, "app-1", "M1", 30'000);
  ASSERT_THAT(order, IsOk());
  EXPECT_EQ(order->order().state(), v1::ORDER_PENDING);
  EXPECT_EQ(h_.MeterBalance("M1"), 0);  // nothing until the gateway confirms
  auto same_order = h_.StartRecharge(consumer, "app-1", "M1", 30'000);
  ASSERT_THAT(same_order, IsOk());
  EXPECT_EQ(same_order->order().order_id(), order->order().order_id());

  EXPECT_THAT(h_.Confirm("pay-1", order->order().order_id(), 29'999),
              StatusIs(absl::StatusCode::kInvalidArgument));
  auto paid = h_.Confirm("pay-1", order->order().order_id(), 30'000);
  ASSERT_THAT(paid, IsOk());
  EXPECT_EQ(paid->order().state(), v1::ORDER_PAID);
  EXPECT_EQ(paid->transfer().debit_account(), "system:payment_clearing");
  auto replay = h_.Confirm("pay-1", order->order().order_id(), 30'000);
  ASSERT_THAT(replay, IsOk());
  EXPECT_EQ(replay->transfer().seq(), paid->transfer().seq());
  EXPECT_THAT(h_.Confirm("pay-2", order->order().order_id(), 30'000),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(h_.MeterBalance("M1"), 30'000);
  auto balance = h_.wallet().GetBalance(consumer, "M1");
  ASSERT_THAT(balance, IsOk());
  EXPECT_EQ(balance->last_recharge_paise(), 30'000);
  EXPECT_EQ(balance->status(), v1::ACTIVE);
  EXPECT_THAT(h_.wallet().GetBalance(consumer, "M2"), StatusIs(absl::StatusCode::kNotFound));
  h_.ExpectLedgerBalanced();
}

TEST_F(LedgerTest, AdjustmentsNeedAReasonAndKeepTheWalletNonNegative) {
  auto credit = h_.Adjust("adj-1", "M1", 5'000, true, "meter replaced, carry-over");
  ASSERT_THAT(credit, IsOk());
  EXPECT_EQ(credit->transfer().memo(), "meter replaced, carry-over");
  auto debit = h_.Adjust("adj-2", "M1", 5'000, false, "duplicate credit reversed");
  ASSERT_THAT(debit, IsOk());
  EXPECT_EQ(debit->balance_paise(), 0);
  h_.ExpectLedgerBalanced();
}

TEST_F(LedgerTest, JournalPagesNewestFirstWithoutGapsOrRepeats) {
  for (int i = 0; i < 25; ++i) {
    h_.clock().Advance(absl::Minutes(1));
    ASSERT_THAT(h_.Recharge("R1", absl::StrCat("p", i), "M1", 100 + i), IsOk());
  }
  std::vector<int64_t> amounts;
  std::vector<int64_t> balances_after;
  std::string token;
  int pages = 0;
  do {
    v1::ListTransactionsRequest req;
    req.set_meter_id("M1");
    req.set_page_size(10);
    req.set_page_token(token);
    auto page = h_.wallet().ListTransactions(Principal{v1::ROLE_CONSUMER, "C1"}, req);
    ASSERT_THAT(page, IsOk());
    for (const auto& e : page->entries()) {
      amounts.push_back(e.delta_paise());
      balances_after.push_back(e.balance_after_paise());
    }
    token = page->next_page_token();
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(amounts.size(), 25u);
  EXPECT_EQ(balances_after[0], h_.MeterBalance("M1"));
  for (int i = 0; i < 25; ++i) {
    EXPECT_EQ(amounts[i], 124 - i);
    // Each entry's balance is the next older one's plus its own amount.
    const int64_t before = i + 1 < 25 ? balances_after[i + 1] : 0;
    EXPECT_EQ(balances_after[i], before + amounts[i]);
  }
  v1::ListTransactionsRequest forged;
  forged.set_meter_id("M1");
  forged.set_page_token("!!!");
  EXPECT_THAT(h_.wallet().ListTransactions(kAdmin, forged),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A token taken from another meter's history does not open it.
  ASSERT_THAT(h_.Recharge("R1", "m2-a", "M2", 500), IsOk());
  ASSERT_THAT(h_.Recharge("R1", "m2-b", "M2", 600), IsOk());
  v1::ListTransactionsRequest other;
  other.set_meter_id("M2");
  other.set_page_size(1);
  auto m2 = h_.wallet().ListTransactions(kAdmin, other);
  ASSERT_THAT(m2, IsOk());
  ASSERT_FALSE(m2->next_page_token().empty());
  forged.set_page_token(m2->next_page_token());
  EXPECT_THAT(h_.wallet().ListTransactions(kAdmin, forged),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(LedgerTest, SystemAccountJournalPagesOutOfTheGlobalJournal) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_THAT(h_.Recharge("R1", absl::StrCat("sys", i), i % 2 ? "M1" : "M2", 10'000 * (i + 1)),
                IsOk());
  }
  v1::GetJournalRequest req;
  req.set_account("system:commission");
  req.set_page_size(3);
  std::vector<v1::JournalEntry> entries;
  int64_t balance = 0;
  do {
    auto page = h_.wallet().GetJournal(req);
    ASSERT_THAT(page, IsOk());
    balance = page->balance_paise();
    entries.insert(entries.end(), page->entries().begin(), page->entries().end());
    req.set_page_token(page->next_page_token());
  } while (!req.page_token().empty());
  ASSERT_EQ(entries.size(), 7u);
  EXPECT_EQ(balance, -(150 + 300 + 450 + 600 + 750 + 900 + 1050));
  int64_t expected_after = balance;
  for (const auto& e : entries) {
    EXPECT_EQ(e.transfer().type(), v1::RETAILER_COMMISSION);
    EXPECT_EQ(e.balance_after_paise(), expected_after);
    expected_after -= e.delta_paise();
  }
  EXPECT_EQ(expected_after, 0);
  EXPECT_EQ(entries.front().delta_paise(), -1050);  // newest first
}

TEST_F(LedgerTest, StatementCoversOneIstDay) {
  const absl::TimeZone ist = absl::FixedTimeZone(19800);
  h_.clock().Set(absl::FromCivil(absl::CivilSecond(2026, 11, 3, 23, 59, 0), ist));
  ASSERT_THAT(h_.Recharge("R1", "s1", "M1", 10'000), IsOk());  // day before
  h_.clock().Set(absl::FromCivil(absl::CivilSecond(2026, 11, 4, 0, 0, 0), ist));
  ASSERT_THAT(h_.Recharge("R1", "s2", "M1", 20'000), IsOk());
  ASSERT_THAT(h_.TopUp("top-2", "R1", 50'000), IsOk());
  h_.clock().Set(absl::FromCivil(absl::CivilSecond(2026, 11, 4, 23, 59, 59), ist));
  ASSERT_THAT(h_.Recharge("R1", "s3", "M2", 30'000), IsOk());
  h_.clock().Set(absl::FromCivil(absl::CivilSecond(2026, 11, 5, 0, 0, 0), ist));
  ASSERT_THAT(h_.Recharge("R1", "s4", "M1", 40'000), IsOk());  // day after

  v1::GetStatementRequest req;
  req.set_date("2026-11-04");
  auto s = h_.wallet().GetStatement(Principal{v1::ROLE_RETAILER, "R1"}, req);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->opening_balance_paise(), 1'000'000 - 10'000 + 150);
  EXPECT_EQ(s->recharges_count(), 2);
  EXPECT_EQ(s->recharges_paise(), 50'000);
  EXPECT_EQ(s->commission_paise(), 300 + 450);
  EXPECT_EQ(s->topups_paise(), 50'000);
  EXPECT_EQ(s->closing_balance_paise(),
            s->opening_balance_paise() - 50'000 + 750 + 50'000);
  EXPECT_EQ(s->entries_size(), 5);
  req.set_date("4/11/2026");
  EXPECT_THAT(h_.wallet().GetStatement(Principal{v1::ROLE_RETAILER, "R1"}, req),
              StatusIs(absl::StatusCode::kInvalidArgument));
  req.set_date("2026-11-04");
  req.set_retailer_id("R2");
  EXPECT_THAT(h_.wallet().GetStatement(Principal{v1::ROLE_RETAILER, "R1"}, req),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(LedgerTest, ListMetersFiltersAndPages) {
  for (int i = 0; i < 30; ++i) {
    auto req = MeterRequest(absl::StrFormat("X%02d", i), absl::StrCat("CX", i), i * 100'000);
    req.mutable_meter()->set_category(i % 3 == 0 ? v1::COMMERCIAL : v1::DOMESTIC);
    req.mutable_meter()->set_circle(i % 2 == 0 ? "Raipur" : "Bilaspur");
    ASSERT_THAT(h_.Register(req), IsOk());
  }
  v1::ListMetersRequest req;
  req.set_category(v1::COMMERCIAL);
  req.set_circle("Raipur");
  req.set_min_arrears_paise(2'000'000);  // Rs 20,000
  req.set_page_size(2);
  std::vector<std::string> ids;
  do {
    auto page = h_.wallet().ListMeters(req);
    ASSERT_THAT(page, IsOk());
    for (const auto& m : page->meters()) ids.push_back(m.meter().meter_id());
    req.set_page_token(page->next_page_token());
  } while (!req.page_token().empty());
  EXPECT_THAT(ids, ElementsAre("X24"));  // i % 6 == 0 and i >= 20
}

TEST_F(LedgerTest, ApiKeysAreStoredHashedAndShownOnce) {
  v1::IssueApiKeyRequest req;
  req.set_request_id("key-1");
  req.set_role(v1::ROLE_RETAILER);
  req.set_subject_id("R1");
  auto issued = testing::Wait<v1::IssueApiKeyResponse>(
      [&](auto done) { h_.wallet().IssueApiKey(req, "wk_secret_1234567890", done); });
  ASSERT_THAT(issued, IsOk());
  EXPECT_EQ(issued->api_key(), "wk_secret_1234567890");
  auto who = h_.wallet().Authenticate("wk_secret_1234567890");
  ASSERT_THAT(who, IsOk());
  EXPECT_EQ(who->role, v1::ROLE_RETAILER);
  EXPECT_EQ(who->subject_id, "R1");
  auto replay = testing::Wait<v1::IssueApiKeyResponse>(
      [&](auto done) { h_.wallet().IssueApiKey(req, "wk_other_key_000000", done); });
  ASSERT_THAT(replay, IsOk());
  EXPECT_EQ(replay->api_key(), "");
  EXPECT_THAT(h_.wallet().Authenticate("wk_other_key_000000"),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(h_.wallet().Authenticate(""), StatusIs(absl::StatusCode::kUnauthenticated));
  req.set_request_id("key-2");
  req.set_subject_id("R404");
  auto unknown = testing::Wait<v1::IssueApiKeyResponse>(
      [&](auto done) { h_.wallet().IssueApiKey(req, "wk_third_key_000000", done); });
  EXPECT_THAT(unknown, StatusIs(absl::StatusCode::kNotFound));
}

// Random mixes of valid and invalid operations, checked against a plain model
// of the balances after every step and against the journal at the end.
TEST(LedgerRandomTest, LongRandomMixKeepsTheLedgerExact) {
  WalletHarness h;
  constexpr int kMeters = 20;
  constexpr int kRetailers = 4;
  std::map<std::string, int64_t> model;  // account -> balance
  for (int m = 0; m < kMeters; ++m) {
    ASSERT_THAT(h.Register(MeterRequest(absl::StrCat("M", m), absl::StrCat("C", m))), IsOk());
  }
  for (int r = 0; r < kRetailers; ++r) {
    ASSERT_THAT(h.CreateRetailer(absl::StrCat("R", r), 25 * r), IsOk());
  }
  std::mt19937_64 rng(20261123);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  std::vector<std::pair<std::string, v1::RetailerRechargeResponse>> done_recharges;
  for (int step = 0; step < 3000; ++step) {
    const std::string meter = absl::StrCat("M", pick(kMeters + 1));  // M20 does not exist
    const std::string retailer = absl::StrCat("R", pick(kRetailers));
    const int64_t amount = static_cast<int64_t>(rng() % 200'000) - 1'000;
    switch (pick(5)) {
      case 0: {
        auto r = h.TopUp(absl::StrCat("t", step), retailer, amount);
        if (r.ok()) model["retailer:" + retailer] += amount;
        EXPECT_EQ(r.ok(), amount > 0);
        break;
      }
      case 1:
      case 2: {
        const int64_t before = model["retailer:" + retailer];
        const std::string id = absl::StrCat("r", step);
        auto r = h.Recharge(retailer, id, meter, amount);
        const bool expect_ok = amount > 0 && meter != "M20" && before >= amount;
        ASSERT_EQ(r.ok(), expect_ok) << step << " " << r.status();
        if (r.ok()) {
          const int64_t commission = amount * (25 * std::stoi(retailer.substr(1))) / 10'000;
          model["retailer:" + retailer] += commission - amount;
          model["meter:" + meter] += amount;
          EXPECT_EQ(r->float_balance_paise(), model["retailer:" + retailer]);
          done_recharges.emplace_back(retailer + "/" + id, *r);
        }
        break;
      }
      case 3: {
        const bool credit = pick(2) == 0;
        auto r = h.Adjust(absl::StrCat("a", step), meter, amount, credit, "audit fix");
        const bool expect_ok = amount > 0 && meter != "M20" &&
                               (credit || model["meter:" + meter] >= amount);
        ASSERT_EQ(r.ok(), expect_ok) << step << " " << r.status();
        if (r.ok()) model["meter:" + meter] += credit ? amount : -amount;
        break;
      }
      case 4: {
        // Replay an earlier recharge: same answer, no effect.
        if (done_recharges.empty()) break;
        const auto& [key, response] = done_recharges[pick(done_recharges.size())];
        const std::string r_id = key.substr(0, key.find('/'));
        auto again = h.Recharge(r_id, key.substr(key.find('/') + 1),
                                response.recharge().credit_account().substr(6),
                                response.recharge().amount_paise());
        ASSERT_THAT(again, IsOk());
        EXPECT_EQ(again->recharge().seq(), response.recharge().seq());
        break;
      }
    }
    if (step == 1500) h.Reopen();
  }
  for (const auto& [account, balance] : model) {
    if (account.rfind("meter:", 0) == 0 && account != "meter:M20") {
      EXPECT_EQ(h.MeterBalance(account.substr(6)), balance) << account;
    } else if (account.rfind("retailer:", 0) == 0) {
      EXPECT_EQ(h.FloatBalance(account.substr(9)), balance) << account;
    }
  }
  h.ExpectLedgerBalanced();
}

}  // namespace
}  // namespace wallet

namespace wallet {
namespace {

TEST(StoreFormatTest, RefusesAStoreOfAnotherLayout) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/db";
  {
    auto store = Store::Open({.path = path});
    ASSERT_THAT(store, IsOk());
    // A store written by another layout, e.g. meter wallets still in accounts.
    Batch batch(store->get());
    batch.Put(Table::kMeta, "store_format", "1");
    ASSERT_THAT((*store)->Commit(batch), IsOk());
  }
  auto reopened = Store::Open({.path = path});
  EXPECT_THAT(reopened,
              StatusIs(absl::StatusCode::kFailedPrecondition, ::testing::HasSubstr("layout 1")));
}

TEST(StoreFormatTest, ANewStoreRecordsItsLayoutAndReopens) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/db";
  ASSERT_THAT(Store::Open({.path = path}), IsOk());
  auto reopened = Store::Open({.path = path});
  ASSERT_THAT(reopened, IsOk());
  auto format = (*reopened)->Get(Table::kMeta, "store_format");
  ASSERT_THAT(format, IsOk());
  EXPECT_EQ(format->value_or(""), "2");
}

}  // namespace
}  // namespace wallet
