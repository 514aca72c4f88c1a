// WALLET_RETURN_IF_ERROR and WALLET_ASSIGN_OR_RETURN: early return on an
// error, the value moved out on success, the expression evaluated once.
#include "base/status_macros.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace base {
namespace {

using ::wallet::testing::IsOk;
using ::wallet::testing::IsOkAndHolds;

absl::Status ReturnIfError(absl::Status status, int* reached) {
  WALLET_RETURN_IF_ERROR(status);
  ++*reached;
  return absl::OkStatus();
}

TEST(StatusMacrosTest, ReturnIfErrorReturnsTheErrorAndGoesOnWhenOk) {
  int reached = 0;
  EXPECT_THAT(ReturnIfError(absl::OkStatus(), &reached), IsOk());
  EXPECT_EQ(reached, 1);
  const absl::Status error = ReturnIfError(absl::NotFoundError("no meter"), &reached);
  EXPECT_EQ(error, absl::NotFoundError("no meter"));
  EXPECT_EQ(reached, 1);
}

absl::StatusOr<std::unique_ptr<std::string>> Make(bool ok, int* calls) {
  ++*calls;
  if (!ok) return absl::FailedPreconditionError("not now");
  return std::make_unique<std::string>("value");
}

absl::StatusOr<std::string> AssignOrReturn(bool ok, int* calls) {
  // A move-only value, declared in the macro.
  WALLET_ASSIGN_OR_RETURN(std::unique_ptr<std::string> made, Make(ok, calls));
  // An existing variable.
  std::unique_ptr<std::string> again;
  WALLET_ASSIGN_OR_RETURN(again, Make(ok, calls));
  return *made + "+" + *again;
}

TEST(StatusMacrosTest, AssignOrReturnMovesTheValueOrReturnsTheStatus) {
  int calls = 0;
  absl::StatusOr<std::string> both = AssignOrReturn(true, &calls);
  EXPECT_THAT(both, IsOkAndHolds("value+value"));
  EXPECT_EQ(calls, 2);  // each expression once

  calls = 0;
  EXPECT_EQ(AssignOrReturn(false, &calls).status(), absl::FailedPreconditionError("not now"));
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace base
