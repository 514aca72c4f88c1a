// A meter is billed only on a tariff in force: registration names one that
// the tariff book holds and that applies today, or is refused with nothing
// changed.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wallet_harness.h"

namespace wallet {
namespace {

using ::testing::HasSubstr;
using testing::MeterRequest;
using testing::Wait;
using testing::WalletHarness;
using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;

class MeterTariffTest : public ::testing::Test {
 protected:
  absl::StatusOr<v1::PutTariffResponse> PutTariff(const std::string& id,
                                                  const std::string& effective_from,
                                                  int32_t version = 1) {
    v1::PutTariffRequest req;
    req.set_request_id("put-" + id + "-" + effective_from);
    v1::Tariff* tariff = req.mutable_tariff();
    tariff->set_tariff_id(id);
    tariff->set_version(version);
    tariff->set_effective_from(effective_from);
    tariff->set_category(v1::DOMESTIC);
    tariff->add_slabs()->set_paise_per_kwh(450);
    return Wait<v1::PutTariffResponse>([&](auto done) { h_.wallet().PutTariff(req, done); });
  }

  // Registration of M1 for a new consumer with Rs 500 of arrears on `tariff`.
  absl::Status Register(const std::string& tariff) {
    auto req = MeterRequest("M1", "C1", 50'000);
    req.mutable_meter()->set_tariff_id(tariff);
    return h_.Register(req).status();
  }

  void ExpectNothingRegistered() {
    EXPECT_THAT(h_.wallet().GetMeter("M1"), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_EQ(h_.TransferCount(), 0u);  // no arrears opened
    v1::IssueApiKeyRequest key;
    key.set_request_id("key-c1");
    key.set_role(v1::ROLE_CONSUMER);
    key.set_subject_id("C1");
    auto issued = Wait<v1::IssueApiKeyResponse>(
        [&](auto done) { h_.wallet().IssueApiKey(key, "wk_test_key_0000000001", done); });
    EXPECT_THAT(issued, StatusIs(absl::StatusCode::kNotFound)) << "consumer C1 was created";
  }

  WalletHarness h_;  // clock: 2 November 2026; tariff book: DOM-2025
};

TEST_F(MeterTariffTest, NoTariffIsInvalidArgumentAndChangesNothing) {
  const absl::Status status = Register("");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("meter.tariff_id is required")));
  ExpectNothingRegistered();
}

TEST_F(MeterTariffTest, UnknownTariffIsNotFoundAndChangesNothing) {
  const absl::Status status = Register("DOM-1999");
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("tariff DOM-1999 not found")));
  ExpectNothingRegistered();
}

TEST_F(MeterTariffTest, TariffNotYetInForceIsRefusedUntilItIs) {
  ASSERT_THAT(PutTariff("DOM-2027", "2027-04-01"), IsOk());
  const absl::Status status = Register("DOM-2027");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition,
                               HasSubstr("takes effect on 2027-04-01")));
  ExpectNothingRegistered();
  // A version in force today makes it usable; the request id was not burnt.
  ASSERT_THAT(PutTariff("DOM-2027", "2026-11-01", 2), IsOk());
  EXPECT_THAT(Register("DOM-2027"), IsOk());
  auto view = h_.wallet().GetMeter("M1");
  ASSERT_THAT(view, IsOk());
  EXPECT_EQ(view->meter().tariff_id(), "DOM-2027");
  EXPECT_EQ(view->arrears_paise(), 50'000);
}

TEST_F(MeterTariffTest, TariffAddedByAdminCanBeUsedAndSurvivesRestart) {
  ASSERT_THAT(PutTariff("COM-2026", "2026-04-01"), IsOk());
  ASSERT_THAT(Register("COM-2026"), IsOk());
  h_.Reopen();  // the stored version keeps the meter's tariff in the book
  auto view = h_.wallet().GetMeter("M1");
  ASSERT_THAT(view, IsOk());
  EXPECT_EQ(view->meter().tariff_id(), "COM-2026");
}

}  // namespace
}  // namespace wallet
