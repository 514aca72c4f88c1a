// ChildProcess on small /bin/sh scripts: readiness by file and by log line,
// a child that dies or hangs before it is ready, arguments, environment and
// output, exit statuses, and the stop on destruction (SIGTERM first, SIGKILL
// for a child that ignores it). The log's first line quotes the script, so
// what a script prints is looked for as a line of its own.
#include "tests/testing/child_process.h"

#include <signal.h>

#include <cerrno>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"

namespace wallet::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Alive is true while `pid` exists (a reaped child does not).
bool Alive(pid_t pid) { return kill(pid, 0) == 0 || errno != ESRCH; }

class ChildProcessTest : public ::testing::Test {
 protected:
  // Shell returns options that run `script` with /bin/sh, logging to
  // <dir>/log.
  ChildOptions Shell(const std::string& script) const {
    ChildOptions options;
    options.binary = "/bin/sh";
    options.args = {"-c", script};
    options.log_path = Path("log");
    return options;
  }
  std::string Path(const std::string& name) const { return dir_.path() + "/" + name; }
  // PidIn reads the pid a script wrote with `echo $$ > file`.
  pid_t PidIn(const std::string& name) const {
    int pid = -1;
    EXPECT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(ReadFile(Path(name))), &pid));
    return pid;
  }

  TempDir dir_;
};

TEST_F(ChildProcessTest, StartWaitsForTheReadyFileAndReadsIt) {
  ChildOptions options = Shell(
      "sleep 0.2; printf 'grpc_port=4059\\nname=sim\\n' > \"$0\".tmp && mv \"$0\".tmp \"$0\"; "
      "exec sleep 600");
  options.args.push_back(Path("ready"));  // $0 of the script
  options.ready_file = Path("ready");
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(options);
  ASSERT_THAT(child, IsOk());
  EXPECT_TRUE((*child)->running());
  EXPECT_THAT((*child)->ReadyInt("grpc_port"), IsOkAndHolds(4059));
  EXPECT_THAT((*child)->ReadyInt("name"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT((*child)->ReadyInt("http_port"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT((*child)->Terminate(), IsOkAndHolds(128 + SIGTERM));
  EXPECT_FALSE((*child)->running());
}

TEST_F(ChildProcessTest, AReadyFileFromAnEarlierRunDoesNotCount) {
  std::ofstream(Path("ready")) << "grpc_port=1\n";
  ChildOptions options = Shell("echo refusing to start >&2; exit 1");
  options.ready_file = Path("ready");
  EXPECT_THAT(ChildProcess::Start(options), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(ChildProcessTest, StartWaitsForTheReadyLineWrittenByThisRun) {
  std::ofstream(Path("log")) << "serving on port 1 (an earlier run)\n";
  ChildOptions options = Shell(
      "echo starting >&2; sleep 0.2; echo serving on port 7 >&2; "
      "exec sleep 600");
  options.ready_line = "serving on port 7";
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(options);
  ASSERT_THAT(child, IsOk());
  EXPECT_THAT((*child)->LogTail(), HasSubstr("\nserving on port 7\n"));
}

TEST_F(ChildProcessTest, TheReadyLineInTheArgumentsDoesNotCount) {
  // The log's first line names the command, ready text and all.
  ChildOptions options = Shell("exit 3  # serving");
  options.ready_line = "serving";
  EXPECT_THAT(ChildProcess::Start(options),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("exit code 3")));
}

TEST_F(ChildProcessTest, AChildThatExitsBeforeItIsReadyIsReportedWithItsLog) {
  ChildOptions options = Shell("echo 'error: --port is out of range' >&2; exit 2");
  options.ready_file = Path("ready");
  options.name = "walletd";
  EXPECT_THAT(
      ChildProcess::Start(options),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               AllOf(HasSubstr("walletd exited before it was ready: exit code 2"),
                     HasSubstr("\nerror: --port is out of range\n"), HasSubstr(Path("log")))));
}

TEST_F(ChildProcessTest, AChildNotReadyInTimeIsKilled) {
  ChildOptions options = Shell("echo $$ > \"$0\"; exec sleep 600");
  options.args.push_back(Path("pid"));
  options.ready_file = Path("never");
  options.ready_timeout = absl::Milliseconds(300);
  EXPECT_THAT(ChildProcess::Start(options),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("was not ready within")));
  EXPECT_FALSE(Alive(PidIn("pid")));
}

TEST_F(ChildProcessTest, ArgumentsEnvironmentAndOutputReachTheirPlaces) {
  setenv("CHILD_PROCESS_TEST_GONE", "parent", 1);
  ChildOptions options =
      Shell("echo \"$1|$FOO|${CHILD_PROCESS_TEST_GONE-unset}\"; echo to-stderr >&2");
  options.args.push_back("sh");  // $0
  options.args.push_back("two words");
  options.env = {{"FOO", "bar"}, {"CHILD_PROCESS_TEST_GONE", ""}};
  options.stdout_path = Path("out");
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(options);
  ASSERT_THAT(child, IsOk());
  EXPECT_THAT((*child)->Wait(kGenerousDeadline), IsOkAndHolds(0));
  EXPECT_EQ(ReadFile(Path("out")), "two words|bar|unset\n");
  EXPECT_THAT(ReadFile(Path("log")),
              AllOf(HasSubstr("\nto-stderr\n"), Not(HasSubstr("two words|"))));
}

TEST_F(ChildProcessTest, ExitStatusIsTheCodeOr128PlusTheSignal) {
  absl::StatusOr<std::unique_ptr<ChildProcess>> exits = ChildProcess::Start(Shell("exit 7"));
  ASSERT_THAT(exits, IsOk());
  EXPECT_THAT((*exits)->Wait(kGenerousDeadline), IsOkAndHolds(7));
  EXPECT_THAT((*exits)->Wait(kGenerousDeadline), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT((*exits)->Terminate(), StatusIs(absl::StatusCode::kFailedPrecondition));

  absl::StatusOr<std::unique_ptr<ChildProcess>> killed =
      ChildProcess::Start(Shell("kill -KILL $$"));
  ASSERT_THAT(killed, IsOk());
  EXPECT_THAT((*killed)->Wait(kGenerousDeadline), IsOkAndHolds(128 + SIGKILL));
}

TEST_F(ChildProcessTest, WaitLeavesARunningChildRunning) {
  absl::StatusOr<std::unique_ptr<ChildProcess>> child =
      ChildProcess::Start(Shell("exec sleep 600"));
  ASSERT_THAT(child, IsOk());
  EXPECT_THAT((*child)->Wait(absl::Milliseconds(50)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_TRUE((*child)->running());
  EXPECT_THAT((*child)->Kill(), IsOk());
  EXPECT_FALSE((*child)->running());
  EXPECT_THAT((*child)->Kill(), IsOk());
}

TEST_F(ChildProcessTest, DestructionSendsSigtermFirst) {
  ChildOptions options = Shell(
      "trap 'echo stopped cleanly >&2; exit 0' TERM; echo $$ > \"$0\"; "
      "while :; do sleep 0.05; done");
  options.args.push_back(Path("pid"));
  options.ready_file = Path("pid");
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(options);
  ASSERT_THAT(child, IsOk());
  const pid_t pid = (*child)->pid();
  child->reset();
  EXPECT_FALSE(Alive(pid));
  EXPECT_THAT(ReadFile(Path("log")), HasSubstr("\nstopped cleanly\n"));
}

TEST_F(ChildProcessTest, DestructionKillsAChildThatIgnoresSigterm) {
  ChildOptions options = Shell("trap '' TERM; echo $$ > \"$0\"; while :; do sleep 0.05; done");
  options.args.push_back(Path("pid"));
  options.ready_file = Path("pid");
  options.stop_timeout = absl::Milliseconds(300);
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(options);
  ASSERT_THAT(child, IsOk());
  const pid_t pid = (*child)->pid();
  child->reset();
  EXPECT_FALSE(Alive(pid));
}

TEST_F(ChildProcessTest, TerminateKillsAChildThatIgnoresSigterm) {
  ChildOptions options = Shell("trap '' TERM; echo $$ > \"$0\"; while :; do sleep 0.05; done");
  options.args.push_back(Path("pid"));
  options.ready_file = Path("pid");
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(options);
  ASSERT_THAT(child, IsOk());
  const pid_t pid = (*child)->pid();
  EXPECT_THAT((*child)->Terminate(absl::Milliseconds(300)),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("of SIGTERM")));
  EXPECT_FALSE((*child)->running());
  EXPECT_FALSE(Alive(pid));
}

TEST(ChildProcessOptionsTest, BinaryAndLogAreRequired) {
  EXPECT_THAT(ChildProcess::Start(ChildOptions()), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace wallet::testing
