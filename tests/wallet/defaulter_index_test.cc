// The defaulter index on its own (wallet/defaulter_index.h): selections by
// every field, the order (dues descending, then meter id), pages that
// continue after a cursor with the whole selection's totals, updates that
// change one meter, and updates of a replaced ledger ignored.
#include "wallet/defaulter_index.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wallet {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct TestMeter {
  std::string id;
  std::string circle;
  std::string division;
  v1::Category category;
  v1::BillingMode mode;
  int64_t principal;
  int64_t surcharge;
  int32_t bills;
  int64_t balance;
};

DefaulterChange ChangeOf(uint32_t slot, const TestMeter& m) {
  DefaulterChange change;
  change.slot = slot;
  auto details = std::make_shared<DefaulterDetails>();
  details->meter_id = m.id;
  details->circle = m.circle;
  details->division = m.division;
  details->subdivision = "S";
  details->category = m.category;
  details->billing_mode = m.mode;
  change.details = std::move(details);
  change.dues = DefaulterDues{m.principal, m.surcharge, m.bills};
  change.balance_paise = m.balance;
  change.relay = v1::RELAY_CONNECTED;
  return change;
}

class DefaulterIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::vector<TestMeter> meters = {
        {"BSP-1", "Bilaspur", "City-1", v1::COMMERCIAL, v1::POSTPAID, 2'500'000, 50'000, 3, 0},
        {"BSP-2", "Bilaspur", "City-1", v1::DOMESTIC, v1::PREPAID, 40'000, 0, 1, -5'000},
        {"BSP-3", "Bilaspur", "City-2", v1::COMMERCIAL, v1::POSTPAID, 2'000'000, 0, 2, 0},
        {"BSP-4", "Bilaspur", "City-2", v1::GOVERNMENT, v1::POSTPAID, 2'550'000, 0, 5, 0},
        {"RPR-1", "Raipur", "West", v1::COMMERCIAL, v1::POSTPAID, 2'100'000, 0, 2, 0},
        {"RPR-2", "Raipur", "West", v1::INDUSTRIAL, v1::PREPAID, 0, 0, 0, 70'000},
        {"RPR-3", "Raipur", "West", v1::COMMERCIAL, v1::PREPAID, 40'000, 0, 1, 10'000},
    };
    DefaulterUpdate reset;
    reset.generation = generation_;
    reset.reset = true;
    for (uint32_t slot = 0; slot < meters.size(); ++slot) {
      reset.changes.push_back(ChangeOf(slot, meters[slot]));
    }
    index_.Apply(reset);
  }

  std::vector<std::string> Selected(const v1::Selection& selection) {
    EXPECT_TRUE(DefaulterIndex::ValidateSelection(selection).ok());
    std::vector<std::string> out;
    for (const DefaulterIndex::Selected& s : index_.Select(selection)) {
      out.push_back(absl::StrCat(s.meter_id, "=", s.dues_paise));
    }
    return out;
  }

  const uint64_t generation_ = DefaulterIndex::NewGeneration();
  DefaulterIndex index_;
};

TEST_F(DefaulterIndexTest, SelectsOwingMetersLargestDuesFirst) {
  // RPR-2 owes nothing: not a defaulter. Equal dues go by meter id.
  EXPECT_THAT(Selected(v1::Selection()),
              ElementsAre("BSP-1=2550000", "BSP-4=2550000", "RPR-1=2100000", "BSP-3=2000000",
                          "BSP-2=40000", "RPR-3=40000"));
  EXPECT_EQ(index_.Size(), 7u);
}

TEST_F(DefaulterIndexTest, EverySelectionFieldNarrows) {
  // "Commercial consumers with arrears over Rs 20,000 in one division."
  v1::Selection bilaspur_commercial;
  bilaspur_commercial.set_circle("Bilaspur");
  bilaspur_commercial.set_division("City-2");
  bilaspur_commercial.add_categories(v1::COMMERCIAL);
  bilaspur_commercial.set_min_dues_paise(2'000'000);
  EXPECT_THAT(Selected(bilaspur_commercial), ElementsAre("BSP-3=2000000"));

  v1::Selection categories;
  categories.add_categories(v1::GOVERNMENT);
  categories.add_categories(v1::DOMESTIC);
  EXPECT_THAT(Selected(categories), ElementsAre("BSP-4=2550000", "BSP-2=40000"));

  v1::Selection prepaid;
  prepaid.set_billing_mode(v1::PREPAID);
  EXPECT_THAT(Selected(prepaid), ElementsAre("BSP-2=40000", "RPR-3=40000"));

  v1::Selection bills;
  bills.set_min_unpaid_bills(3);
  EXPECT_THAT(Selected(bills), ElementsAre("BSP-1=2550000", "BSP-4=2550000"));

  v1::Selection below_zero;
  below_zero.set_balance_below_paise(0);
  EXPECT_THAT(Selected(below_zero), ElementsAre("BSP-2=40000"));

  v1::Selection subdivision;
  subdivision.set_subdivision("S");
  subdivision.set_circle("Raipur");
  EXPECT_THAT(Selected(subdivision), ElementsAre("RPR-1=2100000", "RPR-3=40000"));

  // A place no meter has selects nothing.
  v1::Selection nowhere;
  nowhere.set_circle("Ujjain");
  EXPECT_THAT(Selected(nowhere), IsEmpty());
}

TEST_F(DefaulterIndexTest, PagesContinueAfterTheirCursorWithTheWholeSelectionsTotals) {
  const v1::Selection all;
  for (int page_size : {1, 2, 4, 100}) {
    std::vector<std::string> listed;
    const DefaulterIndex::Cursor* after = nullptr;
    DefaulterIndex::Cursor cursor;
    for (;;) {
      const DefaulterIndex::Page page = index_.SelectPage(all, after, page_size);
      EXPECT_EQ(page.total_count, 6);
      EXPECT_EQ(page.total_dues_paise, 2'550'000 * 2 + 2'100'000 + 2'000'000 + 40'000 * 2);
      for (const DefaulterIndex::Row& row : page.rows) {
        listed.push_back(absl::StrCat(row.meter_id, "=", row.dues_paise));
      }
      if (!page.more) break;
      cursor = {page.rows.back().dues_paise, page.rows.back().meter_id};
      after = &cursor;
    }
    EXPECT_EQ(listed, Selected(all)) << "page size " << page_size;
  }
  const DefaulterIndex::Page first = index_.SelectPage(all, nullptr, 1);
  ASSERT_EQ(first.rows.size(), 1u);
  EXPECT_EQ(first.rows[0].principal_paise, 2'500'000);
  EXPECT_EQ(first.rows[0].surcharge_paise, 50'000);
  EXPECT_EQ(first.rows[0].unpaid_bills, 3);
  EXPECT_EQ(first.rows[0].category, v1::COMMERCIAL);
  EXPECT_EQ(first.rows[0].billing_mode, v1::POSTPAID);
  EXPECT_EQ(first.rows[0].relay, v1::RELAY_CONNECTED);
}

TEST_F(DefaulterIndexTest, AnUpdateChangesOnlyWhatItCarries) {
  DefaulterUpdate update;
  update.generation = generation_;
  // BSP-2 paid up (dues given), RPR-3's balance changed (dues not given).
  DefaulterChange paid;
  paid.slot = 1;
  paid.dues = DefaulterDues{0, 0, 0};
  paid.balance_paise = -5'000;
  paid.hold = v1::HOLD_NEVER_DISCONNECT;
  DefaulterChange recharged;
  recharged.slot = 6;
  recharged.balance_paise = 90'000;
  update.changes = {paid, recharged};
  index_.Apply(update);
  v1::Selection prepaid;
  prepaid.set_billing_mode(v1::PREPAID);
  EXPECT_THAT(Selected(prepaid), ElementsAre("RPR-3=40000"));
  const DefaulterIndex::Page page = index_.SelectPage(prepaid, nullptr, 10);
  ASSERT_EQ(page.rows.size(), 1u);
  EXPECT_EQ(page.rows[0].balance_paise, 90'000);

  // A meter registered since takes the next slot.
  DefaulterUpdate added;
  added.generation = generation_;
  added.changes.push_back(
      ChangeOf(7, {"BSP-9", "Bilaspur", "City-9", v1::DOMESTIC, v1::PREPAID, 100, 0, 1, 0}));
  index_.Apply(added);
  v1::Selection city9;
  city9.set_division("City-9");
  EXPECT_THAT(Selected(city9), ElementsAre("BSP-9=100"));
}

TEST_F(DefaulterIndexTest, UpdatesOfAReplacedLedgerAreIgnored) {
  // Another ledger loaded (a store reopened after a failed write): its reset
  // replaces everything, and the old ledger's late updates change nothing.
  const uint64_t newer = DefaulterIndex::NewGeneration();
  DefaulterUpdate reset;
  reset.generation = newer;
  reset.reset = true;
  reset.changes.push_back(
      ChangeOf(0, {"BSP-1", "Bilaspur", "City-1", v1::COMMERCIAL, v1::POSTPAID, 5, 0, 1, 0}));
  index_.Apply(reset);
  DefaulterUpdate stale;
  stale.generation = generation_;
  stale.changes.push_back(
      ChangeOf(3, {"BSP-4", "Bilaspur", "City-2", v1::GOVERNMENT, v1::POSTPAID, 9, 0, 1, 0}));
  index_.Apply(stale);
  EXPECT_THAT(Selected(v1::Selection()), ElementsAre("BSP-1=5"));
  EXPECT_EQ(index_.Size(), 1u);
}

TEST_F(DefaulterIndexTest, ResetFillsTheIndexAfreshMeterByMeter) {
  const uint64_t newer = DefaulterIndex::NewGeneration();
  index_.Reset(newer, [](DefaulterIndex::AddFn add) {
    add(ChangeOf(0, {"N-1", "Ujjain", "D1", v1::DOMESTIC, v1::PREPAID, 300, 0, 1, 0}));
    add(ChangeOf(1, {"N-2", "Ujjain", "D1", v1::DOMESTIC, v1::PREPAID, 700, 0, 1, 0}));
  });
  EXPECT_THAT(Selected(v1::Selection()), ElementsAre("N-2=700", "N-1=300"));
  v1::Selection bilaspur;
  bilaspur.set_circle("Bilaspur");
  EXPECT_THAT(Selected(bilaspur), IsEmpty());
  // Updates of the generation before the reset are ignored from now on.
  DefaulterUpdate stale;
  stale.generation = generation_;
  stale.changes.push_back(
      ChangeOf(0, {"BSP-1", "Bilaspur", "City-1", v1::COMMERCIAL, v1::POSTPAID, 9, 0, 1, 0}));
  index_.Apply(stale);
  EXPECT_THAT(Selected(bilaspur), IsEmpty());
}

TEST_F(DefaulterIndexTest, BadSelectionsAreRefused) {
  v1::Selection negative;
  negative.set_min_dues_paise(-1);
  EXPECT_EQ(DefaulterIndex::ValidateSelection(negative).code(), absl::StatusCode::kInvalidArgument);
  v1::Selection bills;
  bills.set_min_unpaid_bills(-1);
  EXPECT_EQ(DefaulterIndex::ValidateSelection(bills).code(), absl::StatusCode::kInvalidArgument);
  v1::Selection category;
  category.add_categories(v1::CATEGORY_UNSPECIFIED);
  EXPECT_EQ(DefaulterIndex::ValidateSelection(category).code(), absl::StatusCode::kInvalidArgument);
  v1::Selection mode;
  mode.set_billing_mode(static_cast<v1::BillingMode>(9));
  EXPECT_EQ(DefaulterIndex::ValidateSelection(mode).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace wallet
