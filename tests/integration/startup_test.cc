// walletd as a real child process refusing to start on a configuration that
// would misbill or overflow, with a message that says what to fix.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/walletd_process.h"

namespace wallet::testing {
namespace {

using ::testing::HasSubstr;

TEST(StartupTest, MaxAmountAboveTheLedgersCeilingIsRefused) {
  for (const char* bad : {"100000000001", "9223372036854775807", "0", "-5"}) {
    WalletdOptions options;
    options.binary = WALLETD_PATH;
    options.extra_args = {absl::StrCat("--max_amount_paise=", bad)};
    absl::StatusOr<std::unique_ptr<WalletdProcess>> walletd = WalletdProcess::Start(options);
    ASSERT_FALSE(walletd.ok()) << bad;
    EXPECT_EQ(walletd.status().code(), absl::StatusCode::kFailedPrecondition) << bad;
    EXPECT_THAT(std::string(walletd.status().message()),
                HasSubstr(absl::StrCat("--max_amount_paise=", bad, " is out of range")));
    EXPECT_THAT(std::string(walletd.status().message()), HasSubstr("Rs 1,00,00,00,000.00"));
  }
  WalletdOptions at_limit;
  at_limit.binary = WALLETD_PATH;
  at_limit.extra_args = {"--max_amount_paise=100000000000"};
  absl::StatusOr<std::unique_ptr<WalletdProcess>> walletd = WalletdProcess::Start(at_limit);
  ASSERT_TRUE(walletd.ok()) << walletd.status();
}

}  // namespace
}  // namespace wallet::testing
