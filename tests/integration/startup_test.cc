// walletd as a real child process refusing to start on a configuration that
// would misbill or overflow, with a message that says what to fix.
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/walletd_process.h"
#include "wallet/v1/admin.grpc.pb.h"

namespace wallet::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::wallet::v1::AdminService;

// A tariff entry of the text-format tariff book.
std::string TariffEntry(const std::string& id, const std::string& effective_from = "2024-04-01") {
  return absl::StrCat("tariffs { tariff_id: \"", id, "\" version: 1 effective_from: \"",
                      effective_from, "\" category: DOMESTIC slabs { paise_per_kwh: 400 } }\n");
}

void WriteTariffFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

absl::Status RegisterMeter(AdminService::Stub& admin, const std::string& key,
                           const std::string& meter, const std::string& tariff) {
  v1::RegisterMeterRequest req;
  req.set_request_id("reg-" + meter);
  req.mutable_meter()->set_meter_id(meter);
  req.mutable_meter()->set_consumer_id("C-" + meter);
  req.mutable_meter()->set_category(v1::DOMESTIC);
  req.mutable_meter()->set_sanctioned_load_w(3000);
  req.mutable_meter()->set_tariff_id(tariff);
  req.mutable_consumer()->set_phone("+919800000001");
  v1::RegisterMeterResponse response;
  return ToStatus(admin.RegisterMeter(MakeContext(key).get(), req, &response), "RegisterMeter");
}

TEST(StartupTest, MaxAmountAboveTheLedgersCeilingIsRefused) {
  TempDir scratch;  // a failed start keeps its directory: inside this one
  for (const char* bad : {"100000000001", "9223372036854775807", "0", "-5"}) {
    WalletdOptions options;
    options.binary = WALLETD_PATH;
    options.temp_root = scratch.path();
    options.extra_args = {absl::StrCat("--max_amount_paise=", bad)};
    absl::StatusOr<std::unique_ptr<WalletdProcess>> walletd = WalletdProcess::Start(options);
    EXPECT_THAT(
        walletd,
        StatusIs(absl::StatusCode::kFailedPrecondition,
                 AllOf(HasSubstr(absl::StrCat("--max_amount_paise=", bad, " is out of range")),
                       HasSubstr("Rs 1,00,00,00,000.00"))))
        << bad;
  }
  WalletdOptions at_limit;
  at_limit.binary = WALLETD_PATH;
  at_limit.temp_root = scratch.path();
  at_limit.extra_args = {"--max_amount_paise=100000000000"};
  absl::StatusOr<std::unique_ptr<WalletdProcess>> walletd = WalletdProcess::Start(at_limit);
  ASSERT_THAT(walletd, IsOk());
}

// Meters on a tariff that a restart's tariff file no longer holds would never
// be billed again: walletd refuses to start and names the tariff. A tariff
// added with PutTariff is kept in the store and needs no file.
TEST(StartupTest, RestartWithoutATariffInUseIsRefused) {
  TempDir config;
  const std::string tariffs = config.path() + "/tariffs.textproto";
  WriteTariffFile(tariffs, TariffEntry("T-KEEP") + TariffEntry("T-GONE"));
  WalletdOptions options;
  options.binary = WALLETD_PATH;
  options.extra_args = {"--tariffs=" + tariffs};
  options.temp_root = config.path();  // kept after the failed restart: inside this one
  absl::StatusOr<std::unique_ptr<WalletdProcess>> started = WalletdProcess::Start(options);
  ASSERT_THAT(started, IsOk());
  WalletdProcess& walletd = **started;
  {
    auto admin = AdminService::NewStub(walletd.NewChannel());
    v1::PutTariffRequest put;
    put.set_request_id("put-api");
    put.mutable_tariff()->set_tariff_id("T-API");
    put.mutable_tariff()->set_version(1);
    put.mutable_tariff()->set_effective_from("2024-04-01");
    put.mutable_tariff()->add_slabs()->set_paise_per_kwh(400);
    v1::PutTariffResponse response;
    ASSERT_THAT(admin->PutTariff(MakeContext(walletd.admin_key()).get(), put, &response), IsOk());
    for (const auto& [meter, tariff] : std::vector<std::pair<std::string, std::string>>{
             {"M1", "T-KEEP"}, {"M2", "T-GONE"}, {"M3", "T-GONE"}, {"M4", "T-API"}}) {
      ASSERT_THAT(RegisterMeter(*admin, walletd.admin_key(), meter, tariff), IsOk()) << meter;
    }
  }

  WriteTariffFile(tariffs, TariffEntry("T-KEEP"));
  absl::Status restarted = walletd.Restart();
  EXPECT_THAT(restarted,
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("tariff \"T-GONE\" (used by 2 meters)"),
                             HasSubstr("--tariffs file"), Not(HasSubstr("\"T-API\" (used")))));

  // Nor may the file keep only a version that is not in force yet.
  WriteTariffFile(tariffs, TariffEntry("T-KEEP") + TariffEntry("T-GONE", "2030-04-01"));
  restarted = walletd.Restart();
  EXPECT_THAT(
      restarted,
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr("tariff \"T-GONE\" (used by 2 meters) has no version in force before "
                         "2030-04-01")));

  // With the tariff back, walletd starts and the meters are all there.
  WriteTariffFile(tariffs, TariffEntry("T-KEEP") + TariffEntry("T-GONE"));
  ASSERT_THAT(walletd.Restart(), IsOk());
  auto admin = AdminService::NewStub(walletd.NewChannel());
  v1::ListMetersRequest list;
  v1::ListMetersResponse meters;
  ASSERT_THAT(admin->ListMeters(MakeContext(walletd.admin_key()).get(), list, &meters), IsOk());
  EXPECT_EQ(meters.meters_size(), 4);
}

}  // namespace
}  // namespace wallet::testing
