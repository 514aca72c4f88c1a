// The benchmarks' seeding helper (tests/testing/seed_meters.h): the meters
// it registers are there, with their defaulter index, when the store is
// opened again, and a refusal stops it with the refusal.
#include "tests/testing/seed_meters.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wallet_harness.h"

namespace wallet::testing {
namespace {

TEST(SeedMeters, RegistersEveryMeterThroughTheWallet) {
  TempDir dir;
  WalletOptions options;
  options.data_dir = dir.path() + "/db";
  options.ledger = TestLedgerOptions();
  ASSERT_TRUE(SeedMeters(
                  options, 2'000,
                  [](int64_t i) {
                    return MeterRequest(absl::StrCat("S", i), absl::StrCat("C", i),
                                        /*arrears_paise=*/i % 10 == 0 ? 1'000 + i : 0);
                  },
                  /*in_flight=*/64)
                  .ok());
  testing::FakeClock clock(absl::Now());
  options.tick_interval = absl::ZeroDuration();
  auto wallet = Wallet::Open(options, &clock);
  ASSERT_TRUE(wallet.ok()) << wallet.status();
  EXPECT_EQ((*wallet)->defaulters().Size(), 2'000u);
  EXPECT_EQ((*wallet)->defaulters().Select(v1::Selection()).size(), 200u);
  auto last = (*wallet)->GetMeter("S1990");
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(last->arrears_paise(), 2'990);
  auto check = (*wallet)->CheckLedger();
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok());
}

TEST(SeedMeters, StopsAtTheFirstRefusal) {
  TempDir dir;
  WalletOptions options;
  options.data_dir = dir.path() + "/db";
  options.ledger = TestLedgerOptions();
  const absl::Status refused = SeedMeters(options, 100, [](int64_t i) {
    v1::RegisterMeterRequest req = MeterRequest(absl::StrCat("S", i), "C1");
    if (i == 50) req.mutable_meter()->set_tariff_id("NO-SUCH-TARIFF");
    return req;
  });
  EXPECT_EQ(refused.code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace wallet::testing
