// Page tokens are opaque, authenticated and bound to their call and filters;
// no figure on a page comes from a token.
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wallet_harness.h"
#include "wallet/journal_pager.h"
#include "wallet/paging.h"

namespace wallet {
namespace {

using testing::MeterRequest;
using testing::WalletHarness;
using ::wallet::testing::IsOk;
using ::wallet::testing::IsOkAndHolds;
using ::wallet::testing::StatusIs;

const Principal kAdmin{v1::ROLE_ADMIN, ""};

// A valid token with one character changed.
std::string Tampered(std::string token) {
  token[token.size() / 2] = token[token.size() / 2] == 'A' ? 'B' : 'A';
  return token;
}

TEST(PageTokensTest, OpenOnlyWhatWasIssuedForTheSameCallAndFilter) {
  PageTokens tokens(std::string(PageTokens::kKeyBytes, 'k'));
  v1::ListMetersRequest filter;
  filter.set_circle("Bilaspur");
  const std::string token = tokens.Issue("ListMeters", filter, "M0042");
  auto opened = tokens.Open("ListMeters", filter, token);
  EXPECT_THAT(opened, IsOkAndHolds("M0042"));
  EXPECT_EQ(token.find("M0042"), std::string::npos) << "the token should not read as an id";

  v1::ListMetersRequest other = filter;
  other.set_circle("Raipur");
  EXPECT_THAT(tokens.Open("ListMeters", other, token),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(tokens.Open("ListOrders", filter, token),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(tokens.Open("ListMeters", filter, Tampered(token)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  PageTokens other_key(std::string(PageTokens::kKeyBytes, 'x'));
  EXPECT_THAT(other_key.Open("ListMeters", filter, token),
              StatusIs(absl::StatusCode::kInvalidArgument));
  for (const char* bad : {"abc", "-1", "!!!", "AAAA", "M0042"}) {
    EXPECT_THAT(tokens.Open("ListMeters", filter, bad),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
  // Moving the position (a made-up one with the old tag) does not open.
  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &raw));
  raw[0] = 'N';
  EXPECT_THAT(tokens.Open("ListMeters", filter, absl::WebSafeBase64Escape(raw)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

class PageTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 6; ++i) {
      auto req = MeterRequest(absl::StrCat("M", i), absl::StrCat("C", i));
      req.mutable_meter()->set_circle(i % 2 == 0 ? "Raipur" : "Bilaspur");
      ASSERT_THAT(h_.Register(req), IsOk());
    }
    ASSERT_THAT(h_.CreateRetailer("R1", 100), IsOk());
    ASSERT_THAT(h_.CreateRetailer("R2", 100), IsOk());
    ASSERT_THAT(h_.TopUp("top-1", "R1", 1'000'000), IsOk());
    ASSERT_THAT(h_.TopUp("top-2", "R2", 1'000'000), IsOk());
    for (int i = 0; i < 6; ++i) {
      h_.clock().Advance(absl::Minutes(1));
      ASSERT_THAT(h_.Recharge(i % 2 ? "R1" : "R2", absl::StrCat("rc", i), "M0", 1'000 + i), IsOk());
    }
  }

  // NextToken is `page`'s next_page_token; "" (and a test failure) if the
  // listing failed.
  template <typename Page>
  static std::string NextToken(const absl::StatusOr<Page>& page) {
    EXPECT_THAT(page, IsOk());
    return page.ok() ? page->next_page_token() : "";
  }

  // A first page of each listing, and its next_page_token.
  std::string MetersToken(const std::string& circle = "") {
    v1::ListMetersRequest req;
    req.set_circle(circle);
    req.set_page_size(1);
    return NextToken(h_.wallet().ListMeters(req));
  }
  std::string JournalToken(const std::string& account) {
    v1::GetJournalRequest req;
    req.set_account(account);
    req.set_page_size(1);
    return NextToken(h_.wallet().GetJournal(req));
  }
  std::string TransactionsToken(const std::string& meter) {
    v1::ListTransactionsRequest req;
    req.set_meter_id(meter);
    req.set_page_size(1);
    return NextToken(h_.wallet().ListTransactions(kAdmin, req));
  }

  absl::Status ListMeters(const std::string& token, const std::string& circle = "") {
    v1::ListMetersRequest req;
    req.set_circle(circle);
    req.set_page_token(token);
    return h_.wallet().ListMeters(req).status();
  }
  absl::Status GetJournal(const std::string& account, const std::string& token) {
    v1::GetJournalRequest req;
    req.set_account(account);
    req.set_page_token(token);
    return h_.wallet().GetJournal(req).status();
  }
  absl::Status ListTransactions(const std::string& meter, const std::string& token) {
    v1::ListTransactionsRequest req;
    req.set_meter_id(meter);
    req.set_page_token(token);
    return h_.wallet().ListTransactions(kAdmin, req).status();
  }

  WalletHarness h_;
};

TEST_F(PageTokenTest, MalformedTokensAreInvalidArgumentEverywhere) {
  for (const char* bad : {"abc", "-1", "M3", "!!!", "0"}) {
    EXPECT_THAT(ListMeters(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    EXPECT_THAT(GetJournal("retailer:R1", bad), StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
    EXPECT_THAT(GetJournal("meter:M0", bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    EXPECT_THAT(GetJournal("system:commission", bad), StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
    EXPECT_THAT(ListTransactions("M0", bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST_F(PageTokenTest, ATokenOpensOnlyItsOwnCallAccountAndFilter) {
  const std::string meters = MetersToken();
  ASSERT_FALSE(meters.empty());
  EXPECT_THAT(ListMeters(meters), IsOk());
  EXPECT_THAT(ListMeters(Tampered(meters)), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ListMeters(meters, "Raipur"),
              StatusIs(absl::StatusCode::kInvalidArgument));  // other filter
  const std::string raipur = MetersToken("Raipur");
  EXPECT_THAT(ListMeters(raipur, "Raipur"), IsOk());
  EXPECT_THAT(ListMeters(raipur, "Bilaspur"), StatusIs(absl::StatusCode::kInvalidArgument));

  const std::string r1 = JournalToken("retailer:R1");
  ASSERT_FALSE(r1.empty());
  EXPECT_THAT(GetJournal("retailer:R1", r1), IsOk());
  EXPECT_THAT(GetJournal("retailer:R2", r1),
              StatusIs(absl::StatusCode::kInvalidArgument));  // other account
  EXPECT_THAT(GetJournal("retailer:R1", Tampered(r1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ListMeters(r1), StatusIs(absl::StatusCode::kInvalidArgument));  // other call

  const std::string wallet = TransactionsToken("M0");
  ASSERT_FALSE(wallet.empty());
  EXPECT_THAT(ListTransactions("M0", wallet), IsOk());
  EXPECT_THAT(ListTransactions("M1", wallet), StatusIs(absl::StatusCode::kInvalidArgument));
  // The same wallet, paged by another call.
  EXPECT_THAT(GetJournal("meter:M0", wallet), StatusIs(absl::StatusCode::kInvalidArgument));
  const std::string commission = JournalToken("system:commission");
  ASSERT_FALSE(commission.empty());
  EXPECT_THAT(GetJournal("system:commission", commission), IsOk());
  EXPECT_THAT(GetJournal("system:float_deposits", commission),
              StatusIs(absl::StatusCode::kInvalidArgument));

  // The key is kept in the store: tokens outlive a restart.
  h_.Reopen();
  EXPECT_THAT(ListMeters(meters), IsOk());
  EXPECT_THAT(GetJournal("system:commission", commission), IsOk());
}

// Page tokens used to carry a system account's running balance, which the
// server then printed as balance_after: a client could make the journal say
// anything. Such a token is refused now.
TEST_F(PageTokenTest, ATokenCarryingABalanceIsRefused) {
  const std::string old_style =
      absl::WebSafeBase64Escape(absl::StrCat(BigEndian64(5), BigEndian64(999'999'999)));
  EXPECT_THAT(GetJournal("system:commission", old_style),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// The balance after each transfer of a system account is exact on every
// page, across commit groups, a restart, and a store without the ledger's
// per-group balance marks (written by an older walletd).
TEST_F(PageTokenTest, SystemAccountPagesGiveTheExactBalanceAfterChain) {
  auto read_all = [&](int page_size) {
    std::vector<v1::JournalEntry> entries;
    v1::GetJournalRequest req;
    req.set_account("system:commission");
    req.set_page_size(page_size);
    int64_t balance = 0;
    do {
      auto page = h_.wallet().GetJournal(req);
      EXPECT_THAT(page, IsOk());
      if (!page.ok()) break;
      balance = page->balance_paise();
      entries.insert(entries.end(), page->entries().begin(), page->entries().end());
      req.set_page_token(page->next_page_token());
    } while (!req.page_token().empty());
    // Newest first: each balance is the next older one's plus its delta.
    int64_t after = balance;
    for (const v1::JournalEntry& entry : entries) {
      EXPECT_EQ(entry.balance_after_paise(), after) << entry.transfer().seq();
      after -= entry.delta_paise();
    }
    EXPECT_EQ(after, 0);
    return entries;
  };
  h_.Reopen();
  for (int i = 0; i < 5; ++i) {
    ASSERT_THAT(h_.Recharge("R1", absl::StrCat("more", i), "M1", 2'000 * (i + 1)), IsOk());
  }
  for (int size : {1, 2, 3, 4, 20}) EXPECT_EQ(read_all(size).size(), 11u) << size;
  // Without any mark every balance is worked out from the balance now.
  h_.EditStore([](Store& store, Batch& batch) {
    ASSERT_THAT(store.Scan(Table::kSystemBalances, "", "", false,
                           [&](absl::string_view key, absl::string_view) {
                             batch.Delete(Table::kSystemBalances, key);
                             return true;
                           }),
                IsOk());
  });
  for (int size : {1, 3, 20}) EXPECT_EQ(read_all(size).size(), 11u) << size;
}

}  // namespace
}  // namespace wallet
