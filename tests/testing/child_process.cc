#include "tests/testing/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace wallet::testing {
namespace {

absl::Status Errno(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(ChildOptions options) {
  if (options.binary.empty() || options.log_path.empty() || options.ready_path.empty()) {
    return absl::InvalidArgumentError("binary, log_path and ready_path are required");
  }
  std::unique_ptr<ChildProcess> child(new ChildProcess(std::move(options)));
  absl::Status launched = child->Launch();
  if (!launched.ok()) return launched;
  return child;
}

ChildProcess::~ChildProcess() { Kill().IgnoreError(); }

absl::Status ChildProcess::Launch() {
  unlink(options_.ready_path.c_str());
  std::vector<std::string> args = {options_.binary};
  args.insert(args.end(), options_.args.begin(), options_.args.end());
  args.push_back(absl::StrCat("--ready_file=", options_.ready_path));
  // Prepared before fork: only async-signal-safe calls may follow it.
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const int log_fd =
      open(options_.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Errno(absl::StrCat("open ", options_.log_path));
  const std::string banner = absl::StrCat("=== starting: ", absl::StrJoin(args, " "), "\n");
  if (write(log_fd, banner.data(), banner.size()) < 0) {
    // Only a convenience.
  }
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    close(null_fd);
    return Errno("fork");
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, nullptr);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(log_fd);
  close(null_fd);
  pid_ = pid;

  const absl::Time deadline = absl::Now() + options_.start_timeout;
  while (access(options_.ready_path.c_str(), F_OK) != 0) {
    int wait_status = 0;
    if (Reap(&wait_status, /*block=*/false)) {
      return absl::FailedPreconditionError(absl::StrCat(
          options_.binary, " exited before it was ready (status ", wait_status, "); log ",
          options_.log_path, ":\n", LogTail()));
    }
    if (absl::Now() > deadline) {
      Kill().IgnoreError();
      return absl::DeadlineExceededError(absl::StrCat(options_.binary, " not ready in time; log ",
                                                      options_.log_path, ":\n", LogTail()));
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  std::ifstream in(options_.ready_path);
  std::stringstream text;
  text << in.rdbuf();
  for (absl::string_view line : absl::StrSplit(text.str(), '\n', absl::SkipWhitespace())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(line, absl::MaxSplits('=', 1));
    ready_[std::string(absl::StripAsciiWhitespace(kv.first))] =
        std::string(absl::StripAsciiWhitespace(kv.second));
  }
  return absl::OkStatus();
}

bool ChildProcess::Reap(int* wait_status, bool block) {
  if (pid_ <= 0) return true;
  pid_t r;
  do {
    r = waitpid(pid_, wait_status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_ || r < 0) {
    pid_ = -1;
    return true;
  }
  return false;
}

absl::Status ChildProcess::Kill() {
  if (pid_ <= 0) return absl::OkStatus();
  kill(pid_, SIGKILL);
  int wait_status = 0;
  Reap(&wait_status, /*block=*/true);
  return absl::OkStatus();
}

absl::StatusOr<int> ChildProcess::Terminate(absl::Duration timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("not running");
  kill(pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + timeout;
  int wait_status = 0;
  while (!Reap(&wait_status, /*block=*/false)) {
    if (absl::Now() > deadline) {
      Kill().IgnoreError();
      return absl::DeadlineExceededError(absl::StrCat(options_.binary, " ignored SIGTERM"));
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  return 128 + WTERMSIG(wait_status);
}

absl::StatusOr<int> ChildProcess::ReadyInt(absl::string_view key) const {
  auto it = ready_.find(key);
  int value = 0;
  if (it == ready_.end() || !absl::SimpleAtoi(it->second, &value)) {
    return absl::NotFoundError(absl::StrCat("no integer ", key, " in ", options_.ready_path));
  }
  return value;
}

std::string ChildProcess::LogTail(size_t max_bytes) const {
  std::ifstream in(options_.log_path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string all = text.str();
  return all.size() <= max_bytes ? all : all.substr(all.size() - max_bytes);
}

}  // namespace wallet::testing
