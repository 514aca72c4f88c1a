// RunProcess on /bin/sh: exit code, both outputs apart and whole, the
// environment, and a program that does not exit in time.
#include "tests/testing/run_process.h"

#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wait.h"

namespace wallet::testing {
namespace {

using ::testing::HasSubstr;

TEST(RunProcessTest, ReturnsTheExitCodeAndBothOutputs) {
  absl::StatusOr<ProcessResult> result =
      RunProcess({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, {}, kGenerousDeadline);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_EQ(result->out, "out\n");
  EXPECT_EQ(result->err, "err\n");
}

TEST(RunProcessTest, OutputLargerThanAPipeIsReadWhole) {
  absl::StatusOr<ProcessResult> result = RunProcess(
      {"/bin/sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' x"}, {}, kGenerousDeadline);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(result->out, std::string(1'000'000, 'x'));
}

TEST(RunProcessTest, SetsAndUnsetsVariables) {
  setenv("RUN_PROCESS_TEST_GONE", "parent", 1);
  absl::StatusOr<ProcessResult> result =
      RunProcess({"/bin/sh", "-c", "echo \"$FOO ${RUN_PROCESS_TEST_GONE-unset}\""},
                 {{"FOO", "bar"}, {"RUN_PROCESS_TEST_GONE", ""}}, kGenerousDeadline);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->out, "bar unset\n");
}

TEST(RunProcessTest, AProgramThatDoesNotExitInTimeIsKilled) {
  EXPECT_THAT(
      RunProcess({"/bin/sh", "-c", "echo stuck >&2; exec sleep 600"}, {}, absl::Milliseconds(300)),
      StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("stuck")));
}

TEST(RunProcessTest, AMissingProgramExits127) {
  absl::StatusOr<ProcessResult> result =
      RunProcess({"/nonexistent/walletctl"}, {}, kGenerousDeadline);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->exit_code, 127);
}

TEST(RunProcessTest, NothingToRunIsInvalid) {
  EXPECT_THAT(RunProcess({}, {}, kGenerousDeadline), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace wallet::testing
