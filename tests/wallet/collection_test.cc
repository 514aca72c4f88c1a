// Collection of dues inside the wallet, on a real RocksDB with a fake clock:
// dues imports (snapshots posted as differences, replays that apply
// nothing, bad rows that change nothing, payments after as_of deducted),
// payments toward dues at a counter, through a retailer and by an order,
// post-paid meters and switches of billing mode, and the defaulter index
// following every commit.
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/wallet_harness.h"
#include "wallet/accounts.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

using testing::DuesRowOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MeterRequest;
using testing::Wait;
using testing::WalletHarness;

const Principal kAdmin{v1::ROLE_ADMIN, ""};
const Principal kConsumer1{v1::ROLE_CONSUMER, "C1"};

// Every dues error as "line meter CODE".
std::vector<std::string> Errors(const v1::ImportDuesProgress& progress) {
  std::vector<std::string> out;
  for (const v1::DuesRowError& e : progress.errors()) {
    out.push_back(absl::StrCat(e.line(), " ", e.meter_id(), " ",
                               absl::StatusCodeToString(static_cast<absl::StatusCode>(e.code()))));
  }
  return out;
}

// A policy that recovers 20 % of each recharge from principal and cuts an
// exhausted meter at once (no notice, no protected hours).
LedgerOptions CollectionOptions() {
  LedgerOptions options = testing::TestLedgerOptions();
  v1::CategoryPolicy* p = options.policy.mutable_defaults();
  p->set_arrears_share_bps(2000);
  p->set_notice_days(0);
  p->add_alert_percent_bps(1000);
  return options;
}

class CollectionTest : public ::testing::Test {
 protected:
  CollectionTest() : h_(CollectionOptions()) {}

  void SetUp() override {
    ASSERT_TRUE(h_.Register(MeterRequest("M1", "C1")).ok());
    ASSERT_TRUE(h_.Register(MeterRequest("M2", "C2", /*arrears_paise=*/30'000)).ok());
    ASSERT_TRUE(h_.Register(MeterRequest("M3", "C3")).ok());
    ASSERT_TRUE(h_.CreateRetailer("R1", 100).ok());
    ASSERT_TRUE(h_.TopUp("top-R1", "R1", 500'000).ok());
  }

  absl::StatusOr<v1::ImportDuesProgress> Import(const std::string& import_id,
                                                std::vector<v1::DuesRow> rows,
                                                absl::Time as_of = absl::InfinitePast()) {
    v1::DuesImportHeader header;
    header.set_import_id(import_id);
    header.set_source("dues.csv");
    if (as_of != absl::InfinitePast()) {
      SetTimestamp(absl::ToUnixMicros(as_of), header.mutable_as_of_time());
    }
    v1::DuesChunk chunk;
    for (v1::DuesRow& row : rows) *chunk.add_rows() = std::move(row);
    return Wait<v1::ImportDuesProgress>(
        [&](auto done) { h_.wallet().ImportDuesChunk(header, chunk, done); });
  }

  absl::StatusOr<v1::PayDuesResponse> PayAtCounter(const std::string& request_id,
                                                   const std::string& meter, int64_t amount) {
    v1::PayDuesRequest req;
    req.set_request_id(request_id);
    req.set_meter_id(meter);
    req.set_amount_paise(amount);
    req.set_receipt("CR-" + request_id);
    return Wait<v1::PayDuesResponse>([&](auto done) { h_.wallet().PayDuesAtCounter(req, done); });
  }

  absl::StatusOr<v1::PayDuesResponse> RetailerPays(const Principal& who,
                                                   const std::string& request_id,
                                                   const std::string& meter, int64_t amount) {
    v1::RetailerPayDuesRequest req;
    req.set_request_id(request_id);
    req.set_meter_id(meter);
    req.set_amount_paise(amount);
    return Wait<v1::PayDuesResponse>(
        [&](auto done) { h_.wallet().RetailerPayDues(who, req, done); });
  }

  // Dues owed by `meter` as GetMeter shows them: principal, surcharge.
  std::pair<int64_t, int64_t> Dues(const std::string& meter) {
    auto view = h_.wallet().GetMeter(meter);
    EXPECT_TRUE(view.ok()) << view.status();
    return view.ok() ? std::make_pair(view->arrears_paise(), view->surcharge_paise())
                     : std::make_pair(int64_t{-1}, int64_t{-1});
  }

  // SystemBalance is `account`'s balance: 0 while no transfer has touched
  // it (the journal has no such account yet).
  int64_t SystemBalance(absl::string_view account) {
    auto journal = h_.Journal(account);
    return journal.ok() ? journal->balance_paise() : 0;
  }

  std::vector<v1::Notification> NewNotifications() { return outbox_.NewNotifications(h_.wallet()); }
  std::vector<v1::RelayCommand> NewCommands() { return outbox_.NewCommands(h_.wallet()); }

  absl::StatusOr<v1::IngestReadingsResponse> Read(const std::string& meter, int64_t register_wh,
                                                  absl::Time at) {
    return h_.Ingest(absl::StrCat("b", ++batches_), {testing::ReadingAt(meter, register_wh, at)});
  }

  absl::StatusOr<v1::UpdateMeterResponse> SetMode(const std::string& request_id,
                                                  const std::string& meter, v1::BillingMode mode) {
    v1::UpdateMeterRequest req;
    req.set_request_id(request_id);
    req.set_meter_id(meter);
    req.set_billing_mode(mode);
    req.set_reason("billing mode changed by the utility");
    return Wait<v1::UpdateMeterResponse>(
        [&](auto done) { h_.wallet().UpdateMeter(kAdmin, req, done); });
  }

  std::vector<std::string> Selected(const v1::Selection& selection) {
    std::vector<std::string> out;
    for (const DefaulterIndex::Selected& s : h_.wallet().defaulters().Select(selection)) {
      out.push_back(absl::StrCat(s.meter_id, "=", s.dues_paise));
    }
    return out;
  }

  WalletHarness h_;
  testing::OutboxCursor outbox_;
  int batches_ = 0;
};

TEST_F(CollectionTest, ImportPostsEachSnapshotAsPrincipalAndSurcharge) {
  auto progress =
      Import("bill-1", {DuesRowOf(2, "M1", 2'500'000, 12'000, 2, "2026-08-15"),
                        DuesRowOf(3, "M2", 20'000, 0), DuesRowOf(4, "M3", 0, 0, 0, "")});
  ASSERT_TRUE(progress.ok()) << progress.status();
  EXPECT_EQ(progress->import_id(), "bill-1");
  EXPECT_EQ(progress->rows_seen(), 3);
  EXPECT_EQ(progress->rows_applied(), 2);
  EXPECT_EQ(progress->rows_unchanged(), 1);  // M3 owed nothing and still does
  EXPECT_EQ(progress->rows_rejected(), 0);
  // M2 held Rs 300 of legacy arrears; billing says Rs 200.
  EXPECT_EQ(progress->principal_posted_paise(), 2'500'000 - 10'000);
  EXPECT_EQ(progress->surcharge_posted_paise(), 12'000);

  EXPECT_EQ(Dues("M1"), std::make_pair(int64_t{2'500'000}, int64_t{12'000}));
  EXPECT_EQ(Dues("M2"), std::make_pair(int64_t{20'000}, int64_t{0}));
  auto view = h_.wallet().GetMeter("M1");
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->unpaid_bills(), 2);
  EXPECT_EQ(view->oldest_due_date(), "2026-08-15");

  auto surcharge = h_.Journal(SurchargeAccount("M1"));
  ASSERT_TRUE(surcharge.ok()) << surcharge.status();
  ASSERT_EQ(surcharge->entries_size(), 1);
  EXPECT_EQ(surcharge->entries(0).transfer().type(), v1::SURCHARGE_BILLED);
  EXPECT_EQ(surcharge->entries(0).transfer().credit_account(), kBilledDues);
  auto reduced = h_.Journal(ArrearsAccount("M2"));
  ASSERT_TRUE(reduced.ok());
  EXPECT_EQ(reduced->entries(0).transfer().type(), v1::DUES_REDUCED);
  EXPECT_EQ(reduced->entries(0).transfer().amount_paise(), 10'000);
  EXPECT_EQ(SystemBalance(kBilledDues), 2'500'000 - 10'000 + 12'000);
  h_.ExpectLedgerBalanced();
}

TEST_F(CollectionTest, ReplayOfAnImportAppliesNothingAndReportsTheSame) {
  const std::vector<v1::DuesRow> rows = {DuesRowOf(2, "M1", 40'000, 1'000),
                                         DuesRowOf(3, "GHOST", 5'000, 0),
                                         DuesRowOf(4, "M3", 7'000, 0)};
  auto first = Import("bill-1", rows);
  ASSERT_TRUE(first.ok()) << first.status();
  const uint64_t transfers = h_.TransferCount();

  auto again = Import("bill-1", rows);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), first->SerializeAsString());
  EXPECT_THAT(Errors(*again), ElementsAre("3 GHOST NOT_FOUND"));
  // Split differently, after a restart, and with the meter registered
  // meanwhile: still the same answers, still nothing posted.
  ASSERT_TRUE(h_.Register(MeterRequest("GHOST", "C9")).ok());
  h_.Reopen();
  auto part1 = Import("bill-1", {rows[0]});
  auto part2 = Import("bill-1", {rows[1], rows[2]});
  ASSERT_TRUE(part1.ok() && part2.ok());
  EXPECT_EQ(part1->rows_applied() + part2->rows_applied(), first->rows_applied());
  EXPECT_EQ(part1->principal_posted_paise() + part2->principal_posted_paise(),
            first->principal_posted_paise());
  EXPECT_THAT(Errors(*part2), ElementsAre("3 GHOST NOT_FOUND"));
  EXPECT_EQ(h_.TransferCount(), transfers);
  EXPECT_EQ(Dues("M1"), std::make_pair(int64_t{40'000}, int64_t{1'000}));

  // The same import id with another row for a meter it took: refused, the
  // meter keeps what the first row set.
  auto changed = Import("bill-1", {DuesRowOf(2, "M1", 99'000, 1'000)});
  ASSERT_TRUE(changed.ok());
  EXPECT_THAT(Errors(*changed), ElementsAre("2 M1 ALREADY_EXISTS"));
  EXPECT_EQ(Dues("M1"), std::make_pair(int64_t{40'000}, int64_t{1'000}));
  EXPECT_EQ(h_.TransferCount(), transfers);
}

TEST_F(CollectionTest, RejectedRowsChangeNothingAndTheRestIsApplied) {
  ASSERT_TRUE(Import("bill-0", {DuesRowOf(2, "M3", 1'000, 0)}).ok());
  auto progress =
      Import("bill-1", {DuesRowOf(2, "M1", 10'000, 500), DuesRowOf(3, "NOPE", 1, 0),
                        DuesRowOf(4, "M2", -5, 0), DuesRowOf(5, "M3", 2'000, 0, 1, "2026-02-30"),
                        DuesRowOf(6, "M1", 10'000, 500),
                        DuesRowOf(7, "M3", kMaxLedgerAmount + 1, 0), DuesRowOf(0, "M2", 1, 0),
                        DuesRowOf(8, "bad id", 1, 0), DuesRowOf(9, "M2", 3'000, 0, -1)});
  ASSERT_TRUE(progress.ok()) << progress.status();
  EXPECT_EQ(progress->rows_seen(), 9);
  EXPECT_EQ(progress->rows_applied(), 1);
  EXPECT_EQ(progress->rows_rejected(), 8);
  EXPECT_THAT(Errors(*progress),
              ElementsAre("3 NOPE NOT_FOUND", "4 M2 INVALID_ARGUMENT", "5 M3 INVALID_ARGUMENT",
                          "6 M1 ALREADY_EXISTS", "7 M3 ALREADY_EXISTS", "0 M2 INVALID_ARGUMENT",
                          "8 bad id INVALID_ARGUMENT", "9 M2 ALREADY_EXISTS"));
  EXPECT_THAT(progress->errors(3).message(), HasSubstr("listed twice"));
  // Nothing changed for the meters of rejected rows.
  EXPECT_EQ(Dues("M2"), std::make_pair(int64_t{30'000}, int64_t{0}));
  EXPECT_EQ(Dues("M3"), std::make_pair(int64_t{1'000}, int64_t{0}));
  EXPECT_EQ(Dues("M1"), std::make_pair(int64_t{10'000}, int64_t{500}));
  // A later chunk of the same import still knows M1 was taken.
  auto later = Import("bill-1", {DuesRowOf(20, "M1", 1, 0)});
  ASSERT_TRUE(later.ok());
  EXPECT_THAT(Errors(*later), ElementsAre("20 M1 ALREADY_EXISTS"));
  h_.ExpectLedgerBalanced();
}

TEST_F(CollectionTest, PaymentsAfterTheSnapshotAreDeducted) {
  const absl::Time t0 = h_.clock().Now();
  ASSERT_TRUE(Import("bill-1", {DuesRowOf(2, "M1", 10'000, 1'000)}, t0).ok());
  h_.clock().Advance(absl::Hours(2));
  const absl::Time before_payment = h_.clock().Now();
  h_.clock().Advance(absl::Hours(1));
  ASSERT_TRUE(PayAtCounter("p1", "M1", 4'000).ok());
  EXPECT_EQ(Dues("M1"), std::make_pair(int64_t{6'000}, int64_t{1'000}));
  h_.clock().Advance(absl::Hours(1));

  // Billing's snapshot from before the payment knows nothing of it: the
  // wallet deducts it, so nothing changes.
  auto stale = Import("bill-2", {DuesRowOf(2, "M1", 10'000, 1'000)}, before_payment);
  ASSERT_TRUE(stale.ok()) << stale.status();
  EXPECT_EQ(stale->rows_unchanged(), 1);
  EXPECT_EQ(Dues("M1"), std::make_pair(int64_t{6'000}, int64_t{1'000}));
  // A new bill in the same snapshot: only the new bill is added.
  auto billed = Import("bill-3", {DuesRowOf(2, "M1", 12'500, 1'200)}, before_payment);
  ASSERT_TRUE(billed.ok());
  EXPECT_EQ(billed->principal_posted_paise(), 2'500);
  EXPECT_EQ(billed->surcharge_posted_paise(), 200);
  EXPECT_EQ(Dues("M1"), std::make_pair(int64_t{8'500}, int64_t{1'200}));
  // A snapshot taken after the payment already has it.
  auto current = Import("bill-4", {DuesRowOf(2, "M1", 8'500, 1'200)});
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(current->rows_unchanged(), 1);
  // And one older than the snapshot applied is refused for that meter.
  auto older = Import("bill-5", {DuesRowOf(2, "M1", 1, 0)}, t0);
  ASSERT_TRUE(older.ok());
  EXPECT_THAT(Errors(*older), ElementsAre("2 M1 FAILED_PRECONDITION"));
  EXPECT_THAT(older->errors(0).message(), HasSubstr("newer snapshot"));
  EXPECT_EQ(Dues("M1"), std::make_pair(int64_t{8'500}, int64_t{1'200}));
  h_.ExpectLedgerBalanced();
}

TEST_F(CollectionTest, ARechargesArrearsShareCountsAsAPaymentSinceTheSnapshot) {
  const absl::Time t0 = h_.clock().Now();
  ASSERT_TRUE(Import("bill-1", {DuesRowOf(2, "M1", 10'000, 0)}, t0).ok());
  h_.clock().Advance(absl::Hours(1));
  auto recharged = h_.Recharge("R1", "rc-1", "M1", 20'000);
  ASSERT_TRUE(recharged.ok()) << recharged.status();
  ASSERT_TRUE(recharged->has_arrears_recovery());
  EXPECT_EQ(recharged->arrears_recovery().amount_paise(), 4'000);  // 20 %
  EXPECT_EQ(Dues("M1"), std::make_pair(int64_t{6'000}, int64_t{0}));
  auto again = Import("bill-2", {DuesRowOf(2, "M1", 10'000, 0)}, t0 + absl::Minutes(30));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->rows_unchanged(), 1);
  EXPECT_EQ(Dues("M1"), std::make_pair(int64_t{6'000}, int64_t{0}));
}

TEST_F(CollectionTest, ABadHeaderOrChunkIsRefusedWhole) {
  EXPECT_EQ(Import("bill-1", {DuesRowOf(2, "M1", 1, 0)}, h_.clock().Now() + absl::Hours(1))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Import("bill-1", {DuesRowOf(2, "M1", 1, 0)}, h_.clock().Now() - absl::Hours(91 * 24))
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Import("bad id", {DuesRowOf(2, "M1", 1, 0)}).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::vector<v1::DuesRow> too_many;
  for (int i = 0; i < 10'001; ++i) too_many.push_back(DuesRowOf(i + 2, "M1", 1, 0));
  EXPECT_EQ(Import("bill-1", too_many).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Dues("M1"), std::make_pair(int64_t{0}, int64_t{0}));

  ASSERT_TRUE(Import("bill-1", {DuesRowOf(2, "M1", 1'000, 0)}, h_.clock().Now()).ok());
  h_.clock().Advance(absl::Minutes(1));
  auto other_as_of = Import("bill-1", {DuesRowOf(3, "M3", 1'000, 0)}, h_.clock().Now());
  EXPECT_EQ(other_as_of.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Dues("M3"), std::make_pair(int64_t{0}, int64_t{0}));
}

TEST_F(CollectionTest, CounterPaymentsPayPrincipalFirstThenSurcharge) {
  ASSERT_TRUE(Import("bill-1", {DuesRowOf(2, "M1", 10'000, 2'000)}).ok());
  auto part = PayAtCounter("p1", "M1", 4'000);
  ASSERT_TRUE(part.ok()) << part.status();
  EXPECT_EQ(part->principal().type(), v1::DUES_PAYMENT);
  EXPECT_EQ(part->principal().debit_account(), kCounterCash);
  EXPECT_EQ(part->principal().amount_paise(), 4'000);
  EXPECT_FALSE(part->has_surcharge());
  EXPECT_EQ(part->dues_left_paise(), 8'000);
  EXPECT_FALSE(part->restore_ordered());

  auto rest = PayAtCounter("p2", "M1", 7'000);
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(rest->principal().amount_paise(), 6'000);
  EXPECT_EQ(rest->surcharge().type(), v1::SURCHARGE_PAYMENT);
  EXPECT_EQ(rest->surcharge().amount_paise(), 1'000);
  EXPECT_EQ(Dues("M1"), std::make_pair(int64_t{0}, int64_t{1'000}));

  // More than owed: refused, nothing changed.
  const uint64_t transfers = h_.TransferCount();
  auto over = PayAtCounter("p3", "M1", 1'001);
  EXPECT_EQ(over.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(over.status().message(), HasSubstr("more than the dues"));
  EXPECT_EQ(PayAtCounter("p4", "M3", 100).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(PayAtCounter("p5", "NOPE", 100).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(PayAtCounter("p6", "M1", 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PayAtCounter("p7", "M1", -500).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PayAtCounter("p8", "M1", std::numeric_limits<int64_t>::max()).status().code(),
            absl::StatusCode::kInvalidArgument);
  const Principal r1{v1::ROLE_RETAILER, "R1"};
  EXPECT_EQ(RetailerPays(r1, "pos-1", "M1", -500).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RetailerPays(r1, "pos-2", "M1", 1'001).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(h_.TransferCount(), transfers);
  EXPECT_EQ(Dues("M1"), std::make_pair(int64_t{0}, int64_t{1'000}));

  // A retry gets the first answer; the id with another payment is refused.
  auto retry = PayAtCounter("p2", "M1", 7'000);
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->SerializeAsString(), rest->SerializeAsString());
  EXPECT_EQ(PayAtCounter("p2", "M1", 500).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(h_.TransferCount(), transfers);
  EXPECT_EQ(SystemBalance(kCounterCash), -11'000);

  // Each payment sent the consumer a receipt.
  std::vector<std::string> receipts;
  for (const v1::Notification& n : NewNotifications()) {
    if (n.kind() == v1::Notification::DUES_RECEIPT) receipts.push_back(n.text());
  }
  EXPECT_THAT(receipts,
              ElementsAre("Payment of Rs 40.00 toward the dues of meter M1 received. Dues left "
                          "Rs 80.00.",
                          "Payment of Rs 70.00 toward the dues of meter M1 received (Rs 60.00 "
                          "principal, Rs 10.00 surcharge). Dues left Rs 10.00."));
  h_.ExpectLedgerBalanced();
}

TEST_F(CollectionTest, RetailersPayDuesFromTheirFloatWithoutCommission) {
  ASSERT_TRUE(Import("bill-1", {DuesRowOf(2, "M1", 400'000, 200'000)}).ok());
  const Principal r1{v1::ROLE_RETAILER, "R1"};
  auto paid = RetailerPays(r1, "pos-1", "M1", 450'000);
  ASSERT_TRUE(paid.ok()) << paid.status();
  EXPECT_EQ(paid->principal().debit_account(), RetailerAccount("R1"));
  EXPECT_EQ(paid->surcharge().amount_paise(), 50'000);
  EXPECT_EQ(h_.FloatBalance("R1"), 50'000);
  EXPECT_EQ(SystemBalance(kCommission), 0);
  // The float may not go below its limit.
  auto short_float = RetailerPays(r1, "pos-2", "M1", 60'000);
  EXPECT_EQ(short_float.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(short_float.status().message(), HasSubstr("insufficient float"));
  EXPECT_EQ(Dues("M1"), std::make_pair(int64_t{0}, int64_t{150'000}));
  // An admin names the retailer; a retailer acts only on its own float.
  v1::RetailerPayDuesRequest req;
  req.set_request_id("pos-3");
  req.set_meter_id("M1");
  req.set_amount_paise(100);
  req.set_retailer_id("R2");
  EXPECT_EQ(
      Wait<v1::PayDuesResponse>([&](auto done) { h_.wallet().RetailerPayDues(r1, req, done); })
          .status()
          .code(),
      absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(
      Wait<v1::PayDuesResponse>([&](auto done) { h_.wallet().RetailerPayDues(kAdmin, req, done); })
          .status()
          .code(),
      absl::StatusCode::kNotFound);
  h_.ExpectLedgerBalanced();
}

TEST_F(CollectionTest, AnOrderForDuesCreditsTheDuesNotTheWallet) {
  ASSERT_TRUE(Import("bill-1", {DuesRowOf(2, "M1", 10'000, 1'000)}).ok());
  v1::StartRechargeRequest start;
  start.set_request_id("o1");
  start.set_meter_id("M1");
  start.set_amount_paise(11'001);
  start.set_purpose(v1::DUES);
  auto too_much = Wait<v1::StartRechargeResponse>(
      [&](auto done) { h_.wallet().StartRecharge(kConsumer1, start, done); });
  EXPECT_EQ(too_much.status().code(), absl::StatusCode::kFailedPrecondition);
  start.set_request_id("o2");
  start.set_amount_paise(10'500);
  auto order = Wait<v1::StartRechargeResponse>(
      [&](auto done) { h_.wallet().StartRecharge(kConsumer1, start, done); });
  ASSERT_TRUE(order.ok()) << order.status();
  EXPECT_EQ(order->order().purpose(), v1::DUES);

  auto paid = h_.Confirm("pay-1", order->order().order_id(), 10'500);
  ASSERT_TRUE(paid.ok()) << paid.status();
  ASSERT_TRUE(paid->has_dues());
  EXPECT_EQ(paid->dues().principal().amount_paise(), 10'000);
  EXPECT_EQ(paid->dues().principal().debit_account(), kPaymentClearing);
  EXPECT_EQ(paid->dues().surcharge().amount_paise(), 500);
  EXPECT_EQ(paid->dues().dues_left_paise(), 500);
  EXPECT_EQ(paid->transfer().seq(), paid->dues().principal().seq());
  EXPECT_EQ(paid->order().state(), v1::ORDER_PAID);
  EXPECT_EQ(h_.MeterBalance("M1"), 0);  // the wallet is not credited
  EXPECT_EQ(Dues("M1"), std::make_pair(int64_t{0}, int64_t{500}));

  // Dues paid at the counter meanwhile: the payment is refused for a refund.
  start.set_request_id("o3");
  start.set_amount_paise(500);
  auto late = Wait<v1::StartRechargeResponse>(
      [&](auto done) { h_.wallet().StartRecharge(kConsumer1, start, done); });
  ASSERT_TRUE(late.ok());
  ASSERT_TRUE(PayAtCounter("p1", "M1", 500).ok());
  auto refused = h_.Confirm("pay-2", late->order().order_id(), 500);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("refunded"));
  EXPECT_EQ(h_.wallet().GetOrder(kAdmin, late->order().order_id())->state(), v1::ORDER_PENDING);
  h_.ExpectLedgerBalanced();
}

TEST_F(CollectionTest, APostpaidMeterRecordsReadingsWithoutDebits) {
  v1::RegisterMeterRequest req = MeterRequest("P1", "C1");
  req.mutable_meter()->set_billing_mode(v1::POSTPAID);
  req.mutable_meter()->set_ct_operated(true);
  req.mutable_meter()->set_address("12 Link Road, Bilaspur");
  auto registered = h_.Register(req);
  ASSERT_TRUE(registered.ok()) << registered.status();
  EXPECT_EQ(registered->meter().billing_mode(), v1::POSTPAID);
  EXPECT_TRUE(registered->meter().ct_operated());
  EXPECT_EQ(registered->meter().address(), "12 Link Road, Bilaspur");

  const absl::Time t = h_.clock().Now();
  ASSERT_TRUE(Read("P1", 1'000, t - absl::Hours(2)).ok());
  auto read = Read("P1", 4'000, t - absl::Hours(1));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->results(0).outcome(), v1::ReadingResult::RECORDED);
  EXPECT_EQ(read->results(0).energy_wh(), 3'000);
  EXPECT_EQ(read->results(0).charged_paise(), 0);
  auto state = h_.wallet().GetMeterState("P1");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->register_wh(), 4'000);
  EXPECT_EQ(state->month_wh(), 3'000);
  EXPECT_EQ(state->balance_paise(), 0);
  // No charge, no alert, no notice, no cut: the prepaid policy is off.
  EXPECT_TRUE(NewCommands().empty());
  for (const v1::Notification& n : NewNotifications()) {
    EXPECT_NE(n.meter_id(), "P1") << n.ShortDebugString();
  }
  auto balance = h_.wallet().GetBalance(kConsumer1, "P1");
  ASSERT_TRUE(balance.ok());
  EXPECT_EQ(balance->status(), v1::POSTPAID_BILLED);
  EXPECT_EQ(balance->billing_mode(), v1::POSTPAID);
  // A post-paid meter has no wallet to recharge.
  EXPECT_EQ(h_.Recharge("R1", "rc-p1", "P1", 10'000).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(h_.StartRecharge(kConsumer1, "o-p1", "P1", 10'000).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // The same relay path: the utility holds it disconnected and lets it go.
  v1::SetHoldRequest hold;
  hold.set_request_id("hold-1");
  hold.set_meter_id("P1");
  hold.set_hold(v1::HOLD_KEEP_DISCONNECTED);
  hold.set_reason("meter tampering");
  ASSERT_TRUE(Wait<v1::SetHoldResponse>([&](auto done) { h_.wallet().SetHold(hold, done); }).ok());
  std::vector<v1::RelayCommand> commands = NewCommands();
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_EQ(commands[0].meter_id(), "P1");
  EXPECT_EQ(commands[0].action(), v1::DISCONNECT);
  hold.set_request_id("hold-2");
  hold.set_hold(v1::HOLD_NONE);
  ASSERT_TRUE(Wait<v1::SetHoldResponse>([&](auto done) { h_.wallet().SetHold(hold, done); }).ok());
  commands = NewCommands();
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_EQ(commands[0].action(), v1::RECONNECT);
  EXPECT_EQ(commands[0].reason(), "admin hold lifted");
  h_.ExpectLedgerBalanced();
}

TEST_F(CollectionTest, SwitchingBillingModeIsRecordedAndStartsOrStopsThePolicy) {
  // A prepaid meter runs out of credit and is cut (no notice days here).
  const absl::Time t = h_.clock().Now();
  ASSERT_TRUE(Read("M3", 0, t - absl::Hours(2)).ok());
  ASSERT_TRUE(Read("M3", 2'000, t - absl::Hours(1)).ok());  // Rs 10 of energy
  std::vector<v1::RelayCommand> commands = NewCommands();
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_EQ(commands[0].action(), v1::DISCONNECT);

  auto postpaid = SetMode("mode-1", "M3", v1::POSTPAID);
  ASSERT_TRUE(postpaid.ok()) << postpaid.status();
  ASSERT_EQ(postpaid->change().fields_size(), 1);
  EXPECT_EQ(postpaid->change().fields(0).field(), "billing_mode");
  EXPECT_EQ(postpaid->change().fields(0).before(), "PREPAID");
  EXPECT_EQ(postpaid->change().fields(0).after(), "POSTPAID");
  // The cut for non-payment of prepaid credit is lifted.
  commands = NewCommands();
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_EQ(commands[0].action(), v1::RECONNECT);
  EXPECT_EQ(commands[0].reason(), "billing mode changed to post-paid");
  EXPECT_EQ(SetMode("mode-2", "M3", v1::POSTPAID)->unchanged(), true);
  EXPECT_EQ(SetMode("mode-3", "M3", v1::BILLING_MODE_UNSPECIFIED).status().code(),
            absl::StatusCode::kInvalidArgument);

  // Back to prepaid: the grace period starts at the switch and the next
  // reading sets a new base (energy used while post-paid is billed by
  // billing).
  h_.clock().Advance(absl::Hours(5));
  ASSERT_TRUE(SetMode("mode-4", "M3", v1::PREPAID).ok());
  auto state = h_.wallet().GetMeterState("M3");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(*UnixMicros(state->prepaid_start_time()), absl::ToUnixMicros(h_.clock().Now()));
  auto read = Read("M3", 50'000, h_.clock().Now());
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->results(0).outcome(), v1::ReadingResult::RESET);

  v1::ListChangesRequest changes;
  changes.set_meter_id("M3");
  auto recorded = h_.wallet().ListChanges(changes);
  ASSERT_TRUE(recorded.ok());
  EXPECT_EQ(recorded->changes_size(), 2);  // to post-paid, back to prepaid
}

TEST_F(CollectionTest, UpdateMeterChangesTheCtFlagAndAddress) {
  v1::UpdateMeterRequest req;
  req.set_request_id("u1");
  req.set_meter_id("M1");
  req.set_ct_operated(true);
  req.set_address("Shop 4, Main Bazaar");
  req.set_reason("survey");
  auto updated =
      Wait<v1::UpdateMeterResponse>([&](auto done) { h_.wallet().UpdateMeter(kAdmin, req, done); });
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_TRUE(updated->meter().ct_operated());
  EXPECT_EQ(updated->meter().address(), "Shop 4, Main Bazaar");
  ASSERT_EQ(updated->change().fields_size(), 2);
  EXPECT_EQ(updated->change().fields(0).field(), "ct_operated");
  EXPECT_EQ(updated->change().fields(1).field(), "address");
  h_.Reopen();
  EXPECT_TRUE(h_.wallet().GetMeter("M1")->meter().ct_operated());
}

TEST_F(CollectionTest, TheDefaulterIndexFollowsEveryCommit) {
  v1::Selection all;
  EXPECT_THAT(Selected(all), ElementsAre("M2=30000"));  // legacy arrears at registration
  ASSERT_TRUE(
      Import("bill-1", {DuesRowOf(2, "M1", 50'000, 5'000, 3), DuesRowOf(3, "M3", 20'000, 0, 1)})
          .ok());
  EXPECT_THAT(Selected(all), ElementsAre("M1=55000", "M2=30000", "M3=20000"));
  ASSERT_TRUE(PayAtCounter("p1", "M1", 40'000).ok());
  EXPECT_THAT(Selected(all), ElementsAre("M2=30000", "M3=20000", "M1=15000"));
  v1::Selection bills;
  bills.set_min_unpaid_bills(2);
  EXPECT_THAT(Selected(bills), ElementsAre("M1=15000"));

  v1::UpdateMeterRequest move;
  move.set_request_id("u1");
  move.set_meter_id("M3");
  move.set_circle("Raipur");
  move.set_reason("boundary change");
  ASSERT_TRUE(Wait<v1::UpdateMeterResponse>([&](auto done) {
                h_.wallet().UpdateMeter(kAdmin, move, done);
              }).ok());
  v1::Selection raipur;
  raipur.set_circle("Raipur");
  EXPECT_THAT(Selected(raipur), ElementsAre("M3=20000"));
  v1::Selection below;
  below.set_balance_below_paise(1);
  ASSERT_TRUE(h_.Recharge("R1", "rc-1", "M2", 100'000).ok());  // 20 % recovers Rs 200
  EXPECT_THAT(Selected(below), ElementsAre("M3=20000", "M1=15000"));
  EXPECT_THAT(Selected(all), ElementsAre("M3=20000", "M1=15000", "M2=10000"));

  // A restart rebuilds the same index from the store.
  h_.Reopen();
  EXPECT_THAT(Selected(all), ElementsAre("M3=20000", "M1=15000", "M2=10000"));
  EXPECT_THAT(Selected(raipur), ElementsAre("M3=20000"));
}

// A caller told its payment is done already finds the index updated: the
// index follows a commit before the commit's callers are answered.
TEST_F(CollectionTest, TheIndexHasACommitBeforeItsCallersAreAnswered) {
  ASSERT_TRUE(Import("bill-1", {DuesRowOf(2, "M1", 50'000, 0)}).ok());
  v1::PayDuesRequest req;
  req.set_request_id("p1");
  req.set_meter_id("M1");
  req.set_amount_paise(50'000);
  std::vector<std::string> seen_when_answered;
  ASSERT_TRUE(Wait<v1::PayDuesResponse>([&](auto done) {
                h_.wallet().PayDuesAtCounter(req, [&, done](auto paid) {
                  seen_when_answered = Selected(v1::Selection());
                  done(std::move(paid));
                });
              }).ok());
  EXPECT_THAT(seen_when_answered, ElementsAre("M2=30000"));
}

TEST_F(CollectionTest, ListDefaultersPagesThroughTheSelectionWithItsTotals) {
  std::vector<v1::DuesRow> rows;
  for (int i = 0; i < 7; ++i) {
    const std::string id = absl::StrCat("D", i);
    v1::RegisterMeterRequest req = MeterRequest(id, "C1");
    req.mutable_meter()->set_category(i % 2 ? v1::COMMERCIAL : v1::DOMESTIC);
    ASSERT_TRUE(h_.Register(req).ok());
    rows.push_back(DuesRowOf(i + 2, id, 1'000 * (i % 4), 100, i));
  }
  ASSERT_TRUE(Import("bill-1", rows).ok());
  v1::ListDefaultersRequest req;
  req.mutable_selection()->add_categories(v1::COMMERCIAL);
  req.mutable_selection()->add_categories(v1::DOMESTIC);
  req.mutable_selection()->set_min_dues_paise(1'100);
  req.mutable_selection()->set_min_unpaid_bills(1);  // not M2: legacy arrears, no bills
  req.set_page_size(2);
  std::vector<std::string> listed;
  int pages = 0;
  do {
    auto page = h_.wallet().ListDefaulters(req);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->total_count(), 5);  // D1, D2, D3, D5, D6
    for (const v1::Defaulter& d : page->defaulters()) {
      listed.push_back(absl::StrCat(d.meter().meter_id(), "=", d.dues_paise()));
      EXPECT_EQ(d.dues_paise(), d.principal_paise() + d.surcharge_paise());
      EXPECT_EQ(d.consumer_name(), "Consumer C1");
      EXPECT_EQ(d.oldest_due_date(), "2026-09-15");
    }
    req.set_page_token(page->next_page_token());
    ++pages;
  } while (!req.page_token().empty());
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(listed, ElementsAre("D3=3100", "D2=2100", "D6=2100", "D1=1100", "D5=1100"));
  auto first = h_.wallet().ListDefaulters(req);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->total_dues_paise(), 3'100 + 2 * 2'100 + 2 * 1'100);

  // A token opens only the selection it was issued for.
  req.set_page_token("");
  auto page = h_.wallet().ListDefaulters(req);
  ASSERT_TRUE(page.ok());
  req.set_page_token(page->next_page_token());
  req.mutable_selection()->set_min_dues_paise(1'000);
  EXPECT_EQ(h_.wallet().ListDefaulters(req).status().code(), absl::StatusCode::kInvalidArgument);
  req.set_page_token("abc");
  EXPECT_EQ(h_.wallet().ListDefaulters(req).status().code(), absl::StatusCode::kInvalidArgument);
  v1::ListDefaultersRequest bad;
  bad.mutable_selection()->set_min_dues_paise(-1);
  EXPECT_EQ(h_.wallet().ListDefaulters(bad).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace wallet
