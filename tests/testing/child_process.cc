#include "tests/testing/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

extern char** environ;

namespace wallet::testing {
namespace {

// How often Start polls for readiness and Wait for the exit: short enough
// not to slow tests down, long enough not to burn a core.
constexpr absl::Duration kPollInterval = absl::Milliseconds(5);

absl::Status Errno(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

int ExitStatusOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

std::string DescribeExit(int exit_status) {
  if (exit_status > 128) {
    return absl::StrCat("signal ", exit_status - 128, " (", strsignal(exit_status - 128), ")");
  }
  return absl::StrCat("exit code ", exit_status);
}

// Environment returns this process's environment with `changes` applied.
std::vector<std::string> Environment(
    const std::vector<std::pair<std::string, std::string>>& changes) {
  std::vector<std::string> out;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const absl::string_view variable(*entry);
    bool changed = false;
    for (const auto& [name, value] : changes) {
      changed = changed || absl::StartsWith(variable, absl::StrCat(name, "="));
    }
    if (!changed) out.emplace_back(variable);
  }
  for (const auto& [name, value] : changes) {
    if (!value.empty()) out.push_back(absl::StrCat(name, "=", value));
  }
  return out;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

std::string ReadFrom(const std::string& path, size_t offset) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

size_t FileSize(int fd) {
  struct stat info {};
  return fstat(fd, &info) == 0 ? static_cast<size_t>(info.st_size) : 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(ChildOptions options) {
  if (options.binary.empty() || options.log_path.empty()) {
    return absl::InvalidArgumentError("ChildOptions.binary and .log_path are required");
  }
  if (options.name.empty()) options.name = options.binary.substr(options.binary.rfind('/') + 1);
  std::unique_ptr<ChildProcess> child(new ChildProcess(std::move(options)));
  absl::Status launched = child->Launch();
  if (!launched.ok()) return launched;
  return child;
}

ChildProcess::ChildProcess(ChildOptions options) : options_(std::move(options)) {}

ChildProcess::~ChildProcess() {
  if (!running()) return;
  // A clean stop lets a server flush its log; one that hangs is killed.
  if (!Terminate(options_.stop_timeout).ok()) Kill().IgnoreError();
}

absl::Status ChildProcess::Launch() {
  // A ready file left by the previous run would make us connect to dead ports.
  if (!options_.ready_file.empty() && unlink(options_.ready_file.c_str()) != 0 && errno != ENOENT) {
    return Errno(absl::StrCat("unlink ", options_.ready_file));
  }
  // Everything the child needs is prepared before fork: between fork and exec
  // only async-signal-safe calls are allowed, because other threads (gRPC's)
  // may hold locks that will never be released in the child.
  std::vector<std::string> args = {options_.binary};
  args.insert(args.end(), options_.args.begin(), options_.args.end());
  std::vector<char*> argv = Pointers(args);
  std::vector<std::string> variables = Environment(options_.env);
  std::vector<char*> envp = Pointers(variables);

  const int log_fd =
      open(options_.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Errno(absl::StrCat("open ", options_.log_path));
  const std::string banner = absl::StrCat("=== ", absl::FormatTime(absl::Now()),
                                          " starting: ", absl::StrJoin(args, " "), "\n");
  if (options_.log_banner && write(log_fd, banner.data(), banner.size()) < 0) {
    // The banner is only a convenience; the log itself still works.
  }
  // A ready line counts only if written after the banner (which quotes the
  // arguments) by this run.
  const size_t log_offset = FileSize(log_fd);
  int out_fd = log_fd;
  if (!options_.stdout_path.empty()) {
    out_fd = open(options_.stdout_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (out_fd < 0) {
      close(log_fd);
      return Errno(absl::StrCat("open ", options_.stdout_path));
    }
  }
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // Die with the parent so a crashed test leaves no server behind; the
    // getppid check closes the race where the parent died before prctl.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    // The signal mask and ignored signals survive exec; the child must see
    // SIGTERM and SIGPIPE as a freshly started process would.
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, nullptr);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    dup2(null_fd, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execve(argv[0], argv.data(), envp.data());
    static constexpr char kExecFailed[] = "execve failed\n";
    if (write(STDERR_FILENO, kExecFailed, sizeof(kExecFailed) - 1) < 0) {
      // Nothing more can be done in the child.
    }
    _exit(127);
  }
  const int fork_errno = errno;
  close(log_fd);
  if (out_fd != log_fd) close(out_fd);
  if (null_fd >= 0) close(null_fd);
  if (pid < 0) {
    errno = fork_errno;
    return Errno("fork");
  }
  pid_ = pid;
  return AwaitReady(log_offset);
}

absl::Status ChildProcess::AwaitReady(size_t log_offset) {
  const bool want_file = !options_.ready_file.empty();
  const bool want_line = !options_.ready_line.empty();
  const absl::Time deadline = absl::Now() + options_.ready_timeout;
  bool line_seen = !want_line;
  for (;;) {
    if (!line_seen) {
      line_seen =
          ReadFrom(options_.log_path, log_offset).find(options_.ready_line) != std::string::npos;
    }
    if (line_seen && (!want_file || access(options_.ready_file.c_str(), F_OK) == 0)) break;
    int exit_status = 0;
    if (Reap(/*block=*/false, &exit_status)) {
      return WithLog(absl::FailedPreconditionError(
          absl::StrCat(options_.name, " exited before it was ready: ", DescribeExit(exit_status))));
    }
    if (absl::Now() > deadline) {
      Kill().IgnoreError();
      return WithLog(absl::DeadlineExceededError(absl::StrCat(
          options_.name, " was not ready within ", absl::FormatDuration(options_.ready_timeout))));
    }
    absl::SleepFor(kPollInterval);
  }
  if (!want_file) return absl::OkStatus();
  // Servers rename the ready file into place, so whatever is read is whole.
  for (absl::string_view line :
       absl::StrSplit(ReadFrom(options_.ready_file, 0), '\n', absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, absl::MaxSplits('=', 1));
    ready_[std::string(absl::StripAsciiWhitespace(kv.first))] =
        std::string(absl::StripAsciiWhitespace(kv.second));
  }
  return absl::OkStatus();
}

bool ChildProcess::Reap(bool block, int* exit_status) {
  int wait_status = 0;
  pid_t reaped;
  do {
    reaped = waitpid(pid_, &wait_status, block ? 0 : WNOHANG);
  } while (reaped < 0 && errno == EINTR);
  if (reaped == 0) return false;
  // reaped < 0: no such child any more; nothing is left to wait for.
  *exit_status = reaped == pid_ ? ExitStatusOf(wait_status) : -1;
  pid_ = -1;
  return true;
}

absl::StatusOr<int> ChildProcess::Wait(absl::Duration timeout) {
  if (!running()) {
    return absl::FailedPreconditionError(absl::StrCat(options_.name, " is not running"));
  }
  const absl::Time deadline = absl::Now() + timeout;
  int exit_status = 0;
  while (!Reap(/*block=*/false, &exit_status)) {
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(options_.name, " did not exit within ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(kPollInterval);
  }
  return exit_status;
}

absl::StatusOr<int> ChildProcess::Terminate(absl::Duration timeout) {
  if (!running()) {
    return absl::FailedPreconditionError(absl::StrCat(options_.name, " is not running"));
  }
  kill(pid_, SIGTERM);
  absl::StatusOr<int> exit_status = Wait(timeout);
  if (absl::IsDeadlineExceeded(exit_status.status())) {
    Kill().IgnoreError();
    return WithLog(absl::DeadlineExceededError(absl::StrCat(
        options_.name, " did not exit within ", absl::FormatDuration(timeout), " of SIGTERM")));
  }
  return exit_status;
}

absl::Status ChildProcess::Kill() {
  if (!running()) return absl::OkStatus();
  if (kill(pid_, SIGKILL) != 0 && errno != ESRCH) {
    return Errno(absl::StrCat("kill ", pid_));
  }
  int exit_status = 0;
  Reap(/*block=*/true, &exit_status);
  return absl::OkStatus();
}

absl::StatusOr<int> ChildProcess::ReadyInt(absl::string_view key) const {
  auto it = ready_.find(key);
  int value = 0;
  if (it == ready_.end() || !absl::SimpleAtoi(it->second, &value)) {
    return absl::NotFoundError(
        absl::StrCat("no integer ", key, " in ", options_.name, "'s ready file"));
  }
  return value;
}

std::string ChildProcess::LogTail(size_t max_bytes) const {
  const std::string log = ReadFrom(options_.log_path, 0);
  if (log.size() <= max_bytes) return log;
  return absl::StrCat("...", log.substr(log.size() - max_bytes));
}

absl::Status ChildProcess::WithLog(const absl::Status& status) const {
  if (status.ok()) return status;
  return absl::Status(
      status.code(),
      absl::StrCat(status.message(), "\n", options_.name, " log: ", options_.log_path,
                   "\n--- last lines of the log ---\n", LogTail(), "\n---"));
}

}  // namespace wallet::testing
