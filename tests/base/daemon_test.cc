// The daemon start-up helper in this test process: stop signals blocked (in
// later threads too) and waited for, SIGPIPE ignored, the ready file written
// whole, failures reported with the program's name and exit code 1. One
// test only: glog initialises once per process.
#include "base/daemon.h"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace base {
namespace {

using ::testing::HasSubstr;
using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;

bool Blocked(int signal_number) {
  sigset_t mask;
  pthread_sigmask(SIG_BLOCK, nullptr, &mask);
  return sigismember(&mask, signal_number) == 1;
}

TEST(DaemonTest, SetsUpTheProcessWritesReadyFilesAndWaitsForTheStopSignal) {
  Daemon daemon("test-daemon", "daemon_test");

  EXPECT_TRUE(Blocked(SIGTERM));
  EXPECT_TRUE(Blocked(SIGINT));
  bool blocked_in_thread = false;
  std::thread([&] { blocked_in_thread = Blocked(SIGTERM) && Blocked(SIGINT); }).join();
  EXPECT_TRUE(blocked_in_thread);
  struct sigaction pipe_action {};
  sigaction(SIGPIPE, nullptr, &pipe_action);
  EXPECT_EQ(pipe_action.sa_handler, SIG_IGN);

  wallet::testing::TempDir dir;
  const std::string ready = dir.path() + "/ready";
  ASSERT_THAT(daemon.WriteReadyFile(ready, {{"grpc_port", 50051}, {"http_port", 0}}), IsOk());
  std::ifstream in(ready);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "grpc_port=50051\nhttp_port=0\n");
  EXPECT_THAT(daemon.WriteReadyFile("", {{"http_port", 1}}), IsOk());  // no file asked for
  EXPECT_THAT(daemon.WriteReadyFile(dir.path() + "/missing/ready", {}),
              StatusIs(absl::StatusCode::kUnavailable));

  ::testing::internal::CaptureStderr();
  EXPECT_EQ(daemon.Fail(absl::InvalidArgumentError("--meters is required")), 1);
  EXPECT_THAT(::testing::internal::GetCapturedStderr(),
              HasSubstr("test-daemon: INVALID_ARGUMENT: --meters is required\n"));

  // Blocked, so it waits, pending, for WaitForStopSignal.
  ASSERT_EQ(kill(getpid(), SIGTERM), 0);
  EXPECT_EQ(daemon.WaitForStopSignal(), SIGTERM);
}

}  // namespace
}  // namespace base
